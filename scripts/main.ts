/**
 * The main job (`npm start`): executes every notebook at full size with the tslab kernel, writes the
 * executed notebooks, offline HTML copies, runs.json and results.json into build/, shows each running
 * cell with an estimate of the time left, and prints a one-screen summary.
 * `--quick` runs the quick mode instead (as the tests do); `--only NAME[,NAME]` limits the notebooks.
 */
import * as fs from 'fs';
import * as path from 'path';
import { listNotebooks, runNotebook, writeIndex, ROOT } from './notebooks';
import type { NotebookRun } from './notebooks';
import { buildApiReference } from './api-docs.mjs';
import { ProgressView } from './progress';
import { gitRevision, mergeResults, readNotebookResults, readPreviousResults } from './results';
import type { ResultsFile } from './results';
import { runConfig } from '../src/report/config';
import type { Result } from '../src/report/results';

/**
 * The back end the notebooks ran on: the ones their results files name, else the one this environment
 * selects, which is what the notebooks' `initBackend()` picks too.
 */
async function runBackend(reported: (string | null)[]): Promise<string | null> {
  const names = [...new Set(reported.filter((b): b is string => !!b))];
  if (names.length > 0) return names.join(', ');
  try {
    const { initBackend } = await import('../src/backend/index');
    return (await initBackend()).name;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick') || process.env.RNNC_QUICK === '1';
  const onlyIdx = args.indexOf('--only');
  const only = onlyIdx >= 0 ? args[onlyIdx + 1].split(',') : undefined;
  const outDir = path.join(ROOT, 'build', quick ? 'quick' : 'full');
  const names = listNotebooks().filter((n) => !only || only.some((o) => n.startsWith(o)));
  if (names.length === 0) throw new RangeError(`--only must match a notebook name, got ${JSON.stringify(only)}`);
  console.log(`Executing ${names.length} notebooks (${quick ? 'quick mode' : 'full size'}) into ${path.relative(ROOT, outDir)}/`);
  const recordFile = path.join(outDir, 'runs.json');
  const previous: NotebookRun[] = fs.existsSync(recordFile) ? JSON.parse(fs.readFileSync(recordFile, 'utf8')) : [];
  const runs: NotebookRun[] = [];
  const fresh: Record<string, Result[]> = {};
  const reportedBackends: (string | null)[] = [];
  for (const name of names) {
    // The previous run's cell times give the estimate of the time left (see estimateRemaining).
    const view = new ProgressView(name, previous.find((r) => r.name === name)?.cellSeconds);
    const run = await runNotebook(name, { quick, outDir, onProgress: (event) => view.update(event) });
    view.finish(run.ok ? `ok (${run.seconds.toFixed(0)} s)` : `FAILED (${run.seconds.toFixed(0)} s)`);
    if (!run.ok) console.log(run.log);
    runs.push(run);
    const results = readNotebookResults(outDir, name);
    fresh[name] = results?.results ?? [];
    if (results) reportedBackends.push(results.backend);
  }
  // Keep the records of notebooks not run this time (--only), so the index lists the whole course.
  const merged = listNotebooks()
    .map((name) => runs.find((r) => r.name === name) ?? previous.find((r) => r.name === name))
    .filter((r): r is NotebookRun => r !== undefined);
  fs.writeFileSync(recordFile, JSON.stringify(merged.map((r) => ({ ...r, log: r.ok ? '' : r.log })), null, 2));
  const resultsFile = path.join(outDir, 'results.json');
  const results: ResultsFile = {
    mode: quick ? 'quick' : 'full',
    backend: await runBackend(reportedBackends),
    seed: runConfig().seed,
    date: new Date().toISOString(),
    revision: gitRevision(ROOT),
    results: mergeResults(readPreviousResults(resultsFile), fresh, listNotebooks()),
  };
  fs.writeFileSync(resultsFile, JSON.stringify(results, null, 2));
  // The reference is a by-product: a failure to build it is reported, not fatal.
  let apiLine: string;
  try {
    const api = await buildApiReference(path.join(outDir, 'api'));
    apiLine = `API reference: ${path.relative(ROOT, api.file)} (${api.warnings} TypeDoc warnings; npm run docs lists them)`;
  } catch (err) {
    apiLine = `API reference not built: ${(err as Error).message}`;
  }
  const index = writeIndex(merged, outDir, { quick });
  console.log('\nSummary');
  for (const r of runs) {
    const heads = r.headlines.slice(0, 3).map((h) => `${h.label} ${typeof h.value === 'number' ? +h.value.toPrecision(4) : h.value}${h.unit ? ' ' + h.unit : ''}`);
    console.log(`  ${r.ok ? 'ok    ' : 'FAILED'} ${r.name.padEnd(28)} ${r.seconds.toFixed(0).padStart(5)} s  ${heads.join('; ')}`);
  }
  const total = runs.reduce((s, r) => s + r.seconds, 0);
  console.log(`\nTotal ${total.toFixed(0)} s. Executed notebooks: ${path.relative(ROOT, path.join(outDir, 'notebooks'))}/`);
  console.log(`HTML (offline, plots included): ${path.relative(ROOT, path.join(outDir, 'html'))}/   index: ${path.relative(ROOT, index)}`);
  console.log(`Numeric results (${results.results.length}): ${path.relative(ROOT, resultsFile)}`);
  console.log(apiLine);
  if (runs.some((r) => !r.ok)) process.exit(1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
