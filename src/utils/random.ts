/**
 * A small seeded pseudo-random generator (mulberry32) so that shuffles, splits and samples are
 * reproducible from a seed; `Math.random` is never used in the library.
 */

/** A generator of uniform floats in [0, 1). */
export interface Rng {
  /** Next uniform float in [0, 1). */
  next(): number;
  /** Next integer in [0, n). */
  int(n: number): number;
  /** Next standard normal sample (Box-Muller). */
  normal(): number;
}

function checkSeed(seed: number): void {
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
}

/**
 * Creates a seeded generator.
 *
 * @example const rng = createRng(42); rng.next(); // same value every run
 * @param seed Integer seed.
 * @returns The generator.
 * @throws RangeError when the seed is not an integer.
 */
export function createRng(seed: number): Rng {
  checkSeed(seed);
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    normal: () => {
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}

/**
 * A permutation of 0..n-1 by a seeded Fisher-Yates shuffle.
 *
 * @example permutation(5, 1) // e.g. Int32Array [3, 0, 4, 1, 2], the same for seed 1 every run
 * @param n Length.
 * @param seed Integer seed.
 * @returns The permutation.
 * @throws RangeError when n is not a non-negative integer or the seed is not an integer.
 */
export function permutation(n: number, seed: number): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  const rng = createRng(seed);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/**
 * Derives a new integer seed from a seed and a label, so that independent streams (shuffling,
 * initialisation, dropout) of one experiment do not share random numbers.
 *
 * @example deriveSeed(42, 'shuffle') !== deriveSeed(42, 'init')
 * @param seed Base seed.
 * @param label Name of the stream.
 * @returns A 31-bit non-negative integer seed.
 * @throws RangeError when the seed is not an integer.
 */
export function deriveSeed(seed: number, label: string): number {
  checkSeed(seed);
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  }
  return h & 0x7fffffff;
}
