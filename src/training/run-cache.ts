/**
 * Compute once, then reuse: an experiment's result (accuracies, bytes, seconds, step counts) and,
 * when asked, its model are kept under `.cache/runs/<tag>/`, keyed by the run's configuration, its
 * dataset and a fingerprint of the library's code, so that a rerun with a warm cache is fast and a
 * change to any of them computes again.
 *
 * The key knows only what it is given: the configuration must hold everything that decides the
 * result and is not in the library's `src` (the seed, the settings, and a version of any code
 * written in the notebook itself).
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import type { SequenceDataset } from '../data/types';
import { loadModel, saveModel } from '../models/io';
import { checkDatasetShapes } from './batches';
import { datasetIdentity, RETRAIN_ENV_VAR } from './cache';
import { codeFingerprint } from './code-fingerprint';
import { canonicalJson, checkJson } from './json-value';
import type { JsonValue } from './json-value';
import { projectRoot } from './project-root';

/** Bump when the meaning of stored runs changes, to ignore older entries. */
export const RUN_CACHE_FORMAT_VERSION = 1;

/** Default folder of the run cache: `<project>/.cache/runs`. */
export const DEFAULT_RUN_CACHE_DIR = path.join(projectRoot(), '.cache', 'runs');

/** File of a model run's record, beside the model files in its folder. */
const RUN_JSON = 'run.json';

const TAG = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const TASKS = ['classification', 'language-model', 'forecasting'];

/** Options of {@link cachedRun}, {@link cachedModelRun} and {@link runCacheKey}. */
export interface RunCacheOptions {
  /**
   * Names the experiment, and the folder of its entries: letters, digits, `.`, `_` and `-`.
   */
  tag: string;
  /**
   * The dataset the run reads; its identity (name, task, seed, shapes, split sizes and a hash of
   * a sample of its values) joins the key.
   * @default undefined (no dataset in the key)
   */
  dataset?: SequenceDataset;
  /**
   * Folder holding one sub-folder per tag.
   * @default '<project>/.cache/runs'
   */
  dir?: string;
  /**
   * Compute even when a stored result exists, and replace it.
   * @default process.env.RNNC_RETRAIN === '1'
   */
  retrain?: boolean;
}

/** What a run's key is made from; stored with the result, and compared on every read. */
export interface RunKeyParts {
  format: number;
  tag: string;
  config: JsonValue;
  /** The dataset's identity, or null when the run was given none. */
  dataset: JsonValue;
  /** {@link codeFingerprint} of every `src` area except `plots` and `report`. */
  code: string;
}

/** What {@link cachedRun} returns. */
export interface CachedRun<T> {
  /** The result: computed now, or read back (equal as JSON, NaN and ±Infinity included). */
  value: T;
  cached: boolean;
  /** Seconds the computation took when it ran, also when the result was read back. */
  seconds: number;
  /** 16 hexadecimal characters. */
  key: string;
  /** The entry's file, `<dir>/<tag>/<key>.json`. */
  file: string;
}

/** What {@link cachedModelRun} returns. */
export interface CachedModelRun<T> {
  /** The model: the one computed now, or a copy loaded from the cache. The caller disposes it. */
  model: tf.LayersModel;
  value: T;
  cached: boolean;
  seconds: number;
  key: string;
  /** The entry's folder, `<dir>/<tag>/<key>/`: model files and `run.json`. */
  dir: string;
}

type NonFiniteName = 'NaN' | 'Infinity' | '-Infinity';

/** A non-finite number of a result: where it sits, and which one (JSON text cannot hold it). */
type NonFinite = [at: (string | number)[], name: NonFiniteName];

interface Stored {
  value: unknown;
  seconds: number;
}

function checkOptionsObject(options: unknown): asserts options is RunCacheOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`options must be an object with a tag, got ${options === null ? 'null' : typeof options}`);
  }
}

