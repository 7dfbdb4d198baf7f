/**
 * Sparse storage with a bitmask: one bit per position says whether a weight is stored, followed by
 * the stored weights in row-major order, as float32 or as k-bit codes.
 *
 * Layouts (the mask has ceil(n / 8) bytes, least significant bit first):
 *   bitmask-float32: tensor header | mask | nnz x f32
 *   bitmask-codes:   tensor header | quantization header | mask | ceil(nnz * bits / 8) bytes of codes
 * A float weight is stored when it is not 0 (-0 counts as 0 and decodes as 0); a code is stored
 * when it differs from its channel's zero point, i.e. when it stands for a non-zero value.
 */
import { ByteReader, ByteWriter } from './bits';
import { channelLayout, dequantizeCodes, normaliseCodes, zeroCodeMask } from './codes';
import { checkShape, checkValues, quantHeaderBytes, readQuantHeader, readTensorHeader, sizeOf, tensorHeaderBytes, writeQuantHeader, writeTensorHeader } from './header';
import { DecodedTensor, EncodedTensor, QuantizedCodes } from './types';

/**
 * Stores the non-zero weights as float32 behind a 1-bit-per-position mask.
 *
 * @example
 * // a 4x4 matrix with 5 non-zeros: 10 (header) + 2 (mask) + 5 * 4 = 32 bytes
 * encodeBitmaskFloat32(values, [4, 4]).byteLength
 * @param values Weights, row-major.
 * @param shape Their shape.
 * @returns The encoding.
 * @throws TypeError when values is not array-like; RangeError when it does not match the shape.
 */
export function encodeBitmaskFloat32(values: ArrayLike<number>, shape: number[]): EncodedTensor {
  checkShape(shape);
  checkValues(values, shape);
  const w = new ByteWriter();
  writeTensorHeader(w, 'bitmask-float32', shape);
  for (let i = 0; i < values.length; i++) w.bits(values[i] !== 0 ? 1 : 0, 1);
  w.flushBits();
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) w.f32(values[i]);
  const bytes = w.finish();
  return { bytes, format: 'bitmask-float32', byteLength: bytes.length, headerBytes: tensorHeaderBytes(shape) };
}

function readMask(r: ByteReader, n: number): Uint8Array {
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = r.bits(1);
  r.alignToByte();
  return mask;
}

/**
 * Reads {@link encodeBitmaskFloat32} bytes.
 *
 * @example decodeBitmaskFloat32(encodeBitmaskFloat32([0, 2], [2]).bytes).values // [0, 2]
 * @param bytes The encoding.
 * @returns Shape and values.
 * @throws RangeError when the bytes are not this format or are truncated.
 */
export function decodeBitmaskFloat32(bytes: Uint8Array): DecodedTensor {
  const r = new ByteReader(bytes);
  const shape = readTensorHeader(r, 'bitmask-float32');
  const mask = readMask(r, sizeOf(shape));
  const values = new Float32Array(mask.length);
  for (let i = 0; i < mask.length; i++) if (mask[i]) values[i] = r.f32();
  return { format: 'bitmask-float32', shape, values };
}

/**
 * Stores the codes of non-zero weights, bit-packed, behind a 1-bit-per-position mask.
 *
 * @example
 * // 4x4, 5 non-zero 4-bit codes, one scale: 10 + 10 + 2 (mask) + ceil(5 * 4 / 8) = 25 bytes
 * encodeBitmaskCodes({ codes, bits: 4, scales: [0.1], zeroPoints: [8] }, [4, 4]).byteLength
 * @param q Codes with bits, scales and zero points (see {@link QuantizedCodes}).
 * @param shape Shape of the tensor.
 * @returns The encoding.
 * @throws TypeError when q is not a codes object; RangeError for unsupported bits, a code out of
 *   range or lengths that do not match the shape.
 */
export function encodeBitmaskCodes(q: QuantizedCodes, shape: number[]): EncodedTensor {
  checkShape(shape);
  const s = normaliseCodes(q, shape);
  const zero = zeroCodeMask(s, shape);
  const w = new ByteWriter();
  writeTensorHeader(w, 'bitmask-codes', shape);
  writeQuantHeader(w, s);
  for (let i = 0; i < zero.length; i++) w.bits(zero[i] ? 0 : 1, 1);
  w.flushBits();
  for (let i = 0; i < zero.length; i++) if (!zero[i]) w.bits(s.codes[i], s.bits);
  const bytes = w.finish();
  return { bytes, format: 'bitmask-codes', byteLength: bytes.length, headerBytes: tensorHeaderBytes(shape) + quantHeaderBytes(s) };
}

/**
 * Reads {@link encodeBitmaskCodes} bytes; positions left out get their channel's zero point.
 *
 * @example decodeBitmaskCodes(encodeBitmaskCodes(q, [4, 4]).bytes).values // dequantized weights
 * @param bytes The encoding.
 * @returns Shape, dequantized values and the stored codes.
 * @throws RangeError when the bytes are not this format or are truncated.
 */
export function decodeBitmaskCodes(bytes: Uint8Array): DecodedTensor {
  const r = new ByteReader(bytes);
  const shape = readTensorHeader(r, 'bitmask-codes');
  const q = readQuantHeader(r, shape);
  const n = sizeOf(shape);
  const mask = readMask(r, n);
  const { stride, size } = channelLayout(shape, q.axis);
  q.codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    q.codes[i] = mask[i] ? r.bits(q.bits) : q.zeroPoints[Math.floor(i / stride) % size];
  }
  return { format: 'bitmask-codes', shape, values: dequantizeCodes(q, shape), quantization: q };
}
