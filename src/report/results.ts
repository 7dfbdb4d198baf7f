/**
 * Numeric results: the machine-readable companion of headlines. A headline is text for a person
 * (`'98.1 → 97.4'`); a result is one number with its unit and, when it comes from several seeds, the
 * seeds, the per-seed values and their spread, so that runs can be compared by a program. The main
 * job gathers every notebook's results into `build/<mode>/results.json`.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { runConfig } from './config';

/** Options of {@link recordResult}. */
export interface ResultOptions {
  /** Unit of the value (`'%'`, `'bytes'`, `'ms'`); omit for a plain ratio or count. @default undefined */
  unit?: string;
  /** The seeds the value comes from, one per run. @default undefined */
  seeds?: readonly number[];
  /** Spread across seeds, for instance the standard deviation; non-negative. @default undefined */
  spread?: number;
  /** The per-seed values, in the order of `seeds` when both are given. @default undefined */
  values?: readonly number[];
}

/** One recorded result. Fields left out of the options are absent. */
export interface Result {
  name: string;
  value: number;
  unit?: string;
  seeds?: number[];
  spread?: number;
  values?: number[];
}

/** Content of `<outputDir>/results/<notebook>.json`. */
export interface NotebookResults {
  notebook: string;
  /** The tfjs back end active when the last result was recorded, or null when none was set. */
  backend: string | null;
  seed: number;
  quick: boolean;
  results: Result[];
}

const recorded: Result[] = [];

function checkNumberList(list: unknown, name: string, rule: 'integer' | 'finite'): number[] {
  if (!Array.isArray(list)) throw new TypeError(`${name} must be an array of numbers, got ${JSON.stringify(list)}`);
  list.forEach((v, i) => {
    if (typeof v !== 'number') throw new TypeError(`${name}[${i}] must be a number, got ${JSON.stringify(v)}`);
    if (rule === 'integer' && !Number.isInteger(v)) throw new RangeError(`${name}[${i}] must be an integer, got ${v}`);
    if (!Number.isFinite(v)) throw new RangeError(`${name}[${i}] must be a finite number, got ${v}`);
  });
  return list.slice();
}

/**
 * Checks a result's name, value and options and returns the record, without recording it.
 *
 * @example validateResult('test accuracy', 0.981, { unit: '' }) // { name: 'test accuracy', value: 0.981, unit: '' }
 * @param name What the number is; non-empty.
 * @param value The number; finite.
 * @param options Unit, seeds, spread and per-seed values; see {@link ResultOptions}.
 * @returns The result, with copies of the lists.
 * @throws TypeError when the name is not a non-empty string, the value or spread is not a number, the
 *   unit is not a string, or seeds/values are not arrays of numbers.
 * @throws RangeError when a number is not finite, a seed is not an integer, seeds repeat, the spread is
 *   negative, or seeds and values differ in length.
 */
export function validateResult(name: string, value: number, options: ResultOptions = {}): Result {
  if (typeof name !== 'string' || name.trim() === '') throw new TypeError(`name must be a non-empty string, got ${JSON.stringify(name)}`);
  if (typeof value !== 'number') throw new TypeError(`value must be a number, got ${JSON.stringify(value)}`);
  if (!Number.isFinite(value)) throw new RangeError(`value must be a finite number, got ${value}`);
  if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object, got ${JSON.stringify(options)}`);
  const { unit, seeds, spread, values } = options;
  const result: Result = { name, value };
  if (unit !== undefined) {
    if (typeof unit !== 'string') throw new TypeError(`unit must be a string, got ${JSON.stringify(unit)}`);
    result.unit = unit;
  }
  if (seeds !== undefined) {
    result.seeds = checkNumberList(seeds, 'seeds', 'integer');
    if (new Set(result.seeds).size !== result.seeds.length) throw new RangeError(`seeds must be distinct, got ${JSON.stringify(result.seeds)}`);
  }
  if (spread !== undefined) {
    if (typeof spread !== 'number') throw new TypeError(`spread must be a number, got ${JSON.stringify(spread)}`);
    if (!Number.isFinite(spread) || spread < 0) throw new RangeError(`spread must be a finite number >= 0, got ${spread}`);
    result.spread = spread;
  }
  if (values !== undefined) {
    result.values = checkNumberList(values, 'values', 'finite');
    if (result.seeds && result.seeds.length !== result.values.length) {
      throw new RangeError(`values must have one entry per seed (${result.seeds.length}), got ${result.values.length}`);
    }
  }
  return result;
}

/**
 * Records a numeric result; when the notebook runs under the project's runner the results recorded so
 * far are written to `<outputDir>/results/<notebook>.json`. Recording a name again replaces it.
 *
 * @example
 * recordResult('MNIST LSTM test accuracy', 98.1, { unit: '%', seeds: [1, 2, 3], values: [98.0, 98.3, 98.0], spread: 0.14 });
 * @param name What the number is; non-empty.
 * @param value The number; finite.
 * @param options Unit, seeds, spread and per-seed values; see {@link ResultOptions}.
 * @returns Nothing.
 * @throws TypeError and RangeError as {@link validateResult}; a rejected call records nothing.
 */
export function recordResult(name: string, value: number, options: ResultOptions = {}): void {
  const result = validateResult(name, value, options);
  const { notebook, outputDir, seed, quick } = runConfig();
  const i = recorded.findIndex((r) => r.name === name);
  if (i >= 0) recorded[i] = result;
  else recorded.push(result);
  if (notebook && outputDir) {
    const dir = path.join(outputDir, 'results');
    fs.mkdirSync(dir, { recursive: true });
    // getBackend() reads the engine's current name without initialising a back end.
    const file: NotebookResults = { notebook, backend: tf.getBackend() ?? null, seed, quick, results: recorded };
    fs.writeFileSync(path.join(dir, `${notebook}.json`), JSON.stringify(file, null, 2));
  }
}

/**
 * The results recorded so far in this process.
 *
 * @example recordedResults().map((r) => r.name)
 * @returns A copy of the list.
 */
export function recordedResults(): Result[] {
  return recorded.map((r) => ({ ...r }));
}
