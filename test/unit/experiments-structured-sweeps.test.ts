import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import type { ClassificationDataset } from '../../src/data';
import { compareLatency, metricVsSetting, pruneToParameterCount, subsetDataset } from '../../src/experiments/structured-sweeps';
import { palette } from '../../src/plots';
import { isPruned, removePruning } from '../../src/pruning';

/** 4 train, 2 validation, 3 test sequences of 2 steps x 3 features; x holds its flat index. */
function dataset(): ClassificationDataset {
  const split = (size: number, offset: number) => ({
    x: Float32Array.from({ length: size * 6 }, (_, i) => offset + i),
    y: Float32Array.from({ length: size }, (_, i) => i % 2),
    size,
  });
  return {
    task: 'classification', name: 'toy', timeSteps: 2, features: 3, numClasses: 2, classNames: ['a', 'b'], seed: 0, source: 'test',
    train: split(4, 0), validation: split(2, 100), test: split(3, 200),
  };
}

/**
 * SimpleRNN(2) on 3 features, then Dense(2). Selected weights (kernels): rnn kernel [3, 2] = 6,
 * recurrent kernel [2, 2] = 4, dense kernel [2, 2] = 4, 14 in all; biases 2 + 2 = 4. Total 18.
 */
const RNN_KERNEL = [0.5, -0.1, 0.9, 0.02, -0.7, 0.3];
const RNN_RECURRENT = [-0.05, 0.6, 0.4, -0.8];
const RNN_BIAS = [0.01, -0.02];
const DENSE_KERNEL = [0.2, -0.03, 1.1, -0.25];
const DENSE_BIAS = [0.003, 0.5];

function model(): tf.LayersModel {
  const input = tf.input({ shape: [2, 3] });
  const h = tf.layers.simpleRNN({ units: 2, name: 'rnn_0' }).apply(input) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2, name: 'dense_out' }).apply(h) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: out });
  m.getLayer('rnn_0').setWeights([tf.tensor2d(RNN_KERNEL, [3, 2]), tf.tensor2d(RNN_RECURRENT, [2, 2]), tf.tensor1d(RNN_BIAS)]);
  m.getLayer('dense_out').setWeights([tf.tensor2d(DENSE_KERNEL, [2, 2]), tf.tensor1d(DENSE_BIAS)]);
  return m;
}

function flatWeights(m: tf.LayersModel): number[] {
  return m.getWeights().flatMap((w) => Array.from(w.dataSync()));
}

function nonZeros(values: number[]): number {
  return values.filter((v) => v !== 0).length;
}

before(async () => {
  await initBackend();
});

