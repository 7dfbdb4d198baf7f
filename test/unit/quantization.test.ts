import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { createRng } from '../../src/utils';
import {
  absPercentile,
  applyQuantizedWeights,
  decodeSidecar,
  dequantizeToTensor,
  directoryHandler,
  encodeSidecar,
  encodeQuantizedWeights,
  fakeQuantize,
  float16Bits,
  fromFloat16,
  loadQuantizedSidecar,
  packBits,
  quantizeModel,
  quantizeModelFloat16,
  quantizeTensor,
  quantizeTf,
  roundHalfAwayFromZero,
  roundToFloat16,
  saveQuantizedModel,
  toFloat16,
  unpackBits,
} from '../../src/quantization';
import type { QuantizedTensor, QuantizeOptions } from '../../src/quantization';

const f = Math.fround;

// ---------- helpers (independent of the code under test) ----------

type Cell = 'lstm' | 'gru' | 'simpleRNN';

function buildModel(cell: Cell, { units = 3, timeSteps = 4, features = 2, seed = 1 } = {}): tf.Sequential {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: s });
  const m = tf.sequential();
  m.add(tf.layers[cell]({
    units,
    inputShape: [timeSteps, features],
    kernelInitializer: init(seed),
    recurrentInitializer: init(seed + 1),
    biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: seed + 2 }),
  }));
  m.add(tf.layers.dense({ units: 2, kernelInitializer: init(seed + 3), biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: seed + 4 }) }));
  return m;
}

function buildEmbeddingModel(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.embedding({ inputDim: 6, outputDim: 3, inputLength: 5, embeddingsInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed: 11 }) }));
  m.add(tf.layers.gru({ units: 2, returnSequences: true, kernelInitializer: tf.initializers.glorotUniform({ seed: 12 }), recurrentInitializer: tf.initializers.glorotUniform({ seed: 13 }) }));
  m.add(tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 14 }) }) }));
  return m;
}

function weightValues(model: tf.LayersModel): Float32Array[] {
  return model.weights.map((w) => Float32Array.from(w.read().dataSync()));
}

function byName(model: tf.LayersModel, name: string): Float32Array {
  const w = model.weights.find((v) => (v.originalName ?? v.name) === name);
  assert.ok(w, `weight ${name} exists`);
  return Float32Array.from(w.read().dataSync());
}

/** Plain-loop dequantization: channel of flat index i along the given axis of a row-major shape. */
function refDequantize(q: QuantizedTensor): Float32Array {
  const out = new Float32Array(q.codes.length);
  const inner = q.channelAxis === null ? 1 : q.shape.slice(q.channelAxis + 1).reduce((a, b) => a * b, 1);
  const channels = q.channelAxis === null ? 1 : q.shape[q.channelAxis];
  for (let i = 0; i < out.length; i++) {
    const c = q.channelAxis === null ? 0 : Math.floor(i / inner) % channels;
    out[i] = f((q.codes[i] - q.zeroPoints[c]) * q.scales[c]);
  }
  return out;
}

function randomValues(rng: ReturnType<typeof createRng>, n: number): Float32Array {
  const v = new Float32Array(n);
  const spread = 0.01 + 3 * rng.next();
  for (let i = 0; i < n; i++) v[i] = spread * rng.normal() + (rng.next() < 0.3 ? spread : 0);
  return v;
}

function randomShape(rng: ReturnType<typeof createRng>): number[] {
  const rank = 1 + rng.int(3);
  return Array.from({ length: rank }, () => 1 + rng.int(6));
}

const BITS = [2, 3, 4, 5, 6, 7, 8, 16];

before(async () => {
  await initBackend();
});

// ---------- core maths ----------

