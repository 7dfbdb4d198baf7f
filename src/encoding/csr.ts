/**
 * Compressed sparse rows with relative column indices, as in Deep Compression (Han, Mao and Dally,
 * ICLR 2016, section 3 and figure 2): each stored weight keeps the number of zeros skipped since
 * the previous stored weight of its row (its gap) in a fixed small number of bits. A gap too large
 * for those bits is bridged by filler entries: a stored zero placed 2^gapBits - 1 zeros further on.
 *
 * The tensor is viewed as rows x columns with the last axis as columns (a vector is one row).
 * Layouts (row pointers: rows + 1 offsets into the entries, each ptrBytes = 1, 2 or 4 bytes, the
 * smallest that holds the entry count):
 *   csr-float32: tensor header | u8 gapBits | u8 ptrBytes | row pointers
 *                | ceil(entries * gapBits / 8) bytes of gaps | entries x f32
 *   csr-codes:   tensor header | quantization header | u8 gapBits | u8 ptrBytes | row pointers
 *                | gaps as above | ceil(entries * bits / 8) bytes of codes
 */
import { ByteReader, ByteWriter, uintWidth } from './bits';
import { dequantizeCodes, normaliseCodes, zeroCodeMask } from './codes';
import { checkShape, checkValues, quantHeaderBytes, readQuantHeader, readTensorHeader, sizeOf, tensorHeaderBytes, writeQuantHeader, writeTensorHeader } from './header';
import { DecodedTensor, EncodedTensor, QuantizedCodes, StoredCodes } from './types';

/** Relative-index structure of a sparse matrix. */
export interface RelativeIndex {
  rows: number;
  cols: number;
  /** rows + 1 offsets into the entries. */
  rowPointers: Uint32Array;
  /** Zeros skipped before each entry, each <= 2^gapBits - 1. */
  gaps: Int32Array;
  /** Flat position of each entry in the tensor. */
  positions: Int32Array;
  /** 1 for filler entries (stored zeros that only bridge a long gap). */
  filler: Uint8Array;
}

/** Rows and columns of the matrix view: the last axis is the columns. */
export function matrixView(shape: readonly number[]): { rows: number; cols: number } {
  if (shape.length === 0) return { rows: 1, cols: 1 };
  const cols = shape[shape.length - 1];
  return { rows: sizeOf(shape.slice(0, -1)), cols };
}

/** Throws unless gapBits is an integer in [1, 16]. */
export function checkGapBits(gapBits: unknown): asserts gapBits is number {
  if (typeof gapBits !== 'number' || !Number.isInteger(gapBits) || gapBits < 1 || gapBits > 16) {
    throw new RangeError(`gapBits must be an integer in [1, 16], got ${String(gapBits)}`);
  }
}

/**
 * Builds the relative indices of the stored positions, inserting fillers where a gap exceeds the
 * largest gap that `gapBits` can hold.
 */
export function buildRelativeIndex(stored: Uint8Array, shape: readonly number[], gapBits: number): RelativeIndex {
  const { rows, cols } = matrixView(shape);
  const maxGap = 2 ** gapBits - 1;
  const gaps: number[] = [];
  const positions: number[] = [];
  const filler: number[] = [];
  const rowPointers = new Uint32Array(rows + 1);
  for (let r = 0; r < rows; r++) {
    let prev = -1;
    for (let c = 0; c < cols; c++) {
      if (!stored[r * cols + c]) continue;
      while (c - prev - 1 > maxGap) {
        prev += maxGap + 1;
        gaps.push(maxGap);
        positions.push(r * cols + prev);
        filler.push(1);
      }
      gaps.push(c - prev - 1);
      positions.push(r * cols + c);
      filler.push(0);
      prev = c;
    }
    rowPointers[r + 1] = gaps.length;
  }
  return {
    rows,
    cols,
    rowPointers,
    gaps: Int32Array.from(gaps),
    positions: Int32Array.from(positions),
    filler: Uint8Array.from(filler),
  };
}

/** Writes gapBits, the pointer width and the row pointers. */
export function writeIndexHeader(w: ByteWriter, index: RelativeIndex, gapBits: number): number {
  const width = uintWidth(index.gaps.length);
  w.u8(gapBits);
  w.u8(width);
  for (const p of index.rowPointers) w.uint(p, width);
  return 2 + width * index.rowPointers.length;
}

