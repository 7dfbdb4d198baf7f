import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import type { ClassificationDataset, Split } from '../../src/data/types';
import { modelStorageReport } from '../../src/encoding';
import { clipLabel, codesFromReport, datasetSubset, sweepQuantization } from '../../src/experiments/quantization-sweeps';
import { quantizeModel } from '../../src/quantization';
import { evaluate } from '../../src/training';
import { createRng } from '../../src/utils';

const T = 3;
const F = 2;

function split(seed: number, size: number): Split {
  const rng = createRng(seed);
  return {
    x: Float32Array.from({ length: size * T * F }, () => rng.normal()),
    y: Float32Array.from({ length: size }, () => rng.int(2)),
    size,
  };
}

function dataset(): ClassificationDataset {
  return {
    task: 'classification',
    name: 'toy',
    timeSteps: T,
    features: F,
    train: split(1, 10),
    validation: split(2, 4),
    test: split(3, 12),
    seed: 0,
    source: 'test',
    numClasses: 2,
    classNames: ['a', 'b'],
  };
}

/** SimpleRNN(2) then Dense(2) logits: kernel 2x2, recurrent 2x2, bias 2, dense kernel 2x2, dense bias 2. */
function model(): tf.LayersModel {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: s });
  const m = tf.sequential();
  m.add(tf.layers.simpleRNN({ units: 2, inputShape: [T, F], kernelInitializer: init(1), recurrentInitializer: init(2), biasInitializer: tf.initializers.constant({ value: 0.1 }) }));
  m.add(tf.layers.dense({ units: 2, kernelInitializer: init(3), biasInitializer: tf.initializers.constant({ value: -0.2 }) }));
  return m;
}

/** Per-tensor symmetric fake quantization written with floor(|x| / s + 1/2), independent of the library. */
function refFakeQuant(v: ArrayLike<number>, bits: number): Float32Array {
  const qmax = 2 ** (bits - 1) - 1;
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  const s = m === 0 ? 1 : Math.fround(m / qmax);
  return Float32Array.from(v, (x) => Math.fround(Math.sign(x) * Math.min(qmax, Math.floor(Math.abs(x) / s + 0.5)) * s));
}

/** A copy of `m` with the weights at the given indices replaced by refFakeQuant. */
function referenceModel(m: tf.LayersModel, indices: number[], bits: number): tf.LayersModel {
  const copy = model();
  const values = m.getWeights().map((w, i) => {
    const data = w.dataSync();
    return tf.tensor(indices.includes(i) ? refFakeQuant(data, bits) : Float32Array.from(data), w.shape);
  });
  copy.setWeights(values);
  tf.dispose(values);
  return copy;
}

before(async () => {
  await initBackend();
});

describe('datasetSubset', () => {
  it('keeps the requested number of sequences, each a row of the original split in original order', () => {
    const ds = dataset();
    const sub = datasetSubset(ds, { test: 5 });
    assert.equal(sub.test.size, 5);
    assert.equal(sub.test.x.length, 5 * T * F);
    let last = -1;
    for (let i = 0; i < 5; i++) {
      const row = Array.from(sub.test.x.subarray(i * T * F, (i + 1) * T * F));
      // Plain search for the row in the original split.
      let found = -1;
      for (let j = 0; j < ds.test.size && found < 0; j++) {
        if (row.every((v, k) => v === ds.test.x[j * T * F + k])) found = j;
      }
      assert.ok(found > last, `row ${i} must come from a later original position than row ${i - 1}`);
      assert.equal(sub.test.y[i], ds.test.y[found]);
      last = found;
    }
    assert.equal(sub.train, ds.train, 'splits not named are shared');
    assert.equal(ds.test.size, 12, 'the original is not modified');
  });

  it('draws the same subset for the same seed and another one for another seed', () => {
    const ds = dataset();
    const a = datasetSubset(ds, { test: 4 }, 1);
    const b = datasetSubset(ds, { test: 4 }, 1);
    assert.deepEqual(Array.from(a.test.x), Array.from(b.test.x));
    const differs = [2, 3, 4, 5, 6, 7].some((s) => Array.from(datasetSubset(ds, { test: 4 }, s).test.x).join() !== Array.from(a.test.x).join());
    assert.ok(differs, 'some other seed must choose other sequences');
  });

  it('keeps a split whole when the size is at least its size', () => {
    const ds = dataset();
    assert.equal(datasetSubset(ds, { train: 10 }).train, ds.train);
    assert.equal(datasetSubset(ds, { train: 99 }).train, ds.train);
  });

  it('rejects unknown splits and sizes that are not positive integers', () => {
    const ds = dataset();
    assert.throws(() => datasetSubset(ds, { tests: 3 } as never), { name: 'RangeError', message: "split must be one of train, validation, test, got 'tests'" });
    assert.throws(() => datasetSubset(ds, { test: 0 }), { name: 'RangeError', message: "size of split 'test' must be a positive integer, got 0" });
    assert.throws(() => datasetSubset(ds, { test: 2.5 }), { name: 'RangeError', message: "size of split 'test' must be a positive integer, got 2.5" });
    assert.throws(() => datasetSubset(ds, null as never), { name: 'TypeError', message: 'sizes must be an object of split sizes, got null' });
  });
});

