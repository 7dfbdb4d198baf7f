/**
 * `build/<mode>/results.json`: every notebook's numeric results (src/report/results.ts) in one file,
 * with the run's back end, seed, mode, date and git revision. Used by the main job (scripts/main.ts).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { NotebookResults, Result } from '../src/report/results';

/** One row of results.json: a result with its notebook, every field present (null when not given). */
export interface ResultEntry {
  notebook: string;
  name: string;
  value: number;
  unit: string | null;
  seeds: number[] | null;
  spread: number | null;
  values: number[] | null;
}

/** Content of results.json. */
export interface ResultsFile {
  mode: 'quick' | 'full';
  /** Back end(s) the notebooks run this time reported, comma-separated; null when none reported one. */
  backend: string | null;
  seed: number;
  /** When the file was written, ISO 8601. */
  date: string;
  /** `git rev-parse HEAD`, or null outside a git checkout. */
  revision: string | null;
  results: ResultEntry[];
}

/**
 * Turns one notebook's results into results.json rows.
 *
 * @example toEntries('03_quantization', [{ name: 'bytes', value: 812 }])[0].unit // null
 * @param notebook The notebook's name.
 * @param results What it recorded.
 * @returns One row per result, in the same order.
 */
export function toEntries(notebook: string, results: readonly Result[]): ResultEntry[] {
  return results.map((r) => ({
    notebook,
    name: r.name,
    value: r.value,
    unit: r.unit ?? null,
    seeds: r.seeds ?? null,
    spread: r.spread ?? null,
    values: r.values ?? null,
  }));
}

/**
 * Merges this run's results into the previous file's rows: a notebook run this time replaces all of its
 * earlier rows (even with none, when it no longer records any), a notebook not run keeps its rows, and a
 * notebook no longer in the course is dropped. Rows follow the course order, then recording order.
 *
 * @example mergeResults([], { '00_seed_example': [{ name: 'x', value: 1 }] }, ['00_seed_example']).length // 1
 * @param previous Rows of the previous results.json (empty when there is none).
 * @param fresh Results of the notebooks run this time, by notebook name.
 * @param notebooks The course's notebooks, in order.
 * @returns The merged rows.
 */
export function mergeResults(previous: readonly ResultEntry[], fresh: Readonly<Record<string, readonly Result[]>>, notebooks: readonly string[]): ResultEntry[] {
  return notebooks.flatMap((name) =>
    Object.prototype.hasOwnProperty.call(fresh, name) ? toEntries(name, fresh[name]) : previous.filter((e) => e.notebook === name),
  );
}

/**
 * Reads the results file one notebook wrote while it ran.
 *
 * @example readNotebookResults('build/quick', '00_seed_example')?.results.length
 * @param outDir The run's output folder.
 * @param notebook The notebook's name.
 * @returns Its content, or undefined when the notebook recorded no result.
 */
export function readNotebookResults(outDir: string, notebook: string): NotebookResults | undefined {
  const file = path.join(outDir, 'results', `${notebook}.json`);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as NotebookResults) : undefined;
}

/**
 * The rows of an existing results.json, tolerating a missing or unreadable file.
 *
 * @example readPreviousResults('build/full/results.json').length
 * @param file Path of results.json.
 * @returns Its rows, or an empty list.
 */
export function readPreviousResults(file: string): ResultEntry[] {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ResultsFile>;
    return Array.isArray(parsed.results) ? parsed.results : [];
  } catch {
    return [];
  }
}

/**
 * The checked-out git revision.
 *
 * @example gitRevision('/work/main') // '84a4716…'
 * @param cwd A folder inside the checkout.
 * @returns The full hash, or null when git or the checkout is missing.
 */
export function gitRevision(cwd: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
  } catch {
    return null;
  }
}
