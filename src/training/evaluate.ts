/**
 * Task metrics of a model on one split, computed in batches so memory stays bounded.
 */
import * as tf from '@tensorflow/tfjs';
import { fastApply } from '../fastrnn/index';
import type { ClassificationDataset, ForecastingDataset, LanguageModelDataset, SequenceDataset } from '../data/types';
import { checkOneOf, checkPositiveInteger } from '../models/checks';
import { checkDatasetShapes, checkModelFitsDataset, makeBatch, targetsPerSequence } from './batches';
import { SPLIT_NAMES } from '../data/split';
import type { SplitName } from '../data/split';

/** Metrics of a classifier. */
export interface ClassificationMetrics {
  /** Fraction of sequences whose largest logit is the true class. */
  accuracy: number;
  /** Mean softmax cross-entropy in nats. */
  crossEntropy: number;
}

/** Metrics of a character language model. */
export interface LanguageModelMetrics {
  /** Mean cross-entropy per character, in nats. */
  crossEntropy: number;
  /** exp(crossEntropy). */
  perplexity: number;
  /** crossEntropy / ln 2. */
  bitsPerChar: number;
}

/** Metrics of a forecaster. */
export interface ForecastingMetrics {
  /** Mean squared error in the target's original units (squared). */
  mse: number;
  /** Mean absolute error in the target's original units. */
  mae: number;
  /** Mean squared error of the normalised targets (the training loss). */
  normalizedMse: number;
}

/** Metrics of any task. */
export type Metrics = ClassificationMetrics | LanguageModelMetrics | ForecastingMetrics;

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /**
   * Sequences per forward pass.
   * @default 256
   */
  batchSize?: number;
}

/** Everything one pass over a split yields: the task loss, the history metric and all metrics. */
export interface SplitResult {
  /** The task loss (cross-entropy in nats, or normalised MSE). */
  loss: number;
  /** The history metric (accuracy, bits per character, MAE in original units). */
  metric: number;
  metrics: Metrics;
}

/**
 * One batched pass over a split; arguments are assumed checked.
 * @example const { loss, metric } = evaluateSplit(model, dataset, 'validation', 256);
 * @param model The model.
 * @param dataset The dataset.
 * @param split The split.
 * @param batchSize Sequences per pass.
 * @returns Loss, metric and metrics.
 */
export function evaluateSplit(model: tf.LayersModel, dataset: SequenceDataset, split: SplitName, batchSize: number): SplitResult {
  const data = dataset[split];
  const n = data.size;
  // Sums in float64 on the JavaScript side, one small read-back per batch.
  let a = 0;
  let b = 0;
  for (let start = 0; start < n; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
    const sums = tf.tidy(() => {
      const { x, y } = makeBatch(dataset, data, indices);
      const out = fastApply(model, x);
      if (dataset.task === 'forecasting') {
        const err = tf.sub(out, y);
        return tf.stack([tf.sum(tf.square(err)), tf.sum(tf.abs(err))]);
      }
      const numClasses = out.shape[out.rank - 1];
      const flatLabels = y.reshape([-1]);
      const logProb = tf.logSoftmax(out.reshape([-1, numClasses]));
      const ce = tf.neg(tf.sum(tf.mul(tf.oneHot(flatLabels, numClasses), logProb)));
      const correct = tf.sum(tf.equal(tf.argMax(logProb, -1), flatLabels).toFloat());
      return tf.stack([ce, correct]);
    });
    const [s0, s1] = sums.dataSync();
    sums.dispose();
    a += s0;
    b += s1;
  }
  switch (dataset.task) {
    case 'classification': {
      const metrics = { accuracy: b / n, crossEntropy: a / n };
      return { loss: metrics.crossEntropy, metric: metrics.accuracy, metrics };
    }
    case 'language-model': {
      const crossEntropy = a / (n * dataset.timeSteps);
      const metrics = { crossEntropy, perplexity: Math.exp(crossEntropy), bitsPerChar: crossEntropy / Math.LN2 };
      return { loss: crossEntropy, metric: metrics.bitsPerChar, metrics };
    }
    case 'forecasting': {
      const count = n * targetsPerSequence(dataset);
      const normalizedMse = a / count;
      const std = dataset.targetStd;
      const metrics = { mse: normalizedMse * std * std, mae: (b / count) * std, normalizedMse };
      return { loss: normalizedMse, metric: metrics.mae, metrics };
    }
  }
}

/**
 * Task metrics of a model on a split: classification `{ accuracy, crossEntropy }`, language model
 * `{ crossEntropy, perplexity, bitsPerChar }` (per character, nats and bits), forecasting
 * `{ mse, mae, normalizedMse }` with mse and mae in the target's original units (errors of
 * normalised targets multiplied by `targetStd`, squared for mse; the mean cancels out).
 *
 * @example const { accuracy } = evaluate(model, mnist); // mnist: ClassificationDataset
 * @param model A model whose shapes fit the dataset.
 * @param dataset The dataset.
 * @param split Which split.
 * @param options See {@link EvaluateOptions}.
 * @returns The metrics of the dataset's task.
 * @throws RangeError for an unknown or empty split, a bad batchSize, or a model that does not fit.
 */
export function evaluate(model: tf.LayersModel, dataset: ClassificationDataset, split?: SplitName, options?: EvaluateOptions): ClassificationMetrics;
export function evaluate(model: tf.LayersModel, dataset: LanguageModelDataset, split?: SplitName, options?: EvaluateOptions): LanguageModelMetrics;
export function evaluate(model: tf.LayersModel, dataset: ForecastingDataset, split?: SplitName, options?: EvaluateOptions): ForecastingMetrics;
export function evaluate(model: tf.LayersModel, dataset: SequenceDataset, split?: SplitName, options?: EvaluateOptions): Metrics;
export function evaluate(model: tf.LayersModel, dataset: SequenceDataset, split: SplitName = 'test', options: EvaluateOptions = {}): Metrics {
  const { batchSize = 256 } = options;
  checkOneOf('split', split, SPLIT_NAMES);
  checkPositiveInteger('batchSize', batchSize);
  checkDatasetShapes(dataset);
  checkModelFitsDataset(model, dataset);
  if (dataset[split].size === 0) throw new RangeError(`dataset.${split} must hold at least one sequence, got size 0`);
  return evaluateSplit(model, dataset, split, batchSize).metrics;
}
