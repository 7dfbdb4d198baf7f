import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import {
  canonicalHuffmanCodes,
  decodeBitmaskCodes,
  decodeBitmaskFloat32,
  decodeCsrCodes,
  decodeCsrFloat32,
  decodeCsrHuffman,
  decodeFloat16,
  decodeFloat32,
  decodeHuffmanCodes,
  decodePacked,
  decodeTensor,
  deriveCodes,
  encodeAll,
  encodeBitmaskCodes,
  encodeBitmaskFloat32,
  encodeCsrCodes,
  encodeCsrFloat32,
  encodeCsrHuffman,
  encodeFloat16,
  encodeFloat32,
  encodeHuffmanCodes,
  encodePacked,
  float32ToHalfBits,
  gunzipBytes,
  gzipBytes,
  halfBitsToFloat32,
  huffmanCodeLengths,
  huffmanDecodeSymbols,
  huffmanEncodeSymbols,
  MAX_CODE_LENGTH,
  modelStorageReport,
  QuantizedCodes,
  savedModelFiles,
  SUPPORTED_BITS,
} from '../../src/encoding';
import { createRng, Rng } from '../../src/utils';

const TOLERANCE = 1e-6;

/** 4x4 matrix with 5 non-zeros at flat positions 0, 3, 5, 10, 15. */
const SPARSE_4X4 = new Float32Array([1.5, 0, 0, -2, 0, 0.25, 0, 0, 0, 0, 3, 0, 0, 0, 0, -0.75]);

/** 2x20 matrix: row 0 non-zero at columns 0 and 18, row 1 at column 5. */
function sparse2x20(): Float32Array {
  const v = new Float32Array(40);
  v[0] = 1;
  v[18] = 2;
  v[20 + 5] = 3;
  return v;
}

/** Dequantization written out plainly: scale[c] * (code - zeroPoint[c]) in float32. */
function referenceDequantize(codes: ArrayLike<number>, shape: number[], scales: ArrayLike<number>, zeroPoints: ArrayLike<number>, axis: number): Float32Array {
  const out = new Float32Array(codes.length);
  const cols = shape[shape.length - 1];
  for (let i = 0; i < codes.length; i++) {
    let c = 0;
    if (scales.length > 1) {
      // Only last-axis and first-axis channels are used in these tests.
      c = axis === shape.length - 1 ? i % cols : Math.floor(i / (codes.length / shape[0]));
    }
    out[i] = Math.fround(Math.fround(scales[c]) * (codes[i] - Math.fround(zeroPoints[c])));
  }
  return out;
}

function assertBitwiseEqual(actual: Float32Array, expected: Float32Array): void {
  assert.equal(actual.length, expected.length);
  assert.deepEqual(new Uint32Array(actual.buffer, actual.byteOffset, actual.length), new Uint32Array(expected.buffer, expected.byteOffset, expected.length));
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = TOLERANCE): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

/** Every finite non-negative half value, by bit pattern 0..0x7bff, computed from the definition. */
const HALF_VALUES: number[] = (() => {
  const out: number[] = [];
  for (let h = 0; h <= 0x7bff; h++) {
    const e = h >> 10;
    const m = h & 0x3ff;
    out.push(e === 0 ? m * 2 ** -24 : (1024 + m) * 2 ** (e - 25));
  }
  return out;
})();

/** Reference float32 -> half: nearest half value by binary search, ties to the even pattern. */
function referenceHalfBits(v: number): number {
  const x = Math.fround(v);
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00;
  let lo = 0;
  let hi = HALF_VALUES.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (HALF_VALUES[mid] <= a) lo = mid;
    else hi = mid;
  }
  const dLo = a - HALF_VALUES[lo];
  const dHi = HALF_VALUES[hi] - a;
  const h = dLo < dHi ? lo : dHi < dLo ? hi : lo % 2 === 0 ? lo : hi;
  return sign | h;
}

function randomSparse(n: number, rng: Rng, density: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) if (rng.next() < density) v[i] = rng.normal();
  return v;
}

function randomShape(rng: Rng): number[] {
  const rank = 1 + rng.int(3);
  return Array.from({ length: rank }, () => 1 + rng.int(12));
}

before(async () => {
  await initBackend();
});

