/**
 * Symmetric int8 codes of a weight matrix, one scale per column (or one for the whole matrix),
 * made by the library's own quantizer so that an int8 ONNX file holds exactly the values that
 * `quantizeModel(model, { bits: 8, granularity })` writes back into a tfjs model. Reordering gates
 * or transposing for ONNX then moves codes around without touching them.
 */
import type { QuantGranularity } from '../quantization/options';
import { quantizeTensor } from '../quantization/quantize';
import { permuteColumns, transpose2d } from './layout';

/** A row-major [rows, cols] matrix as int8 codes and scales: value = scale · code. */
export interface Int8Matrix {
  rows: number;
  cols: number;
  codes: Int8Array;
  /** One scale per column (`per-channel`), or a single one (`per-tensor`). */
  scales: Float32Array;
}

/**
 * Quantizes a matrix to symmetric int8 codes in [-127, 127].
 *
 * @example quantizeColumns(Float32Array.of(0.5, -1, 0.25, 2), 2, 2, 'per-channel').scales // [0.5/127, 2/127]
 * @param values Row-major [rows, cols] values.
 * @param rows Number of rows.
 * @param cols Number of columns.
 * @param granularity One scale per column or one in all.
 * @returns Codes and scales.
 * @throws RangeError for a non-finite value.
 */
export function quantizeColumns(values: Float32Array, rows: number, cols: number, granularity: QuantGranularity): Int8Matrix {
  const q = quantizeTensor(values, [rows, cols], { bits: 8, scheme: 'symmetric', granularity, channelAxis: -1 });
  return { rows, cols, codes: Int8Array.from(q.codes), scales: Float32Array.from(q.scales) };
}

/**
 * Quantizes a lookup table with one scale per row (per-channel) or one in all, as the library
 * quantizes embeddings.
 *
 * @example quantizeRows(table, vocabSize, dim, 'per-channel').scales.length // vocabSize
 * @param values Row-major [rows, cols] values.
 * @param rows Number of rows.
 * @param cols Number of columns.
 * @param granularity One scale per row or one in all.
 * @returns Codes and scales (one per row).
 */
export function quantizeRows(values: Float32Array, rows: number, cols: number, granularity: QuantGranularity): Int8Matrix {
  const q = quantizeTensor(values, [rows, cols], { bits: 8, scheme: 'symmetric', granularity, channelAxis: 0 });
  return { rows, cols, codes: Int8Array.from(q.codes), scales: Float32Array.from(q.scales) };
}

/**
 * Reorders the columns of a per-column quantized matrix, scales included.
 *
 * @example permuteInt8Columns(m, onnxGateColumns('LSTM', units))
 * @param m The matrix.
 * @param perm Column `k` of the result is column `perm[k]` of `m`.
 * @returns The reordered matrix.
 */
export function permuteInt8Columns(m: Int8Matrix, perm: Int32Array): Int8Matrix {
  const scales = m.scales.length === 1 ? m.scales : Float32Array.from(perm, (p) => m.scales[p]);
  return { rows: m.rows, cols: m.cols, codes: permuteColumns(m.codes, m.rows, perm), scales };
}

/**
 * Keeps a contiguous range of columns.
 *
 * @example sliceInt8Columns(m, 0, 2 * units) // the z and r blocks of a GRU kernel
 * @param m The matrix.
 * @param start First column kept.
 * @param end One past the last column kept.
 * @returns The narrower matrix.
 */
export function sliceInt8Columns(m: Int8Matrix, start: number, end: number): Int8Matrix {
  const cols = end - start;
  const codes = new Int8Array(m.rows * cols);
  for (let r = 0; r < m.rows; r++) codes.set(m.codes.subarray(r * m.cols + start, r * m.cols + end), r * cols);
  const scales = m.scales.length === 1 ? m.scales : m.scales.slice(start, end);
  return { rows: m.rows, cols, codes, scales };
}

/**
 * The transposed codes, [cols, rows]; the scales then belong to rows.
 *
 * @example transposeInt8(m).codes.length === m.codes.length
 * @param m The matrix.
 * @returns Codes of the transpose (rows and cols swapped) and the same scales.
 */
export function transposeInt8(m: Int8Matrix): Int8Matrix {
  return { rows: m.cols, cols: m.rows, codes: transpose2d(m.codes, m.rows, m.cols), scales: m.scales };
}
