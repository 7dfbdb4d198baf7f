/**
 * IEEE 754 half precision (binary16): 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits.
 * Halving the bytes of every weight with a relative error below 2^-11 is the cheapest compression
 * there is, and the tfjs weights manifest can store it (`quantization.dtype: 'float16'`).
 */

/** Largest finite half value. */
export const FLOAT16_MAX = 65504;

/** What happens to finite values too large for half precision (|x| >= 65520 after rounding). */
export type Float16Overflow = 'infinity' | 'saturate';

/** Options of {@link toFloat16}. */
export interface Float16Options {
  /**
   * `'infinity'` follows IEEE 754 (and numpy's `astype(float16)`): overflow gives ±Inf.
   * `'saturate'` clamps to ±65504 instead, which keeps a model usable when a weight is huge.
   * @default 'infinity'
   */
  overflow?: Float16Overflow;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

// Shifts right by `shift` bits, rounding to nearest with ties to even.
function shiftRoundEven(m: number, shift: number): number {
  const q = m >>> shift;
  const rest = m & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && (q & 1) === 1) ? q + 1 : q;
}

/**
 * Bit pattern of the half nearest to a float32 value (round to nearest, ties to even), with
 * subnormals (down to 2^-24) and signed zeros. NaN becomes the quiet NaN 0x7E00 (sign kept).
 *
 * @example float16Bits(1) // 0x3c00
 * @param x A number, first rounded to float32.
 * @param overflow See {@link Float16Options.overflow}.
 * @returns The 16-bit pattern.
 */
export function float16Bits(x: number, overflow: Float16Overflow = 'infinity'): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return mant !== 0 ? sign | 0x7e00 : sign | 0x7c00;
  const e = exp - 127 + 15;
  let h: number;
  if (e >= 31) {
    h = 0x7c00;
  } else if (e <= 0) {
    // Below 2^-25 even the smallest subnormal is more than twice as far as zero.
    h = e < -10 ? 0 : shiftRoundEven(mant | 0x800000, 14 - e);
  } else {
    // A mantissa that rounds up to 0x400 carries into the exponent, and from 30 into infinity.
    h = (e << 10) + shiftRoundEven(mant, 13);
  }
  if (h >= 0x7c00) h = overflow === 'saturate' ? 0x7bff : 0x7c00;
  return sign | h;
}

/**
 * Value of a half bit pattern.
 *
 * @example float16Value(0x3c00) // 1
 * @param h A 16-bit pattern.
 * @returns Its value (exact in float32 and float64).
 */
export function float16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant !== 0 ? NaN : sign * Infinity;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

/**
 * Converts values to half-precision bit patterns.
 *
 * @example toFloat16([1, 65504, 2 ** -24]) // Uint16Array [0x3c00, 0x7bff, 0x0001]
 * @param values Values, taken as float32.
 * @param options See {@link Float16Options}.
 * @returns One 16-bit pattern per value.
 * @throws RangeError when overflow is not 'infinity' or 'saturate'.
 */
export function toFloat16(values: ArrayLike<number>, options: Float16Options = {}): Uint16Array {
  const { overflow = 'infinity' } = options;
  if (overflow !== 'infinity' && overflow !== 'saturate') {
    throw new RangeError(`overflow must be 'infinity' or 'saturate', got '${String(overflow)}'`);
  }
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float16Bits(values[i], overflow);
  return out;
}

/**
 * Converts half-precision bit patterns back to float32 values.
 *
 * @example fromFloat16(Uint16Array.of(0x3c00, 0xc000)) // Float32Array [1, -2]
 * @param bits 16-bit patterns.
 * @returns The values.
 */
export function fromFloat16(bits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = float16Value(bits[i]);
  return out;
}

/**
 * Rounds values to the nearest half-precision value and back, the error a float16 model carries.
 *
 * @example roundToFloat16([0.1]) // Float32Array [0.0999755859375]
 * @param values Values, taken as float32.
 * @param options See {@link Float16Options}.
 * @returns The rounded values.
 * @throws RangeError when overflow is not 'infinity' or 'saturate'.
 */
export function roundToFloat16(values: ArrayLike<number>, options: Float16Options = {}): Float32Array {
  return fromFloat16(toFloat16(values, options));
}
