/**
 * Batched inference: logits, and probabilities from them.
 */
import * as tf from '@tensorflow/tfjs';
import { fastApply } from '../fastrnn/index';
import { checkPositiveInteger } from './checks';

/** Options of {@link predictLogits} and {@link predictProba}. */
export interface PredictOptions {
  /**
   * Sequences per forward pass; bounds memory on large inputs.
   * @default 256
   */
  batchSize?: number;
}

function checkInput(model: tf.LayersModel, xs: tf.Tensor): void {
  if (!(xs instanceof tf.Tensor)) throw new TypeError(`xs must be a tf.Tensor, got ${typeof xs}`);
  const expected = model.inputs[0].shape;
  const ok = xs.rank === expected.length && expected.every((d, i) => i === 0 || d === null || d === xs.shape[i]);
  if (!ok) {
    throw new RangeError(`xs must have shape [batch, ${expected.slice(1).join(', ')}] to fit model '${model.name}', got [${xs.shape.join(', ')}]`);
  }
}

/**
 * The model's raw outputs (logits for classifiers and language models, normalised forecasts for
 * forecasters), computed in batches.
 *
 * @example const logits = predictLogits(model, xs); // caller disposes
 * @param model A model from this library (or any single-input, single-output layers model).
 * @param xs Inputs `[n, ...]` matching the model's input shape.
 * @param options See {@link PredictOptions}.
 * @returns A new tensor `[n, ...]` the caller owns.
 * @throws TypeError when xs is not a tensor; RangeError for a shape mismatch or a bad batchSize.
 */
export function predictLogits(model: tf.LayersModel, xs: tf.Tensor, options: PredictOptions = {}): tf.Tensor {
  const { batchSize = 256 } = options;
  checkPositiveInteger('batchSize', batchSize);
  checkInput(model, xs);
  // Recurrent layers run as fused ops (src/fastrnn): the same outputs as model.predict to float
  // rounding, in about two thirds of the time on wasm.
  return tf.tidy(() => {
    const n = xs.shape[0];
    if (n <= batchSize) return fastApply(model, xs);
    const parts: tf.Tensor[] = [];
    for (let start = 0; start < n; start += batchSize) parts.push(fastApply(model, tf.slice(xs, start, Math.min(batchSize, n - start))));
    return tf.concat(parts, 0);
  });
}

/**
 * Class (or next-character) probabilities: the softmax of {@link predictLogits} over the last axis.
 *
 * @example const p = predictProba(classifier, xs); // [n, numClasses], rows sum to 1
 * @param model A classifier or language model.
 * @param xs Inputs matching the model's input shape.
 * @param options See {@link PredictOptions}.
 * @returns A new tensor the caller owns.
 * @throws TypeError when xs is not a tensor; RangeError for a shape mismatch or a bad batchSize.
 */
export function predictProba(model: tf.LayersModel, xs: tf.Tensor, options: PredictOptions = {}): tf.Tensor {
  const logits = predictLogits(model, xs, options);
  const proba = tf.softmax(logits);
  logits.dispose();
  return proba;
}
