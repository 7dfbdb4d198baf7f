/**
 * Step size and zero point of one channel (or of a whole tensor): first the range to cover, then
 * the scale α that spreads the available codes over that range. Clipping trades a larger error on
 * a few outliers for a finer step on everything else.
 */
import type { QuantClip, QuantScheme } from './options';

/** Scale and zero point of one channel. */
export interface ChannelParams {
  /** Step between neighbouring codes; a float32 value, always > 0. */
  scale: number;
  /** Code that represents 0.0 (0 for symmetric). */
  zeroPoint: number;
}

/** Number of candidate ranges tried by the MSE search: 1 %, 2 %, …, 100 % of the full range. */
export const MSE_CLIP_CANDIDATES = 100;

/**
 * Rounds to the nearest integer, ties away from zero (2.5 → 3, -2.5 → -3), the convention of C's
 * `round` and TFLite. `Math.round` alone would send -2.5 to -2 and break the symmetry
 * q(-w) = -q(w) of the symmetric scheme.
 *
 * @example roundHalfAwayFromZero(-1.5) // -2
 * @param x A number.
 * @returns The rounded integer.
 */
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * Scale and zero point that cover [lo, hi] with the codes of a scheme.
 * A zero range (an all-zero channel) gets scale 1: every code then dequantizes exactly to 0 and
 * nothing is divided by zero.
 *
 * @example paramsForRange(-1, 6, 'affine', 7) // { scale: 1, zeroPoint: 1 }
 * @param lo Lower end of the range.
 * @param hi Upper end of the range.
 * @param scheme Symmetric (covers ±max(|lo|, |hi|)) or affine (covers [min(lo, 0), max(hi, 0)]).
 * @param qmax Largest code.
 * @returns The channel's parameters.
 */
export function paramsForRange(lo: number, hi: number, scheme: QuantScheme, qmax: number): ChannelParams {
  if (scheme === 'symmetric') {
    const t = Math.max(Math.abs(lo), Math.abs(hi));
    return { scale: positiveScale(t / qmax), zeroPoint: 0 };
  }
  const low = Math.min(lo, 0);
  const high = Math.max(hi, 0);
  const scale = positiveScale((high - low) / qmax);
  const zeroPoint = Math.min(qmax, Math.max(0, Math.round(-low / scale)));
  return { scale, zeroPoint };
}

// Scales are stored as float32 (as in every deployed format), and coding uses the stored value so
// that the file and the in-memory model agree to the bit.
function positiveScale(raw: number): number {
  const s = Math.fround(raw);
  if (s > 0 && Number.isFinite(s)) return s;
  return raw > 0 ? 1.401298464324817e-45 : 1;
}

/**
 * Code of one value: round(w / scale) + zeroPoint, clamped to [qmin, qmax].
 *
 * @example encodeValue(2.5, { scale: 1, zeroPoint: 0 }, -3, 3) // 3
 * @param w The value.
 * @param p Scale and zero point.
 * @param qmin Smallest code.
 * @param qmax Largest code.
 * @returns The code.
 */
export function encodeValue(w: number, p: ChannelParams, qmin: number, qmax: number): number {
  const q = roundHalfAwayFromZero(w / p.scale) + p.zeroPoint;
  return q < qmin ? qmin : q > qmax ? qmax : q;
}

/**
 * Value of one code, scale · (q - zeroPoint), rounded to float32 like the weights it replaces.
 *
 * @example decodeValue(4, { scale: 1, zeroPoint: 1 }) // 3
 * @param q The code.
 * @param p Scale and zero point.
 * @returns The value.
 */
export function decodeValue(q: number, p: ChannelParams): number {
  return Math.fround((q - p.zeroPoint) * p.scale);
}

function minMax(values: ArrayLike<number>): { min: number; max: number } {
  let min = 0;
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/**
 * The p-th percentile of |values|, interpolating linearly between order statistics
 * (position p / 100 · (n - 1) in the sorted magnitudes, numpy's default).
 *
 * @example absPercentile([1, 2, 3, 4, 5, 6, 7, 8, 9, -30], 50) // 5.5
 * @param values The values.
 * @param percentile In (0, 100] (not checked here; callers validate it).
 * @returns The clipping threshold (0 for no values).
 */
export function absPercentile(values: ArrayLike<number>, percentile: number): number {
  const n = values.length;
  if (n === 0) return 0;
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.abs(values[i]);
  a.sort();
  const pos = (percentile / 100) * (n - 1);
  const i0 = Math.floor(pos);
  const i1 = Math.min(n - 1, i0 + 1);
  return a[i0] + (pos - i0) * (a[i1] - a[i0]);
}

function squaredError(values: ArrayLike<number>, p: ChannelParams, qmin: number, qmax: number): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const d = decodeValue(encodeValue(values[i], p, qmin, qmax), p) - values[i];
    sum += d * d;
  }
  return sum;
}

/**
 * Chooses the scale and zero point of one channel.
 *
 * @example channelParams(Float32Array.of(-1, 0, 1), 'symmetric', 'none', -3, 3) // { scale: fl(1/3), zeroPoint: 0 }
 * @param values The channel's values.
 * @param scheme Symmetric or affine.
 * @param clip Range selection.
 * @param qmin Smallest code.
 * @param qmax Largest code.
 * @returns The channel's parameters.
 */
export function channelParams(
  values: ArrayLike<number>,
  scheme: QuantScheme,
  clip: QuantClip,
  qmin: number,
  qmax: number,
): ChannelParams {
  const { min, max } = minMax(values);
  if (clip === 'none') return paramsForRange(min, max, scheme, qmax);
  if (clip === 'mse') {
    // Ties keep the wider range: the loop starts at 100 % and only a strictly smaller error wins.
    let best = paramsForRange(min, max, scheme, qmax);
    let bestError = squaredError(values, best, qmin, qmax);
    for (let k = MSE_CLIP_CANDIDATES - 1; k >= 1; k--) {
      const c = k / MSE_CLIP_CANDIDATES;
      const p = paramsForRange(c * min, c * max, scheme, qmax);
      const e = squaredError(values, p, qmin, qmax);
      if (e < bestError) {
        best = p;
        bestError = e;
      }
    }
    return best;
  }
  const t = absPercentile(values, clip.percentile);
  return paramsForRange(Math.max(min, -t), Math.min(max, t), scheme, qmax);
}