/**
 * The key of a run and what it was computed from: a sha256 of the canonical JSON of the format
 * version, the tag, the configuration, the dataset's identity and the code fingerprint.
 *
 * @example runCacheKey({ sparsity: 0.5, seed: 1 }, { tag: 'pruning' }).key // '9b1f0c3a5d7e2b64'
 * @param config The run's configuration: any JSON value, usually a plain object.
 * @param options `tag` and `dataset` of {@link RunCacheOptions}; the other fields are ignored.
 * @returns `{ key, parts }`.
 * @throws TypeError naming the path of a config value that is not JSON, for a tag that is not a
 *   string or a dataset that is not one; RangeError for a tag with other characters or a dataset
 *   whose splits have the wrong sizes.
 */
export function runCacheKey(config: unknown, options: Pick<RunCacheOptions, 'tag' | 'dataset'>): { key: string; parts: RunKeyParts } {
  checkOptionsObject(options);
  const { tag, dataset } = options;
  checkJson(config, 'config');
  if (typeof tag !== 'string') throw new TypeError(`tag must be a string, got ${typeof tag}`);
  if (!TAG.test(tag)) throw new RangeError(`tag must be letters, digits, '.', '_' or '-', starting with a letter or digit, got ${JSON.stringify(tag)}`);
  if (dataset !== undefined) {
    if (dataset === null || typeof dataset !== 'object' || !TASKS.includes((dataset as { task?: string }).task ?? '')) {
      throw new TypeError(`dataset must be a SequenceDataset (task ${TASKS.join(', ')}), got ${dataset === null ? 'null' : typeof dataset}`);
    }
    checkDatasetShapes(dataset);
  }
  const parts: RunKeyParts = {
    format: RUN_CACHE_FORMAT_VERSION,
    tag,
    config,
    dataset: dataset === undefined ? null : (datasetIdentity(dataset) as JsonValue),
    code: codeFingerprint(),
  };
  const key = createHash('sha256').update(canonicalJson(parts)).digest('hex').slice(0, 16);
  return { key, parts };
}

function checkStorage(compute: unknown, options: RunCacheOptions): { dir: string; retrain: boolean } {
  if (typeof compute !== 'function') throw new TypeError(`compute must be a function, got ${typeof compute}`);
  checkOptionsObject(options);
  const { dir = DEFAULT_RUN_CACHE_DIR, retrain = process.env[RETRAIN_ENV_VAR] === '1' } = options;
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError(`dir must be a non-empty path string, got ${JSON.stringify(dir)}`);
  if (typeof retrain !== 'boolean') throw new TypeError(`retrain must be a boolean, got ${typeof retrain}`);
  return { dir, retrain };
}

/** The stored text of a result; the result is checked first, so a bad one writes nothing. */
function recordText(key: string, parts: RunKeyParts, value: unknown, seconds: number): string {
  checkJson(value, 'result', { allowNonFinite: true });
  const nonFinite: NonFinite[] = [];
  const copy = (v: JsonValue, at: (string | number)[]): JsonValue => {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      nonFinite.push([at, String(v) as NonFiniteName]);
      return null;
    }
    if (Array.isArray(v)) return v.map((item, i) => copy(item, [...at, i]));
    // fromEntries defines properties, so even a key named __proto__ stays an ordinary key.
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.keys(v).map((k) => [k, copy(v[k], [...at, k])]));
    return v;
  };
  const json = copy(value, []);
  return JSON.stringify({ key, parts, value: json, nonFinite, seconds, createdAt: new Date().toISOString() }, null, 1);
}

function childOf(holder: unknown, step: unknown): unknown {
  if (Array.isArray(holder) && typeof step === 'number' && Number.isInteger(step) && step >= 0 && step < holder.length) return holder[step];
  if (holder !== null && typeof holder === 'object' && !Array.isArray(holder) && typeof step === 'string' && Object.prototype.hasOwnProperty.call(holder, step)) {
    return (holder as Record<string, unknown>)[step];
  }
  throw new Error('a non-finite number is recorded at a place the value does not have');
}