describe('float16 conversion', () => {
  it('produces the known IEEE half bit patterns', () => {
    const cases: [number, number][] = [
      [1, 0x3c00], // 1.0: exponent 15, mantissa 0
      [-2, 0xc000], // sign bit, exponent 16
      [0.5, 0x3800],
      [65504, 0x7bff], // largest finite half
      [65519, 0x7bff], // below the midpoint 65520: rounds down
      [65520, 0x7c00], // midpoint to 65536 (odd 0x7bff): ties to even overflow to infinity
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // exactly half of it: ties to even (0)
      [1.5 * 2 ** -24, 0x0002], // between subnormals 1 and 2, a tie: to even (2)
      [0.75 * 2 ** -24, 0x0001], // above half an ulp: rounds up
      [0.1, 0x2e66], // 0.0999755859375
      [1 / 3, 0x3555], // 0.333251953125
      [1 + 2 ** -11, 0x3c00], // tie between 0x3c00 and 0x3c01: even
      [1 + 3 * 2 ** -11, 0x3c02], // tie between 0x3c01 and 0x3c02: even
      [0, 0x0000],
      [-0, 0x8000],
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
      [1e-10, 0x0000], // underflow
      [-1e6, 0xfc00], // overflow
    ];
    for (const [value, bits] of cases) {
      assert.equal(float32ToHalfBits(value), bits, `${value} -> 0x${bits.toString(16)}`);
    }
    const nan = float32ToHalfBits(NaN);
    assert.equal(nan & 0x7c00, 0x7c00);
    assert.notEqual(nan & 0x3ff, 0);
  });

  it('decodes known bit patterns', () => {
    assert.equal(halfBitsToFloat32(0x3c00), 1);
    assert.equal(halfBitsToFloat32(0xc000), -2);
    assert.equal(halfBitsToFloat32(0x7bff), 65504);
    assert.equal(halfBitsToFloat32(0x3555), 0.333251953125);
    assert.equal(halfBitsToFloat32(0x0001), 2 ** -24);
    assert.equal(halfBitsToFloat32(0x7c00), Infinity);
    assert.equal(halfBitsToFloat32(0xfc00), -Infinity);
    assert.ok(Object.is(halfBitsToFloat32(0x8000), -0), '0x8000 is -0');
    assert.ok(Number.isNaN(halfBitsToFloat32(0x7e00)), '0x7e00 is NaN');
  });

  it('maps every half value back to its own bit pattern', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue; // NaN payloads
      assert.equal(float32ToHalfBits(halfBitsToFloat32(h)), h);
    }
  });

  it('agrees with a nearest-value search on random numbers and on exact midpoints', () => {
    const rng = createRng(7);
    for (let i = 0; i < 3000; i++) {
      const v = (rng.next() < 0.5 ? -1 : 1) * 2 ** (rng.next() * 44 - 27) * (1 + rng.next());
      assert.equal(float32ToHalfBits(v), referenceHalfBits(v), `value ${v}`);
    }
    for (let i = 0; i < 1000; i++) {
      const h = rng.int(0x7bff);
      const mid = (HALF_VALUES[h] + HALF_VALUES[h + 1]) / 2; // 12 significant bits: exact in float32
      assert.equal(float32ToHalfBits(mid), referenceHalfBits(mid), `midpoint ${mid}`);
    }
  });
});

describe('dense float formats', () => {
  it('stores float32 as a 10-byte header plus 4 bytes per weight', () => {
    const e = encodeFloat32(SPARSE_4X4, [4, 4]);
    // header: format id (1) + rank (1) + 2 dims * 4 = 10; payload 16 * 4 = 64
    assert.equal(e.byteLength, 74);
    assert.equal(e.bytes.length, 74);
    assert.equal(e.headerBytes, 10);
    assert.deepEqual(Array.from(e.bytes.subarray(0, 10)), [1, 2, 4, 0, 0, 0, 4, 0, 0, 0]);
    // 1.5 = 0x3fc00000, little-endian
    assert.deepEqual(Array.from(e.bytes.subarray(10, 14)), [0x00, 0x00, 0xc0, 0x3f]);
  });

  it('decodes float32 bit for bit, NaN, -0 and infinities included', () => {
    const v = new Float32Array([NaN, -0, Infinity, -Infinity, 1e-45, 3.4e38]);
    const d = decodeFloat32(encodeFloat32(v, [2, 3]).bytes);
    assert.deepEqual(d.shape, [2, 3]);
    assertBitwiseEqual(d.values, v);
  });

  it('stores float16 as 2 bytes per weight and decodes the rounded values', () => {
    const e = encodeFloat16(SPARSE_4X4, [4, 4]);
    assert.equal(e.byteLength, 10 + 16 * 2);
    const v = new Float32Array([0.1, 1 / 3, -65504, 7]);
    const d = decodeFloat16(encodeFloat16(v, [4]).bytes);
    assert.deepEqual(Array.from(d.values), [0.0999755859375, 0.333251953125, -65504, 7]);
  });
});