describe('quantizeTensor: hand-computed codes', () => {
  it('rounds half away from zero', () => {
    assert.deepEqual([2.5, -2.5, 0.5, -0.5, 1.49, -1.51, 0].map(roundHalfAwayFromZero), [3, -3, 1, -1, 1, -2, 0]);
  });

  it('quantizes exact ties away from zero with scale 1 (3-bit symmetric, max |w| = 3)', () => {
    // qmax = 2^(3-1) - 1 = 3, scale = 3 / 3 = 1, so w / scale = w; ties ±2.5, ±1.5, ±0.5 go outward.
    const q = quantizeTensor([-3, -2.5, -1.5, -0.5, 0, 0.5, 1.5, 2.5, 3], [9], { bits: 3 });
    assert.ok(q.codes instanceof Int8Array);
    assert.deepEqual([...q.codes], [-3, -3, -2, -1, 0, 1, 2, 3, 3]);
    assert.deepEqual([...q.scales], [1]);
    assert.deepEqual([...q.zeroPoints], [0]);
    assert.deepEqual([q.qmin, q.qmax], [-3, 3]);
  });

  it('quantizes [-1, -0.5, 0, 0.5, 1] at 3 bits symmetric with the float32 scale fl(1/3)', () => {
    // scale = max|w| / qmax = 1 / 3, stored as float32 0.3333333432674408 (slightly above 1/3).
    // 0.5 / 0.33333334 = 1.49999995 < 1.5, so 0.5 -> 1 (the nearest point of the real grid), -0.5 -> -1;
    // ±1 / 0.33333334 = ±2.99999991 -> ±3. Dequantized: fround(3 * 0.33333334) = 1.
    const q = quantizeTensor([-1, -0.5, 0, 0.5, 1], [5], { bits: 3 });
    assert.equal(q.scales[0], 0.3333333432674408);
    assert.deepEqual([...q.codes], [-3, -1, 0, 1, 3]);
    assert.deepEqual([...q.dequantize()], [-1, -f(1 / 3), 0, f(1 / 3), 1]);
  });

  it('computes affine codes with an integer zero point', () => {
    // range [-1, 6], qmax = 2^3 - 1 = 7, scale = 7 / 7 = 1, zeroPoint = round(1 / 1) = 1.
    // codes = round(w) + 1: -1 -> 0, -0.4 -> 1, 0 -> 1, 2.5 -> 3 + 1 = 4, 6 -> 7.
    const q = quantizeTensor([-1, -0.4, 0, 2.5, 6], [5], { bits: 3, scheme: 'affine' });
    assert.ok(q.codes instanceof Uint8Array);
    assert.deepEqual([...q.codes], [0, 1, 1, 4, 7]);
    assert.deepEqual([...q.scales], [1]);
    assert.deepEqual([...q.zeroPoints], [1]);
    assert.deepEqual([...q.dequantize()], [-1, 0, 0, 3, 6]);
  });

  it('widens an all-positive or all-negative affine range to contain 0', () => {
    // [2, 3.5, 7]: range [0, 7], scale 1, zeroPoint 0, 3.5 -> 4.
    const pos = quantizeTensor([2, 3.5, 7], [3], { bits: 3, scheme: 'affine' });
    assert.deepEqual([[...pos.codes], pos.scales[0], pos.zeroPoints[0]], [[2, 4, 7], 1, 0]);
    // [-7, -3.5, -2]: range [-7, 0], scale 1, zeroPoint 7; -3.5 -> -4 + 7 = 3, -2 -> 5.
    const neg = quantizeTensor([-7, -3.5, -2], [3], { bits: 3, scheme: 'affine' });
    assert.deepEqual([[...neg.codes], neg.scales[0], neg.zeroPoints[0]], [[0, 3, 5], 1, 7]);
    assert.deepEqual([...neg.dequantize()], [-7, -4, -2]);
  });

  it('gives each column (each gate of each unit) of a 2-gate kernel its own scale', () => {
    // Kernel [in = 2, units = 2 * gates = 2]; column maxima 3, 1.5, 0.75, 6; 3 bits: qmax = 3,
    // scales 1, 0.5, 0.25, 2. Codes: col0 1.2 -> 1, -3 -> -3; col1 -1.5/0.5 = -3, 0.7/0.5 = 1.4 -> 1;
    // col2 0.1/0.25 = 0.4 -> 0, -3; col3 6/2 = 3, -2.9/2 = -1.45 -> -1.
    const k = [1.2, -1.5, 0.1, 6, -3, 0.7, -0.75, -2.9];
    const q = quantizeTensor(k, [2, 4], { bits: 3, granularity: 'per-channel' });
    assert.deepEqual([...q.scales], [1, 0.5, 0.25, 2]);
    assert.deepEqual([...q.codes], [1, -3, 0, 3, -3, 1, -3, -1]);
    assert.equal(q.channelAxis, 1);
    // One scale (2) for the tensor wipes out the small third column: 0.1/2 and -0.75/2 both round to 0.
    const t = quantizeTensor(k, [2, 4], { bits: 3 });
    assert.deepEqual([...t.codes], [1, -1, 0, 3, -2, 0, 0, -1]);
  });

  it('uses axis 0 channels when asked', () => {
    // Rows maxima 2 and 4 at 2 bits (qmax = 1): scales 2, 4; row0 [2, -0.9, 1] -> [1, 0, 1], row1 [4, 1.9, -2.1] -> [1, 0, -1].
    const q = quantizeTensor([2, -0.9, 1, 4, 1.9, -2.1], [2, 3], { bits: 2, granularity: 'per-channel', channelAxis: 0 });
    assert.deepEqual([...q.scales], [2, 4]);
    assert.deepEqual([...q.codes], [1, 0, 1, 1, 0, -1]);
  });

  it('stores codes in the smallest typed array', () => {
    assert.ok(quantizeTensor([1, -1], [2], { bits: 8 }).codes instanceof Int8Array);
    assert.ok(quantizeTensor([1, -1], [2], { bits: 9 }).codes instanceof Int16Array);
    assert.ok(quantizeTensor([1, -1], [2], { bits: 16 }).codes instanceof Int16Array);
    assert.ok(quantizeTensor([1, -1], [2], { bits: 8, scheme: 'affine' }).codes instanceof Uint8Array);
    assert.ok(quantizeTensor([1, -1], [2], { bits: 16, scheme: 'affine' }).codes instanceof Uint16Array);
  });

  it('handles constant tensors without dividing by zero', () => {
    for (const scheme of ['symmetric', 'affine'] as const) {
      const zero = quantizeTensor([0, 0, 0], [3], { bits: 4, scheme });
      assert.deepEqual([...zero.dequantize()], [0, 0, 0]);
      assert.equal(zero.scales[0], 1);
    }
    // 0.5 everywhere, 4-bit symmetric: qmax = 7, scale fl(0.5 / 7), every code 7.
    const c = quantizeTensor([0.5, 0.5], [2], { bits: 4 });
    assert.deepEqual([...c.codes], [7, 7]);
    assert.ok(Math.abs(c.dequantize()[0] - 0.5) < 1e-7);
    // -2 everywhere, 4-bit affine: range [-2, 0], scale 2 / 15, zeroPoint 15, code 0.
    const a = quantizeTensor([-2, -2], [2], { bits: 4, scheme: 'affine' });
    assert.deepEqual([[...a.codes], a.zeroPoints[0]], [[0, 0], 15]);
    // A zero column among others keeps its own harmless scale.
    // Column 1 = [1.5, -3]: scale 3 / 3 = 1, codes [2, -3] (1.5 rounds away from zero).
    const pc = quantizeTensor([0, 1.5, 0, -3], [2, 2], { bits: 3, granularity: 'per-channel' });
    assert.deepEqual([...pc.dequantize()], [0, 2, 0, -3]);
    assert.ok(pc.scales.every((s) => s > 0 && Number.isFinite(s)));
  });
});

