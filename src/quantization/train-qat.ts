/**
 * A small self-contained quantization-aware fine-tuning loop (seeded mini-batches, Adam or SGD)
 * over {@link createQatState}, for when no other training loop is at hand.
 */
import * as tf from '@tensorflow/tfjs';
import { fastApply } from '../fastrnn/index';
import { deriveSeed, permutation } from '../utils/index';
import { checkModel } from './model';
import type { QuantizeModelReport } from './model';
import { createQatState } from './qat';
import type { QatOptions } from './qat';

/** Loss names understood by {@link trainQat}. */
export type QatLossName = 'meanSquaredError' | 'binaryCrossentropy' | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy';

/** A loss: a name, or a function of (targets, predictions) returning a scalar. */
export type QatLoss = QatLossName | ((yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar);

/** Options of {@link trainQat}. */
export interface TrainQatOptions extends QatOptions {
  /** @default 5 */
  numEpochs?: number;
  /** @default 32 */
  batchSize?: number;
  /** @default 0.001 */
  learningRate?: number;
  /**
   * Seed of the mini-batch shuffling.
   * @default 42
   */
  seed?: number;
  /**
   * Loss of the model's output; probability outputs are expected for the cross-entropies.
   * @default 'meanSquaredError'
   */
  lossFn?: QatLoss;
  /** @default 'adam' */
  optimizer?: 'adam' | 'sgd';
  /** Called after every mini-batch with the global step (from 1) and the batch loss. */
  onBatchEnd?: (step: number, loss: number) => void;
  /**
   * Run recurrent layers as fused ops with hand-written gradients (`fastApply` from
   * `src/fastrnn`), as `train` does by default.
   * @default true
   */
  fastRecurrence?: boolean;
}

/** Outcome of {@link trainQat}. */
export interface TrainQatResult {
  /** Mean training loss of each epoch. */
  losses: number[];
  /** Codes and scales of the final quantized weights, now in the model. */
  report: QuantizeModelReport;
}

const LOSSES: Record<QatLossName, (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar> = {
  meanSquaredError: (t, p) => tf.losses.meanSquaredError(t, p) as tf.Scalar,
  binaryCrossentropy: (t, p) => tf.mean(tf.metrics.binaryCrossentropy(t, p)) as tf.Scalar,
  categoricalCrossentropy: (t, p) => tf.mean(tf.metrics.categoricalCrossentropy(t, p)) as tf.Scalar,
  // tfjs exports no sparse variant: class indices are one-hot encoded first.
  sparseCategoricalCrossentropy: (t, p) => {
    const labels = tf.cast(tf.reshape(t, [-1]), 'int32');
    const oneHot = tf.oneHot(labels as tf.Tensor1D, p.shape[p.shape.length - 1] ?? 1);
    return tf.mean(tf.metrics.categoricalCrossentropy(tf.reshape(oneHot, p.shape), p)) as tf.Scalar;
  },
};

function positiveInteger(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

/**
 * Fine-tunes a model with quantization-aware training and leaves the final quantized weights in it.
 *
 * @example
 * const { report } = await trainQat(model, xs, ys, { bits: 4, numEpochs: 3, lossFn: 'binaryCrossentropy' });
 * @param model A layers model (modified in place).
 * @param xs Inputs, first axis = samples (not disposed).
 * @param ys Targets, first axis = samples (not disposed).
 * @param options See {@link TrainQatOptions}.
 * @returns Per-epoch losses and the quantization report.
 * @throws TypeError when model, xs or ys have the wrong kind; RangeError for invalid options or
 *   mismatched sample counts (the model is then untouched).
 */
export async function trainQat(
  model: tf.LayersModel,
  xs: tf.Tensor,
  ys: tf.Tensor,
  options: TrainQatOptions = {},
): Promise<TrainQatResult> {
  const {
    numEpochs = 5,
    batchSize = 32,
    learningRate = 0.001,
    seed = 42,
    lossFn = 'meanSquaredError',
    optimizer: optimizerName = 'adam',
    onBatchEnd,
    fastRecurrence = true,
    ...qatOptions
  } = options;
  if (typeof fastRecurrence !== 'boolean') throw new TypeError(`fastRecurrence must be a boolean, got ${typeof fastRecurrence}`);
  checkModel(model);
  if (!(xs instanceof tf.Tensor) || !(ys instanceof tf.Tensor)) throw new TypeError('xs and ys must be tf.Tensors');
  if (xs.shape[0] !== ys.shape[0]) throw new RangeError(`xs and ys must hold the same number of samples, got ${xs.shape[0]} and ${ys.shape[0]}`);
  positiveInteger(numEpochs, 'numEpochs');
  positiveInteger(batchSize, 'batchSize');
  if (!(learningRate > 0)) throw new RangeError(`learningRate must be > 0, got ${learningRate}`);
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const loss = typeof lossFn === 'function' ? lossFn : LOSSES[lossFn];
  if (!loss) throw new RangeError(`lossFn must be a function or one of ${Object.keys(LOSSES).join(', ')}, got '${String(lossFn)}'`);
  if (optimizerName !== 'adam' && optimizerName !== 'sgd') throw new RangeError(`optimizer must be 'adam' or 'sgd', got '${String(optimizerName)}'`);

  const qat = createQatState(model, qatOptions);
  const optimizer = optimizerName === 'adam' ? tf.train.adam(learningRate) : tf.train.sgd(learningRate);
  const n = xs.shape[0];
  const losses: number[] = [];
  let step = 0;
  try {
    for (let epoch = 0; epoch < numEpochs; epoch++) {
      const order = permutation(n, deriveSeed(seed, `qat-epoch-${epoch}`));
      let sum = 0;
      let batches = 0;
      for (let start = 0; start < n; start += batchSize) {
        const idx = tf.tensor1d(order.subarray(start, Math.min(n, start + batchSize)), 'int32');
        const xb = tf.gather(xs, idx);
        const yb = tf.gather(ys, idx);
        const value = qat.step(() => loss(yb, fastRecurrence ? fastApply(model, xb, { training: true, inputGradient: false }) : (model.apply(xb, { training: true }) as tf.Tensor)), optimizer);
        tf.dispose([idx, xb, yb]);
        sum += value;
        batches += 1;
        step += 1;
        onBatchEnd?.(step, value);
      }
      losses.push(sum / batches);
      // Let other work (a notebook's output, timers) run between epochs.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { losses, report: qat.export() };
  } finally {
    qat.dispose();
    optimizer.dispose();
  }
}
