import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as path from 'path';

// tslab resolves relative imports only to files, so a folder import in src/ breaks every notebook
// that reaches it (the unit tests, run through tsx, would not notice).
it('no module in src/ imports a folder instead of a file', () => {
  const root = path.resolve(__dirname, '..', '..');
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'check-imports.mjs')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