/** Reads what {@link writeIndexHeader} wrote. */
export function readIndexHeader(r: ByteReader, shape: readonly number[]): { gapBits: number; rowPointers: Uint32Array; rows: number; cols: number } {
  const gapBits = r.u8();
  checkGapBits(gapBits);
  const width = r.u8();
  if (width !== 1 && width !== 2 && width !== 4) throw new RangeError(`stored pointer width must be 1, 2 or 4, got ${width}`);
  const { rows, cols } = matrixView(shape);
  const rowPointers = new Uint32Array(rows + 1);
  for (let i = 0; i <= rows; i++) rowPointers[i] = r.uint(width);
  return { gapBits, rowPointers, rows, cols };
}

/** Turns per-entry gaps back into flat positions. */
export function positionsFromGaps(gaps: ArrayLike<number>, rowPointers: Uint32Array, cols: number): Int32Array {
  const positions = new Int32Array(gaps.length);
  for (let r = 0; r + 1 < rowPointers.length; r++) {
    let col = -1;
    for (let e = rowPointers[r]; e < rowPointers[r + 1]; e++) {
      col += gaps[e] + 1;
      if (col >= cols) throw new RangeError(`decoded column must be below ${cols}, got ${col} in row ${r}`);
      positions[e] = r * cols + col;
    }
  }
  return positions;
}

/** Options of the CSR encoders. */
export interface CsrOptions {
  /**
   * Bits per relative column index. Deep Compression used 5 for fully connected layers.
   * @default 5
   */
  gapBits?: number;
}

/**
 * Checks codes and builds the relative index of their non-zero entries: the shared first step of
 * the code-based CSR formats (plain codes, and Huffman-coded codes).
 *
 * @example const { s, index } = indexCodes(q, [4, 4], 5);
 * @param q Codes with bits, scales and zero points.
 * @param shape Shape of the tensor.
 * @param gapBits Bits per relative column index.
 * @returns The normalised codes and their index.
 * @throws TypeError / RangeError as {@link encodeCsrCodes}.
 */
export function indexCodes(q: QuantizedCodes, shape: number[], gapBits: number): { s: StoredCodes; index: RelativeIndex } {
  checkShape(shape);
  checkGapBits(gapBits);
  const s = normaliseCodes(q, shape);
  const stored = zeroCodeMask(s, shape).map((z) => 1 - z);
  return { s, index: buildRelativeIndex(stored, shape, gapBits) };
}

/**
 * Reads the index section of a CSR encoding (header, then fixed-width gaps) and returns the flat
 * position of every stored entry; the reader is left at the first value.
 *
 * @example const { entries, positions } = readIndexPositions(r, shape);
 * @param r Reader positioned after the tensor (and quantization) header.
 * @param shape Shape of the tensor.
 * @returns Number of stored entries and their positions.
 * @throws RangeError when the bytes are truncated or inconsistent.
 */
export function readIndexPositions(r: ByteReader, shape: readonly number[]): { entries: number; positions: Int32Array } {
  const { gapBits, rowPointers, cols } = readIndexHeader(r, shape);
  const entries = rowPointers[rowPointers.length - 1];
  const gaps = new Int32Array(entries);
  for (let e = 0; e < entries; e++) gaps[e] = r.bits(gapBits);
  r.alignToByte();
  return { entries, positions: positionsFromGaps(gaps, rowPointers, cols) };
}

/**
 * Stores non-zero weights as float32 with relative column indices and row pointers.
 *
 * @example
 * // 2x20, row 0 non-zero at columns 0 and 18, row 1 at column 5, 4-bit gaps: the gap of 17 needs
 * // a filler, so 4 entries: 10 + 2 + 3 (pointers) + 2 (gaps) + 16 (values) = 33 bytes
 * encodeCsrFloat32(values, [2, 20], { gapBits: 4 }).byteLength
 * @param values Weights, row-major.
 * @param shape Their shape.
 * @param options See {@link CsrOptions}.
 * @returns The encoding.
 * @throws TypeError when values is not array-like; RangeError for a shape mismatch or bad gapBits.
 */
