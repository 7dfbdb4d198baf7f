/**
 * Train once, then load: trained models are kept under `.cache/models` in the standard tfjs
 * format, keyed by everything that decides the weights (dataset identity and sizes, architecture,
 * training settings, and a fingerprint of the code that trains), so notebooks and benchmarks reuse
 * them across runs.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { SequenceDataset } from '../data/types';
import { buildModelFor, resolveSpec, specKey } from '../models/spec';
import { loadModel, MODEL_JSON, saveModel } from '../models/io';
import type { ModelSpec } from '../models/types';
import { checkDatasetShapes, checkModelFitsDataset } from './batches';
import { earlyStopping, resolveEarlyStopping, type EarlyStoppingOptions } from './callbacks';
import { codeFingerprint, TRAINING_CODE_AREAS } from './code-fingerprint';
import { resolveTrainSettings } from './options';
import { autoPrints } from './progress';
import { projectRoot } from './project-root';
import { train } from './train';
import type { History, TrainOptions } from './types';

/** Bump when the meaning of cached files changes, to ignore older entries. */
export const CACHE_FORMAT_VERSION = 1;

/** Environment variable that forces retraining when set to `1`. */
export const RETRAIN_ENV_VAR = 'RNNC_RETRAIN';

/** Default cache folder: `<project>/.cache/models`. */
export const DEFAULT_MODEL_CACHE_DIR = path.join(projectRoot(), '.cache', 'models');

const HISTORY_JSON = 'history.json';
const META_JSON = 'meta.json';

/**
 * Training options that can be part of a cache key: callbacks, functions and optimizer objects
 * cannot, so such training goes through `train` and `saveModel` directly. Early stopping is the
 * exception: its options are data, and `trainOrLoad` makes the callback.
 */
export type CacheableTrainOptions = Omit<TrainOptions, 'callbacks' | 'lossFn' | 'trainableVariables' | 'optimizer'> & {
  /** Early stopping on the validation split, given as data so that it can be part of the key. */
  earlyStopping?: EarlyStoppingOptions;
};

/** Options of {@link trainOrLoad}. */
export interface CacheOptions {
  /**
   * Folder holding one sub-folder per trained model.
   * @default '<project>/.cache/models'
   */
  cacheDir?: string;
  /**
   * Train even when a cached model exists, and replace it.
   * @default process.env.RNNC_RETRAIN === '1'
   */
  retrain?: boolean;
  /**
   * Extra text mixed into the key, to keep variants of one setting apart.
   * @default ''
   */
  tag?: string;
}

