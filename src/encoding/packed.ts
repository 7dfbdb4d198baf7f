/**
 * Dense k-bit codes: every weight's quantization code, bit-packed with no padding between codes.
 *
 * Layout: tensor header | quantization header | ceil(n * bits / 8) bytes of codes
 * (least significant bit first; the last byte is zero-padded).
 */
import { ByteReader, ByteWriter } from './bits';
import { dequantizeCodes, normaliseCodes } from './codes';
import { checkShape, quantHeaderBytes, readQuantHeader, readTensorHeader, sizeOf, tensorHeaderBytes, writeQuantHeader, writeTensorHeader } from './header';
import { DecodedTensor, EncodedTensor, QuantizedCodes } from './types';

/**
 * Bit-packs quantization codes with their scales and zero points.
 *
 * @example
 * // 16 codes of 3 bits, one scale: 10 (header) + 10 (bits, axis, scale, zero point) + 6 = 26 bytes
 * encodePacked({ codes: new Int32Array(16), bits: 3, scales: [0.1], zeroPoints: [4] }, [4, 4]).byteLength
 * @param q Codes (unsigned or signed, see {@link QuantizedCodes}) with bits, scales and zero points.
 * @param shape Shape of the tensor.
 * @returns The encoding.
 * @throws TypeError when q is not a codes object; RangeError for unsupported bits, a code out of
 *   range or lengths that do not match the shape.
 */
export function encodePacked(q: QuantizedCodes, shape: number[]): EncodedTensor {
  checkShape(shape);
  const s = normaliseCodes(q, shape);
  const w = new ByteWriter();
  writeTensorHeader(w, 'packed', shape);
  writeQuantHeader(w, s);
  for (let i = 0; i < s.codes.length; i++) w.bits(s.codes[i], s.bits);
  const bytes = w.finish();
  return { bytes, format: 'packed', byteLength: bytes.length, headerBytes: tensorHeaderBytes(shape) + quantHeaderBytes(s) };
}

/**
 * Reads {@link encodePacked} bytes.
 *
 * @example decodePacked(encodePacked(q, [4, 4]).bytes).quantization.codes // the stored codes
 * @param bytes The encoding.
 * @returns Shape, dequantized values and the stored codes.
 * @throws RangeError when the bytes are not a packed encoding or are truncated.
 */
export function decodePacked(bytes: Uint8Array): DecodedTensor & { quantization: NonNullable<DecodedTensor['quantization']> } {
  const r = new ByteReader(bytes);
  const shape = readTensorHeader(r, 'packed');
  const q = readQuantHeader(r, shape);
  q.codes = new Int32Array(sizeOf(shape));
  for (let i = 0; i < q.codes.length; i++) q.codes[i] = r.bits(q.bits);
  return { format: 'packed', shape, values: dequantizeCodes(q, shape), quantization: q };
}
