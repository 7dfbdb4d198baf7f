/**
 * Singular value decomposition in plain TypeScript, because tfjs has none.
 *
 * Method: one-sided Jacobi (Hestenes). Pairs of columns of a working copy of the matrix are
 * rotated until every pair is orthogonal; the rotations accumulate into V, the column norms are
 * the singular values and the normalised columns are U. It needs no bidiagonalisation, is short
 * enough to read, and is accurate to near machine precision in the small singular values too,
 * which is what truncation error estimates rely on. Cost per sweep is about 3·m·n² flops; a
 * recurrent kernel of 128 units (128 x 512) converges in under ten sweeps.
 */
import { Matrix, transpose } from './matrix';

/** A thin SVD `A = U · diag(s) · Vᵀ`, k = min(m, n). */
export interface Svd {
  /** Left singular vectors, `[m, k]`, columns orthonormal (zero for zero singular values). */
  u: Matrix;
  /** Singular values, `k` of them, in decreasing order. */
  s: Float64Array;
  /** Right singular vectors, `[n, k]`, columns orthonormal. */
  v: Matrix;
}

/** Options of {@link svd}. */
export interface SvdOptions {
  /**
   * A pair of columns counts as orthogonal when |p·q| <= tolerance · ||p|| · ||q||.
   * @default 1e-15
   */
  tolerance?: number;
  /**
   * Upper bound on sweeps over all column pairs; Jacobi converges quadratically, so reaching it
   * means the input held NaN or infinity.
   * @default 100
   */
  maxSweeps?: number;
}

/**
 * Computes the thin singular value decomposition of a matrix.
 *
 * @example
 * const { s } = svd(matrixFromRows([[3, 0], [4, 5]]));
 * // s ≈ [3·√5, √5] = [6.7082, 2.2361]
 * @param a The matrix, `[m, n]`; it is not modified.
 * @param options See {@link SvdOptions}.
 * @returns U `[m, k]`, s `[k]` (decreasing), V `[n, k]` with k = min(m, n).
 * @throws RangeError when the matrix holds a non-finite value.
 */
export function svd(a: Matrix, options: SvdOptions = {}): Svd {
  const { tolerance = 1e-15, maxSweeps = 100 } = options;
  for (let i = 0; i < a.data.length; i++) {
    if (!Number.isFinite(a.data[i])) throw new RangeError(`matrix entries must be finite, got ${a.data[i]} at index ${i}`);
  }
  if (a.rows < a.cols) {
    // Jacobi orthogonalises columns, so it wants a tall matrix: Aᵀ = V S Uᵀ.
    const t = svdTall(transpose(a), tolerance, maxSweeps);
    return { u: t.v, s: t.s, v: t.u };
  }
  return svdTall(a, tolerance, maxSweeps);
}

function svdTall(a: Matrix, tolerance: number, maxSweeps: number): Svd {
  const m = a.rows;
  const n = a.cols;
  // Column-major copies so that each column is contiguous for the inner loops.
  const w = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) w[j * m + i] = a.data[i * n + j];
  const v = new Float64Array(n * n);
  for (let j = 0; j < n; j++) v[j * n + j] = 1;

  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        const po = p * m;
        const qo = q * m;
        for (let i = 0; i < m; i++) {
          const x = w[po + i];
          const y = w[qo + i];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= tolerance * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        // Rotation that zeroes the off-diagonal of the 2x2 Gram matrix [[alpha, gamma], [gamma, beta]];
        // t is the smaller root of t² + 2ζt - 1 = 0, which keeps the rotation angle under π/4.
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const x = w[po + i];
          const y = w[qo + i];
          w[po + i] = c * x - s * y;
          w[qo + i] = s * x + c * y;
        }
        const pv = p * n;
        const qv = q * n;
        for (let i = 0; i < n; i++) {
          const x = v[pv + i];
          const y = v[qv + i];
          v[pv + i] = c * x - s * y;
          v[qv + i] = s * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }

  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += w[j * m + i] ** 2;
    norms[j] = Math.sqrt(s);
  }
  const order = Array.from({ length: n }, (_, j) => j).sort((x, y) => norms[y] - norms[x]);
  const u: Matrix = { rows: m, cols: n, data: new Float64Array(m * n) };
  const vOut: Matrix = { rows: n, cols: n, data: new Float64Array(n * n) };
  const sOut = new Float64Array(n);
  order.forEach((j, k) => {
    const sigma = norms[j];
    sOut[k] = sigma;
    if (sigma > 0) for (let i = 0; i < m; i++) u.data[i * n + k] = w[j * m + i] / sigma;
    for (let i = 0; i < n; i++) vOut.data[i * n + k] = v[j * n + i];
  });
  return { u, s: sOut, v: vOut };
}
