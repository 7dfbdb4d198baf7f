import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import type { ClassificationDataset } from '../../src/data/types';
import { quantizeTensor } from '../../src/quantization/quantize';
import {
  codesFromQuantization,
  copyModel,
  interleavedLatency,
  losslessModelStorage,
  losslessTensorStorage,
  measureCandidate,
  recommend,
  toStorageCodes,
  withSubsets,
  type CandidateRow,
} from '../../src/experiments/comparison';

const TOLERANCE = 1e-6;

/**
 * SimpleRNN(2) over 3 steps of 2 features, then Dense(2), weights set by hand:
 *   rnn kernel     [[0.5, 0], [0, 0]]   shape [2, 2], 1 non-zero
 *   rnn recurrent  [[0, 0], [0, 0]]     shape [2, 2]
 *   rnn bias       [0, 0]               shape [2]
 *   out kernel     [[1, -1], [0, 0]]    shape [2, 2], 2 non-zeros
 *   out bias       [0, 0]               shape [2]
 * With h = tanh(0.5 x1 + ...) only the first feature of each step matters through unit 0, and the
 * logits are (h0, -h0): class 0 wins when the last step's first feature is positive (h0 > 0).
 */
function handSetModel(): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.simpleRNN({ units: 2, inputShape: [3, 2], name: 'rnn' }),
      tf.layers.dense({ units: 2, name: 'out' }),
    ],
  });
  const rnn = [tf.tensor2d([[0.5, 0], [0, 0]]), tf.tensor2d([[0, 0], [0, 0]]), tf.tensor1d([0, 0])];
  const out = [tf.tensor2d([[1, -1], [0, 0]]), tf.tensor1d([0, 0])];
  model.getLayer('rnn').setWeights(rnn);
  model.getLayer('out').setWeights(out);
  tf.dispose([...rnn, ...out]);
  return model;
}

/** Four sequences of 3 steps x 2 features; the label is 0 when the last step's first feature is > 0. */
function tinyDataset(): ClassificationDataset {
  // Last-step first features: 1, -1, 2, -2 -> predictions 0, 1, 0, 1.
  // Labels 0, 1, 1, 1 -> 3 of 4 correct.
  const x = Float32Array.from([
    0, 0, 0, 0, 1, 0,
    0, 0, 0, 0, -1, 0,
    0, 0, 0, 0, 2, 0,
    0, 0, 0, 0, -2, 0,
  ]);
  const split = { x, y: Float32Array.from([0, 1, 1, 1]), size: 4 };
  const empty = { x: new Float32Array(0), y: new Float32Array(0), size: 0 };
  return {
    task: 'classification', name: 'tiny', timeSteps: 3, features: 2, numClasses: 2, classNames: ['a', 'b'],
    train: split, validation: empty, test: split, seed: 1, source: 'hand-made',
  };
}

function row(name: string, technique: string, accuracy: number, bytes: number, latencyMs: number, retrained = false): CandidateRow {
  return { name, technique, accuracy, parameters: 0, nonZeros: 0, bytes, formats: '', latencyMs, retrained };
}

describe('storage codes from a quantizer', () => {
  it('carries codes, scales and the channel axis of a per-channel quantization', () => {
    // Columns of [[1, -1], [0.25, 4]] at 4 bits (qmax 7): column 0 max 1 -> scale 1/7, codes 7 and
    // round(1.75) = 2; column 1 max 4 -> scale 4/7, codes round(-1.75) = -2 and 7.
    const q = quantizeTensor([1, -1, 0.25, 4], [2, 2], { bits: 4, granularity: 'per-channel' });
    const c = toStorageCodes(q);
    assert.deepEqual(Array.from(c.codes), [7, -2, 2, 7]);
    assert.equal(c.bits, 4);
    assert.equal(c.axis, 1);
    assert.ok(Math.abs((c.scales[0] as number) - 1 / 7) < TOLERANCE);
    assert.ok(Math.abs((c.scales[1] as number) - 4 / 7) < TOLERANCE);
  });

  it('leaves the axis out for one scale per tensor', () => {
    const q = quantizeTensor([1, -2, 0.5, 4], [2, 2], { bits: 8 });
    assert.equal(toStorageCodes(q).axis, undefined);
  });

  it('keys codes by weight name', () => {
    const q = quantizeTensor([1, 0], [2], { bits: 8 });
    assert.deepEqual(Object.keys(codesFromQuantization([{ name: 'rnn/kernel', quantized: q }])), ['rnn/kernel']);
    assert.throws(() => codesFromQuantization([{ name: 3 as unknown as string, quantized: q }]), /every weight must have a name, got 3/);
  });
});