describe('quantizeTensor: clipping', () => {
  it('interpolates percentiles of |w| linearly', () => {
    // sorted |w| = [1..9, 30]; p50: position 4.5 -> 5 + 0.5 * (6 - 5) = 5.5; p90: position 8.1 -> 9 + 0.1 * 21 = 11.1.
    const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, -30];
    assert.equal(absPercentile(v, 50), 5.5);
    assert.ok(Math.abs(absPercentile(v, 90) - 11.1) < 1e-12);
    assert.equal(absPercentile(v, 100), 30);
  });

  it('clips at the percentile of |w|', () => {
    // sorted |w| = [0, 1.5, 3, 6, 30]; p75: position 3 -> 6. 3 bits: scale 6 / 3 = 2.
    // codes: -6 -> -3, 3 -> 1.5 -> 2, 1.5 -> 0.75 -> 1, 0 -> 0, 30 -> 15 clamped to 3.
    const q = quantizeTensor([-6, 3, 1.5, 0, 30], [5], { bits: 3, clip: { percentile: 75 } });
    assert.equal(q.scales[0], 2);
    assert.deepEqual([...q.codes], [-3, 2, 1, 0, 3]);
    assert.deepEqual([...q.dequantize()], [-6, 4, 2, 0, 6]);
  });

  it('finds the MSE-optimal clip on the documented grid', () => {
    // 20 ones and one 4, 2 bits (codes -1, 0, 1). Candidates t = 4 k / 100. For t <= 2 the ones keep
    // code 1 and the error is 20 (1 - t)^2 + (4 - t)^2, minimal at t = 48 / 42 = 1.143; on the grid
    // t = 1.12 gives 8.5824, t = 1.16 gives 8.5776, t = 1.20 gives 8.64. No clipping (t = 4) gives 20.
    const v = [...Array(20).fill(1), 4];
    const q = quantizeTensor(v, [21], { bits: 2, clip: 'mse' });
    assert.ok(Math.abs(q.scales[0] - 1.16) < 1e-6, `scale ${q.scales[0]}`);
    const none = quantizeTensor(v, [21], { bits: 2 });
    assert.equal(none.scales[0], 4);
  });

  it('never has a larger squared error with MSE clipping than without (random tensors)', () => {
    const rng = createRng(5);
    for (let trial = 0; trial < 20; trial++) {
      const v = randomValues(rng, 40);
      const opts: QuantizeOptions = { bits: BITS[rng.int(6)], scheme: trial % 2 ? 'affine' : 'symmetric' };
      const sse = (q: QuantizedTensor) => q.dequantize().reduce((s, d, i) => s + (d - v[i]) ** 2, 0);
      assert.ok(sse(quantizeTensor(v, [40], { ...opts, clip: 'mse' })) <= sse(quantizeTensor(v, [40], opts)) + 1e-12);
    }
  });
});

