/**
 * Checking training options and filling in their defaults.
 */
import * as tf from '@tensorflow/tfjs';
import type { SequenceDataset } from '../data/types';
import { checkPositiveInteger, checkPositiveNumber, checkSeed } from '../models/checks';
import { progressReporter } from './progress';
import type { TrainOptions } from './types';

/** Default clipping norm of language models (exploding gradients over long character sequences). */
export const DEFAULT_LM_CLIP_NORM = 5;

/** The numeric and boolean training settings with defaults filled in: what identifies a run. */
export interface ResolvedTrainSettings {
  numEpochs: number;
  batchSize: number;
  learningRate: number;
  clipNorm: number | null;
  seed: number;
  shuffle: boolean;
  validationBatchSize: number;
  fastRecurrence: boolean;
}

function checkFunction(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${name} must be a function, got ${typeof value}`);
}

/**
 * Checks every option of `train` and fills in the defaults of the settings.
 *
 * @example resolveTrainSettings(dataset, { numEpochs: 3 }).batchSize // 32
 * @param dataset The dataset (its task decides the default clipNorm).
 * @param options The options as given.
 * @returns The settings with defaults.
 * @throws TypeError for a value of the wrong kind; RangeError for a value out of range.
 */
export function resolveTrainSettings(dataset: SequenceDataset, options: TrainOptions): ResolvedTrainSettings {
  if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object, got ${options}`);
  const {
    numEpochs = 10,
    batchSize = 32,
    learningRate = 0.001,
    clipNorm = dataset.task === 'language-model' ? DEFAULT_LM_CLIP_NORM : null,
    seed = 42,
    shuffle = true,
    validationBatchSize = 256,
    fastRecurrence = true,
  } = options;
  checkPositiveInteger('numEpochs', numEpochs);
  checkPositiveInteger('batchSize', batchSize);
  checkPositiveNumber('learningRate', learningRate);
  if (clipNorm !== null) checkPositiveNumber('clipNorm', clipNorm);
  checkSeed('seed', seed);
  if (typeof shuffle !== 'boolean') throw new TypeError(`shuffle must be a boolean, got ${typeof shuffle}`);
  checkPositiveInteger('validationBatchSize', validationBatchSize);
  if (typeof fastRecurrence !== 'boolean') throw new TypeError(`fastRecurrence must be a boolean, got ${typeof fastRecurrence}`);
  if (options.optimizer !== undefined && !(options.optimizer instanceof tf.Optimizer)) {
    throw new TypeError(`optimizer must be a tf.Optimizer, got ${typeof options.optimizer}`);
  }
  checkFunction('lossFn', options.lossFn);
  if (options.trainableVariables !== undefined) {
    const vars = options.trainableVariables;
    if (!Array.isArray(vars) || !vars.every((v) => v instanceof tf.Variable)) {
      throw new TypeError('trainableVariables must be an array of tf.Variable');
    }
  }
  progressReporter(options.progress ?? 'auto');
  return {
    numEpochs,
    batchSize,
    learningRate,
    clipNorm,
    seed,
    shuffle,
    validationBatchSize,
    fastRecurrence,
  };
}
