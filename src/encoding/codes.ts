/**
 * Quantization codes as the encoders see them: checking and normalising codes handed over by a
 * quantizer, mapping codes back to values, and deriving codes from float weights when a model only
 * holds (de)quantized floats.
 */
import { checkArrayLike, checkBits, checkShape, checkValues, sizeOf } from './header';
import { QuantizedCodes, StoredCodes } from './types';

/** Where channel `c` of element `i` comes from: c = floor(i / stride) % size. */
export function channelLayout(shape: readonly number[], axis: number): { stride: number; size: number } {
  if (axis < 0) return { stride: 1, size: 1 };
  return { stride: sizeOf(shape.slice(axis + 1)), size: shape[axis] };
}

/**
 * Checks quantization codes against a shape and returns them in stored form (unsigned codes,
 * float32 parameters, axis -1 for one scale).
 *
 * @example normaliseCodes({ codes: [0, 3], bits: 2, scales: [0.5], zeroPoints: [1] }, [2])
 * @param q Codes and parameters from a quantizer.
 * @param shape Shape of the tensor.
 * @returns Stored codes; signed codes are offset by 2^(bits-1) together with their zero points.
 * @throws TypeError when `q` is not an object with array-like codes, scales and zero points.
 * @throws RangeError when bits, lengths, axis or a code is out of range.
 */
export function normaliseCodes(q: QuantizedCodes, shape: number[]): StoredCodes {
  if (q === null || typeof q !== 'object') throw new TypeError(`codes must be an object { codes, bits, scales, zeroPoints }, got ${q === null ? 'null' : typeof q}`);
  checkShape(shape);
  checkBits(q.bits);
  checkValues(q.codes, shape, 'codes');
  checkArrayLike(q.scales, 'scales');
  checkArrayLike(q.zeroPoints, 'zeroPoints');
  const m = q.scales.length;
  let axis = -1;
  if (m !== 1) {
    axis = q.axis ?? shape.length - 1;
    if (!Number.isInteger(axis) || axis < 0 || axis >= shape.length) {
      throw new RangeError(`axis must be an integer in [0, ${shape.length - 1}], got ${axis}`);
    }
    if (m !== shape[axis]) throw new RangeError(`scales.length must be 1 or shape[${axis}] = ${shape[axis]}, got ${m}`);
  }
  if (q.zeroPoints.length !== m) {
    throw new RangeError(`zeroPoints.length must equal scales.length = ${m}, got ${q.zeroPoints.length}`);
  }
  const max = 2 ** q.bits - 1;
  const half = 2 ** (q.bits - 1);
  let min = 0;
  for (let i = 0; i < q.codes.length; i++) {
    const c = q.codes[i];
    if (!Number.isInteger(c)) throw new RangeError(`codes must be integers, got ${c} at index ${i}`);
    if (c < min) min = c;
  }
  const offset = min < 0 ? half : 0;
  const codes = new Int32Array(q.codes.length);
  for (let i = 0; i < codes.length; i++) {
    const c = q.codes[i] + offset;
    if (c < 0 || c > max) {
      throw new RangeError(`codes must lie in [0, ${max}], or in [${-half}, ${half - 1}] when signed, for bits ${q.bits}, got ${q.codes[i]} at index ${i}`);
    }
    codes[i] = c;
  }
  const scales = Float32Array.from(q.scales);
  const zeroPoints = Float32Array.from(q.zeroPoints, (z) => z + offset);
  for (let i = 0; i < m; i++) {
    if (!Number.isFinite(scales[i]) || !Number.isFinite(zeroPoints[i])) {
      throw new RangeError(`scales and zeroPoints must be finite float32 numbers, got ${q.scales[i]} and ${q.zeroPoints[i]} at channel ${i}`);
    }
  }
  return { codes, bits: q.bits, scales, zeroPoints, axis };
}

