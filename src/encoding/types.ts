/**
 * Names and shapes shared by every storage encoder. Each encoder produces real bytes and each
 * decoder reads them back, so a reported size is the length of a byte array that decodes, not an
 * estimate.
 */

/** Every storage format the library can write. */
export type FormatName =
  | 'float32'
  | 'float16'
  | 'packed'
  | 'bitmask-float32'
  | 'bitmask-codes'
  | 'csr-float32'
  | 'csr-codes'
  | 'huffman'
  | 'csr-huffman'
  | 'gzip';

/** First byte of every encoding, so that {@link decodeTensor} can tell formats apart. */
export const FORMAT_IDS: Record<FormatName, number> = {
  float32: 1,
  float16: 2,
  packed: 3,
  'bitmask-float32': 4,
  'bitmask-codes': 5,
  'csr-float32': 6,
  'csr-codes': 7,
  huffman: 8,
  'csr-huffman': 9,
  gzip: 10,
};

/** Formats that store float values and need no quantization codes. */
export const FLOAT_FORMATS: readonly FormatName[] = ['float32', 'float16', 'bitmask-float32', 'csr-float32'];

/** Formats that store k-bit quantization codes. */
export const CODE_FORMATS: readonly FormatName[] = ['packed', 'bitmask-codes', 'csr-codes', 'huffman', 'csr-huffman'];

/** The result of every encoder. */
export interface EncodedTensor {
  /** The encoding; `bytes.length === byteLength`. */
  bytes: Uint8Array;
  format: FormatName;
  /** Total size in bytes, headers included. */
  byteLength: number;
  /** How many of those bytes are header (shape, quantization parameters, tables, pointers). */
  headerBytes: number;
}

/**
 * Integer codes of a quantized tensor with their affine parameters, as a quantizer produces them.
 * The value a code stands for is `scale[c] * (code - zeroPoint[c])`, c being the code's channel.
 *
 * Codes may be unsigned, in [0, 2^bits - 1], or signed, in [-2^(bits-1), 2^(bits-1) - 1]. Signed
 * codes are stored offset by 2^(bits-1), their zero points moved by the same amount, which leaves
 * every represented value unchanged; decoders return the stored (unsigned) codes.
 */
export interface QuantizedCodes {
  /** One integer per element, row-major like the tensor. */
  codes: ArrayLike<number>;
  /** Code width: 2..8 or 16. */
  bits: number;
  /** One scale for the whole tensor, or one per channel along `axis`. */
  scales: ArrayLike<number>;
  /** Same length as `scales`. Stored as float32. */
  zeroPoints: ArrayLike<number>;
  /**
   * Channel axis when `scales` has more than one entry.
   * @default the last axis
   */
  axis?: number;
}

/** Codes as the encoders store them: unsigned, with float32 parameters. */
export interface StoredCodes {
  codes: Int32Array;
  bits: number;
  scales: Float32Array;
  zeroPoints: Float32Array;
  /** Channel axis, or -1 for one scale for the whole tensor. */
  axis: number;
}

/** What every decoder returns. */
export interface DecodedTensor {
  format: FormatName;
  shape: number[];
  /** The weights: exact for float32 formats, rounded for float16, dequantized for code formats. */
  values: Float32Array;
  /** The stored codes, for code formats. */
  quantization?: StoredCodes;
}