describe('k-bit packed codes', () => {
  it('packs codes least significant bit first into ceil(n * k / 8) bytes', () => {
    const e = encodePacked({ codes: [1, 2, 3], bits: 2, scales: [0.5], zeroPoints: [1] }, [3]);
    // header 2 + 4 = 6; quantization header: bits 1 + axis 1 + scale 4 + zero point 4 = 10;
    // codes 3 * 2 bits -> 1 byte = 1 | 2 << 2 | 3 << 4 = 1 + 8 + 48 = 57
    assert.equal(e.byteLength, 17);
    assert.equal(e.headerBytes, 16);
    assert.equal(e.bytes[16], 57);
    assert.equal(e.bytes[7], 255); // per-tensor axis marker
  });

  it('sizes a 4x4 tensor of 3-bit codes by hand', () => {
    const e = encodePacked({ codes: new Int32Array(16).fill(4), bits: 3, scales: [0.1], zeroPoints: [4] }, [4, 4]);
    // 10 + 10 + ceil(16 * 3 / 8) = 10 + 10 + 6
    assert.equal(e.byteLength, 26);
  });

  it('sizes per-channel parameters: 8 bytes per channel', () => {
    const e = encodePacked({ codes: [0, 1, 2, 3, 4, 5], bits: 4, scales: [1, 2, 3], zeroPoints: [0, 0, 0] }, [2, 3]);
    // 10 + (2 + 3 * 4 + 3 * 4) + ceil(6 * 4 / 8) = 10 + 26 + 3
    assert.equal(e.byteLength, 39);
  });

  it('stores 16-bit codes in 2 bytes each', () => {
    const e = encodePacked({ codes: new Int32Array(16).fill(65535), bits: 16, scales: [1], zeroPoints: [0] }, [4, 4]);
    assert.equal(e.byteLength, 10 + 10 + 32);
  });

  it('round-trips random codes for every supported width, per tensor and per channel', () => {
    const rng = createRng(11);
    for (const bits of SUPPORTED_BITS) {
      for (const perChannel of [false, true]) {
        const shape = [3 + rng.int(5), 2 + rng.int(6)];
        const n = shape[0] * shape[1];
        const codes = Int32Array.from({ length: n }, () => rng.int(2 ** bits));
        const m = perChannel ? shape[1] : 1;
        const scales = Array.from({ length: m }, () => 0.01 + rng.next());
        const zeroPoints = Array.from({ length: m }, () => rng.int(2 ** bits));
        const e = encodePacked({ codes, bits, scales, zeroPoints }, shape);
        assert.equal(e.byteLength, 10 + 2 + 8 * m + Math.ceil((n * bits) / 8));
        const d = decodePacked(e.bytes);
        assert.deepEqual(d.quantization.codes, codes);
        assertBitwiseEqual(d.values, referenceDequantize(codes, shape, scales, zeroPoints, 1));
      }
    }
  });

  it('accepts signed codes and stores them offset by 2^(bits-1) with the same values', () => {
    const d = decodePacked(encodePacked({ codes: [-2, -1, 0, 1], bits: 2, scales: [0.5], zeroPoints: [0] }, [4]).bytes);
    assert.deepEqual(Array.from(d.quantization.codes), [0, 1, 2, 3]);
    assert.deepEqual(Array.from(d.quantization.zeroPoints), [2]);
    assert.deepEqual(Array.from(d.values), [-1, -0.5, 0, 0.5]);
  });

  it('takes a per-channel axis other than the last', () => {
    const q: QuantizedCodes = { codes: [1, 2, 3, 4, 5, 6], bits: 4, scales: [1, 10], zeroPoints: [0, 1], axis: 0 };
    const d = decodePacked(encodePacked(q, [2, 3]).bytes);
    // row 0: 1 * (c - 0) = 1, 2, 3; row 1: 10 * (c - 1) = 30, 40, 50
    assert.deepEqual(Array.from(d.values), [1, 2, 3, 30, 40, 50]);
  });
});

describe('bitmask formats', () => {
  it('sizes and lays out a 4x4 matrix with 5 non-zeros', () => {
    const e = encodeBitmaskFloat32(SPARSE_4X4, [4, 4]);
    // 10 (header) + 2 (16-bit mask) + 5 * 4 (values) = 32
    assert.equal(e.byteLength, 32);
    // mask byte 0: positions 0, 3, 5 -> 1 + 8 + 32 = 41; byte 1: positions 10, 15 -> bits 2, 7 = 4 + 128 = 132
    assert.deepEqual(Array.from(e.bytes.subarray(10, 12)), [41, 132]);
    assertBitwiseEqual(decodeBitmaskFloat32(e.bytes).values, SPARSE_4X4);
  });

  it('sizes the code variant: mask plus bit-packed codes of the non-zeros', () => {
    const codes = [11, 8, 8, 4, 8, 9, 8, 8, 8, 8, 15, 8, 8, 8, 8, 5];
    const e = encodeBitmaskCodes({ codes, bits: 4, scales: [0.25], zeroPoints: [8] }, [4, 4]);
    // 10 + 10 + 2 (mask) + ceil(5 * 4 / 8) = 25
    assert.equal(e.byteLength, 25);
    const d = decodeBitmaskCodes(e.bytes);
    assert.deepEqual(Array.from(d.quantization?.codes ?? []), codes);
    // 0.25 * (11 - 8) = 0.75, 0.25 * (4 - 8) = -1, ...
    assert.deepEqual(Array.from(d.values), [0.75, 0, 0, -1, 0, 0.25, 0, 0, 0, 0, 1.75, 0, 0, 0, 0, -0.75]);
  });
});

