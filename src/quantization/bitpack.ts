/**
 * Packs b-bit unsigned integers into bytes and back, least significant bit first, so that n codes
 * take exactly ceil(n · b / 8) bytes: the size a 3-bit or 4-bit model really has on disk.
 */

/**
 * Packs unsigned integers of `bits` bits each.
 *
 * @example packBits([1, 2, 3], 2) // Uint8Array [0b111001]
 * @param values Integers in [0, 2^bits).
 * @param bits Bits per value, 1 to 16.
 * @returns ceil(n · bits / 8) bytes.
 * @throws RangeError when bits is outside [1, 16] or a value does not fit.
 */
export function packBits(values: ArrayLike<number>, bits: number): Uint8Array {
  if (!Number.isInteger(bits) || bits < 1 || bits > 16) throw new RangeError(`bits must be an integer in [1, 16], got ${bits}`);
  const limit = 2 ** bits;
  const out = new Uint8Array(Math.ceil((values.length * bits) / 8));
  let acc = 0;
  let filled = 0;
  let pos = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v >= limit) throw new RangeError(`values must be integers in [0, ${limit - 1}], got ${v} at index ${i}`);
    acc |= v << filled;
    filled += bits;
    while (filled >= 8) {
      out[pos++] = acc & 0xff;
      acc >>>= 8;
      filled -= 8;
    }
  }
  if (filled > 0) out[pos] = acc & 0xff;
  return out;
}

/**
 * Unpacks what {@link packBits} wrote.
 *
 * @example unpackBits(Uint8Array.of(0b111001), 2, 3) // Uint32Array [1, 2, 3]
 * @param bytes Packed bytes.
 * @param bits Bits per value, 1 to 16.
 * @param count Number of values.
 * @returns The values.
 * @throws RangeError when bits is outside [1, 16] or the bytes are too few.
 */
export function unpackBits(bytes: Uint8Array, bits: number, count: number): Uint32Array {
  if (!Number.isInteger(bits) || bits < 1 || bits > 16) throw new RangeError(`bits must be an integer in [1, 16], got ${bits}`);
  const needed = Math.ceil((count * bits) / 8);
  if (bytes.length < needed) throw new RangeError(`bytes must hold at least ${needed} bytes for ${count} ${bits}-bit values, got ${bytes.length}`);
  const out = new Uint32Array(count);
  const mask = 2 ** bits - 1;
  let acc = 0;
  let filled = 0;
  let pos = 0;
  for (let i = 0; i < count; i++) {
    while (filled < bits) {
      acc |= bytes[pos++] << filled;
      filled += 8;
    }
    out[i] = acc & mask;
    acc >>>= bits;
    filled -= bits;
  }
  return out;
}
