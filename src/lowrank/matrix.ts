/**
 * A dense real matrix in row-major `Float64Array` storage: the plain-TypeScript side of low-rank
 * factorisation. The decomposition runs in float64 so that truncation errors come from the rank,
 * not from rounding.
 */
import * as tf from '@tensorflow/tfjs';

/** A `rows x cols` matrix; entry (i, j) is `data[i * cols + j]`. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

/**
 * Builds a matrix from nested rows.
 *
 * @example matrixFromRows([[3, 0], [4, 5]]) // { rows: 2, cols: 2, data: [3, 0, 4, 5] }
 * @param rows The rows, all of the same length.
 * @returns The matrix.
 * @throws RangeError when there are no rows or the rows differ in length.
 */
export function matrixFromRows(rows: number[][]): Matrix {
  if (rows.length === 0 || rows[0].length === 0) {
    throw new RangeError(`a matrix must have at least one row and one column, got ${rows.length} rows`);
  }
  const cols = rows[0].length;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((row, i) => {
    if (row.length !== cols) throw new RangeError(`every row must have ${cols} entries, row ${i} has ${row.length}`);
    data.set(row, i * cols);
  });
  return { rows: rows.length, cols, data };
}

/**
 * Reads a 2-D tensor (for instance a layer's kernel) into a float64 matrix.
 *
 * @example const w = matrixFromTensor(layer.getWeights()[0]);
 * @param tensor A rank-2 tensor; it is not disposed.
 * @returns Its values as a matrix.
 * @throws TypeError when the tensor is not rank 2.
 */
export function matrixFromTensor(tensor: tf.Tensor): Matrix {
  if (tensor.rank !== 2) throw new TypeError(`tensor must be rank 2, got rank ${tensor.rank} [${tensor.shape}]`);
  const [rows, cols] = tensor.shape;
  return { rows, cols, data: Float64Array.from(tensor.dataSync()) };
}

/**
 * Converts a matrix to a float32 tensor, for instance to set a layer weight.
 *
 * @example layer.setWeights([matrixToTensor(a)])
 * @param m The matrix.
 * @returns A new `[rows, cols]` tensor owned by the caller.
 */
export function matrixToTensor(m: Matrix): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(m.data), [m.rows, m.cols]);
}

/**
 * Matrix product `a · b`.
 *
 * @example multiply(u, v).rows === u.rows
 * @param a Left factor `[m, k]`.
 * @param b Right factor `[k, n]`.
 * @returns The product `[m, n]`.
 * @throws RangeError when the inner dimensions differ.
 */
export function multiply(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new RangeError(`inner dimensions must match, got [${a.rows}, ${a.cols}] · [${b.rows}, ${b.cols}]`);
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k];
      if (aik === 0) continue;
      const bRow = k * b.cols;
      const oRow = i * b.cols;
      for (let j = 0; j < b.cols; j++) out[oRow + j] += aik * b.data[bRow + j];
    }
  }
  return { rows: a.rows, cols: b.cols, data: out };
}

/**
 * Transpose of a matrix.
 *
 * @example transpose(m).cols === m.rows
 * @param m The matrix.
 * @returns Its transpose.
 */
export function transpose(m: Matrix): Matrix {
  const out = new Float64Array(m.data.length);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) out[j * m.rows + i] = m.data[i * m.cols + j];
  }
  return { rows: m.cols, cols: m.rows, data: out };
}

/**
 * Frobenius norm, the square root of the sum of squared entries.
 *
 * @example frobeniusNorm(matrixFromRows([[3, 4]])) // 5
 * @param m The matrix.
 * @returns ||m||_F.
 */
export function frobeniusNorm(m: Matrix): number {
  let s = 0;
  for (const v of m.data) s += v * v;
  return Math.sqrt(s);
}