describe('quantizeTensor: properties over random shapes, seeds and bit widths', () => {
  const cases: { v: Float32Array; shape: number[]; opts: QuantizeOptions }[] = [];
  const rng = createRng(42);
  for (let i = 0; i < 120; i++) {
    const shape = randomShape(rng);
    const n = shape.reduce((a, b) => a * b, 1);
    cases.push({
      v: randomValues(rng, n),
      shape,
      opts: {
        bits: BITS[rng.int(BITS.length)],
        scheme: rng.next() < 0.5 ? 'symmetric' : 'affine',
        granularity: rng.next() < 0.5 ? 'per-tensor' : 'per-channel',
        channelAxis: -1 - rng.int(shape.length),
      },
    });
  }

  it('keeps codes in range and every unclipped value within scale / 2', () => {
    for (const { v, shape, opts } of cases) {
      const q = quantizeTensor(v, shape, opts);
      const expectedRange = opts.scheme === 'symmetric' ? [-(2 ** (opts.bits! - 1) - 1), 2 ** (opts.bits! - 1) - 1] : [0, 2 ** opts.bits! - 1];
      assert.deepEqual([q.qmin, q.qmax], expectedRange);
      const d = q.dequantize();
      const inner = q.channelAxis === null ? 1 : shape.slice(q.channelAxis + 1).reduce((a, b) => a * b, 1);
      for (let i = 0; i < v.length; i++) {
        assert.ok(q.codes[i] >= q.qmin && q.codes[i] <= q.qmax);
        const c = q.channelAxis === null ? 0 : Math.floor(i / inner) % q.scales.length;
        // half a step, plus float32 rounding of the dequantized value
        const bound = q.scales[c] / 2 + 2 ** -23 * Math.abs(v[i]) + 1e-30;
        assert.ok(Math.abs(d[i] - v[i]) <= bound, `|${d[i]} - ${v[i]}| > ${bound} (${JSON.stringify(opts)})`);
      }
    }
  });

  it('dequantizes exactly as scale * (code - zeroPoint) in float32', () => {
    for (const { v, shape, opts } of cases) {
      const q = quantizeTensor(v, shape, opts);
      assert.deepEqual(q.dequantize(), refDequantize(q));
    }
  });

  it('changes nothing when quantizing an already-quantized tensor again', () => {
    for (const { v, shape, opts } of cases) {
      const q1 = quantizeTensor(v, shape, opts);
      const d1 = q1.dequantize();
      const q2 = quantizeTensor(d1, shape, opts);
      assert.deepEqual([...q2.codes], [...q1.codes], JSON.stringify(opts));
      assert.deepEqual([...q2.zeroPoints], [...q1.zeroPoints]);
      const d2 = q2.dequantize();
      q1.scales.forEach((s, c) => assert.ok(Math.abs(q2.scales[c] - s) <= 1e-6 * s));
      // Scales agree to float32 rounding, so the values do too (within a few ulps).
      d1.forEach((x, i) => assert.ok(Math.abs(d2[i] - x) <= 4e-7 * Math.abs(x)));
    }
  });

  it('represents 0.0 exactly and keeps the symmetric grid odd: q(-w) = -q(w)', () => {
    for (const { v, shape, opts } of cases) {
      const withZero = Float32Array.from(v);
      withZero[0] = 0;
      assert.equal(quantizeTensor(withZero, shape, opts).dequantize()[0], 0);
      if (opts.scheme === 'symmetric') {
        const q = quantizeTensor(v, shape, opts);
        const neg = quantizeTensor(v.map((x) => -x), shape, opts);
        q.codes.forEach((c, i) => assert.equal(neg.codes[i], -c === 0 ? 0 : -c));
      }
    }
  });
});

// ---------- float16 ----------

describe('float16', () => {
  it('encodes known bit patterns', () => {
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66],
      [65504, 0x7bff],
      [65519, 0x7bff], // below the tie 65520
      [65520, 0x7c00], // tie between 65504 and 65536 (not finite) rounds to even: +Inf
      [2 ** -14, 0x0400], // smallest normal
      [1023 * 2 ** -24, 0x03ff], // largest subnormal
      [1023.5 * 2 ** -24, 0x0400], // tie between 0x03ff and 0x0400 -> even 0x0400
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // tie between 0 and 2^-24 -> even 0
      [1.5 * 2 ** -25, 0x0001],
      [1 + 2 ** -11, 0x3c00], // tie between 0x3c00 and 0x3c01 -> even 0x3c00
      [1 + 3 * 2 ** -11, 0x3c02], // tie between 0x3c01 and 0x3c02 -> even 0x3c02
      [-0, 0x8000],
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
      [NaN, 0x7e00],
    ];
    for (const [x, h] of cases) assert.equal(float16Bits(x), h, `${x} -> 0x${float16Bits(x).toString(16)}, want 0x${h.toString(16)}`);
    assert.deepEqual([...toFloat16([1, 65504, 2 ** -24])], [0x3c00, 0x7bff, 0x0001]);
  });

  it('saturates to ±65504 instead of overflowing when asked', () => {
    assert.deepEqual([...toFloat16([1e6, -70000, 65520], { overflow: 'saturate' })], [0x7bff, 0xfbff, 0x7bff]);
  });

  it('decodes all 65536 patterns like tfjs does', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const spec = { name: 'h', shape: [65536], dtype: 'float32' as const, quantization: { dtype: 'float16' as const } };
    const map = tf.io.decodeWeights(all.buffer, [spec]);
    const theirs = map.h.dataSync();
    map.h.dispose();
    const ours = fromFloat16(all);
    for (let i = 0; i < 65536; i++) assert.ok(Object.is(ours[i], theirs[i]) || (Number.isNaN(ours[i]) && Number.isNaN(theirs[i])), `pattern ${i}`);
  });

  it('round-trips every non-NaN pattern and rounds to the nearest half', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const values = fromFloat16(all);
    const back = toFloat16(values);
    for (let i = 0; i < 65536; i++) if (!Number.isNaN(values[i])) assert.equal(back[i], i);
    // Nearest: relative error at most 2^-11 for normal halves.
    const rng = createRng(3);
    for (let i = 0; i < 1000; i++) {
      const x = f((rng.next() - 0.5) * 2 ** (rng.int(30) - 14));
      const r = roundToFloat16([x])[0];
      if (Math.abs(x) >= 2 ** -14) assert.ok(Math.abs(r - x) <= 2 ** -11 * Math.abs(x));
    }
  });
});

