/**
 * Seeded orthogonal initialisation of recurrent kernels, computed in plain JavaScript.
 *
 * tfjs's own `Orthogonal` initialiser runs a QR decomposition op by op: building an LSTM(128)
 * takes seconds and a two-layer LSTM(256) about 18 s on wasm, with a "Slowness may result"
 * warning each time. The same matrix family (uniformly random orthogonal, Saxe et al. 2014)
 * costs a fraction of a second by Gram-Schmidt in float64 here.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../utils/random';
import { checkPositiveInteger, checkSeed } from './checks';

/**
 * A random matrix with orthonormal rows (when rows <= cols) or orthonormal columns (otherwise),
 * times `gain`: Gram-Schmidt on a seeded standard-normal matrix of shape [max, min], whose
 * result (Q of a QR decomposition with positive diagonal R) is transposed when rows < cols.
 *
 * @example orthogonalMatrix(64, 256, 7) // an LSTM(64) recurrent kernel: W Wᵀ = I
 * @param rows Rows of the result.
 * @param cols Columns of the result.
 * @param seed Integer seed.
 * @param gain Scale of the result.
 * @returns The matrix, row-major.
 * @throws RangeError when rows or cols is not a positive integer or the seed not an integer.
 */
export function orthogonalMatrix(rows: number, cols: number, seed: number, gain = 1): Float32Array {
  checkPositiveInteger('rows', rows);
  checkPositiveInteger('cols', cols);
  checkSeed('seed', seed);
  const n = Math.max(rows, cols);
  const m = Math.min(rows, cols);
  const rng = createRng(seed);
  // q[j] is column j of the [n, m] factor.
  const q: Float64Array[] = [];
  for (let j = 0; j < m; j++) {
    const v = Float64Array.from({ length: n }, () => rng.normal());
    // Modified Gram-Schmidt loses orthogonality in proportion to the condition number, which
    // for a Gaussian matrix is small enough that float64 keeps the float32 result exact.
    for (let k = 0; k < j; k++) {
      const qk = q[k];
      let dot = 0;
      for (let i = 0; i < n; i++) dot += qk[i] * v[i];
      for (let i = 0; i < n; i++) v[i] -= dot * qk[i];
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) v[i] /= norm;
    q.push(v);
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      out[r * cols + c] = gain * (rows < cols ? q[r][c] : q[c][r]);
    }
  }
  return out;
}

/**
 * A stock tfjs `Orthogonal` initialiser (so that saved models record the standard
 * `{ class_name: 'Orthogonal', config: { gain, seed } }`) whose values come from
 * {@link orthogonalMatrix}, flattening all but the last axis as Keras does.
 *
 * @example tf.layers.lstm({ units: 64, recurrentInitializer: seededOrthogonal(7) })
 * @param seed Integer seed.
 * @param gain Scale of the matrix.
 * @returns The initialiser.
 * @throws RangeError when the seed is not an integer.
 */
export function seededOrthogonal(seed: number, gain = 1): ReturnType<typeof tf.initializers.orthogonal> {
  checkSeed('seed', seed);
  const initializer = tf.initializers.orthogonal({ gain, seed });
  initializer.apply = (shape: number[], dtype?: tf.DataType): tf.Tensor => {
    if (shape.length < 2) throw new RangeError(`orthogonal initialisation needs a shape of rank >= 2, got [${shape.join(', ')}]`);
    const cols = shape[shape.length - 1];
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    return tf.tensor(orthogonalMatrix(rows, cols, seed, gain), shape, dtype ?? 'float32');
  };
  return initializer;
}