describe('losslessTensorStorage', () => {
  it('never credits float32 weights with their (rounded) float16 size', () => {
    // Dense [0.1, 0.2, 0.3, 0.4], shape [4]: header 2 + 4 = 6 bytes.
    // float32 6 + 16 = 22; float16 6 + 8 = 14 but 0.1 is not a half; bitmask 6 + 1 + 16 = 23;
    // CSR 6 + 2 + 2 row pointers + ceil(4 * 5 / 8) = 3 gap bytes + 16 = 29.
    const s = losslessTensorStorage(Float32Array.from([0.1, 0.2, 0.3, 0.4]), [4]);
    assert.equal(s.format, 'float32');
    assert.equal(s.bytes, 22);
    assert.equal(s.sizes.float16, 14);
    assert.deepEqual(s.lossy, ['float16']);
  });

  it('picks a sparse format for a mostly-zero tensor', () => {
    // [0 x 7, 0.5]: bitmask 6 + 1 + 4 = 11; CSR 6 + 2 + 2 + 1 + 4 = 15; float16 6 + 16 = 22 (exact here).
    const s = losslessTensorStorage(Float32Array.from([0, 0, 0, 0, 0, 0, 0, 0.5]), [8]);
    assert.equal(s.format, 'bitmask-float32');
    assert.equal(s.bytes, 11);
    assert.deepEqual(s.lossy, []);
  });

  it('uses code formats only when the codes reproduce the values', () => {
    // 64 values in [4, 16] on the ternary grid {-0.5, 0, 0.5}: 2-bit packed is
    // 2 + 8 (shape) + 2 + 4 + 4 (bits, axis, scale, zero point) + 64 * 2 / 8 = 36 bytes, far below
    // float32 (10 + 256 = 266).
    const codes = Array.from({ length: 64 }, (_, i) => (i % 3) - 1);
    const values = Float32Array.from(codes, (c) => 0.5 * c);
    const good = losslessTensorStorage(values, [4, 16], { codes, bits: 2, scales: [0.5], zeroPoints: [0] });
    assert.equal(good.sizes.packed, 36);
    assert.ok(['packed', 'bitmask-codes', 'csr-codes', 'huffman', 'csr-huffman'].includes(good.format));
    assert.ok(good.bytes <= 36);
    const wrong = losslessTensorStorage(values, [4, 16], { codes, bits: 2, scales: [0.25], zeroPoints: [0] });
    assert.deepEqual(wrong.lossy.filter((f) => f !== 'float16').sort(), ['bitmask-codes', 'csr-codes', 'csr-huffman', 'huffman', 'packed']);
    assert.ok(!wrong.lossy.includes(wrong.format));
  });
});

describe('losslessModelStorage', () => {
  before(async () => {
    await initBackend();
  });

  it('sums the smallest exact encoding of every weight', () => {
    const model = handSetModel();
    const s = losslessModelStorage(model);
    // Each weight checked on its own: the total is the sum, the ratio float32 / total.
    const expected = model.weights.reduce((a, w) => a + losslessTensorStorage(w.read().dataSync(), w.shape as number[]).bytes, 0);
    assert.equal(s.bytes, expected);
    assert.equal(s.weights.length, 5);
    // float32 sizes: [2,2] -> 10 + 16 = 26 (x3), [2] -> 6 + 8 = 14 (x2): 106 bytes.
    assert.equal(s.float32Bytes, 106);
    assert.ok(Math.abs(s.ratio - 106 / s.bytes) < 1e-12);
    model.dispose();
  });

  it('rejects codes for a weight the model does not have', () => {
    const model = handSetModel();
    assert.throws(() => losslessModelStorage(model, { codes: { 'nope/kernel': { codes: [0], bits: 8, scales: [1], zeroPoints: [0] } } }), /codes keys must name weights of the model, got 'nope\/kernel'/);
    model.dispose();
  });

  it('leaks no tensors', () => {
    const model = handSetModel();
    const before = tf.memory().numTensors;
    losslessModelStorage(model);
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
  });
});

