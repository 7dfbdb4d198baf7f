/**
 * Tensor-facing wrappers of the typed-array quantizer. Weights are small next to activations, so
 * reading them once with `dataSync` and doing the arithmetic in plain JavaScript keeps one exact
 * implementation (and one rounding rule) for post-training quantization, QAT and the file formats.
 */
import * as tf from '@tensorflow/tfjs';
import type { QuantizeOptions } from './options';
import { quantizeTensor } from './quantize';
import type { QuantizedTensor } from './quantize';

function checkTensor(t: unknown, what: string): asserts t is tf.Tensor {
  if (!(t instanceof tf.Tensor)) throw new TypeError(`${what} must be a tf.Tensor, got ${typeof t}`);
  if (t.dtype !== 'float32') throw new TypeError(`${what} must have dtype float32, got ${t.dtype}`);
}

/**
 * Quantizes the values of a tensor.
 *
 * @example const q = quantizeTf(layer.getWeights()[0], { bits: 4, granularity: 'per-channel' });
 * @param t A float32 tensor (not disposed).
 * @param options See {@link QuantizeOptions}.
 * @returns Codes, scales and zero points.
 * @throws TypeError when t is not a float32 tensor; RangeError for invalid options.
 */
export function quantizeTf(t: tf.Tensor, options: QuantizeOptions = {}): QuantizedTensor {
  checkTensor(t, 't');
  return quantizeTensor(t.dataSync(), t.shape, options);
}

/**
 * Quantizes and dequantizes a tensor ("fake quantization"): the float values a quantized model
 * computes with.
 *
 * @example const wq = fakeQuantize(w, { bits: 3 }); // caller disposes wq
 * @param t A float32 tensor (not disposed).
 * @param options See {@link QuantizeOptions}.
 * @returns A new tensor of the same shape, owned by the caller.
 * @throws TypeError when t is not a float32 tensor; RangeError for invalid options.
 */
export function fakeQuantize(t: tf.Tensor, options: QuantizeOptions = {}): tf.Tensor {
  const q = quantizeTf(t, options);
  return tf.tensor(q.dequantize(), t.shape, 'float32');
}

/**
 * The dequantized values of a quantized tensor as a tensor.
 *
 * @example const w = dequantizeToTensor(q); // caller disposes w
 * @param q A quantized tensor.
 * @returns A new float32 tensor of shape `q.shape`, owned by the caller.
 */
export function dequantizeToTensor(q: QuantizedTensor): tf.Tensor {
  return tf.tensor(q.dequantize(), q.shape, 'float32');
}