describe('bit packing', () => {
  it('packs least significant bit first', () => {
    // 1 | 2 << 2 | 3 << 4 = 0b111001 = 57
    assert.deepEqual([...packBits([1, 2, 3], 2)], [57]);
    // 3-bit codes 5, 6, 7: 101 | 110 << 3 | 111 << 6 = 0b111110101 -> bytes 0xf5, 0x01
    assert.deepEqual([...packBits([5, 6, 7], 3)], [0xf5, 0x01]);
  });

  it('round-trips random codes of every width', () => {
    const rng = createRng(9);
    for (let bits = 1; bits <= 16; bits++) {
      const v = Array.from({ length: 37 }, () => rng.int(2 ** bits));
      const packed = packBits(v, bits);
      assert.equal(packed.length, Math.ceil((37 * bits) / 8));
      assert.deepEqual([...unpackBits(packed, bits, 37)], v);
    }
  });
});

describe('sidecar format', () => {
  it('round-trips affine codes with their zero points', () => {
    const a = quantizeTensor([-1, -0.4, 0, 2.5, 6], [5], { bits: 3, scheme: 'affine' });
    const b = quantizeTensor([0.3, -2, 1, 0.01, -0.5, 4], [3, 2], { bits: 5, scheme: 'affine', granularity: 'per-channel' });
    const { manifest, data } = encodeSidecar([{ name: 'a', quantized: a }, { name: 'b', quantized: b }]);
    // a: 5 codes * 3 bits = 15 bits -> 2 bytes, padded to 4; 1 scale (4) + 1 zero point (4) -> 12 bytes.
    // b: 6 codes * 5 bits = 30 bits -> 4 bytes; 2 scales (8) + 2 zero points (8) -> 20 bytes.
    assert.equal(data.length, 32);
    assert.deepEqual(manifest.weights.map((w) => [w.codesOffset, w.scalesOffset, w.zeroPointsOffset]), [[0, 4, 8], [12, 16, 24]]);
    const back = decodeSidecar(JSON.parse(JSON.stringify(manifest)), data);
    for (const [name, q] of [['a', a], ['b', b]] as const) {
      const r = back.get(name)!;
      assert.deepEqual([[...r.codes], [...r.scales], [...r.zeroPoints], r.channelAxis], [[...q.codes], [...q.scales], [...q.zeroPoints], q.channelAxis]);
      assert.deepEqual(r.dequantize(), q.dequantize());
    }
    assert.throws(() => decodeSidecar({ ...manifest, version: 2 as 1 }, data), /manifest must have format 'rnnc-quantized-weights' version 1, got 'rnnc-quantized-weights' version 2/);
    assert.throws(() => decodeSidecar(manifest, data.subarray(0, 20)), /data must hold at least 32 bytes for 'b', got 20/);
  });
});

// ---------- models ----------