describe('CSR with relative indices', () => {
  it('inserts a filler zero when a gap exceeds 4 bits, and sizes it by hand', () => {
    const e = encodeCsrFloat32(sparse2x20(), [2, 20], { gapBits: 4 });
    // row 0: column 0 (gap 0); column 18 is 17 zeros on, more than 15: filler at column 16 (gap 15),
    // then column 18 (gap 1). Row 1: column 5 (gap 5). 4 entries, row pointers [0, 3, 4] in 1 byte each.
    // 10 (header) + 1 (gapBits) + 1 (pointer width) + 3 (pointers) + 2 (4 gaps * 4 bits) + 16 (4 values)
    assert.equal(e.byteLength, 33);
    assert.equal(e.headerBytes, 15);
    assert.deepEqual(Array.from(e.bytes.subarray(10, 15)), [4, 1, 0, 3, 4]);
    // gaps 0, 15 | 1, 5 packed low nibble first: 0 + 15 * 16 = 240, 1 + 5 * 16 = 81
    assert.deepEqual(Array.from(e.bytes.subarray(15, 17)), [240, 81]);
    // the filler's value is 0.0
    assert.deepEqual(Array.from(e.bytes.subarray(21, 25)), [0, 0, 0, 0]);
    assertBitwiseEqual(decodeCsrFloat32(e.bytes).values, sparse2x20());
  });

  it('needs no filler when every gap fits', () => {
    const e = encodeCsrFloat32(SPARSE_4X4, [4, 4], { gapBits: 4 });
    // 5 entries; 10 + 2 + 5 pointers + ceil(5 * 4 / 8) = 3 + 5 * 4 = 40
    assert.equal(e.byteLength, 40);
    assertBitwiseEqual(decodeCsrFloat32(e.bytes).values, SPARSE_4X4);
  });

  it('widens row pointers to 2 bytes past 255 entries', () => {
    const v = new Float32Array(300).fill(1);
    const e = encodeCsrFloat32(v, [300], { gapBits: 5 });
    // 6 + 2 + 2 pointers * 2 bytes + ceil(300 * 5 / 8) = 188 + 300 * 4 = 1200
    assert.equal(e.byteLength, 1400);
  });

  it('stores codes with the zero point as the filler code', () => {
    const codes = new Int32Array(40).fill(8);
    codes[0] = 9;
    codes[18] = 3;
    codes[25] = 15;
    const e = encodeCsrCodes({ codes, bits: 4, scales: [0.25], zeroPoints: [8] }, [2, 20], { gapBits: 4 });
    // 10 + 10 (quantization) + 2 + 3 (pointers) + 2 (gaps) + ceil(4 * 4 / 8) = 2
    assert.equal(e.byteLength, 29);
    // codes 9, 8 (filler), 3, 15: 9 + 8 * 16 = 137, 3 + 15 * 16 = 243
    assert.deepEqual(Array.from(e.bytes.subarray(27, 29)), [137, 243]);
    const d = decodeCsrCodes(e.bytes);
    assert.deepEqual(d.quantization?.codes, codes);
  });
});

