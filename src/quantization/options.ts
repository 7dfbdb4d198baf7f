/**
 * The vocabulary of uniform quantization and the checks of its options, shared by post-training
 * quantization, quantization-aware training and the file encoders.
 *
 * A weight w is stored as an integer code q and recovered as w ≈ scale · (q - zeroPoint). The scale
 * (α) is a step size chosen from the range of the weights; the number of bits only fixes how many
 * codes exist. (A common mistake is to divide by 2^bits instead: round(w / 2^3) sends every weight
 * with |w| < 4 to 0.)
 */

/** How codes map to values. */
export type QuantScheme = 'symmetric' | 'affine';

/** Whether one scale serves the whole tensor or each output channel has its own. */
export type QuantGranularity = 'per-tensor' | 'per-channel';

/**
 * How the quantization range is chosen.
 * - `'none'`: the full range of the values (max |w| or [min, max]);
 * - `{ percentile }`: clip at that percentile of |w| (linear interpolation between order
 *   statistics, as numpy's default), so that rare outliers do not stretch the step size;
 * - `'mse'`: the range among 100 candidates (1 %, 2 %, …, 100 % of the full range) that minimises
 *   the squared error of the quantized values, clipped ones included.
 */
export type QuantClip = 'none' | 'mse' | { percentile: number };

/** Options of {@link quantizeTensor} and of everything built on it. */
export interface QuantizeOptions {
  /**
   * Bits per code, an integer in [2, 16]. 8 and 16 are the sizes hardware stores; the others exist
   * for experiments and bit-packed storage.
   * @default 8
   */
  bits?: number;
  /**
   * `'symmetric'`: codes in [-(2^(b-1) - 1), 2^(b-1) - 1], zero point 0, scale = max|w| / qmax.
   * The restricted range drops -2^(b-1) so that the grid is symmetric (q(-w) = -q(w)) and one scale
   * covers both signs; at 2 bits the codes are {-1, 0, 1} (ternary).
   * `'affine'`: codes in [0, 2^b - 1], scale = (max - min) / (2^b - 1), and an integer zero point so
   * that 0.0 is exactly representable (the range is first widened to contain 0).
   * @default 'symmetric'
   */
  scheme?: QuantScheme;
  /**
   * `'per-channel'`: one scale (and zero point) per index along `channelAxis`. For a recurrent
   * kernel [in, units * gates] the last axis is one column per unit per gate, so every gate of every
   * unit gets its own scale.
   * @default 'per-tensor'
   */
  granularity?: QuantGranularity;
  /**
   * Range selection, see {@link QuantClip}.
   * @default 'none'
   */
  clip?: QuantClip;
  /**
   * Axis of the channels for per-channel quantization; negative counts from the end.
   * @default -1
   */
  channelAxis?: number;
}

/** {@link QuantizeOptions} with every default filled in and checked. */
export interface ResolvedQuantizeOptions {
  bits: number;
  scheme: QuantScheme;
  granularity: QuantGranularity;
  clip: QuantClip;
  channelAxis: number;
}

/** Accepted scheme names. */
export const QUANT_SCHEMES: readonly QuantScheme[] = ['symmetric', 'affine'];

/** Accepted granularity names. */
export const QUANT_GRANULARITIES: readonly QuantGranularity[] = ['per-tensor', 'per-channel'];

/** Smallest and largest number of bits accepted. */
export const MIN_BITS = 2;
export const MAX_BITS = 16;

/**
 * Checks the bit width alone.
 *
 * @example checkBits(4) // passes; checkBits(1) throws
 * @param bits Candidate bit width.
 * @returns Nothing; narrows the type.
 * @throws RangeError when bits is not an integer in [2, 16].
 */
export function checkBits(bits: unknown): asserts bits is number {
  if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < MIN_BITS || bits > MAX_BITS) {
    throw new RangeError(`bits must be an integer in [${MIN_BITS}, ${MAX_BITS}], got ${String(bits)}`);
  }
}

function checkClip(clip: unknown): asserts clip is QuantClip {
  if (clip === 'none' || clip === 'mse') return;
  if (typeof clip === 'object' && clip !== null && 'percentile' in clip) {
    const p = (clip as { percentile: unknown }).percentile;
    if (typeof p !== 'number' || !(p > 0 && p <= 100)) {
      throw new RangeError(`clip.percentile must be a number in (0, 100], got ${String(p)}`);
    }
    return;
  }
  throw new RangeError(`clip must be 'none', 'mse' or { percentile }, got ${JSON.stringify(clip)}`);
}

/**
 * Fills in defaults and validates quantization options; the error names the rule and the value.
 *
 * @example resolveQuantizeOptions({ bits: 4 }).scheme // 'symmetric'
 * @param options User options.
 * @returns The complete options.
 * @throws RangeError for a bit width outside [2, 16], an unknown scheme or granularity, a
 *   percentile outside (0, 100] or a non-integer channel axis.
 */
export function resolveQuantizeOptions(options: QuantizeOptions = {}): ResolvedQuantizeOptions {
  const { bits = 8, scheme = 'symmetric', granularity = 'per-tensor', clip = 'none', channelAxis = -1 } = options;
  checkBits(bits);
  if (!QUANT_SCHEMES.includes(scheme)) {
    throw new RangeError(`scheme must be one of ${QUANT_SCHEMES.join(', ')}, got '${String(scheme)}'`);
  }
  if (!QUANT_GRANULARITIES.includes(granularity)) {
    throw new RangeError(`granularity must be one of ${QUANT_GRANULARITIES.join(', ')}, got '${String(granularity)}'`);
  }
  checkClip(clip);
  if (!Number.isInteger(channelAxis)) throw new RangeError(`channelAxis must be an integer, got ${String(channelAxis)}`);
  return { bits, scheme, granularity, clip, channelAxis };
}

/**
 * Smallest and largest code of a scheme at a bit width.
 *
 * @example codeRange(3, 'symmetric') // { qmin: -3, qmax: 3 }
 * @param bits Bits per code.
 * @param scheme Symmetric (restricted signed range) or affine (unsigned range).
 * @returns The inclusive code bounds.
 * @throws RangeError when bits is not an integer in [2, 16].
 */
export function codeRange(bits: number, scheme: QuantScheme): { qmin: number; qmax: number } {
  checkBits(bits);
  if (scheme === 'symmetric') {
    const qmax = 2 ** (bits - 1) - 1;
    return { qmin: -qmax, qmax };
  }
  return { qmin: 0, qmax: 2 ** bits - 1 };
}
