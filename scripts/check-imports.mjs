#!/usr/bin/env node
// tslab (the notebook kernel) resolves `import ... from './x'` only to a file `x.ts`/`x.js`, never to a
// folder's index, so every relative import in src/ must name a file: `'../core/index'`, not `'../core'`.
// Lists offenders; with --fix rewrites them. Run by the unit tests (test/unit/imports.test.ts).
import { readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname, resolve, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fix = process.argv.includes('--fix');

function walk(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

export function folderImports(file) {
  const src = readFileSync(file, 'utf8');
  const hits = [];
  const re = /(from\s+|require\(|import\()(['"])(\.{1,2}(?:\/[^'"]*)?)\2/g;
  let m;
  while ((m = re.exec(src))) {
    const target = resolve(dirname(file), m[3]);
    if (existsSync(target) && statSync(target).isDirectory() && existsSync(join(target, 'index.ts'))) hits.push(m[3]);
  }
  return hits;
}

const offenders = [];
for (const file of walk(join(root, 'src'))) {
  const hits = folderImports(file);
  if (!hits.length) continue;
  offenders.push(`${relative(root, file)}: ${hits.join(', ')}`);
  if (fix) {
    let src = readFileSync(file, 'utf8');
    for (const h of new Set(hits)) {
      src = src.split(`'${h}'`).join(`'${h.replace(/\/$/, '')}/index'`).split(`"${h}"`).join(`"${h.replace(/\/$/, '')}/index"`);
    }
    writeFileSync(file, src);
  }
}
if (offenders.length) {
  console.log(`${fix ? 'fixed' : 'folder imports (tslab cannot resolve them)'}:\n  ${offenders.join('\n  ')}`);
  if (!fix) process.exit(1);
}