describe('Huffman coding', () => {
  it('derives the code lengths of a known frequency table', () => {
    // merge 1 + 1 = 2; merge 2 + 2 = 4; merge 4 + 5 = 9 -> depths 1, 2, 3, 3
    const lengths = huffmanCodeLengths(new Map([[0, 5], [1, 2], [2, 1], [3, 1]]));
    assert.deepEqual([...lengths].sort((a, b) => a[0] - b[0]), [[0, 1], [1, 2], [2, 3], [3, 3]]);
    const codes = canonicalHuffmanCodes(lengths);
    assert.deepEqual([0, 1, 2, 3].map((s) => codes.get(s)), [
      { code: 0b0, length: 1 },
      { code: 0b10, length: 2 },
      { code: 0b110, length: 3 },
      { code: 0b111, length: 3 },
    ]);
  });

  it('gives the textbook lengths and total bits for 15, 7, 6, 6, 5', () => {
    const freq = new Map([[0, 15], [1, 7], [2, 6], [3, 6], [4, 5]]);
    const lengths = huffmanCodeLengths(freq);
    // 5 + 6 = 11; 6 + 7 = 13; 11 + 13 = 24; 15 + 24 = 39 -> lengths 1, 3, 3, 3, 3
    assert.deepEqual([0, 1, 2, 3, 4].map((s) => lengths.get(s)), [1, 3, 3, 3, 3]);
    // 15 * 1 + (7 + 6 + 6 + 5) * 3 = 87 bits
    const symbols = [...freq].flatMap(([s, c]) => new Array<number>(c).fill(s));
    assert.equal(huffmanEncodeSymbols(symbols).bitstreamBits, 87);
  });

  it('matches the optimal cost of an independent merge on random tables', () => {
    const rng = createRng(3);
    for (let t = 0; t < 30; t++) {
      const n = 2 + rng.int(40);
      const freq = new Map<number, number>();
      for (let s = 0; s < n; s++) freq.set(s * 3, 1 + rng.int(1000));
      // Reference: optimal total bits = sum of the weights of all merged nodes (sort, merge two smallest).
      const pool = [...freq.values()];
      let cost = 0;
      while (pool.length > 1) {
        pool.sort((a, b) => a - b);
        const merged = (pool.shift() as number) + (pool.shift() as number);
        cost += merged;
        pool.push(merged);
      }
      const lengths = huffmanCodeLengths(freq);
      const total = [...freq].reduce((a, [s, c]) => a + c * (lengths.get(s) as number), 0);
      assert.equal(total, cost);
      const kraft = [...lengths.values()].reduce((a, l) => a + 2 ** -l, 0);
      assert.ok(Math.abs(kraft - 1) < 1e-12, `Kraft sum ${kraft}`);
    }
  });

  it('keeps codes within the length limit for Fibonacci frequencies', () => {
    // Fibonacci counts make the optimal tree a chain: 30 symbols would need 29-bit codes.
    const freq = new Map<number, number>();
    let [a, b] = [1, 1];
    for (let s = 0; s < 30; s++) {
      freq.set(s, a);
      [a, b] = [b, a + b];
    }
    const lengths = huffmanCodeLengths(freq);
    const longest = Math.max(...lengths.values());
    assert.ok(longest <= MAX_CODE_LENGTH, `longest code ${longest}`);
    const kraft = [...lengths.values()].reduce((x, l) => x + 2 ** -l, 0);
    assert.ok(kraft <= 1 + 1e-12, `Kraft sum ${kraft}`);
    const symbols = [0, 1, 29, 28, 0, 15, 29];
    assert.deepEqual(Array.from(huffmanDecodeSymbols(huffmanEncodeSymbols(symbols).bytes, symbols.length)), symbols);
  });

  it('gives a lone symbol a 1-bit code and round-trips it', () => {
    assert.deepEqual([...huffmanCodeLengths(new Map([[7, 4]]))], [[7, 1]]);
    const e = huffmanEncodeSymbols([7, 7, 7]);
    assert.equal(e.bitstreamBits, 3);
    assert.deepEqual(Array.from(huffmanDecodeSymbols(e.bytes, 3)), [7, 7, 7]);
  });

  it('round-trips random symbols up to 65535', () => {
    const rng = createRng(5);
    const symbols = Int32Array.from({ length: 2000 }, () => (rng.next() < 0.7 ? rng.int(4) : rng.int(65536)));
    assert.deepEqual(huffmanDecodeSymbols(huffmanEncodeSymbols(symbols).bytes, symbols.length), symbols);
  });

  it('sizes the huffman tensor format by hand', () => {
    const codes = [0, 0, 0, 0, 0, 1, 1, 2, 3];
    const e = encodeHuffmanCodes({ codes, bits: 2, scales: [1], zeroPoints: [0] }, [9]);
    // 6 (header) + 10 (quantization) + table 1 + 4 + 4 * (1 + 1) = 13 + bitstream 5 + 4 + 3 + 3 = 15 bits -> 2
    assert.equal(e.byteLength, 31);
    assert.equal(e.headerBytes, 29);
    const d = decodeHuffmanCodes(e.bytes);
    assert.deepEqual(Array.from(d.quantization?.codes ?? []), codes);
  });

  it('sizes the full Deep Compression format (CSR + Huffman) by hand', () => {
    const codes = new Int32Array(40).fill(8);
    codes[0] = 9;
    codes[18] = 3;
    codes[25] = 15;
    const e = encodeCsrHuffman({ codes, bits: 4, scales: [0.25], zeroPoints: [8] }, [2, 20], { gapBits: 4 });
    // entries as in the CSR case: gaps 0, 15, 1, 5 and codes 9, 8, 3, 15, each four distinct symbols
    // seen once -> four 2-bit codes = 1 byte per stream; each table 1 + 4 + 4 * 2 = 13 bytes.
    // 10 + 10 + 2 + 3 (pointers) + 13 + 1 + 13 + 1 = 53
    assert.equal(e.byteLength, 53);
    assert.deepEqual(decodeCsrHuffman(e.bytes).quantization?.codes, codes);
  });
});