describe('quantizeModel', () => {
  it('writes the dequantized codes into a copy and leaves the original untouched', () => {
    const m = buildModel('lstm');
    const original = weightValues(m);
    const { model: q, report } = quantizeModel(m, { bits: 4, granularity: 'per-channel' });
    assert.deepEqual(weightValues(m), original);
    assert.deepEqual(report.weights.map((w) => w.role), ['kernel', 'recurrentKernel', 'kernel']);
    for (const w of report.weights) {
      assert.deepEqual(byName(q, w.name), refDequantize(w.quantized));
      const orig = byName(m, w.name);
      const err = orig.reduce((mx, x, i) => Math.max(mx, Math.abs(x - refDequantize(w.quantized)[i])), 0);
      assert.equal(w.maxAbsError, err);
    }
    // Biases stay float32 by default.
    assert.deepEqual(byName(q, m.layers[0].weights[2].originalName), original[2]);
    q.dispose();
    m.dispose();
  });

  it('gives every gate of every unit its own scale (LSTM 4, GRU 3, SimpleRNN 1 per unit)', () => {
    for (const [cell, gates] of [['lstm', 4], ['gru', 3], ['simpleRNN', 1]] as const) {
      const m = buildModel(cell, { units: 3 });
      const { model: q, report } = quantizeModel(m, { bits: 8, granularity: 'per-channel', roles: ['kernel', 'recurrentKernel', 'bias'], layers: [m.layers[0].name] });
      for (const w of report.weights) {
        assert.equal(w.quantized.scales.length, 3 * gates, `${cell} ${w.role}`);
        // Reference: max |column| / 127 by a plain loop over the [rows, cols] layout.
        const v = byName(m, w.name);
        const cols = 3 * gates;
        for (let c = 0; c < cols; c++) {
          let mx = 0;
          for (let i = c; i < v.length; i += cols) mx = Math.max(mx, Math.abs(v[i]));
          assert.equal(w.quantized.scales[c], f(mx / 127));
        }
      }
      q.dispose();
      m.dispose();
    }
  });

  it('quantizes embeddings per token row and TimeDistributed dense kernels', () => {
    const m = buildEmbeddingModel();
    const { model: q, report } = quantizeModel(m, { bits: 4, granularity: 'per-channel' });
    const emb = report.weights.find((w) => w.role === 'embeddings');
    assert.equal(emb?.quantized.scales.length, 6);
    assert.equal(emb?.quantized.channelAxis, 0);
    assert.ok(report.weights.some((w) => w.layerType === 'Dense' && w.role === 'kernel'));
    q.dispose();
    m.dispose();
  });

  it('includes biases when asked and reports sizes', () => {
    const m = buildModel('simpleRNN', { units: 2, features: 1 });
    // Weights: kernel [1, 2], recurrent [2, 2], bias [2], dense kernel [2, 2], dense bias [2] = 2 + 4 + 2 + 4 + 2 = 14 values.
    const { model: q, report } = quantizeModel(m, { bits: 4, roles: ['kernel', 'recurrentKernel', 'bias'] });
    assert.equal(report.weights.length, 5);
    assert.equal(report.totalParameters, 14);
    assert.equal(report.float32Bytes, 56);
    // Packed codes: ceil(2*4/8) + ceil(4*4/8) + ceil(2*4/8) + ceil(4*4/8) + ceil(2*4/8) = 1 + 2 + 1 + 2 + 1 = 7; plus 5 scales * 4 = 20.
    assert.equal(report.quantizedBytes, 27);
    q.dispose();
    m.dispose();
  });

  it('rounds a copy to float16 within 2^-11 relative error', () => {
    const m = buildModel('gru');
    const { model: h, report } = quantizeModelFloat16(m);
    assert.equal(report.length, 5);
    for (const r of report) assert.ok(r.maxRelError <= 2 ** -11, `${r.name} ${r.maxRelError}`);
    for (const w of m.weights) {
      const orig = Float32Array.from(w.read().dataSync());
      assert.deepEqual(byName(h, w.originalName), roundToFloat16(orig));
    }
    h.dispose();
    m.dispose();
  });
});

describe('tensor wrappers', () => {
  it('fake-quantizes a tensor to its dequantized codes', () => {
    const t = tf.tensor2d([1.2, -1.5, 0.1, 6, -3, 0.7, -0.75, -2.9], [2, 4]);
    const before = tf.memory().numTensors;
    const fq = fakeQuantize(t, { bits: 3, granularity: 'per-channel' });
    // Codes [1,-3,0,3,-3,1,-3,-1] times scales [1, 0.5, 0.25, 2] per column.
    assert.deepEqual([...fq.dataSync()], [1, -1.5, 0, 6, -3, 0.5, -0.75, -2]);
    fq.dispose();
    const q = quantizeTf(t, { bits: 3 });
    assert.deepEqual([...q.codes], [1, -1, 0, 3, -2, 0, 0, -1]);
    const d = dequantizeToTensor(q);
    // per-tensor scale 2: codes times 2
    assert.deepEqual([...d.dataSync()], [2, -2, 0, 6, -4, 0, 0, -2]);
    assert.deepEqual(d.shape, [2, 4]);
    d.dispose();
    assert.equal(tf.memory().numTensors, before);
    t.dispose();
  });
});

// ---------- tfjs weights format ----------

