/**
 * The course's baseline experiments: one place that fixes the data sizes, architectures and training
 * settings of the SimpleRNN, LSTM and GRU baselines on the three tasks, so that notebook 01 trains
 * them once and every later notebook loads the very same models from the cache (as teachers and as
 * inputs to compression) instead of retraining them.
 */
import type * as tf from '@tensorflow/tfjs';
import { loadCharCorpus, loadMnistRows, loadSeattleWeather } from '../data/index';
import type { SequenceDataset } from '../data/types';
import type { CellType, ModelSpec } from '../models/types';
import { runConfig } from '../report/config';
import { trainOrLoad } from '../training/cache';
import type { CacheableTrainOptions } from '../training/cache';
import type { History } from '../training/types';

/** The three tasks of the course. */
export type BaselineTask = 'mnist' | 'chars' | 'weather';

/** Task names, for validation and loops. */
export const BASELINE_TASKS: readonly BaselineTask[] = ['mnist', 'chars', 'weather'];

/** Cell types, in the order tables and plots list them. */
export const BASELINE_CELLS: readonly CellType[] = ['SimpleRNN', 'LSTM', 'GRU'];

/** Everything that defines one baseline. */
export interface BaselineConfig {
  task: BaselineTask;
  cell: CellType;
  quick: boolean;
  seed: number;
  /** Options passed to the task's data loader. */
  data: Record<string, number | boolean | undefined>;
  spec: ModelSpec;
  train: CacheableTrainOptions;
}

function checkTask(task: BaselineTask): void {
  if (!BASELINE_TASKS.includes(task)) throw new RangeError(`task must be one of ${BASELINE_TASKS.join(', ')}, got ${JSON.stringify(task)}`);
}

function checkCell(cell: CellType): void {
  if (!BASELINE_CELLS.includes(cell)) throw new RangeError(`cell must be one of ${BASELINE_CELLS.join(', ')}, got ${JSON.stringify(cell)}`);
}

/**
 * The settings of a baseline, at full size or in quick mode (`RNNC_QUICK=1`).
 *
 * Full size was chosen to fit a 2-core machine on the wasm back end: row-wise MNIST on all 55,000
 * training images with 64 units for 4 epochs, a 128-unit character model on 8,000 windows of 64
 * characters for 3 epochs, and a 32-unit forecaster with early stopping.
 *
 * @example const cfg = baselineConfig('mnist', 'LSTM'); cfg.spec.units // 64 (32 in quick mode)
 * @param task `mnist`, `chars` or `weather`.
 * @param cell `SimpleRNN`, `LSTM` or `GRU`.
 * @param options `quick` and `seed` override the environment (`RNNC_QUICK`, `RNNC_SEED`).
 * @returns The configuration.
 * @throws RangeError for an unknown task or cell.
 */
export function baselineConfig(task: BaselineTask, cell: CellType, options: { quick?: boolean; seed?: number } = {}): BaselineConfig {
  checkTask(task);
  checkCell(cell);
  const env = runConfig();
  const quick = options.quick ?? env.quick;
  const seed = options.seed ?? env.seed;
  const q = <T>(quickValue: T, fullValue: T): T => (quick ? quickValue : fullValue);
  if (task === 'mnist') {
    return {
      task, cell, quick, seed,
      data: { trainSize: q(1024, undefined), validationSize: q(256, 5000), testSize: q(512, undefined), seed },
      spec: { cell, units: q(32, 64), seed },
      train: { numEpochs: q(1, 4), batchSize: 64, learningRate: 2e-3, clipNorm: 5, seed },
    };
  }
  if (task === 'chars') {
    return {
      task, cell, quick, seed,
      data: { seqLength: 64, trainSize: q(256, 8000), validationSize: q(64, 1000), testSize: q(64, 1000), maxChars: q(200_000, undefined), seed },
      spec: { cell, units: q(32, 128), embeddingDim: 32, seed },
      train: { numEpochs: q(1, 3), batchSize: 64, learningRate: 3e-3, clipNorm: 5, seed },
    };
  }
  return {
    task, cell, quick, seed,
    data: { window: 30, horizon: 1, seed },
    spec: { cell, units: q(16, 32), seed },
    train: { numEpochs: q(2, 40), batchSize: 32, learningRate: 3e-3, clipNorm: 5, earlyStopping: quick ? undefined : { patience: 6 }, seed },
  };
}

const datasets = new Map<string, SequenceDataset>();

/**
 * Loads (and memoises per process) the dataset of a baseline configuration.
 *
 * @example const data = loadBaselineData(baselineConfig('weather', 'GRU'));
 * @param config From {@link baselineConfig}.
 * @returns The dataset.
 * @throws Whatever the loader throws for missing or corrupt files.
 */
export function loadBaselineData(config: BaselineConfig): SequenceDataset {
  const key = `${config.task}:${JSON.stringify(config.data)}`;
  let ds = datasets.get(key);
  if (!ds) {
    if (config.task === 'mnist') ds = loadMnistRows(config.data as Parameters<typeof loadMnistRows>[0]);
    else if (config.task === 'chars') ds = loadCharCorpus(config.data as Parameters<typeof loadCharCorpus>[0]);
    else ds = loadSeattleWeather(config.data as Parameters<typeof loadSeattleWeather>[0]);
    datasets.set(key, ds);
  }
  return ds;
}

/** A trained baseline. */
export interface Baseline {
  config: BaselineConfig;
  dataset: SequenceDataset;
  /** The trained model; the caller owns it (dispose it when done). */
  model: tf.LayersModel;
  history: History;
  fromCache: boolean;
}

/**
 * Trains a baseline, or loads it from the model cache when the same configuration was trained
 * before (`RNNC_RETRAIN=1` forces training).
 *
 * @example const { model, dataset } = await loadBaseline('mnist', 'LSTM');
 * @param task `mnist`, `chars` or `weather`.
 * @param cell `SimpleRNN`, `LSTM` or `GRU`.
 * @param options Overrides of quick mode and seed.
 * @returns The model, its dataset and its training history.
 * @throws RangeError for an unknown task or cell.
 */
export async function loadBaseline(task: BaselineTask, cell: CellType, options: { quick?: boolean; seed?: number } = {}): Promise<Baseline> {
  const config = baselineConfig(task, cell, options);
  const dataset = loadBaselineData(config);
  const { model, history, fromCache } = await trainOrLoad(dataset, config.spec, config.train);
  return { config, dataset, model, history, fromCache };
}