describe('round trips over random shapes and seeds', () => {
  it('restores weights exactly for float formats and codes exactly for code formats', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const rng = createRng(seed);
      const shape = randomShape(rng);
      const n = shape.reduce((a, b) => a * b, 1);
      const values = randomSparse(n, rng, rng.next());
      const gapBits = 1 + rng.int(8);
      for (const e of [encodeFloat32(values, shape), encodeBitmaskFloat32(values, shape), encodeCsrFloat32(values, shape, { gapBits })]) {
        const d = decodeTensor(e.bytes);
        assert.equal(d.format, e.format);
        assert.deepEqual(d.shape, shape);
        assertBitwiseEqual(d.values, values);
      }
      const half = decodeTensor(encodeFloat16(values, shape).bytes).values;
      for (let i = 0; i < n; i++) {
        const bits = referenceHalfBits(values[i]);
        const expected = (bits & 0x8000 ? -1 : 1) * HALF_VALUES[bits & 0x7fff];
        assert.equal(half[i], expected);
      }
      const bits = SUPPORTED_BITS[rng.int(SUPPORTED_BITS.length)];
      const perChannel = shape.length > 1 && rng.next() < 0.5;
      const m = perChannel ? shape[shape.length - 1] : 1;
      const zeroPoints = Array.from({ length: m }, () => rng.int(2 ** bits));
      // About half the codes sit at their zero point, so the sparse code formats have work to do.
      const codes = Int32Array.from({ length: n }, (_, i) => (rng.next() < 0.5 ? zeroPoints[perChannel ? i % m : 0] : rng.int(2 ** bits)));
      const scales = Array.from({ length: m }, () => 0.001 + rng.next());
      const q: QuantizedCodes = { codes, bits, scales, zeroPoints };
      const expected = referenceDequantize(codes, shape, scales, zeroPoints, shape.length - 1);
      for (const e of [
        encodePacked(q, shape),
        encodeBitmaskCodes(q, shape),
        encodeCsrCodes(q, shape, { gapBits }),
        encodeHuffmanCodes(q, shape),
        encodeCsrHuffman(q, shape, { gapBits }),
      ]) {
        const d = decodeTensor(e.bytes);
        assert.equal(d.format, e.format);
        assert.deepEqual(d.shape, shape);
        assert.deepEqual(d.quantization?.codes, codes, `${e.format} seed ${seed}`);
        assertBitwiseEqual(d.values, expected);
      }
    }
  });

  it('handles an empty tensor and a scalar', () => {
    for (const [values, shape] of [[new Float32Array(0), [0, 3]], [new Float32Array([2.5]), []]] as [Float32Array, number[]][]) {
      for (const e of [encodeFloat32(values, shape), encodeBitmaskFloat32(values, shape), encodeCsrFloat32(values, shape)]) {
        assertBitwiseEqual(decodeTensor(e.bytes).values, values);
      }
    }
  });
});