describe('tfjs weights manifest', () => {
  let dir = '';
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rnnc-quant-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const predict = (m: tf.LayersModel, x: tf.Tensor) => tf.tidy(() => Float32Array.from((m.predict(x) as tf.Tensor).dataSync()));

  it('stores per-tensor codes as uint8 that tfjs decodes to our exact values', () => {
    const m = buildModel('lstm');
    const { artifacts, sidecar, report } = encodeQuantizedWeights(m, { bits: 8, scheme: 'affine' });
    assert.equal(sidecar, null);
    const kernel = report!.weights[0];
    const spec = artifacts.weightSpecs.find((s) => s.name === kernel.name)!;
    const s = kernel.quantized.scales[0];
    // affine: stored u = q, min = -zeroPoint * scale
    assert.deepEqual(spec.quantization, { dtype: 'uint8', scale: s, min: -kernel.quantized.zeroPoints[0] * s });
    const decoded = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
    for (const w of report!.weights) assert.deepEqual(Float32Array.from(decoded[w.name].dataSync()), refDequantize(w.quantized));
    tf.dispose(Object.values(decoded));
    // Byte count: quantized values take 1 byte, the two biases 4: kernel 2*12 + recurrent 3*12 + dense 3*2 = 66 bytes, biases (12 + 2) * 4 = 56.
    assert.equal(artifacts.weightData.byteLength, 66 + 56);
    m.dispose();
  });

  it('shifts symmetric codes into uint8 with min = -qmax * scale', () => {
    const m = buildModel('simpleRNN');
    const { artifacts, report } = encodeQuantizedWeights(m, { bits: 8 });
    const w = report!.weights[1];
    const spec = artifacts.weightSpecs.find((x) => x.name === w.name)!;
    assert.deepEqual(spec.quantization, { dtype: 'uint8', scale: w.quantized.scales[0], min: -127 * w.quantized.scales[0] });
    const decoded = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
    assert.deepEqual(Float32Array.from(decoded[w.name].dataSync()), refDequantize(w.quantized));
    tf.dispose(Object.values(decoded));
    m.dispose();
  });

  it('saves uint8, uint16 and float16 models that plain tf.loadLayersModel loads with identical predictions', async () => {
    const m = buildModel('lstm', { units: 4 });
    const x = tf.randomNormal([3, 4, 2], 0, 1, 'float32', 7);
    const cases = [
      { name: 'u8', opts: { bits: 8, scheme: 'affine' as const }, bytesPerCode: 1 },
      { name: 'u16', opts: { bits: 12 }, bytesPerCode: 2 },
      { name: 'f16', opts: { dtype: 'float16' as const }, bytesPerCode: 2 },
    ];
    for (const c of cases) {
      const target = path.join(dir, c.name);
      const saved = await saveQuantizedModel(m, target, c.opts);
      const loaded = await tf.loadLayersModel(directoryHandler(target));
      const reference = c.opts.dtype === 'float16' ? quantizeModelFloat16(m).model : quantizeModel(m, c.opts).model;
      assert.deepEqual(predict(loaded, x), predict(reference, x), c.name);
      // Weights: kernel 2*16 + recurrent 4*16 + dense kernel 4*2 = 104 quantized values; biases 16 + 2 = 18
      // (stored as float32 except with float16, which converts all weights).
      const expected = c.opts.dtype === 'float16' ? 2 * (104 + 18) : c.bytesPerCode * 104 + 4 * 18;
      assert.equal(saved.files.find((fl) => fl.name === 'group1-shard1of1.bin')?.bytes, expected, c.name);
      assert.equal(saved.sidecarBytes, 0);
      loaded.dispose();
      reference.dispose();
    }
    x.dispose();
    m.dispose();
  });

  it('writes a bit-packed sidecar for per-channel and sub-byte codes, and reloads them exactly', async () => {
    const m = buildModel('gru', { units: 2 });
    const target = path.join(dir, 'pc4');
    const opts = { bits: 4, granularity: 'per-channel' as const };
    const saved = await saveQuantizedModel(m, target, opts);
    const codes = await loadQuantizedSidecar(target);
    for (const w of saved.report!.weights) {
      const back = codes.get(w.name)!;
      assert.deepEqual([...back.codes], [...w.quantized.codes]);
      assert.deepEqual([...back.scales], [...w.quantized.scales]);
    }
    // Sidecar bytes, symmetric 4-bit (no zero points), each part padded to 4 bytes before the scales:
    // GRU kernel [2, 6]: 12 codes -> 6 bytes -> 8, + 6 scales * 4 = 32; recurrent [2, 6]: 32;
    // dense kernel [2, 2]: 4 codes -> 2 bytes -> 4, + 2 * 4 = 12. Total 76.
    assert.equal(saved.files.find((fl) => fl.name === 'quantization.bin')?.bytes, 76);
    // The standard files hold the dequantized values as float32 and load to the same model.
    const loaded = await tf.loadLayersModel(directoryHandler(target));
    const reference = quantizeModel(m, opts).model;
    const x = tf.randomNormal([2, 4, 2], 0, 1, 'float32', 3);
    assert.deepEqual(predict(loaded, x), predict(reference, x));
    // Applying the sidecar to the float model saved with the plain handler gives the same weights.
    await m.save(directoryHandler(path.join(dir, 'float')));
    const fresh = await tf.loadLayersModel(directoryHandler(path.join(dir, 'float')));
    assert.notDeepEqual(predict(fresh, x), predict(reference, x));
    assert.equal(applyQuantizedWeights(fresh, codes), 3);
    assert.deepEqual(predict(fresh, x), predict(reference, x));
    tf.dispose([x]);
    [loaded, reference, fresh, m].forEach((mm) => mm.dispose());
  });
});

