#!/usr/bin/env node
// `npm test`: provisions Jupyter and the kernelspec (scripts/setup.mjs), type-checks, then runs every
// test file under test/ with Node's test runner (TypeScript through tsx): unit tests first, then the
// notebook executions, then the browser check of the rendered notebooks, which needs their HTML.
// Arguments narrow the run to test files whose path contains one of them.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2);

function walk(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.test.ts') ? [p] : [];
  });
}

const order = ['unit', 'notebooks', 'browser'];
const files = walk(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort((a, b) => {
    const ra = order.findIndex((o) => a.startsWith(`test/${o}/`));
    const rb = order.findIndex((o) => b.startsWith(`test/${o}/`));
    return ra - rb || a.localeCompare(b);
  });

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

run(process.execPath, [join(root, 'scripts', 'setup.mjs'), ...(files.some((f) => f.startsWith('test/browser/')) ? ['--browser'] : [])]);
if (filters.length === 0) run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', 'tsconfig.json']);
if (files.length === 0) {
  console.error(`no test file matches ${JSON.stringify(filters)}`);
  process.exit(1);
}
// One file at a time: the notebook and browser tests depend on order, and the machine has 2 cores.
run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files]);