describe('sweepQuantization', () => {
  it('gives the metrics of a model quantized by an independent reference', () => {
    const ds = dataset();
    const m = model();
    const [row] = sweepQuantization(m, ds, [{ bits: 2 }]);
    // Default roles: the SimpleRNN kernel (0), recurrent kernel (1) and the dense kernel (3).
    const ref = referenceModel(m, [0, 1, 3], 2);
    const expected = evaluate(ref, ds);
    assert.ok(Math.abs((row.accuracy as number) - expected.accuracy) < 1e-9);
    assert.ok(Math.abs((row.crossEntropy as number) - expected.crossEntropy) < 1e-5);
    assert.equal(row.label, '2-bit symmetric per-tensor');
    assert.equal(row.roles, 'kernel+recurrentKernel+embeddings');
    assert.equal(row.clip, 'none');
    ref.dispose();
    m.dispose();
  });

  it('starts every setting from the original weights', () => {
    const ds = dataset();
    const m = model();
    const rows = sweepQuantization(m, ds, [{ bits: 2 }, { bits: 3, roles: ['recurrentKernel'] }]);
    // If the first setting leaked into the second, the kernels would still be 2-bit.
    const ref = referenceModel(m, [1], 3);
    const expected = evaluate(ref, ds);
    assert.ok(Math.abs((rows[1].crossEntropy as number) - expected.crossEntropy) < 1e-5);
    assert.equal(rows[1].roles, 'recurrentKernel');
    ref.dispose();
    m.dispose();
  });

  it('reports the packed size counted by hand and leaves the model untouched', () => {
    const ds = dataset();
    const m = model();
    const before = m.getWeights().map((w) => Array.from(w.dataSync()));
    const [row] = sweepQuantization(m, ds, [{ bits: 2, label: 'two' }]);
    // Three quantized 2x2 kernels: ceil(4 * 2 / 8) = 1 byte of codes + 4 bytes of scale each = 15;
    // two float32 biases of 2 values = 16; total 31. All 16 values as float32: 64.
    assert.equal(row.quantizedBytes, 31);
    assert.equal(row.float32Bytes, 64);
    assert.equal(row.label, 'two');
    assert.deepEqual(m.getWeights().map((w) => Array.from(w.dataSync())), before);
    m.dispose();
  });

  it('checks every setting before evaluating any', () => {
    const ds = dataset();
    const m = model();
    assert.throws(() => sweepQuantization(m, ds, [{ bits: 4 }, { bits: 1 }]), { name: 'RangeError', message: 'bits must be an integer in [2, 16], got 1' });
    assert.throws(() => sweepQuantization(m, ds, []), { name: 'RangeError', message: 'configs must hold at least one setting, got 0' });
    assert.throws(() => sweepQuantization(m, ds, {} as never), { name: 'TypeError', message: 'configs must be an array of quantization options, got object' });
    m.dispose();
  });

  it('leaks no tensors', () => {
    const ds = dataset();
    const m = model();
    const n = tf.memory().numTensors;
    sweepQuantization(m, ds, [{ bits: 3 }, { bits: 4, granularity: 'per-channel', clip: 'mse' }]);
    assert.equal(tf.memory().numTensors, n);
    m.dispose();
  });
});

describe('codesFromReport', () => {
  it('keys the codes by weight name with the channel axis of per-channel scales', () => {
    const m = model();
    const { model: q, report } = quantizeModel(m, { bits: 4, granularity: 'per-channel' });
    const codes = codesFromReport(report);
    assert.deepEqual(Object.keys(codes), report.weights.map((w) => w.name));
    for (const w of report.weights) {
      assert.equal(codes[w.name].codes, w.quantized.codes);
      assert.equal(codes[w.name].bits, 4);
      assert.equal(codes[w.name].axis, 1, 'the last axis of a 2-D kernel');
    }
    q.dispose();
    m.dispose();
  });

  it('omits the axis for per-tensor codes', () => {
    const m = model();
    const { model: q, report } = quantizeModel(m, { bits: 3 });
    for (const c of Object.values(codesFromReport(report))) assert.equal(c.axis, undefined);
    q.dispose();
    m.dispose();
  });

  it('gives codes the storage report accepts and that describe the quantized weights exactly', async () => {
    const m = model();
    const { model: q, report } = quantizeModel(m, { bits: 4, scheme: 'affine', granularity: 'per-channel' });
    const storage = await modelStorageReport(q, { codes: codesFromReport(report), savedFiles: false });
    const withCodes = storage.weights.filter((w) => w.codesSource === 'given');
    assert.equal(withCodes.length, 3);
    for (const w of withCodes) assert.ok((w.maxAbsError as number) < 1e-6, `${w.name}: ${w.maxAbsError}`);
    q.dispose();
    m.dispose();
  });

  it('rejects a value that is not a report', () => {
    assert.throws(() => codesFromReport({} as never), { name: 'TypeError', message: 'report must be a quantization report with a weights array' });
  });
});

describe('clipLabel', () => {
  it('names the clipping options', () => {
    assert.equal(clipLabel(undefined), 'none');
    assert.equal(clipLabel('none'), 'none');
    assert.equal(clipLabel('mse'), 'mse');
    assert.equal(clipLabel({ percentile: 99.9 }), 'p99.9');
  });
});