describe('withSubsets', () => {
  it('keeps the first sequences of the named splits and clamps to the split size', () => {
    const d = tinyDataset();
    const s = withSubsets(d, { test: 2, train: 10 });
    assert.equal(s.test.size, 2);
    assert.deepEqual(Array.from(s.test.y), [0, 1]);
    assert.equal(s.test.x.length, 2 * 6);
    assert.equal(s.train.size, 4);
    assert.equal(s.validation, d.validation);
  });

  it('rejects a negative size', () => {
    assert.throws(() => withSubsets(tinyDataset(), { test: -1 }), /sizes.test must be a non-negative integer, got -1/);
  });
});

describe('measureCandidate', () => {
  before(async () => {
    await initBackend();
  });

  it('reports accuracy, counts, bytes and latency of a model', () => {
    const model = handSetModel();
    const input = tf.zeros([2, 3, 2]);
    const r = measureCandidate(model, tinyDataset(), { name: 'hand', technique: 'baseline', latencyInput: input, latency: { repeats: 2, warmup: 0 } });
    assert.equal(r.accuracy, 0.75); // 3 of 4, see tinyDataset
    assert.equal(r.parameters, 4 + 4 + 2 + 4 + 2);
    assert.equal(r.nonZeros, 3);
    assert.equal(r.bytes, losslessModelStorage(model).bytes);
    assert.ok(r.latencyMs >= 0);
    assert.equal(r.retrained, false);
    input.dispose();
    model.dispose();
  });

  it('rejects a dataset that is not a classification task', () => {
    const model = handSetModel();
    const input = tf.zeros([1, 3, 2]);
    const d = { ...tinyDataset(), task: 'forecasting' } as unknown as ClassificationDataset;
    assert.throws(() => measureCandidate(model, d, { name: 'x', technique: 'baseline', latencyInput: input }), /dataset must be a classification dataset, got task "forecasting"/);
    input.dispose();
    model.dispose();
  });

  it('leaks no tensors', () => {
    const model = handSetModel();
    const input = tf.zeros([2, 3, 2]);
    const before = tf.memory().numTensors;
    measureCandidate(model, tinyDataset(), { name: 'hand', technique: 'baseline', latencyInput: input, latency: { repeats: 1, warmup: 0 } });
    assert.equal(tf.memory().numTensors, before);
    input.dispose();
    model.dispose();
  });
});

describe('recommend', () => {
  // Baseline accuracy 0.97.
  const rows = [
    row('dense', 'baseline', 0.97, 100_000, 10),
    row('ptq 8', 'quantization', 0.969, 26_000, 10),
    row('ptq 4', 'quantization', 0.955, 14_000, 10),
    row('prune+ft', 'magnitude-pruning', 0.962, 20_000, 10, true),
    row('student', 'distillation', 0.95, 12_000, 3, true),
    row('units -50%', 'structured-pruning', 0.965, 33_000, 5, true),
  ];

  it('finds the smallest model within one point', () => {
    // Within 0.01 of 0.97: dense, ptq 8, prune+ft, units -50%; smallest: prune+ft (20,000).
    const [r] = recommend(rows, 0.97, [{ label: 'small', optimise: 'bytes', maxDrop: 0.01 }]);
    assert.equal(r.winner?.name, 'prune+ft');
    assert.equal(r.runnerUp?.name, 'ptq 8');
    assert.equal(r.eligible, 4);
  });

  it('honours the post-training-only constraint', () => {
    const [r] = recommend(rows, 0.97, [{ label: 'small, no data', optimise: 'bytes', maxDrop: 0.01, withoutRetraining: true }]);
    assert.equal(r.winner?.name, 'ptq 8');
  });

  it('finds the fastest within one point and the most accurate under a size', () => {
    const [fast, accurate] = recommend(rows, 0.97, [
      { label: 'fast', optimise: 'latencyMs', maxDrop: 0.01 },
      { label: 'accurate', optimise: 'accuracy', maxBytes: 15_000 },
    ]);
    // Fastest eligible: units -50% (5 ms); the student (3 ms) is 2 points below.
    assert.equal(fast.winner?.name, 'units -50%');
    // At most 15,000 bytes: ptq 4 (0.955) and student (0.95).
    assert.equal(accurate.winner?.name, 'ptq 4');
    assert.equal(accurate.runnerUp?.name, 'student');
  });

  it('returns no winner when nothing meets the constraints', () => {
    const [r] = recommend(rows, 0.97, [{ label: 'tiny', optimise: 'accuracy', maxBytes: 1000 }]);
    assert.equal(r.winner, undefined);
    assert.equal(r.eligible, 0);
  });

  it('breaks ties by accuracy', () => {
    const tied = [row('a', 'quantization', 0.9, 10, 1), row('b', 'low-rank', 0.95, 10, 1)];
    assert.equal(recommend(tied, 0.95, [{ label: 't', optimise: 'bytes' }])[0].winner?.name, 'b');
  });

  it('lets accuracy decide among values within the tolerance', () => {
    // Latencies 10, 10.5, 12 ms with accuracies 0.90, 0.95, 0.99: within 10% of the best (<= 11 ms)
    // are the first two, and the more accurate of them wins; without tolerance the fastest wins.
    const timed = [row('a', 'quantization', 0.9, 10, 10), row('b', 'low-rank', 0.95, 10, 10.5), row('c', 'distillation', 0.99, 10, 12)];
    assert.equal(recommend(timed, 0.99, [{ label: 't', optimise: 'latencyMs', tolerance: 0.1 }])[0].winner?.name, 'b');
    assert.equal(recommend(timed, 0.99, [{ label: 't', optimise: 'latencyMs', tolerance: 0.1 }])[0].runnerUp?.name, 'a');
    assert.equal(recommend(timed, 0.99, [{ label: 't', optimise: 'latencyMs' }])[0].winner?.name, 'a');
  });

  it('rejects an unknown quantity and a negative constraint', () => {
    assert.throws(() => recommend(rows, 0.97, [{ label: 'x', optimise: 'speed' as 'bytes' }]), /optimise must be 'bytes', 'latencyMs' or 'accuracy', got "speed"/);
    assert.throws(() => recommend(rows, 0.97, [{ label: 'x', optimise: 'bytes', maxDrop: -1 }]), /maxDrop must be a number >= 0, got -1/);
  });
});

