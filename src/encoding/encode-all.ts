/**
 * Every format's size for one tensor, side by side: the row of a storage comparison table.
 */
import { encodeBitmaskCodes, encodeBitmaskFloat32 } from './bitmask';
import { deriveCodes, dequantizeCodes, normaliseCodes } from './codes';
import { checkGapBits, encodeCsrCodes, encodeCsrFloat32 } from './csr';
import { encodeFloat16, encodeFloat32 } from './dense';
import { gzipBytes } from './gzip';
import { checkBits, checkShape, checkValues } from './header';
import { encodeCsrHuffman, encodeHuffmanCodes } from './huffman-formats';
import { encodePacked } from './packed';
import { FormatName, QuantizedCodes } from './types';

/** Options of {@link encodeAll}. */
export interface EncodeAllOptions {
  /**
   * Quantization codes of the tensor, from a quantizer. When given, the code formats store them.
   * @default undefined
   */
  codes?: QuantizedCodes;
  /**
   * Without `codes`: derive codes of this width from the values (see `deriveCodes`) so the code
   * formats can be measured. Without either, only float formats are measured.
   * @default undefined
   */
  bits?: number;
  /**
   * With `bits`: one scale per output channel (last axis) instead of one per tensor.
   * @default false
   */
  perChannel?: boolean;
  /**
   * Bits per relative index in the CSR formats.
   * @default 5
   */
  gapBits?: number;
}

/** Sizes of one tensor in every measured format. */
export interface EncodingTable {
  shape: number[];
  elements: number;
  /** Values that are not 0. */
  nonZeros: number;
  /** Encoded size in bytes, headers included, per format. */
  bytes: Partial<Record<FormatName, number>>;
  /** 8 * bytes / elements, per format. */
  bitsPerWeight: Partial<Record<FormatName, number>>;
  /** Where the codes came from and how far their values are from `values`. */
  quantization?: { source: 'given' | 'derived'; bits: number; maxAbsError: number };
}

/**
 * Encodes one tensor in every format and reports the sizes. `gzip` is the float32 encoding
 * gzipped at level 9.
 *
 * @example
 * const t = encodeAll(values, [64, 256], { bits: 4 });
 * console.log(t.bytes.float32, t.bytes['csr-huffman']);
 * @param values Weights, row-major.
 * @param shape Their shape.
 * @param options See {@link EncodeAllOptions}.
 * @returns The sizes per format.
 * @throws TypeError when values or codes are of the wrong kind.
 * @throws RangeError for a shape mismatch, unsupported bits, bad gapBits, or bits that contradict
 *   codes.bits.
 */
export function encodeAll(values: ArrayLike<number>, shape: number[], options: EncodeAllOptions = {}): EncodingTable {
  const { codes, bits, perChannel = false, gapBits = 5 } = options;
  checkShape(shape);
  checkValues(values, shape);
  checkGapBits(gapBits);
  if (bits !== undefined) checkBits(bits);
  if (codes && bits !== undefined && bits !== codes.bits) {
    throw new RangeError(`bits must match codes.bits (${codes.bits}) when both are given, got ${bits}`);
  }
  let quantization: EncodingTable['quantization'];
  let q: QuantizedCodes | undefined;
  if (codes) {
    q = codes;
    const decoded = dequantizeCodes(normaliseCodes(codes, shape), shape);
    let maxAbsError = 0;
    for (let i = 0; i < decoded.length; i++) maxAbsError = Math.max(maxAbsError, Math.abs(decoded[i] - values[i]));
    quantization = { source: 'given', bits: codes.bits, maxAbsError };
  } else if (bits !== undefined) {
    const derived = deriveCodes(values, shape, { bits, perChannel });
    q = derived;
    quantization = { source: 'derived', bits, maxAbsError: derived.maxAbsError };
  }
  const float32 = encodeFloat32(values, shape);
  const sizes: Partial<Record<FormatName, number>> = {
    float32: float32.byteLength,
    float16: encodeFloat16(values, shape).byteLength,
    'bitmask-float32': encodeBitmaskFloat32(values, shape).byteLength,
    'csr-float32': encodeCsrFloat32(values, shape, { gapBits }).byteLength,
    gzip: gzipBytes([float32.bytes]).byteLength,
  };
  if (q) {
    sizes.packed = encodePacked(q, shape).byteLength;
    sizes['bitmask-codes'] = encodeBitmaskCodes(q, shape).byteLength;
    sizes['csr-codes'] = encodeCsrCodes(q, shape, { gapBits }).byteLength;
    sizes.huffman = encodeHuffmanCodes(q, shape).byteLength;
    sizes['csr-huffman'] = encodeCsrHuffman(q, shape, { gapBits }).byteLength;
  }
  let nonZeros = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) nonZeros++;
  const elements = values.length;
  const bitsPerWeight = Object.fromEntries(
    Object.entries(sizes).map(([f, b]) => [f, elements === 0 ? 0 : (8 * (b as number)) / elements]),
  ) as Partial<Record<FormatName, number>>;
  return { shape: [...shape], elements, nonZeros, bytes: sizes, bitsPerWeight, ...(quantization ? { quantization } : {}) };
}