describe('deriveCodes and encodeAll', () => {
  it('derives the affine grid of values that already lie on one', () => {
    const q = deriveCodes(new Float32Array([-1, 0, 1, 2]), [4], { bits: 2 });
    // range [-1, 2] in 3 steps: scale 1, zero point round(1 / 1) = 1
    assert.deepEqual(Array.from(q.codes), [0, 1, 2, 3]);
    assert.deepEqual(Array.from(q.scales), [1]);
    assert.deepEqual(Array.from(q.zeroPoints), [1]);
    assert.equal(q.maxAbsError, 0);
  });

  it('keeps zeros exactly zero and reports the rounding error', () => {
    const q = deriveCodes(new Float32Array([0.3, 0, 0.9]), [3], { bits: 2 });
    // range widened to [0, 0.9]: scale 0.3 (float32), zero point 0; 0.3 -> 1, 0.9 -> 3
    assert.deepEqual(Array.from(q.codes), [1, 0, 3]);
    assert.equal(q.zeroPoints[0], 0);
    assert.ok(q.maxAbsError < 1e-7, `maxAbsError ${q.maxAbsError}`);
  });

  it('tabulates the hand-computed sizes of every format for one tensor', () => {
    const codes = [11, 8, 8, 4, 8, 9, 8, 8, 8, 8, 15, 8, 8, 8, 8, 5];
    const t = encodeAll(SPARSE_4X4, [4, 4], { codes: { codes, bits: 4, scales: [0.25], zeroPoints: [8] }, gapBits: 4 });
    assert.equal(t.elements, 16);
    assert.equal(t.nonZeros, 5);
    assert.equal(t.bytes.float32, 74);
    assert.equal(t.bytes.float16, 42);
    assert.equal(t.bytes['bitmask-float32'], 32);
    assert.equal(t.bytes['csr-float32'], 40);
    assert.equal(t.bytes.packed, 10 + 10 + 8); // 16 * 4 bits = 8 bytes
    assert.equal(t.bytes['bitmask-codes'], 25);
    assert.equal(t.bytes['csr-codes'], 10 + 10 + 2 + 5 + 3 + 3); // 5 gaps and 5 codes of 4 bits
    assert.equal(t.bitsPerWeight.float32, (8 * 74) / 16);
    assert.equal(t.quantization?.source, 'given');
    // these codes do not stand for SPARSE_4X4: |1.5 - 0.75| = 0.75, |-2 - (-1)| = 1, |3 - 1.75| = 1.25
    const err = t.quantization?.maxAbsError ?? NaN;
    assert.ok(Math.abs(err - 1.25) < TOLERANCE, `maxAbsError ${err}`);
  });

  it('measures only float formats without codes or bits', () => {
    const t = encodeAll(SPARSE_4X4, [4, 4]);
    assert.deepEqual(Object.keys(t.bytes).sort(), ['bitmask-float32', 'csr-float32', 'float16', 'float32', 'gzip']);
    assert.equal(t.quantization, undefined);
  });
});

describe('gzip', () => {
  it('round-trips buffers and accounts for its container', () => {
    const a = new TextEncoder().encode('abc'.repeat(1000));
    const b = new Uint8Array([1, 2, 3]);
    const z = gzipBytes([a, b]);
    // container: format id 1 + count 4 + a length field of 4 per buffer
    assert.equal(z.byteLength, 5 + 8 + z.partByteLengths[0] + z.partByteLengths[1]);
    assert.ok(z.partByteLengths[0] < a.length / 10, `gzip of 3000 repetitive bytes: ${z.partByteLengths[0]}`);
    assert.deepEqual(gunzipBytes(z.bytes), [a, b]);
  });

  it('saves a model to bytes: weights.bin holds 4 bytes per parameter', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [2] })] });
    const before = tf.memory().numTensors;
    const files = await savedModelFiles(model);
    assert.equal(tf.memory().numTensors, before);
    // kernel 2 x 3 + bias 3 = 9 float32
    assert.equal(files.weightsBin.length, 36);
    const json = JSON.parse(new TextDecoder().decode(files.modelJson));
    assert.equal(json.modelTopology.class_name, 'Sequential');
    assert.equal(json.weightsManifest[0].weights.length, 2);
    model.dispose();
  });
});

describe('modelStorageReport', () => {
  function tinyModel(): tf.LayersModel {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [2], name: 'd' })] });
    model.layers[0].setWeights([tf.tensor2d([[1, 0, 0], [0, 2, 0]]), tf.tensor1d([0, 0, 0.5])]);
    return model;
  }

  it('sums hand-computed sizes over the weights, falling back to float for weights without codes', async () => {
    const model = tinyModel();
    const kernelName = model.layers[0].weights[0].name;
    const biasName = model.layers[0].weights[1].name;
    const before = tf.memory().numTensors;
    const report = await modelStorageReport(model, {
      codes: { [kernelName]: { codes: [6, 4, 4, 4, 8, 4], bits: 4, scales: [0.5], zeroPoints: [4] } },
    });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(report.elements, 9);
    assert.equal(report.nonZeros, 3);
    // float32: kernel 10 + 24, bias 6 + 12
    assert.equal(report.bytes.float32, 52);
    // packed: kernel 10 + 10 + ceil(6 * 4 / 8) = 23, bias in float32 = 18
    assert.equal(report.bytes.packed, 41);
    assert.deepEqual(report.floatFallback, [biasName]);
    assert.equal(report.weights[0].codesSource, 'given');
    assert.equal(report.weights[0].maxAbsError, 0); // 0.5 * (6 - 4) = 1 and 0.5 * (8 - 4) = 2: the kernel exactly
    assert.equal(report.savedFiles?.weightsBinBytes, 36);
    assert.ok((report.savedFiles?.gzipBytes ?? 0) > 0, 'gzip size reported');
    model.dispose();
  });

  it('derives codes for every weight when bits is given', async () => {
    const model = tinyModel();
    const report = await modelStorageReport(model, { bits: 8, savedFiles: false });
    assert.deepEqual(report.floatFallback, []);
    assert.deepEqual(report.weights.map((w) => w.codesSource), ['derived', 'derived']);
    // packed 8-bit: kernel 10 + 10 + 6 = 26, bias 6 + 10 + 3 = 19
    assert.equal(report.bytes.packed, 45);
    assert.equal(report.savedFiles, undefined);
    model.dispose();
  });
});

