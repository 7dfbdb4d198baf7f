/**
 * The header every encoding starts with, the quantization header of the code formats, and the
 * argument checks they share.
 *
 * Tensor header (2 + 4 * rank bytes):
 *   u8 format id | u8 rank | rank x u32 dimension
 * Quantization header (2 + 8 * m bytes, m = 1 or the size of the channel axis):
 *   u8 bits | u8 channel axis (255 = one scale for the whole tensor) | m x f32 scale | m x f32 zero point
 */
import { ByteReader, ByteWriter } from './bits';
import { FORMAT_IDS, FormatName, StoredCodes } from './types';

/** Code widths the packed and Huffman formats accept. */
export const SUPPORTED_BITS: readonly number[] = [2, 3, 4, 5, 6, 7, 8, 16];

const PER_TENSOR_AXIS = 255;

/** Product of the dimensions. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Throws unless `shape` is a list of at most 255 non-negative integer dimensions. */
export function checkShape(shape: unknown): asserts shape is number[] {
  if (!Array.isArray(shape)) throw new TypeError(`shape must be an array of dimensions, got ${typeof shape}`);
  if (shape.length > 255 || !shape.every((d) => Number.isInteger(d) && d >= 0 && d <= 0xffffffff)) {
    throw new RangeError(`shape must be at most 255 non-negative integer dimensions, got [${shape.join(', ')}]`);
  }
}

/** Throws unless `values` is an array or typed array. */
export function checkArrayLike(values: unknown, name = 'values'): asserts values is ArrayLike<number> {
  if (values === null || typeof values !== 'object' || typeof (values as ArrayLike<number>).length !== 'number') {
    throw new TypeError(`${name} must be an array or typed array of numbers, got ${values === null ? 'null' : typeof values}`);
  }
}

/** Throws unless `values` is array-like with exactly one element per position of `shape`. */
export function checkValues(values: unknown, shape: number[], name = 'values'): asserts values is ArrayLike<number> {
  checkArrayLike(values, name);
  const n = sizeOf(shape);
  const len = (values as ArrayLike<number>).length;
  if (len !== n) {
    throw new RangeError(`${name}.length must equal the product of shape [${shape.join(', ')}] = ${n}, got ${len}`);
  }
}

/** Throws unless `bits` is one of {@link SUPPORTED_BITS}. */
export function checkBits(bits: unknown, name = 'bits'): asserts bits is number {
  if (typeof bits !== 'number' || !SUPPORTED_BITS.includes(bits)) {
    throw new RangeError(`${name} must be one of ${SUPPORTED_BITS.join(', ')}, got ${String(bits)}`);
  }
}

/** Writes the tensor header. */
export function writeTensorHeader(w: ByteWriter, format: FormatName, shape: readonly number[]): void {
  w.u8(FORMAT_IDS[format]);
  w.u8(shape.length);
  for (const d of shape) w.u32(d);
}

/** Reads the tensor header and checks that it announces the expected format. */
export function readTensorHeader(r: ByteReader, format: FormatName): number[] {
  const id = r.u8();
  if (id !== FORMAT_IDS[format]) {
    const actual = formatOfId(id);
    throw new RangeError(`encoded bytes must start with the '${format}' format id ${FORMAT_IDS[format]}, got ${id}${actual ? ` ('${actual}')` : ''}`);
  }
  const rank = r.u8();
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(r.u32());
  return shape;
}

/** The format named by a format id, or undefined. */
export function formatOfId(id: number): FormatName | undefined {
  return (Object.keys(FORMAT_IDS) as FormatName[]).find((f) => FORMAT_IDS[f] === id);
}

/** Writes the quantization header. */
export function writeQuantHeader(w: ByteWriter, q: StoredCodes): void {
  w.u8(q.bits);
  w.u8(q.axis < 0 ? PER_TENSOR_AXIS : q.axis);
  for (const s of q.scales) w.f32(s);
  for (const z of q.zeroPoints) w.f32(z);
}

/** Reads the quantization header; the codes are left empty for the caller to fill. */
export function readQuantHeader(r: ByteReader, shape: number[]): StoredCodes {
  const bits = r.u8();
  checkBits(bits, 'stored bits');
  const axisByte = r.u8();
  const axis = axisByte === PER_TENSOR_AXIS ? -1 : axisByte;
  if (axis >= shape.length) throw new RangeError(`stored channel axis must be below rank ${shape.length}, got ${axis}`);
  const m = axis < 0 ? 1 : shape[axis];
  const scales = new Float32Array(m);
  const zeroPoints = new Float32Array(m);
  for (let i = 0; i < m; i++) scales[i] = r.f32();
  for (let i = 0; i < m; i++) zeroPoints[i] = r.f32();
  return { codes: new Int32Array(0), bits, scales, zeroPoints, axis };
}

/** Size in bytes of the tensor header for a shape. */
export function tensorHeaderBytes(shape: readonly number[]): number {
  return 2 + 4 * shape.length;
}

/** Size in bytes of the quantization header. */
export function quantHeaderBytes(q: StoredCodes): number {
  return 2 + 8 * q.scales.length;
}
