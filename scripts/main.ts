/**
 * The main job (`npm start`): executes every notebook at full size with the tslab kernel, writes the
 * executed notebooks and offline HTML copies into build/, and prints a one-screen summary.
 * `--quick` runs the quick mode instead (as the tests do); `--only NAME[,NAME]` limits the notebooks.
 */
import * as fs from 'fs';
import * as path from 'path';
import { listNotebooks, runNotebook, writeIndex, ROOT } from './notebooks';
import type { NotebookRun } from './notebooks';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick') || process.env.RNNC_QUICK === '1';
  const onlyIdx = args.indexOf('--only');
  const only = onlyIdx >= 0 ? args[onlyIdx + 1].split(',') : undefined;
  const outDir = path.join(ROOT, 'build', quick ? 'quick' : 'full');
  const names = listNotebooks().filter((n) => !only || only.some((o) => n.startsWith(o)));
  if (names.length === 0) throw new RangeError(`--only must match a notebook name, got ${JSON.stringify(only)}`);
  console.log(`Executing ${names.length} notebooks (${quick ? 'quick mode' : 'full size'}) into ${path.relative(ROOT, outDir)}/`);
  const runs: NotebookRun[] = [];
  for (const name of names) {
    process.stdout.write(`- ${name} ... `);
    const run = await runNotebook(name, { quick, outDir });
    console.log(run.ok ? `ok (${run.seconds.toFixed(0)} s)` : `FAILED (${run.seconds.toFixed(0)} s)`);
    if (!run.ok) console.log(run.log);
    runs.push(run);
  }
  // Keep the records of notebooks not run this time (--only), so the index lists the whole course.
  const recordFile = path.join(outDir, 'runs.json');
  const previous: NotebookRun[] = fs.existsSync(recordFile) ? JSON.parse(fs.readFileSync(recordFile, 'utf8')) : [];
  const merged = listNotebooks()
    .map((name) => runs.find((r) => r.name === name) ?? previous.find((r) => r.name === name))
    .filter((r): r is NotebookRun => r !== undefined);
  fs.writeFileSync(recordFile, JSON.stringify(merged.map((r) => ({ ...r, log: r.ok ? '' : r.log })), null, 2));
  const index = writeIndex(merged, outDir, { quick });
  console.log('\nSummary');
  for (const r of runs) {
    const heads = r.headlines.slice(0, 3).map((h) => `${h.label} ${typeof h.value === 'number' ? +h.value.toPrecision(4) : h.value}${h.unit ? ' ' + h.unit : ''}`);
    console.log(`  ${r.ok ? 'ok    ' : 'FAILED'} ${r.name.padEnd(28)} ${r.seconds.toFixed(0).padStart(5)} s  ${heads.join('; ')}`);
  }
  const total = runs.reduce((s, r) => s + r.seconds, 0);
  console.log(`\nTotal ${total.toFixed(0)} s. Executed notebooks: ${path.relative(ROOT, path.join(outDir, 'notebooks'))}/`);
  console.log(`HTML (offline, plots included): ${path.relative(ROOT, path.join(outDir, 'html'))}/   index: ${path.relative(ROOT, index)}`);
  if (runs.some((r) => !r.ok)) process.exit(1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
