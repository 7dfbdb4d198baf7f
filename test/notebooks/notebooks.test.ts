/**
 * Executes every notebook in quick mode through the real Jupyter machinery (nbclient) with the
 * project's tslab kernel. A cell error fails the test and prints the failing cell's source and stderr.
 * The rendered HTML lands in build/quick/ for the browser check.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { listNotebooks, runNotebook, writeIndex, ROOT, NotebookRun } from '../../scripts/notebooks';

const outDir = path.join(ROOT, 'build', 'quick');
const runs: NotebookRun[] = [];

describe('notebooks (quick mode, tslab kernel)', () => {
  const names = listNotebooks();
  it('the course has notebooks to execute', () => {
    assert.ok(names.length > 0, 'notebooks/ holds no .ipynb file');
  });
  for (const name of names) {
    it(`${name} executes top to bottom without a cell error`, async () => {
      const run = await runNotebook(name, { quick: true, outDir, timeoutSeconds: 900 });
      runs.push(run);
      if (!run.ok) console.error(run.log);
      assert.ok(run.ok, `${name} failed; see the cell source and stderr above`);
      const nb = JSON.parse(fs.readFileSync(run.executed, 'utf8'));
      const code = nb.cells.filter((c: { cell_type: string }) => c.cell_type === 'code');
      const errors = code.flatMap((c: { outputs: { output_type: string }[] }) => c.outputs.filter((o) => o.output_type === 'error'));
      assert.equal(errors.length, 0, 'an executed cell holds an error output');
      const withOutput = code.filter((c: { outputs: unknown[] }) => c.outputs.length > 0).length;
      assert.ok(withOutput > 0, 'no code cell produced any output: the kernel did not run the cells');
      assert.ok(fs.statSync(run.html).size > 0, 'the HTML copy is empty');
    });
  }
  after(() => {
    if (runs.length) writeIndex(runs, outDir, { quick: true });
  });
});