describe('copyModel', () => {
  before(async () => {
    await initBackend();
  });

  it('copies names and values into fresh variables', () => {
    const model = handSetModel();
    const copy = copyModel(model);
    assert.deepEqual(copy.weights.map((w) => w.originalName), model.weights.map((w) => w.originalName));
    assert.deepEqual(Array.from(copy.getLayer('rnn').getWeights()[0].dataSync()), [0.5, 0, 0, 0]);
    const zeros = [tf.zeros([2, 2]), tf.zeros([2])];
    copy.getLayer('out').setWeights(zeros);
    tf.dispose(zeros);
    assert.deepEqual(Array.from(model.getLayer('out').getWeights()[0].dataSync()), [1, -1, 0, 0]);
    copy.dispose();
    model.dispose();
  });

  it('rejects what is not a model', () => {
    assert.throws(() => copyModel({} as tf.LayersModel), /model must be a tf.LayersModel, got object/);
  });
});

describe('interleavedLatency', () => {
  before(async () => {
    await initBackend();
  });

  it('times every model once per round and summarises the round medians', () => {
    const a = handSetModel();
    const b = handSetModel();
    const input = tf.zeros([2, 3, 2]);
    const before = tf.memory().numTensors;
    const times = interleavedLatency(new Map([['a', a], ['b', b]]), input, { rounds: 3, repeats: 1, warmup: 0 });
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual([...times.keys()], ['a', 'b']);
    for (const t of times.values()) {
      assert.equal(t.rounds.length, 3);
      // The median of three numbers is the middle one once sorted.
      assert.equal(t.medianMs, [...t.rounds].sort((x, y) => x - y)[1]);
      assert.equal(t.minMs, Math.min(...t.rounds));
      assert.equal(t.maxMs, Math.max(...t.rounds));
    }
    input.dispose();
    a.dispose();
    b.dispose();
  });

  it('rejects bad counts', () => {
    const input = tf.zeros([1, 3, 2]);
    assert.throws(() => interleavedLatency(new Map(), input, { rounds: 0 }), /rounds must be an integer >= 1, got 0/);
    assert.throws(() => interleavedLatency(new Map(), input, { warmup: -1 }), /warmup must be an integer >= 0, got -1/);
    input.dispose();
  });

  it('is left to a later call when measureCandidate gets no input batch', () => {
    const model = handSetModel();
    const r = measureCandidate(model, tinyDataset(), { name: 'hand', technique: 'baseline' });
    assert.ok(Number.isNaN(r.latencyMs));
    model.dispose();
  });
});
