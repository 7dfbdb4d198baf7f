/**
 * Dense float storage: every weight as an IEEE 754 single (4 bytes) or half (2 bytes) float,
 * after the tensor header. Half floats round to nearest, ties to even, as hardware converters do.
 */
import { float16Bits, float16Value } from '../quantization/float16';
import { ByteReader, ByteWriter } from './bits';
import { checkShape, checkValues, readTensorHeader, sizeOf, tensorHeaderBytes, writeTensorHeader } from './header';
import { DecodedTensor, EncodedTensor } from './types';

/**
 * The IEEE 754 half-precision bit pattern nearest to a number (round to nearest, ties to even;
 * overflow gives infinity, NaN stays NaN). The conversion itself lives with float16 quantization.
 *
 * @example float32ToHalfBits(1) // 0x3c00
 * @param value Any number; it is first rounded to float32.
 * @returns The 16-bit pattern as an integer in [0, 65535].
 */
export function float32ToHalfBits(value: number): number {
  return float16Bits(value);
}

/**
 * The number an IEEE 754 half-precision bit pattern stands for.
 *
 * @example halfBitsToFloat32(0xc000) // -2
 * @param bits A 16-bit pattern.
 * @returns Its value (exactly representable in float32).
 */
export function halfBitsToFloat32(bits: number): number {
  return float16Value(bits);
}

/**
 * Stores weights as float32: header + 4 bytes per weight.
 *
 * @example encodeFloat32(new Float32Array(16), [4, 4]).byteLength // 10 + 64 = 74
 * @param values Weights, row-major.
 * @param shape Their shape.
 * @returns The encoding.
 * @throws TypeError when values is not array-like; RangeError when it does not match the shape.
 */
export function encodeFloat32(values: ArrayLike<number>, shape: number[]): EncodedTensor {
  checkShape(shape);
  checkValues(values, shape);
  const w = new ByteWriter();
  writeTensorHeader(w, 'float32', shape);
  for (let i = 0; i < values.length; i++) w.f32(values[i]);
  const bytes = w.finish();
  return { bytes, format: 'float32', byteLength: bytes.length, headerBytes: tensorHeaderBytes(shape) };
}

/**
 * Reads {@link encodeFloat32} bytes.
 *
 * @example decodeFloat32(encodeFloat32([1, 2], [2]).bytes).values // Float32Array [1, 2]
 * @param bytes The encoding.
 * @returns Shape and values.
 * @throws RangeError when the bytes are not a float32 encoding or are truncated.
 */
export function decodeFloat32(bytes: Uint8Array): DecodedTensor {
  const r = new ByteReader(bytes);
  const shape = readTensorHeader(r, 'float32');
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = r.f32();
  return { format: 'float32', shape, values };
}

/**
 * Stores weights as IEEE half floats: header + 2 bytes per weight.
 *
 * @example encodeFloat16(new Float32Array(16), [4, 4]).byteLength // 10 + 32 = 42
 * @param values Weights, row-major.
 * @param shape Their shape.
 * @returns The encoding.
 * @throws TypeError when values is not array-like; RangeError when it does not match the shape.
 */
export function encodeFloat16(values: ArrayLike<number>, shape: number[]): EncodedTensor {
  checkShape(shape);
  checkValues(values, shape);
  const w = new ByteWriter();
  writeTensorHeader(w, 'float16', shape);
  for (let i = 0; i < values.length; i++) w.u16(float32ToHalfBits(values[i]));
  const bytes = w.finish();
  return { bytes, format: 'float16', byteLength: bytes.length, headerBytes: tensorHeaderBytes(shape) };
}

/**
 * Reads {@link encodeFloat16} bytes.
 *
 * @example decodeFloat16(encodeFloat16([0.1], [1]).bytes).values[0] // 0.0999755859375
 * @param bytes The encoding.
 * @returns Shape and the half-precision values widened to float32.
 * @throws RangeError when the bytes are not a float16 encoding or are truncated.
 */
export function decodeFloat16(bytes: Uint8Array): DecodedTensor {
  const r = new ByteReader(bytes);
  const shape = readTensorHeader(r, 'float16');
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = halfBitsToFloat32(r.u16());
  return { format: 'float16', shape, values };
}
