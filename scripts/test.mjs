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
  .filter((f) => order.some((o) => relative(root, f).startsWith(`test/${o}/`)))
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
// One group after the other, in order: the browser check reads the HTML the notebook tests write
// (node's runner does not keep the order of the files it is given). Every group runs even when an
// earlier one failed, so one run shows every failure; the exit status is non-zero if any failed.
let failed = false;
for (const group of order) {
  const inGroup = files.filter((f) => f.startsWith(`test/${group}/`));
  if (inGroup.length === 0) continue;
  console.log(`\n=== test/${group}: ${inGroup.length} file(s) ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...inGroup], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
