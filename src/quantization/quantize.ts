/**
 * Uniform quantization of a plain array of weights: integer codes plus one scale (and zero point)
 * per tensor or per channel. Pure functions on typed arrays, so that the arithmetic can be checked
 * by hand; the tensor and model wrappers build on them.
 */
import { codeRange, resolveQuantizeOptions } from './options';
import type { QuantGranularity, QuantizeOptions, QuantScheme } from './options';
import { channelParams, decodeValue, encodeValue } from './range';

/** Typed array holding integer codes, the smallest that fits the code range. */
export type CodeArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array;

/** A quantized tensor: codes and what is needed to turn them back into values. */
export interface QuantizedTensor {
  /** One code per value, row-major like `shape`. */
  codes: CodeArray;
  /** One float32 scale per channel (a single one per tensor). */
  scales: Float32Array;
  /** One zero point per channel; all 0 for the symmetric scheme. */
  zeroPoints: Int32Array;
  bits: number;
  scheme: QuantScheme;
  granularity: QuantGranularity;
  /** Non-negative channel axis for per-channel quantization, null per tensor. */
  channelAxis: number | null;
  shape: number[];
  /** Smallest and largest code allowed. */
  qmin: number;
  qmax: number;
  /** The values the codes stand for: scale · (code - zeroPoint), rounded to float32. */
  dequantize(): Float32Array;
}

/** Fields of a {@link QuantizedTensor} without its method. */
export type QuantizedFields = Omit<QuantizedTensor, 'dequantize'>;

/**
 * The typed array a code range needs: signed 8/16 bits for symmetric codes, unsigned for affine ones.
 *
 * @example codeArrayFor(-7, 7, 10) // Int8Array(10)
 * @param qmin Smallest code.
 * @param qmax Largest code.
 * @param length Number of codes.
 * @returns A zero-filled array.
 */
export function codeArrayFor(qmin: number, qmax: number, length: number): CodeArray {
  if (qmin < 0) {
    if (qmin >= -128 && qmax <= 127) return new Int8Array(length);
    if (qmin >= -32768 && qmax <= 32767) return new Int16Array(length);
    return new Int32Array(length);
  }
  if (qmax <= 255) return new Uint8Array(length);
  if (qmax <= 65535) return new Uint16Array(length);
  return new Int32Array(length);
}