describe('argument errors', () => {
  const q = (bits: number): QuantizedCodes => ({ codes: [0, 1, 2, 3], bits, scales: [1], zeroPoints: [0] });

  it('rejects unsupported bit widths with the rule and the value', () => {
    assert.throws(() => encodePacked(q(1), [4]), { name: 'RangeError', message: 'bits must be one of 2, 3, 4, 5, 6, 7, 8, 16, got 1' });
    assert.throws(() => encodePacked(q(9), [4]), { name: 'RangeError', message: 'bits must be one of 2, 3, 4, 5, 6, 7, 8, 16, got 9' });
    assert.throws(() => deriveCodes([1], [1], { bits: 12 }), /bits must be one of .*, got 12/);
    assert.throws(() => encodeAll([1], [1], { bits: 0 }), /bits must be one of .*, got 0/);
  });

  it('rejects bad gap widths', () => {
    assert.throws(() => encodeCsrFloat32([1], [1], { gapBits: -1 }), { name: 'RangeError', message: 'gapBits must be an integer in [1, 16], got -1' });
    assert.throws(() => encodeCsrCodes(q(2), [4], { gapBits: 0 }), /gapBits must be an integer in \[1, 16\], got 0/);
    assert.throws(() => encodeCsrHuffman(q(2), [4], { gapBits: 2.5 }), /got 2.5/);
  });

  it('rejects shapes that do not match the data', () => {
    assert.throws(() => encodeFloat32(new Float32Array(15), [4, 4]), {
      name: 'RangeError',
      message: 'values.length must equal the product of shape [4, 4] = 16, got 15',
    });
    assert.throws(() => encodePacked(q(2), [5]), /codes.length must equal the product of shape \[5\] = 5, got 4/);
    assert.throws(() => encodeFloat32([1], [-1]), /shape must be at most 255 non-negative integer dimensions, got \[-1\]/);
    assert.throws(() => encodeFloat32('abc' as unknown as number[], [3]), { name: 'TypeError' });
  });

  it('rejects codes out of range and mismatched parameters, leaving the input untouched', () => {
    const codes = [0, 1, 2, 4];
    assert.throws(() => encodePacked({ codes, bits: 2, scales: [1], zeroPoints: [0] }, [4]), /codes must lie in \[0, 3\], or in \[-2, 1\] when signed, for bits 2, got 4 at index 3/);
    assert.deepEqual(codes, [0, 1, 2, 4]);
    assert.throws(() => encodePacked({ codes: [0, 1, 2, 3], bits: 2, scales: [1, 1, 1], zeroPoints: [0, 0, 0] }, [2, 2]), /scales.length must be 1 or shape\[1\] = 2, got 3/);
    assert.throws(() => encodePacked({ codes: [0, 1, 2, 3], bits: 2, scales: [1], zeroPoints: [0, 0] }, [4]), /zeroPoints.length must equal scales.length = 1, got 2/);
    assert.throws(() => encodePacked({ codes: [0, 1.5, 2, 3], bits: 2, scales: [1], zeroPoints: [0] }, [4]), /codes must be integers, got 1.5 at index 1/);
    assert.throws(() => encodeAll([0, 1, 2, 3], [4], { codes: q(2), bits: 4 }), /bits must match codes.bits \(2\) when both are given, got 4/);
  });

  it('rejects Huffman symbols outside [0, 65535] and malformed bytes', () => {
    assert.throws(() => huffmanEncodeSymbols([1, 70000]), /symbols must be integers in \[0, 65535\], got 70000/);
    const e = encodeFloat32([1, 2], [2]);
    assert.throws(() => decodeFloat16(e.bytes), /must start with the 'float16' format id 2, got 1 \('float32'\)/);
    assert.throws(() => decodeFloat32(e.bytes.subarray(0, 9)), /encoded bytes must hold at least/);
    assert.throws(() => decodeTensor(new Uint8Array([99])), /must start with a tensor format id \(1-9\), got 99/);
  });

  it('rejects codes keys that name no weight of the model', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
    await assert.rejects(modelStorageReport(model, { codes: { nope: q(2) } }), /codes keys must name weights of the model \(.*\), got 'nope'/);
    model.dispose();
  });
});
