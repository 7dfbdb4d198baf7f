/**
 * Byte and bit streams shared by the encoders. Multi-byte numbers are little-endian; bits fill each
 * byte from its least significant bit upward, so a k-bit code may straddle a byte boundary and a
 * stream of n k-bit codes takes exactly ceil(n * k / 8) bytes.
 */

/** Appends bytes, numbers and bit fields to a growing buffer. */
export class ByteWriter {
  private buffer = new Uint8Array(64);
  private view = new DataView(this.buffer.buffer);
  private length = 0;
  private bitAcc = 0;
  private bitCount = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }

  /** Number of whole bytes written so far (a pending partial bit byte is not counted). */
  get byteLength(): number {
    return this.length;
  }

  u8(value: number): void {
    this.reserve(1);
    this.view.setUint8(this.length, value);
    this.length += 1;
  }

  u16(value: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, value, true);
    this.length += 2;
  }

  u32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
  }

  f32(value: number): void {
    this.reserve(4);
    this.view.setFloat32(this.length, value, true);
    this.length += 4;
  }

  /** An unsigned integer in 1, 2 or 4 bytes. */
  uint(value: number, width: 1 | 2 | 4): void {
    if (width === 1) this.u8(value);
    else if (width === 2) this.u16(value);
    else this.u32(value);
  }

  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Appends the low `nbits` bits of `value` (nbits <= 32) to the bit stream. */
  bits(value: number, nbits: number): void {
    // Split wide fields so the accumulator never exceeds 24 + 8 bits of a signed int32.
    if (nbits > 16) {
      this.bits(value & 0xffff, 16);
      this.bits(Math.floor(value / 65536), nbits - 16);
      return;
    }
    this.bitAcc |= (value & ((1 << nbits) - 1)) << this.bitCount;
    this.bitCount += nbits;
    while (this.bitCount >= 8) {
      this.u8(this.bitAcc & 0xff);
      this.bitAcc >>>= 8;
      this.bitCount -= 8;
    }
  }

  /** Pads the bit stream with zero bits to the next byte boundary. */
  flushBits(): void {
    if (this.bitCount > 0) this.u8(this.bitAcc & 0xff);
    this.bitAcc = 0;
    this.bitCount = 0;
  }

  /** The bytes written, trimmed to length (pending bits are flushed first). */
  finish(): Uint8Array {
    this.flushBits();
    return this.buffer.slice(0, this.length);
  }
}

/** Reads what a {@link ByteWriter} wrote, in the same order. */
export class ByteReader {
  private readonly view: DataView;
  private offset = 0;
  private bitAcc = 0;
  private bitCount = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number): void {
    if (this.offset + n > this.bytes.length) {
      throw new RangeError(`encoded bytes must hold at least ${this.offset + n} bytes, got ${this.bytes.length}`);
    }
  }

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  u8(): number {
    this.need(1);
    return this.view.getUint8(this.offset++);
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }

  f32(): number {
    this.need(4);
    const v = this.view.getFloat32(this.offset, true);
    this.offset += 4;
    return v;
  }

  uint(width: 1 | 2 | 4): number {
    return width === 1 ? this.u8() : width === 2 ? this.u16() : this.u32();
  }

  raw(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** Reads `nbits` (<= 32) bits as an unsigned integer. */
  bits(nbits: number): number {
    if (nbits > 16) {
      const low = this.bits(16);
      return low + this.bits(nbits - 16) * 65536;
    }
    while (this.bitCount < nbits) {
      this.bitAcc |= this.u8() << this.bitCount;
      this.bitCount += 8;
    }
    const v = this.bitAcc & ((1 << nbits) - 1);
    this.bitAcc >>>= nbits;
    this.bitCount -= nbits;
    return v;
  }

  /** Drops the unread bits of the current byte, to continue at a byte boundary. */
  alignToByte(): void {
    this.bitAcc = 0;
    this.bitCount = 0;
  }
}

/** Smallest of 1, 2 or 4 bytes that holds every integer in [0, maxValue]. */
export function uintWidth(maxValue: number): 1 | 2 | 4 {
  return maxValue < 256 ? 1 : maxValue < 65536 ? 2 : 4;
}
