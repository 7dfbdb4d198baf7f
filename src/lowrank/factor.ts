/**
 * Truncated SVD as a two-factor product: W [m, n] ≈ A [m, r] · B [r, n] with A = U_r·√S_r and
 * B = √S_r·V_rᵀ. Splitting √S evenly keeps both factors on the same scale, which suits
 * fine-tuning with one learning rate. By Eckart–Young the truncation is the best rank-r
 * approximation in Frobenius norm, with error √(Σ_{i>r} σ_i²).
 */
import { Matrix } from './matrix';
import { svd } from './svd';

/** How many singular values to keep: exactly one of the two fields. */
export interface RankChoice {
  /** Keep this many singular values, an integer in [1, min(m, n)]. */
  rank?: number;
  /**
   * Keep the fewest singular values whose squares add up to at least this fraction of the
   * total, a number in (0, 1].
   */
  energy?: number;
}

/** A matrix factored into two thinner ones. */
export interface LowRankFactors {
  /** Left factor `[m, rank]`. */
  a: Matrix;
  /** Right factor `[rank, n]`. */
  b: Matrix;
  rank: number;
  /** All singular values of the original matrix, decreasing. */
  singularValues: Float64Array;
  /** Σ_{i<=r} σ_i² / Σ σ_i²: the share of squared Frobenius norm kept (1 for a zero matrix). */
  energyKept: number;
  /** ||W - A·B||_F / ||W||_F = √(Σ_{i>r} σ_i² / Σ σ_i²) (0 for a zero matrix). */
  relativeError: number;
}

/**
 * Checks a {@link RankChoice} on its own, before any matrix is known.
 *
 * @example checkRankChoice({ energy: 0.9 })
 * @param choice The choice to check.
 * @throws TypeError when neither or both of `rank` and `energy` are given.
 * @throws RangeError when `rank` is not a positive integer or `energy` is outside (0, 1].
 */
export function checkRankChoice(choice: RankChoice): void {
  const { rank, energy } = choice;
  if ((rank === undefined) === (energy === undefined)) {
    throw new TypeError(`exactly one of rank and energy must be given, got rank=${rank} and energy=${energy}`);
  }
  if (rank !== undefined && (!Number.isInteger(rank) || rank < 1)) {
    throw new RangeError(`rank must be a positive integer, got ${rank}`);
  }
  if (energy !== undefined && !(energy > 0 && energy <= 1)) {
    throw new RangeError(`energy must be in (0, 1], got ${energy}`);
  }
}

/**
 * Picks the rank for a matrix from its singular values.
 *
 * @example chooseRank(Float64Array.of(3, 2, 1), { energy: 0.9 }) // 2: (9 + 4) / 14 ≈ 0.93 >= 0.9
 * @param singularValues Singular values in decreasing order.
 * @param choice A fixed rank or a fraction of energy to keep.
 * @param what How to name the matrix in error messages.
 * @returns The rank, between 1 and the number of singular values.
 * @throws TypeError / RangeError as {@link checkRankChoice}, and RangeError when `rank` exceeds
 *   min(m, n).
 */
export function chooseRank(singularValues: Float64Array, choice: RankChoice, what = 'matrix'): number {
  checkRankChoice(choice);
  const k = singularValues.length;
  if (choice.rank !== undefined) {
    if (choice.rank > k) {
      throw new RangeError(`rank must be an integer in [1, min(m, n)] = [1, ${k}] for ${what}, got ${choice.rank}`);
    }
    return choice.rank;
  }
  const energy = choice.energy as number;
  let total = 0;
  for (const s of singularValues) total += s * s;
  if (total === 0) return 1;
  let kept = 0;
  for (let r = 1; r <= k; r++) {
    kept += singularValues[r - 1] ** 2;
    // The small slack keeps energy = 1 from asking for one more value than exists after rounding.
    if (kept / total >= energy - 1e-12) return r;
  }
  return k;
}

/**
 * Factors a matrix into two thinner ones by truncated SVD.
 *
 * @example
 * const { a, b, rank, relativeError } = factorizeMatrix(w, { energy: 0.95 });
 * @param w The matrix `[m, n]`; it is not modified.
 * @param choice A fixed rank or a fraction of energy to keep.
 * @param what How to name the matrix in error messages, e.g. `the kernel of 'lstm' [8, 32]`.
 * @returns The factors and what the truncation cost.
 * @throws TypeError / RangeError as {@link chooseRank}.
 */
export function factorizeMatrix(w: Matrix, choice: RankChoice, what = `matrix [${w.rows}, ${w.cols}]`): LowRankFactors {
  checkRankChoice(choice);
  const k = Math.min(w.rows, w.cols);
  if (choice.rank !== undefined && choice.rank > k) chooseRank(new Float64Array(k), choice, what);
  const { u, s, v } = svd(w);
  const rank = chooseRank(s, choice, what);
  const a: Matrix = { rows: w.rows, cols: rank, data: new Float64Array(w.rows * rank) };
  const b: Matrix = { rows: rank, cols: w.cols, data: new Float64Array(rank * w.cols) };
  for (let j = 0; j < rank; j++) {
    const root = Math.sqrt(s[j]);
    for (let i = 0; i < w.rows; i++) a.data[i * rank + j] = u.data[i * u.cols + j] * root;
    for (let i = 0; i < w.cols; i++) b.data[j * w.cols + i] = v.data[i * v.cols + j] * root;
  }
  let total = 0;
  let kept = 0;
  s.forEach((sigma, i) => {
    total += sigma * sigma;
    if (i < rank) kept += sigma * sigma;
  });
  const energyKept = total === 0 ? 1 : kept / total;
  const relativeError = total === 0 ? 0 : Math.sqrt(Math.max(0, total - kept) / total);
  return { a, b, rank, singularValues: s, energyKept, relativeError };
}

/**
 * Number of parameters of a rank-r factorisation of an m x n matrix: r·(m + n).
 *
 * @example lowRankParamCount(128, 512, 32) // 20480, against 65536 for the full matrix
 * @param m Rows.
 * @param n Columns.
 * @param rank Rank r.
 * @returns r·(m + n).
 * @throws RangeError when an argument is not a positive integer.
 */
export function lowRankParamCount(m: number, n: number, rank: number): number {
  for (const [name, value] of [['m', m], ['n', n], ['rank', rank]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return rank * (m + n);
}

/**
 * The largest rank at which the factorisation still has fewer parameters than the matrix:
 * the largest integer r with r·(m + n) < m·n. Above it, factorising costs memory and time.
 *
 * @example breakEvenRank(128, 512) // 102, since 102·640 = 65280 < 65536 <= 103·640
 * @param m Rows.
 * @param n Columns.
 * @returns That rank (0 when no rank saves anything, e.g. 1 x n).
 * @throws RangeError when m or n is not a positive integer.
 */
export function breakEvenRank(m: number, n: number): number {
  lowRankParamCount(m, n, 1);
  return Math.ceil((m * n) / (m + n)) - 1;
}
