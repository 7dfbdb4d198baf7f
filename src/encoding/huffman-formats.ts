/**
 * Tensor formats built on Huffman coding.
 *
 *   huffman:     tensor header | quantization header | Huffman table + bitstream of all n codes
 *   csr-huffman: tensor header | quantization header | u8 gapBits | u8 ptrBytes | row pointers
 *                | Huffman table + bitstream of the gaps | Huffman table + bitstream of the entry codes
 *
 * `csr-huffman` is the full Deep Compression storage: pruning leaves a sparse matrix, quantization
 * makes its values codes, and both the relative indices and the codes are Huffman coded.
 */
import { ByteReader, ByteWriter } from './bits';
import { dequantizeCodes, normaliseCodes } from './codes';
import { CsrOptions, fillerCode, indexCodes, positionsFromGaps, readIndexHeader, writeIndexHeader, zeroCodes } from './csr';
import { checkShape, quantHeaderBytes, readQuantHeader, readTensorHeader, sizeOf, tensorHeaderBytes, writeQuantHeader, writeTensorHeader } from './header';
import { readHuffman, writeHuffman } from './huffman';
import { DecodedTensor, EncodedTensor, QuantizedCodes } from './types';

/**
 * Huffman-codes every quantization code of a tensor.
 *
 * @example
 * // 9 two-bit codes with counts 5, 2, 1, 1: 6 + 10 + (1 + 4 + 4 * 2) + ceil(15 / 8) = 31 bytes
 * encodeHuffmanCodes({ codes: [0, 0, 0, 0, 0, 1, 1, 2, 3], bits: 2, scales: [1], zeroPoints: [0] }, [9]).byteLength
 * @param q Codes with bits, scales and zero points (see {@link QuantizedCodes}).
 * @param shape Shape of the tensor.
 * @returns The encoding; `headerBytes` counts the Huffman table too.
 * @throws TypeError when q is not a codes object; RangeError for unsupported bits, a code out of
 *   range or lengths that do not match the shape.
 */
export function encodeHuffmanCodes(q: QuantizedCodes, shape: number[]): EncodedTensor {
  checkShape(shape);
  const s = normaliseCodes(q, shape);
  const w = new ByteWriter();
  writeTensorHeader(w, 'huffman', shape);
  writeQuantHeader(w, s);
  const { tableBytes } = writeHuffman(w, s.codes);
  const bytes = w.finish();
  return { bytes, format: 'huffman', byteLength: bytes.length, headerBytes: tensorHeaderBytes(shape) + quantHeaderBytes(s) + tableBytes };
}

/**
 * Reads {@link encodeHuffmanCodes} bytes.
 *
 * @example decodeHuffmanCodes(encodeHuffmanCodes(q, [9]).bytes).quantization.codes
 * @param bytes The encoding.
 * @returns Shape, dequantized values and the stored codes.
 * @throws RangeError when the bytes are not this format, are truncated or hold an invalid code.
 */
export function decodeHuffmanCodes(bytes: Uint8Array): DecodedTensor {
  const r = new ByteReader(bytes);
  const shape = readTensorHeader(r, 'huffman');
  const q = readQuantHeader(r, shape);
  q.codes = readHuffman(r, sizeOf(shape));
  return { format: 'huffman', shape, values: dequantizeCodes(q, shape), quantization: q };
}

/**
 * Stores a sparse quantized tensor as Deep Compression does: CSR with relative indices, with the
 * gaps and the codes each Huffman coded.
 *
 * @example encodeCsrHuffman({ codes, bits: 4, scales: [0.1], zeroPoints: [8] }, [64, 256], { gapBits: 5 })
 * @param q Codes with bits, scales and zero points (see {@link QuantizedCodes}).
 * @param shape Shape of the tensor.
 * @param options See {@link CsrOptions}; gapBits bounds a gap before a filler is inserted.
 * @returns The encoding; `headerBytes` counts row pointers and both Huffman tables.
 * @throws TypeError when q is not a codes object; RangeError for unsupported bits, bad gapBits, a
 *   code out of range or lengths that do not match the shape.
 */
export function encodeCsrHuffman(q: QuantizedCodes, shape: number[], options: CsrOptions = {}): EncodedTensor {
  const { gapBits = 5 } = options;
  const { s, index } = indexCodes(q, shape, gapBits);
  const entryCodes = Int32Array.from(index.positions, (p, e) => (index.filler[e] ? fillerCode(s, shape, p) : s.codes[p]));
  const w = new ByteWriter();
  writeTensorHeader(w, 'csr-huffman', shape);
  writeQuantHeader(w, s);
  let headerBytes = tensorHeaderBytes(shape) + quantHeaderBytes(s) + writeIndexHeader(w, index, gapBits);
  headerBytes += writeHuffman(w, index.gaps).tableBytes;
  headerBytes += writeHuffman(w, entryCodes).tableBytes;
  const bytes = w.finish();
  return { bytes, format: 'csr-huffman', byteLength: bytes.length, headerBytes };
}

/**
 * Reads {@link encodeCsrHuffman} bytes; positions left out get their channel's zero point.
 *
 * @example decodeCsrHuffman(encodeCsrHuffman(q, [64, 256]).bytes).values
 * @param bytes The encoding.
 * @returns Shape, dequantized values and the stored codes.
 * @throws RangeError when the bytes are not this format, are truncated or inconsistent.
 */
export function decodeCsrHuffman(bytes: Uint8Array): DecodedTensor {
  const r = new ByteReader(bytes);
  const shape = readTensorHeader(r, 'csr-huffman');
  const q = readQuantHeader(r, shape);
  const { gapBits, rowPointers, cols } = readIndexHeader(r, shape);
  const entries = rowPointers[rowPointers.length - 1];
  const gaps = readHuffman(r, entries);
  const maxGap = 2 ** gapBits - 1;
  if (gaps.some((g) => g > maxGap)) throw new RangeError(`stored gaps must be at most ${maxGap} for gapBits ${gapBits}`);
  const positions = positionsFromGaps(gaps, rowPointers, cols);
  const entryCodes = readHuffman(r, entries);
  q.codes = zeroCodes(q, shape);
  for (let e = 0; e < entries; e++) q.codes[positions[e]] = entryCodes[e];
  return { format: 'csr-huffman', shape, values: dequantizeCodes(q, shape), quantization: q };
}
