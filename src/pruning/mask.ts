/**
 * Masks as plain arrays: 1 keeps a weight, 0 prunes it. Computing them on typed arrays rather than
 * tensors keeps the tie-breaking rule exact and readable: among equal magnitudes, the entry with the
 * lowest flat index is pruned first, so exactly the requested number of weights is zeroed.
 */
import { amountToCount } from './amount';

/** Values a mask can be computed from. */
export type Values = ArrayLike<number>;

function checkDefaultMask(size: number, defaultMask?: ArrayLike<number>): void {
  if (defaultMask !== undefined && defaultMask.length !== size) {
    throw new RangeError(`defaultMask must have ${size} entries like the values, got ${defaultMask.length}`);
  }
}

/**
 * Indices of the `k` entries of smallest magnitude among the candidates, ties broken by lowest index.
 *
 * @example smallestMagnitudes([3, -1, 1, 2], [0, 1, 2, 3], 2) // Uint32Array [1, 2]
 * @param values The values ranked by |value|.
 * @param candidates Indices into `values` that may be chosen, in increasing order.
 * @param k How many to choose, 0 <= k <= candidates.length.
 * @returns The chosen indices, smallest magnitude first.
 */
export function smallestMagnitudes(values: Values, candidates: ArrayLike<number>, k: number): Uint32Array {
  const order = Uint32Array.from(candidates);
  // Array.prototype.sort is stable, and the comparator also orders by index, so ties are deterministic.
  order.sort((a, b) => Math.abs(values[a]) - Math.abs(values[b]) || a - b);
  return order.slice(0, k);
}

/**
 * Indices where a mask keeps the entry (all indices when there is no mask yet).
 *
 * @example keptIndices(Uint8Array.of(1, 0, 1)) // [0, 2]
 * @param size Number of entries.
 * @param mask Current mask, or undefined for "everything kept".
 * @returns The kept indices in increasing order.
 */
export function keptIndices(size: number, mask?: ArrayLike<number>): number[] {
  const kept: number[] = [];
  for (let i = 0; i < size; i++) if (mask === undefined || mask[i] !== 0) kept.push(i);
  return kept;
}

/**
 * L1-magnitude mask in the manner of prune.py's `L1Unstructured.compute_mask`: prunes `amount` of
 * the entries that `defaultMask` still keeps, those of smallest |value| first, lowest index first
 * among equals. Entries the default mask already prunes stay pruned.
 *
 * @example computeMask([0.3, -0.1, 0.2, 0.1], 2) // Uint8Array [1, 0, 1, 0]
 * @param values Weights, flattened in row-major order.
 * @param amount A fraction in [0, 1) of the still-kept entries, or an integer count >= 1 of them.
 * @param defaultMask The mask to compose with; all ones when omitted.
 * @returns The new mask, 1 to keep and 0 to prune.
 * @throws TypeError / RangeError for an invalid amount, a count above the kept entries, or a
 *   default mask of the wrong length.
 */
export function computeMask(values: Values, amount: number, defaultMask?: ArrayLike<number>): Uint8Array {
  checkDefaultMask(values.length, defaultMask);
  const candidates = keptIndices(values.length, defaultMask);
  const k = amountToCount(amount, candidates.length);
  const mask = new Uint8Array(values.length);
  for (const i of candidates) mask[i] = 1;
  for (const i of smallestMagnitudes(values, candidates, k)) mask[i] = 0;
  return mask;
}

/**
 * Threshold mask as the course's source document defines it: w = 0 when |w| < θ (strictly less),
 * composed with a default mask.
 *
 * @example thresholdMask([0.05, -0.2, 0.1], 0.1) // Uint8Array [0, 1, 1]
 * @param values Weights, flattened.
 * @param threshold θ >= 0.
 * @param defaultMask The mask to compose with; all ones when omitted.
 * @returns The new mask.
 * @throws RangeError when θ is negative or not finite, or the default mask has the wrong length.
 */
export function thresholdMask(values: Values, threshold: number, defaultMask?: ArrayLike<number>): Uint8Array {
  checkThreshold(threshold);
  checkDefaultMask(values.length, defaultMask);
  const mask = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const kept = defaultMask === undefined || defaultMask[i] !== 0;
    mask[i] = kept && !(Math.abs(values[i]) < threshold) ? 1 : 0;
  }
  return mask;
}

/**
 * Checks a pruning threshold.
 *
 * @example checkThreshold(0.01)
 * @param threshold θ.
 * @throws TypeError when θ is not a number; RangeError when it is negative or not finite.
 */
export function checkThreshold(threshold: unknown): asserts threshold is number {
  if (typeof threshold !== 'number') throw new TypeError(`threshold must be a number, got ${typeof threshold}`);
  if (!Number.isFinite(threshold) || threshold < 0) {
    throw new RangeError(`threshold must be a finite number >= 0, got ${threshold}`);
  }
}