export function encodeCsrFloat32(values: ArrayLike<number>, shape: number[], options: CsrOptions = {}): EncodedTensor {
  const { gapBits = 5 } = options;
  checkShape(shape);
  checkValues(values, shape);
  checkGapBits(gapBits);
  const stored = Uint8Array.from(values as ArrayLike<number>, (v) => (v !== 0 ? 1 : 0));
  const index = buildRelativeIndex(stored, shape, gapBits);
  const w = new ByteWriter();
  writeTensorHeader(w, 'csr-float32', shape);
  const headerBytes = tensorHeaderBytes(shape) + writeIndexHeader(w, index, gapBits);
  for (const g of index.gaps) w.bits(g, gapBits);
  w.flushBits();
  for (let e = 0; e < index.positions.length; e++) w.f32(index.filler[e] ? 0 : values[index.positions[e]]);
  const bytes = w.finish();
  return { bytes, format: 'csr-float32', byteLength: bytes.length, headerBytes };
}

/**
 * Reads {@link encodeCsrFloat32} bytes.
 *
 * @example decodeCsrFloat32(encodeCsrFloat32(values, [2, 20]).bytes).values // equals values
 * @param bytes The encoding.
 * @returns Shape and values.
 * @throws RangeError when the bytes are not this format, are truncated or inconsistent.
 */
export function decodeCsrFloat32(bytes: Uint8Array): DecodedTensor {
  const r = new ByteReader(bytes);
  const shape = readTensorHeader(r, 'csr-float32');
  const { entries, positions } = readIndexPositions(r, shape);
  const values = new Float32Array(sizeOf(shape));
  for (let e = 0; e < entries; e++) values[positions[e]] = r.f32();
  return { format: 'csr-float32', shape, values };
}

/** The codes that fillers store: their channel's zero point, which stands for 0. */
export function fillerCode(q: StoredCodes, shape: readonly number[], position: number): number {
  const stride = q.axis < 0 ? 1 : sizeOf(shape.slice(q.axis + 1));
  return q.zeroPoints[Math.floor(position / stride) % q.scales.length];
}

/**
 * Stores the codes of non-zero weights with relative column indices and row pointers.
 *
 * @example encodeCsrCodes({ codes, bits: 4, scales: [0.1], zeroPoints: [8] }, [4, 4], { gapBits: 4 })
 * @param q Codes with bits, scales and zero points (see {@link QuantizedCodes}).
 * @param shape Shape of the tensor.
 * @param options See {@link CsrOptions}.
 * @returns The encoding.
 * @throws TypeError when q is not a codes object; RangeError for unsupported bits, bad gapBits, a
 *   code out of range or lengths that do not match the shape.
 */
export function encodeCsrCodes(q: QuantizedCodes, shape: number[], options: CsrOptions = {}): EncodedTensor {
  const { gapBits = 5 } = options;
  const { s, index } = indexCodes(q, shape, gapBits);
  const w = new ByteWriter();
  writeTensorHeader(w, 'csr-codes', shape);
  writeQuantHeader(w, s);
  const headerBytes = tensorHeaderBytes(shape) + quantHeaderBytes(s) + writeIndexHeader(w, index, gapBits);
  for (const g of index.gaps) w.bits(g, gapBits);
  w.flushBits();
  for (let e = 0; e < index.positions.length; e++) {
    const p = index.positions[e];
    w.bits(index.filler[e] ? fillerCode(s, shape, p) : s.codes[p], s.bits);
  }
  const bytes = w.finish();
  return { bytes, format: 'csr-codes', byteLength: bytes.length, headerBytes };
}

/** Codes of a tensor whose positions are all zero (their channel's zero point). */
export function zeroCodes(q: StoredCodes, shape: readonly number[]): Int32Array {
  const codes = new Int32Array(sizeOf(shape));
  for (let i = 0; i < codes.length; i++) codes[i] = fillerCode(q, shape, i);
  return codes;
}

/**
 * Reads {@link encodeCsrCodes} bytes; positions left out get their channel's zero point.
 *
 * @example decodeCsrCodes(encodeCsrCodes(q, [4, 4]).bytes).quantization.codes
 * @param bytes The encoding.
 * @returns Shape, dequantized values and the stored codes.
 * @throws RangeError when the bytes are not this format, are truncated or inconsistent.
 */
export function decodeCsrCodes(bytes: Uint8Array): DecodedTensor {
  const r = new ByteReader(bytes);
  const shape = readTensorHeader(r, 'csr-codes');
  const q = readQuantHeader(r, shape);
  const { entries, positions } = readIndexPositions(r, shape);
  q.codes = zeroCodes(q, shape);
  for (let e = 0; e < entries; e++) q.codes[positions[e]] = r.bits(q.bits);
  return { format: 'csr-codes', shape, values: dequantizeCodes(q, shape), quantization: q };
}