describe('subsetDataset', () => {
  it('keeps the first sequences of the named splits as views and the others whole', () => {
    const d = dataset();
    const s = subsetDataset(d, { train: 2, validation: 0 });
    assert.equal(s.train.size, 2);
    // Sequence 1 of train starts at flat index 1 * 2 * 3 = 6 and ends at 11.
    assert.deepEqual(Array.from(s.train.x), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert.deepEqual(Array.from(s.train.y), [0, 1]);
    assert.equal(s.validation.size, 0);
    assert.equal(s.test, d.test);
    assert.equal(s.train.x.buffer, d.train.x.buffer, 'a view, not a copy');
    assert.equal(d.train.size, 4, 'the original is unchanged');
    assert.equal(s.numClasses, 2);
  });

  it('keeps a split whole when asked for more sequences than it has', () => {
    const s = subsetDataset(dataset(), { test: 1000 });
    assert.equal(s.test.size, 3);
    assert.equal(s.test.x.length, 18);
  });

  it('rejects sizes that are not non-negative integers, and unknown split names', () => {
    assert.throws(() => subsetDataset(dataset(), { train: -1 }), /sizes.train must be a non-negative integer, got -1/);
    assert.throws(() => subsetDataset(dataset(), { test: 1.5 }), /sizes.test must be a non-negative integer, got 1.5/);
    assert.throws(() => subsetDataset(dataset(), { valid: 2 } as never), /sizes must name train, validation or test, got 'valid'/);
  });
});

describe('pruneToParameterCount', () => {
  it('zeroes the smallest kernel weights across layers until the model has exactly that many non-zeros', () => {
    const m = model();
    // 18 non-zeros; asking for 14 prunes 4. Selected magnitudes, smallest first:
    // 0.02 (rnn kernel), 0.03 (dense), 0.05 (recurrent), 0.1 (rnn kernel), then 0.2 ...
    const state = pruneToParameterCount(m, 14);
    const kernel = Array.from(m.getLayer('rnn_0').getWeights()[0].dataSync());
    const recurrent = Array.from(m.getLayer('rnn_0').getWeights()[1].dataSync());
    const dense = Array.from(m.getLayer('dense_out').getWeights()[0].dataSync());
    assert.deepEqual(kernel.map((v) => v === 0), [false, true, false, true, false, false]);
    assert.deepEqual(recurrent.map((v) => v === 0), [true, false, false, false]);
    assert.deepEqual(dense.map((v) => v === 0), [false, true, false, false]);
    assert.equal(nonZeros(flatWeights(m)), 14);
    // Biases are not selected, so they keep their values, 0.003 included.
    assert.ok(Math.abs(m.getLayer('dense_out').getWeights()[1].dataSync()[0] - 0.003) < 1e-7);
    assert.equal(state.sparsityReport().total.pruned, 4);
    removePruning(m);
    m.dispose();
  });

  it('counts weights that are already exactly zero so the non-zero count is still exact', () => {
    const m = model();
    const w = m.getLayer('rnn_0').getWeights();
    m.getLayer('rnn_0').setWeights([tf.tensor2d([0, -0.1, 0.9, 0.02, -0.7, 0.3], [3, 2]), w[1], w[2]]);
    // 17 non-zeros now; 15 asks for 2 more zeros: 0.02 and 0.03 (the zero is masked along the way).
    pruneToParameterCount(m, 15);
    const values = flatWeights(m);
    assert.equal(nonZeros(values), 15);
    assert.equal(m.getLayer('dense_out').getWeights()[0].dataSync()[1], 0);
    assert.ok(Math.abs(m.getLayer('rnn_0').getWeights()[1].dataSync()[0] + 0.05) < 1e-7, '-0.05 is the third smallest and stays');
    removePruning(m);
    m.dispose();
  });

  it('composes with masks already on the model', () => {
    const m = model();
    pruneToParameterCount(m, 16);
    pruneToParameterCount(m, 12);
    assert.equal(nonZeros(flatWeights(m)), 12);
    removePruning(m);
    m.dispose();
  });

  it('prunes only the selected weights when a selection is given', () => {
    const m = model();
    // Only the dense kernel: its two smallest |w| are 0.03 and 0.2.
    pruneToParameterCount(m, 16, { layers: ['dense_out'] });
    assert.deepEqual(Array.from(m.getLayer('dense_out').getWeights()[0].dataSync()).map((v) => v === 0), [true, true, false, false]);
    assert.equal(nonZeros(Array.from(m.getLayer('rnn_0').getWeights()[0].dataSync())), 6);
    removePruning(m);
    m.dispose();
  });

  it('rejects counts outside [unprunable non-zeros, current non-zeros] and changes nothing', () => {
    const m = model();
    const before = flatWeights(m);
    // The 4 biases cannot be pruned by default: the floor is 18 - 14 = 4.
    assert.throws(() => pruneToParameterCount(m, 3), /parameters must be in \[4, 18\].*got 3/);
    assert.throws(() => pruneToParameterCount(m, 19), /parameters must be in \[4, 18\].*got 19/);
    assert.throws(() => pruneToParameterCount(m, 10.5), /parameters must be an integer, got 10.5/);
    assert.deepEqual(flatWeights(m), before);
    assert.equal(isPruned(m), false);
    m.dispose();
  });

  it('leaves no tensors behind once the pruning is removed', () => {
    const m = model();
    const start = tf.memory().numTensors;
    removePruning(pruneToParameterCount(m, 10));
    assert.equal(tf.memory().numTensors, start);
    m.dispose();
  });
});

describe('metricVsSetting', () => {
  const rows = [
    { technique: 'structured-pruning', units: 32, accuracy: 0.9, fineTuned: 'yes' },
    { technique: 'structured-pruning', units: 8, accuracy: 0.5, fineTuned: 'yes' },
    { technique: 'magnitude-pruning', units: 32, accuracy: 0.95, fineTuned: 'yes' },
    { technique: 'structured-pruning', units: 32, accuracy: 0.4, fineTuned: 'no' },
  ];

  it('draws one line per group and dash value, sorted by x, in the technique colours', () => {
    const fig = metricVsSetting(rows, { x: 'units', xLabel: 'units kept', dashBy: 'fineTuned', baseline: 0.97 });
    assert.equal(fig.data.length, 3);
    const [structured, magnitude, structuredNo] = fig.data;
    assert.deepEqual(structured.x, [8, 32]);
    assert.deepEqual(structured.y, [0.5, 0.9]);
    assert.equal(structured.line?.color, palette.technique['structured-pruning']);
    assert.equal(magnitude.line?.color, palette.technique['magnitude-pruning']);
    assert.equal(structured.line?.dash, 'solid');
    assert.equal(structuredNo.line?.dash, 'dash');
    assert.equal(structured.name, 'structured pruning (fineTuned: yes)');
    assert.equal(fig.layout.xaxis?.title?.text, 'units kept');
    assert.equal(fig.layout.shapes?.[0].y0, 0.97);
  });

  it('puts a metric without a known direction on the y axis when given in full, on log axes if asked', () => {
    const fig = metricVsSetting([{ rank: 4, latencyMs: 2 }, { rank: 16, latencyMs: 3 }], {
      x: 'rank', metric: { key: 'latencyMs', label: 'latency', unit: 'ms', direction: 'lower' }, logX: true, logY: true,
    });
    assert.equal(fig.data.length, 1);
    assert.equal(fig.layout.xaxis?.type, 'log');
    assert.equal(fig.layout.yaxis?.type, 'log');
    assert.equal(fig.layout.yaxis?.title?.text, 'latency (ms; lower is better)');
    const plain = metricVsSetting([{ index: 1, sigma: 3 }], { x: 'index', metric: { key: 'sigma', direction: 'higher' }, yLabel: 'singular value' });
    assert.equal(plain.layout.yaxis?.title?.text, 'singular value');
  });

  it('places the baseline label in log10 units on a log y axis and the line in data units, as plotly.js expects', () => {
    const fig = metricVsSetting([{ rank: 4, latencyMs: 2 }], {
      x: 'rank', metric: { key: 'latencyMs', direction: 'lower' }, logY: true, baseline: 100,
    });
    assert.equal(fig.layout.shapes?.[0].y0, 100);
    // log10(100) = 2
    assert.equal(fig.layout.annotations?.[0].y, 2);
    assert.throws(() => metricVsSetting([{ rank: 4, latencyMs: 2 }], { x: 'rank', metric: { key: 'latencyMs', direction: 'lower' }, logY: true, baseline: 0 }), /baseline must be > 0 on a log axis, got 0/);
  });

  it('rejects a missing x field name, non-numeric values and non-positive values on a log axis', () => {
    assert.throws(() => metricVsSetting(rows, {} as never), /options.x must name a numeric field/);
    assert.throws(() => metricVsSetting([{ units: '8', accuracy: 0.5 }], { x: 'units' }), /rows\[0\].units must be a number/);
    assert.throws(() => metricVsSetting([{ units: 0, accuracy: 0.5 }], { x: 'units', logX: true }), /rows\[0\].units must be > 0 on a log axis, got 0/);
    assert.throws(() => metricVsSetting(rows, { x: 'units', baseline: NaN }), /baseline must be a finite number, got NaN/);
  });
});

describe('compareLatency', () => {
  it('times every model once per round and reports the median of the round medians', () => {
    const a = model();
    const b = model();
    const x = tf.zeros([4, 2, 3]);
    const start = tf.memory().numTensors;
    const lat = compareLatency({ a, b }, x, { rounds: 3, repeats: 2, warmup: 1 });
    assert.equal(tf.memory().numTensors, start, 'no tensor left behind');
    assert.deepEqual(Object.keys(lat), ['a', 'b']);
    for (const name of ['a', 'b'] as const) {
      const rounds = lat[name].roundsMs;
      assert.equal(rounds.length, 3);
      assert.ok(rounds.every((t) => t >= 0 && Number.isFinite(t)));
      // Median of three values: the middle one once sorted.
      assert.equal(lat[name].medianMs, [...rounds].sort((p, q) => p - q)[1]);
    }
    tf.dispose(x);
    a.dispose();
    b.dispose();
  });

  it('warms every model up, then rotates the order of the models from round to round', () => {
    const a = model();
    const b = model();
    const calls: string[] = [];
    for (const [name, m] of [['a', a], ['b', b]] as const) {
      const predict = m.predict.bind(m);
      m.predict = ((x: tf.Tensor) => {
        calls.push(name);
        return predict(x);
      }) as typeof m.predict;
    }
    const x = tf.zeros([1, 2, 3]);
    compareLatency({ a, b }, x, { rounds: 3, repeats: 1, warmup: 1 });
    // warm-up a, b; round 0: a, b; round 1: b, a; round 2: a, b.
    assert.deepEqual(calls, ['a', 'b', 'a', 'b', 'b', 'a', 'a', 'b']);
    tf.dispose(x);
    a.dispose();
    b.dispose();
  });

  it('rejects no models, a non-model and bad counts', () => {
    const a = model();
    const x = tf.zeros([1, 2, 3]);
    assert.throws(() => compareLatency({}, x), /models must map at least one name/);
    assert.throws(() => compareLatency({ a, b: {} as tf.LayersModel }, x), /models.b must be a tf.LayersModel, got object/);
    assert.throws(() => compareLatency({ a }, x, { rounds: 0 }), /rounds must be an integer >= 1, got 0/);
    assert.throws(() => compareLatency({ a }, x, { repeats: 1.5 }), /repeats must be an integer >= 1, got 1.5/);
    assert.throws(() => compareLatency({ a }, x, { warmup: -1 }), /warmup must be an integer >= 0, got -1/);
    tf.dispose(x);
    a.dispose();
  });
});