// ---------- errors ----------

describe('argument checks', () => {
  const v = [1, -1, 0.5];
  const cases: [QuantizeOptions | Record<string, unknown>, RegExp][] = [
    [{ bits: 0 }, /^RangeError: bits must be an integer in \[2, 16\], got 0$/],
    [{ bits: 1 }, /bits must be an integer in \[2, 16\], got 1/],
    [{ bits: 17 }, /bits must be an integer in \[2, 16\], got 17/],
    [{ bits: 4.5 }, /bits must be an integer in \[2, 16\], got 4.5/],
    [{ clip: { percentile: 150 } }, /clip.percentile must be a number in \(0, 100\], got 150/],
    [{ clip: { percentile: 0 } }, /clip.percentile must be a number in \(0, 100\], got 0/],
    [{ clip: 'max' }, /clip must be 'none', 'mse' or \{ percentile \}, got "max"/],
    [{ scheme: 'log' }, /scheme must be one of symmetric, affine, got 'log'/],
    [{ granularity: 'per-row' }, /granularity must be one of per-tensor, per-channel, got 'per-row'/],
  ];

  it('rejects bad options with a RangeError naming the rule and the value', () => {
    for (const [opts, re] of cases) {
      assert.throws(() => quantizeTensor(v, [3], opts as QuantizeOptions), (e: Error) => e instanceof RangeError && re.test(String(e)), JSON.stringify(opts));
    }
    assert.throws(() => quantizeTensor(v, [2, 2]), /values must hold 4 numbers for shape \[2, 2\], got 3/);
    assert.throws(() => quantizeTensor([1, NaN], [2]), /values must be finite, got NaN at index 1/);
    assert.throws(() => quantizeTensor(v, [3], { granularity: 'per-channel', channelAxis: 1 }), /channelAxis must be in \[-1, 0\], got 1/);
    assert.throws(() => toFloat16([1], { overflow: 'wrap' as never }), /overflow must be 'infinity' or 'saturate', got 'wrap'/);
  });

  it('leaves the model untouched when quantizeModel or the encoder rejects a call', async () => {
    const m = buildModel('lstm');
    const original = weightValues(m);
    const count = tf.memory().numTensors;
    for (const [opts, re] of cases) {
      assert.throws(() => quantizeModel(m, opts as QuantizeOptions), re);
    }
    assert.throws(() => quantizeModel(m, { roles: ['gamma' as never] }), /role must be one of kernel, recurrentKernel, bias, embeddings, got 'gamma'/);
    assert.throws(() => quantizeModel(m, { layers: ['nope'] }), /layer must be one of .*, got 'nope'/);
    assert.throws(() => encodeQuantizedWeights(m, { bits: 9, dtype: 'uint8' }), /^RangeError: bits must be <= 8 for dtype 'uint8', got 9$/);
    assert.throws(() => encodeQuantizedWeights(m, { dtype: 'int4' as never }), /dtype must be one of uint8, uint16, float16, got 'int4'/);
    assert.throws(() => quantizeModel({} as tf.LayersModel), /^TypeError: model must be a tf.LayersModel, got object$/);
    await assert.rejects(saveQuantizedModel(m, path.join(os.tmpdir(), 'rnnc-never-written'), { bits: 17 }), /bits must be an integer/);
    await assert.rejects(fs.stat(path.join(os.tmpdir(), 'rnnc-never-written')));
    assert.deepEqual(weightValues(m), original);
    assert.equal(tf.memory().numTensors, count);
    m.dispose();
  });
});

// ---------- tensor memory ----------

describe('tensor memory', () => {
  it('leaks no tensors in PTQ, float16, encoding, saving and applying', async () => {
    const m = buildEmbeddingModel();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rnnc-quant-leak-'));
    const before = tf.memory().numTensors;
    quantizeModel(m, { bits: 4, clip: 'mse' }).model.dispose();
    quantizeModelFloat16(m).model.dispose();
    encodeQuantizedWeights(m, { bits: 8 });
    encodeQuantizedWeights(m, { dtype: 'float16' });
    await saveQuantizedModel(m, dir, { bits: 3, granularity: 'per-channel' });
    const codes = await loadQuantizedSidecar(dir);
    const copy = quantizeModel(m, { bits: 8 }).model;
    applyQuantizedWeights(copy, codes);
    copy.dispose();
    const loaded = await tf.loadLayersModel(directoryHandler(dir));
    loaded.dispose();
    assert.equal(tf.memory().numTensors, before);
    await fs.rm(dir, { recursive: true, force: true });
    m.dispose();
  });
});