/** Puts the recorded non-finite numbers back where they were replaced by null. */
function restoreNonFinite(value: unknown, list: unknown): unknown {
  if (!Array.isArray(list)) throw new Error('its list of non-finite numbers is missing');
  let out = value;
  for (const item of list) {
    if (!Array.isArray(item) || item.length !== 2 || !Array.isArray(item[0]) || !['NaN', 'Infinity', '-Infinity'].includes(item[1] as string)) {
      throw new Error('its list of non-finite numbers is malformed');
    }
    const [at, name] = item as [unknown[], NonFiniteName];
    if (at.length === 0) {
      if (out !== null) throw new Error('a non-finite number is recorded at a place that is not null');
      out = Number(name);
      continue;
    }
    let holder: unknown = out;
    for (const step of at.slice(0, -1)) holder = childOf(holder, step);
    const last = at[at.length - 1];
    if (childOf(holder, last) !== null) throw new Error('a non-finite number is recorded at a place that is not null');
    (holder as Record<string | number, unknown>)[last as string | number] = Number(name);
  }
  return out;
}

/** Reads a stored result whose key parts equal this run's; undefined, with a warning when a file was there, otherwise. */
async function readStored(file: string, key: string, parts: RunKeyParts): Promise<Stored | undefined> {
  const unusable = (reason: string): undefined => {
    console.warn(`run cache entry ${file} is not usable (${reason}); computing again`);
    return undefined;
  };
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return unusable((err as Error).message);
  }
  let stored: Record<string, unknown>;
  try {
    stored = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return unusable('not valid JSON');
  }
  if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) return unusable('not a JSON object');
  let sameParts = false;
  try {
    sameParts = stored.key === key && canonicalJson(stored.parts) === canonicalJson(parts);
  } catch {
    // parts that are not JSON (1e999 parses as Infinity) are not this run's parts
  }
  if (!sameParts) return unusable("its key or key parts are not this run's");
  const { seconds, createdAt } = stored;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return unusable('seconds is not a number of seconds');
  if (typeof createdAt !== 'string') return unusable('createdAt is missing');
  if (!('value' in stored)) return unusable('the value is missing');
  try {
    checkJson(stored.value, 'value');
    return { value: restoreNonFinite(stored.value, stored.nonFinite), seconds };
  } catch (err) {
    return unusable((err as Error).message);
  }
}