/**
 * The values that stored codes stand for: `scale[c] * (code - zeroPoint[c])`, rounded to float32.
 *
 * @example dequantizeCodes(normaliseCodes({ codes: [0, 3], bits: 2, scales: [0.5], zeroPoints: [1] }, [2]), [2]) // [-0.5, 1]
 * @param q Stored codes.
 * @param shape Shape of the tensor.
 * @returns The dequantized values.
 */
export function dequantizeCodes(q: StoredCodes, shape: readonly number[]): Float32Array {
  const { stride, size } = channelLayout(shape, q.axis);
  const out = new Float32Array(q.codes.length);
  for (let i = 0; i < out.length; i++) {
    const c = Math.floor(i / stride) % size;
    out[i] = q.scales[c] * (q.codes[i] - q.zeroPoints[c]);
  }
  return out;
}

/** Per element: true where the code stands for an exact zero (code equals its zero point). */
export function zeroCodeMask(q: StoredCodes, shape: readonly number[]): Uint8Array {
  const { stride, size } = channelLayout(shape, q.axis);
  const out = new Uint8Array(q.codes.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = q.codes[i] === q.zeroPoints[Math.floor(i / stride) % size] ? 1 : 0;
  }
  return out;
}

/** Options of {@link deriveCodes}. */
export interface DeriveCodesOptions {
  /** Code width: 2..8 or 16. */
  bits: number;
  /**
   * One scale per output channel (last axis) instead of one per tensor; ignored for rank < 2.
   * @default false
   */
  perChannel?: boolean;
}

/**
 * Quantizes float weights to affine integer codes for storage: the range [min, max] of each channel,
 * widened to include 0, is split into 2^bits - 1 steps and the zero point is an integer, so zeros
 * (pruned weights) stay exactly zero. When the weights were already quantized on a grid that spans
 * their range, the codes reproduce them; otherwise this is a fresh (lossy) quantization, and the
 * returned `maxAbsError` says by how much.
 *
 * @example deriveCodes(new Float32Array([-1, 0, 1, 2]), [4], { bits: 2 }) // codes [0, 1, 2, 3], scale 1, zero point 1
 * @param values Weights, row-major.
 * @param shape Their shape.
 * @param options See {@link DeriveCodesOptions}.
 * @returns Unsigned codes with their parameters, and the largest |value - dequantized|.
 * @throws RangeError when bits is unsupported or values do not match the shape.
 */
export function deriveCodes(
  values: ArrayLike<number>,
  shape: number[],
  options: DeriveCodesOptions,
): QuantizedCodes & { maxAbsError: number } {
  checkShape(shape);
  checkValues(values, shape);
  const { bits, perChannel = false } = options;
  checkBits(bits);
  const axis = perChannel && shape.length >= 2 ? shape.length - 1 : -1;
  const { stride, size } = channelLayout(shape, axis);
  const lo = new Float64Array(size);
  const hi = new Float64Array(size);
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / stride) % size;
    lo[c] = Math.min(lo[c], values[i]);
    hi[c] = Math.max(hi[c], values[i]);
  }
  const levels = 2 ** bits - 1;
  const scales = new Float32Array(size);
  const zeroPoints = new Float32Array(size);
  for (let c = 0; c < size; c++) {
    const range = hi[c] - lo[c];
    scales[c] = range > 0 ? range / levels : 1;
    zeroPoints[c] = Math.min(levels, Math.max(0, Math.round(-lo[c] / scales[c])));
  }
  const codes = new Int32Array(values.length);
  let maxAbsError = 0;
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / stride) % size;
    const q = Math.min(levels, Math.max(0, Math.round(values[i] / scales[c]) + zeroPoints[c]));
    codes[i] = q;
    maxAbsError = Math.max(maxAbsError, Math.abs(Math.fround(scales[c] * (q - zeroPoints[c])) - values[i]));
  }
  return { codes, bits, scales, zeroPoints, axis: axis < 0 ? undefined : axis, maxAbsError };
}
