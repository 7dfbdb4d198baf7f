/**
 * Option, log and history types of the training loop.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TrainingCallback } from './callbacks';

/** Name of the per-epoch metric of each task (see `History.metricName`). */
export type MetricName = 'accuracy' | 'bitsPerChar' | 'mae';

/** What a callback's `onBatchEnd` receives after each optimizer step. */
export interface BatchLogs {
  /** Epoch index, from 0. */
  epoch: number;
  /** Batch index within the epoch, from 0. */
  batch: number;
  /** Global index of the optimizer step just taken, from 0 (the step a pruning schedule counts). */
  step: number;
  /** Loss of this batch (the value that was minimised). */
  loss: number;
  /** Sequences in this batch (the last batch of an epoch may be smaller). */
  size: number;
}

/** One row of the training history. */
export interface EpochLogs {
  /** Epoch index, from 0. */
  epoch: number;
  /** Mean training loss over the epoch's batches, weighted by batch size. */
  loss: number;
  /** Task loss on the validation split after the epoch (NaN without a validation split). */
  valLoss: number;
  /** Training metric over the epoch (see `History.metricName`), from the batches as trained. */
  metric: number;
  /** The same metric on the validation split after the epoch (NaN without a validation split). */
  valMetric: number;
  /** Wall-clock seconds of the epoch, validation included. */
  seconds: number;
}

/** What `train` returns. */
export interface History {
  epochs: EpochLogs[];
  totalSeconds: number;
  /**
   * The metric in `metric`/`valMetric`: `accuracy` (classification, higher is better),
   * `bitsPerChar` (language model) or `mae` in the target's original units (forecasting).
   */
  metricName: MetricName;
  /** Epoch with the lowest validation loss, when validation ran. */
  bestEpoch?: number;
  /** Whether a callback (early stopping) ended training before `numEpochs`. */
  stoppedEarly: boolean;
  /** Optimizer steps taken in all. */
  steps?: number;
}

/** The batch a custom loss is computing on. */
export interface BatchContext {
  /** The inputs of the batch. */
  x: tf.Tensor;
  /** Positions of the batch's sequences in the training split (e.g. to look up teacher logits). */
  indices: Int32Array;
  epoch: number;
  step: number;
}

/**
 * A custom training loss: the mean over the batch, as a scalar. Called inside the gradient tape,
 * so every tensor it makes is freed automatically.
 */
export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor, batch: BatchContext) => tf.Scalar;

/** What a progress function receives after each epoch. */
export interface ProgressInfo extends EpochLogs {
  numEpochs: number;
  metricName: MetricName;
  /** Seconds since training started. */
  elapsedSeconds: number;
  /** Estimated seconds left: mean epoch time so far times epochs left. */
  etaSeconds: number;
}

/**
 * How training reports progress: `'auto'` prints one line per epoch with `console.log` (in a
 * terminal and in a tslab notebook, which streams stdout) except under `node --test`;
 * `'none'` prints nothing; a function receives each epoch's {@link ProgressInfo}.
 */
export type ProgressOption = 'auto' | 'none' | ((info: ProgressInfo) => void);

/** Options of `train`. */
export interface TrainOptions {
  /**
   * Passes over the training split.
   * @default 10
   */
  numEpochs?: number;
  /**
   * Sequences per optimizer step (the last batch of an epoch holds the remainder).
   * @default 32
   */
  batchSize?: number;
  /**
   * Learning rate of the default Adam optimizer (ignored when `optimizer` is given).
   * @default 0.001
   */
  learningRate?: number;
  /**
   * Optimizer to use instead of `tf.train.adam(learningRate)`. The caller keeps ownership: it is
   * not disposed, and its state carries over between calls.
   * @default undefined
   */
  optimizer?: tf.Optimizer;
  /**
   * Rescale the gradients so that their global L2 norm is at most this; `null` turns clipping off.
   * @default 5 for language models, null otherwise
   */
  clipNorm?: number | null;
  /**
   * Run recurrent layers as fused ops with hand-written gradients (`fastApply` from
   * `src/fastrnn`): same weights, same maths, about twice as fast on wasm. Layers it does not
   * support run unchanged either way.
   * @default true
   */
  fastRecurrence?: boolean;
  /**
   * Seed of the per-epoch shuffles (`deriveSeed(seed, 'shuffle-epoch-<k>')`).
   * @default 42
   */
  seed?: number;
  /**
   * Shuffle the training split every epoch.
   * @default true
   */
  shuffle?: boolean;
  /**
   * Sequences per forward pass during validation.
   * @default 256
   */
  validationBatchSize?: number;
  /**
   * Callbacks (see `./callbacks`): pruning states, `gradualPruning`, QAT states, `earlyStopping`,
   * or any object with `onTrainBegin`/`onBatchEnd`/`onEpochEnd`/`onTrainEnd` methods.
   * @default []
   */
  callbacks?: TrainingCallback[];
  /**
   * Loss to minimise instead of the task loss (e.g. a distillation loss). Validation still reports
   * the task loss.
   * @default undefined
   */
  lossFn?: LossFn;
  /**
   * Variables to update instead of the model's trainable weights (non-trainable ones are skipped).
   * @default undefined
   */
  trainableVariables?: tf.Variable[];
  /**
   * Progress reporting, see {@link ProgressOption}.
   * @default 'auto'
   */
  progress?: ProgressOption;
}