function temporaryPath(target: string): string {
  return `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/**
 * Returns a run's result: read back when this exact run (configuration, tag, dataset, code) was
 * computed before, otherwise computed and stored in `<dir>/<tag>/<key>.json` as
 * `{ key, parts, value, nonFinite, seconds, createdAt }`. The file is written beside its place and
 * renamed into it, so an interrupted run leaves no half entry; a file that does not parse, or whose
 * key parts are not this run's, is treated as missing and replaced.
 *
 * @example
 * const { value, cached } = await cachedRun({ sparsity: 0.8, seed: 1 }, async () => {
 *   const model = await pruneAndFineTune(0.8, 1);
 *   return { accuracy: evaluate(model, mnist).accuracy, bytes: modelBytes(model) };
 * }, { tag: 'pruning-sweep', dataset: mnist });
 * @param config Everything that decides the result besides the dataset and the library's code:
 *   a JSON value (plain objects, arrays, finite numbers, strings, booleans, null).
 * @param compute Computes the result: a JSON value, in which NaN and ±Infinity are allowed and kept.
 * @param options See {@link RunCacheOptions}; `tag` is required.
 * @returns `{ value, cached, seconds, key, file }`.
 * @throws TypeError naming the path of a config value (`config.sparsity must be JSON ...`) or
 *   result value (`result.weights ...`) that is not JSON, or for bad options; RangeError for a bad
 *   tag or dataset; whatever compute throws (nothing is stored then).
 */
export async function cachedRun<T>(config: unknown, compute: () => T | Promise<T>, options: RunCacheOptions): Promise<CachedRun<T>> {
  const { dir, retrain } = checkStorage(compute, options);
  const { key, parts } = runCacheKey(config, options);
  const file = path.join(dir, options.tag, `${key}.json`);
  if (!retrain) {
    const stored = await readStored(file, key, parts);
    if (stored !== undefined) return { value: stored.value as T, cached: true, seconds: stored.seconds, key, file };
  }
  const start = performance.now();
  const value = await compute();
  const seconds = (performance.now() - start) / 1000;
  const text = recordText(key, parts, value, seconds);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = temporaryPath(file);
  try {
    await fs.writeFile(tmp, text);
    await fs.rename(tmp, file);
  } finally {
    await fs.rm(tmp, { force: true });
  }
  return { value, cached: false, seconds, key, file };
}

/**
 * {@link cachedRun} for a run that also produces a model worth keeping (a pruned, distilled or
 * quantization-aware trained model): the model is saved with `saveModel` beside the result, in
 * `<dir>/<tag>/<key>/` (model files and `run.json`), and loaded with `loadModel` when the run is
 * found. The folder is written under another name and renamed into place. A loaded model is not
 * compiled; models with custom layers need those layers registered before loading.
 *
 * @example
 * const { model, value, cached } = await cachedModelRun({ sparsity: 0.8, seed: 1 }, async () => {
 *   const pruned = await pruneAndFineTune(0.8, 1);
 *   return { model: pruned, result: { accuracy: evaluate(pruned, mnist).accuracy } };
 * }, { tag: 'pruned-models', dataset: mnist });
 * model.dispose();
 * @param config As for {@link cachedRun}.
 * @param compute Resolves to `{ model, result }`: a `tf.LayersModel` and a JSON result.
 * @param options See {@link RunCacheOptions}; `tag` is required.
 * @returns `{ model, value, cached, seconds, key, dir }`; the caller disposes the model.
 * @throws As {@link cachedRun}; TypeError when compute does not resolve to `{ model, result }` with
 *   a `tf.LayersModel` (a model it did return is disposed when storing fails).
 */
export async function cachedModelRun<T>(
  config: unknown,
  compute: () => Promise<{ model: tf.LayersModel; result: T }>,
  options: RunCacheOptions,
): Promise<CachedModelRun<T>> {
  const { dir, retrain } = checkStorage(compute, options);
  const { key, parts } = runCacheKey(config, options);
  const entry = path.join(dir, options.tag, key);
  if (!retrain) {
    const stored = await readStored(path.join(entry, RUN_JSON), key, parts);
    if (stored !== undefined) {
      try {
        const model = await loadModel(entry);
        return { model, value: stored.value as T, cached: true, seconds: stored.seconds, key, dir: entry };
      } catch (err) {
        console.warn(`run cache entry ${entry} holds no loadable model (${(err as Error).message}); computing again`);
      }
    }
  }
  const start = performance.now();
  const out = await compute();
  const seconds = (performance.now() - start) / 1000;
  const model = (out as { model?: unknown } | null | undefined)?.model;
  if (!(model instanceof tf.LayersModel)) {
    throw new TypeError(`compute must resolve to { model, result } with a tf.LayersModel as model, got ${model === undefined ? 'no model' : typeof model}`);
  }
  const tmp = temporaryPath(entry);
  try {
    const text = recordText(key, parts, out.result, seconds);
    await fs.mkdir(path.dirname(entry), { recursive: true });
    await saveModel(model, tmp);
    await fs.writeFile(path.join(tmp, RUN_JSON), text);
    await fs.rm(entry, { recursive: true, force: true });
    await fs.rename(tmp, entry);
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
  return { model, value: out.result, cached: false, seconds, key, dir: entry };
}