/** What {@link trainOrLoad} returns. */
export interface TrainOrLoadResult {
  model: tf.LayersModel;
  /** The history of the training run that produced the weights (also when loaded). */
  history: History;
  fromCache: boolean;
  /** The cache entry's folder. */
  dir: string;
  /** The cache key: `<specKey>-<hash>`. */
  key: string;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A hash of up to 4096 evenly spaced values of an array: cheap, and catches changed preprocessing. */
function sampleHash(values: Float32Array): string {
  const count = Math.min(values.length, 4096);
  const sample = new Float32Array(count);
  for (let i = 0; i < count; i++) sample[i] = values[Math.floor((i * values.length) / count)];
  return createHash('sha256').update(new Uint8Array(sample.buffer)).digest('hex').slice(0, 16);
}

/**
 * What identifies a dataset in a cache key: name, task, seed, shapes, split sizes, output size and
 * a hash of a sample of its values.
 *
 * @example datasetIdentity(mnist).sizes // [50000, 10000, 10000]
 * @param dataset The dataset (shapes checked by the caller).
 * @returns A JSON object.
 * @throws Nothing for a dataset whose shapes were checked.
 */
export function datasetIdentity(dataset: SequenceDataset): Record<string, unknown> {
  const sizeOf = { classification: 'numClasses', 'language-model': 'vocabSize', forecasting: 'horizon' } as const;
  const outputKey = sizeOf[dataset.task];
  return {
    name: dataset.name,
    task: dataset.task,
    seed: dataset.seed,
    timeSteps: dataset.timeSteps,
    features: dataset.features,
    sizes: [dataset.train.size, dataset.validation.size, dataset.test.size],
    [outputKey]: (dataset as unknown as Record<string, number>)[outputKey],
    sample: [dataset.train.x, dataset.train.y, dataset.validation.x, dataset.validation.y].map(sampleHash),
  };
}

/**
 * The cache key of a training run and what it was computed from.
 *
 * @example cacheKey(mnist, { cell: 'LSTM', units: 64 }, { numEpochs: 5 }).key // 'mnist-rows_lstm_u64_s42-3f2a...'
 * @param dataset The dataset.
 * @param spec The architecture.
 * @param trainOptions Training settings (defaults filled in before hashing).
 * @param tag Extra text mixed into the key.
 * @returns `{ key, material }`.
 * @throws TypeError / RangeError for a bad spec or bad options; Error when the project's `src`
 *   folder, whose code joins the key, cannot be found.
 */
export function cacheKey(dataset: SequenceDataset, spec: ModelSpec, trainOptions: CacheableTrainOptions = {}, tag = ''): { key: string; material: Record<string, unknown> } {
  const { earlyStopping: stopping, ...rest } = trainOptions;
  const settings = { ...resolveTrainSettings(dataset, rest), earlyStopping: stopping === undefined ? null : resolveEarlyStopping(stopping) };
  // The code joins the key: a change to training, models or data code trains again.
  const code = codeFingerprint(TRAINING_CODE_AREAS);
  const material = { format: CACHE_FORMAT_VERSION, dataset: datasetIdentity(dataset), spec: resolveSpec(spec, dataset), train: settings, tag, code };
  const hash = createHash('sha256').update(canonicalJson(material)).digest('hex').slice(0, 12);
  return { key: `${specKey(spec, dataset)}-${hash}`, material };
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(() => true, () => false);
}

async function loadEntry(dir: string, dataset: SequenceDataset): Promise<{ model: tf.LayersModel; history: History }> {
  // JSON has no NaN: validation values of runs without a validation split come back as null.
  const history = JSON.parse(await fs.readFile(path.join(dir, HISTORY_JSON), 'utf8'), (_key, value) => (value === null ? NaN : value)) as History;
  const model = await loadModel(dir);
  try {
    checkModelFitsDataset(model, dataset);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { model, history };
}

/**
 * Returns a trained model for a dataset and architecture: loaded from the cache when this exact
 * run was done before, otherwise built with `buildModelFor`, trained with `train` and saved
 * (model files in the standard tfjs format, plus `history.json` and `meta.json`).
 *
 * @example
 * const { model, history, fromCache } = await trainOrLoad(mnist, { cell: 'LSTM', units: 128 }, { numEpochs: 5 });
 * @param dataset The dataset.
 * @param spec The architecture.
 * @param trainOptions Training settings; see {@link CacheableTrainOptions}.
 * @param cacheOptions See {@link CacheOptions}.
 * @returns The model (caller disposes), its history and where it came from.
 * @throws TypeError when trainOptions holds callbacks, a custom loss, variables or an optimizer;
 *   TypeError / RangeError for a bad spec, options or dataset.
 */
export async function trainOrLoad(
  dataset: SequenceDataset,
  spec: ModelSpec,
  trainOptions: CacheableTrainOptions = {},
  cacheOptions: CacheOptions = {},
): Promise<TrainOrLoadResult> {
  const { cacheDir = DEFAULT_MODEL_CACHE_DIR, retrain = process.env[RETRAIN_ENV_VAR] === '1', tag = '' } = cacheOptions;
  for (const name of ['callbacks', 'lossFn', 'trainableVariables', 'optimizer']) {
    if ((trainOptions as Record<string, unknown>)[name] !== undefined) {
      throw new TypeError(`trainOrLoad cannot cache a run with ${name} (it is not part of the cache key); use train() and saveModel() instead`);
    }
  }
  if (typeof cacheDir !== 'string' || cacheDir.length === 0) throw new TypeError(`cacheDir must be a non-empty path string, got ${JSON.stringify(cacheDir)}`);
  checkDatasetShapes(dataset);
  const { key, material } = cacheKey(dataset, spec, trainOptions, tag);
  const dir = path.join(cacheDir, key);
  const progress = trainOptions.progress ?? 'auto';

  if (!retrain && (await exists(path.join(dir, MODEL_JSON))) && (await exists(path.join(dir, HISTORY_JSON)))) {
    try {
      const { model, history } = await loadEntry(dir, dataset);
      if (progress === 'auto' && autoPrints()) {
        console.log(`loaded ${key} from the model cache (trained ${history.epochs.length} epochs in ${history.totalSeconds.toFixed(1)} s)`);
      }
      return { model, history, fromCache: true, dir, key };
    } catch (err) {
      console.warn(`model cache entry ${dir} could not be loaded (${(err as Error).message}); training again`);
    }
  }

  const model = buildModelFor(dataset, spec);
  let history: History;
  try {
    const { earlyStopping: stopping, ...rest } = trainOptions;
    history = await train(model, dataset, { ...rest, callbacks: stopping === undefined ? [] : [earlyStopping(stopping)] });
    // Written next to the entry, then renamed into place: an interrupted run leaves no half entry.
    const tmp = `${dir}.tmp-${process.pid}`;
    await fs.rm(tmp, { recursive: true, force: true });
    await saveModel(model, tmp);
    await fs.writeFile(path.join(tmp, HISTORY_JSON), JSON.stringify(history, null, 1));
    await fs.writeFile(path.join(tmp, META_JSON), JSON.stringify({ key, ...material, savedAt: new Date().toISOString() }, null, 1));
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rename(tmp, dir);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { model, history, fromCache: false, dir, key };
}