function checkShape(shape: unknown, length: number): number[] {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new TypeError(`shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const size = shape.reduce((a: number, b: number) => a * b, 1);
  if (size !== length) throw new RangeError(`values must hold ${size} numbers for shape [${shape.join(', ')}], got ${length}`);
  return [...shape] as number[];
}

/** Layout of a row-major tensor seen as [outer, channels, inner] around one axis. */
interface ChannelLayout {
  outer: number;
  channels: number;
  inner: number;
}

function layoutOf(shape: number[], axis: number | null): ChannelLayout {
  const size = shape.reduce((a, b) => a * b, 1);
  if (axis === null) return { outer: 1, channels: 1, inner: size };
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return { outer, channels: shape[axis], inner };
}

/** Flat indices of the values of channel `c`, in row-major order. */
function channelIndices({ outer, channels, inner }: ChannelLayout, c: number): Int32Array {
  const idx = new Int32Array(outer * inner);
  let k = 0;
  for (let o = 0; o < outer; o++) {
    const base = (o * channels + c) * inner;
    for (let i = 0; i < inner; i++) idx[k++] = base + i;
  }
  return idx;
}

/**
 * Attaches `dequantize` to the fields of a quantized tensor (for instance fields read from a file).
 *
 * @example makeQuantizedTensor(fields).dequantize()
 * @param fields Codes, scales, zero points and layout.
 * @returns The quantized tensor.
 * @throws RangeError when the number of codes or scales does not match the shape.
 */
export function makeQuantizedTensor(fields: QuantizedFields): QuantizedTensor {
  const layout = layoutOf(fields.shape, fields.channelAxis);
  if (fields.codes.length !== layout.outer * layout.channels * layout.inner) {
    throw new RangeError(`codes must hold one code per value (${layout.outer * layout.channels * layout.inner}), got ${fields.codes.length}`);
  }
  if (fields.scales.length !== layout.channels || fields.zeroPoints.length !== layout.channels) {
    throw new RangeError(`scales and zeroPoints must hold ${layout.channels} entries, got ${fields.scales.length} and ${fields.zeroPoints.length}`);
  }
  return {
    ...fields,
    dequantize(): Float32Array {
      const out = new Float32Array(fields.codes.length);
      for (let c = 0; c < layout.channels; c++) {
        const p = { scale: fields.scales[c], zeroPoint: fields.zeroPoints[c] };
        for (const i of channelIndices(layout, c)) out[i] = decodeValue(fields.codes[i], p);
      }
      return out;
    },
  };
}

/**
 * Quantizes an array of weights to `bits`-bit integer codes.
 *
 * The scale α is chosen from the range of the values (max|w| / qmax symmetric, (max - min) / (2^b - 1)
 * affine, after optional clipping), then q = clamp(round(w / α) + zeroPoint, qmin, qmax), rounding
 * half away from zero. Dequantization gives α · (q - zeroPoint), so every unclipped value is within
 * α / 2 of its original.
 *
 * @example
 * const q = quantizeTensor(Float32Array.of(-1, -0.5, 0, 0.5, 1), [5], { bits: 3 });
 * q.codes;  // Int8Array [-3, -1, 0, 1, 3] (scale fl(1/3) = 0.33333334 puts 0.5 just below the 1.5 tie)
 * @param values Row-major values; taken as float32.
 * @param shape Shape of the tensor.
 * @param options See {@link QuantizeOptions}.
 * @returns The codes, scales and zero points.
 * @throws TypeError when shape is not an array of non-negative integers.
 * @throws RangeError for invalid options, a size mismatch, a channel axis outside the shape or a
 *   non-finite value.
 */
export function quantizeTensor(values: ArrayLike<number>, shape: number[], options: QuantizeOptions = {}): QuantizedTensor {
  const { bits, scheme, granularity, clip, channelAxis } = resolveQuantizeOptions(options);
  const dims = checkShape(shape, values.length);
  let axis: number | null = null;
  if (granularity === 'per-channel') {
    if (dims.length === 0) throw new RangeError('per-channel quantization needs a tensor of rank >= 1, got a scalar');
    axis = channelAxis < 0 ? dims.length + channelAxis : channelAxis;
    if (axis < 0 || axis >= dims.length) {
      throw new RangeError(`channelAxis must be in [${-dims.length}, ${dims.length - 1}], got ${channelAxis}`);
    }
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`values must be finite, got ${values[i]} at index ${i}`);
  }
  const { qmin, qmax } = codeRange(bits, scheme);
  const layout = layoutOf(dims, axis);
  const codes = codeArrayFor(qmin, qmax, values.length);
  const scales = new Float32Array(layout.channels);
  const zeroPoints = new Int32Array(layout.channels);
  for (let c = 0; c < layout.channels; c++) {
    const idx = channelIndices(layout, c);
    const channel = new Float32Array(idx.length);
    for (let k = 0; k < idx.length; k++) channel[k] = values[idx[k]];
    const p = channelParams(channel, scheme, clip, qmin, qmax);
    scales[c] = p.scale;
    zeroPoints[c] = p.zeroPoint;
    for (let k = 0; k < idx.length; k++) codes[idx[k]] = encodeValue(channel[k], p, qmin, qmax);
  }
  return makeQuantizedTensor({ codes, scales, zeroPoints, bits, scheme, granularity, channelAxis: axis, shape: dims, qmin, qmax });
}

/**
 * Largest |dequantized - original| over all values.
 *
 * @example maxAbsError(q, original) // <= max(q.scales) / 2 without clipping
 * @param q A quantized tensor.
 * @param original The values it was made from.
 * @returns The largest absolute error.
 * @throws RangeError when the lengths differ.
 */
export function maxAbsError(q: QuantizedTensor, original: ArrayLike<number>): number {
  const d = q.dequantize();
  if (d.length !== original.length) throw new RangeError(`original must hold ${d.length} values, got ${original.length}`);
  let m = 0;
  for (let i = 0; i < d.length; i++) m = Math.max(m, Math.abs(d[i] - original[i]));
  return m;
}
