import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import type { ClassificationDataset, ForecastingDataset, LanguageModelDataset, Split } from '../../src/data/types';
import {
  buildClassifier,
  buildForecaster,
  buildLanguageModel,
  buildModelFor,
  countParams,
  describeModel,
  fileLoadHandler,
  isRecurrentLayer,
  loadModel,
  modelSizeBytes,
  orthogonalMatrix,
  predictLogits,
  predictProba,
  recurrentLayers,
  saveModel,
  specKey,
} from '../../src/models';
import type { CellType } from '../../src/models';
import { createRng } from '../../src/utils';

const TOLERANCE = 1e-5;

function emptySplit(): Split {
  return { x: new Float32Array(0), y: new Float32Array(0), size: 0 };
}

const base = { seed: 1, source: 'synthetic', train: emptySplit(), validation: emptySplit(), test: emptySplit() };
const classification: ClassificationDataset = { ...base, task: 'classification', name: 'toy', timeSteps: 5, features: 2, numClasses: 3, classNames: ['a', 'b', 'c'] };
const languageModel: LanguageModelDataset = { ...base, task: 'language-model', name: 'toy-lm', timeSteps: 7, features: 1, vocab: ['a', 'b', 'c', 'd'], vocabSize: 4, unigramCrossEntropy: Math.log(4) };
const forecasting: ForecastingDataset = {
  ...base, task: 'forecasting', name: 'toy-series', timeSteps: 6, features: 3, horizon: 2,
  featureNames: ['p', 'q', 'r'], targetName: 'p', targetUnit: 'u', featureMean: [0, 0, 0], featureStd: [1, 1, 1], targetMean: 0, targetStd: 1,
};

function weightValues(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

function expectLeakFree(fn: () => void): void {
  const before = tf.memory().numTensors;
  fn();
  assert.equal(tf.memory().numTensors, before);
}

/** Sets every weight of a model to seeded uniform values in [-0.8, 0.8), so biases matter too. */
function randomiseWeights(model: tf.LayersModel, seed: number): void {
  const rng = createRng(seed);
  const values = model.getWeights().map((w) => tf.tensor(Float32Array.from({ length: w.size }, () => 1.6 * rng.next() - 0.8), w.shape));
  model.setWeights(values);
  tf.dispose(values);
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** row vector a [n] times matrix M [n, m] stored row-major, columns [from, from + width). */
function vecMat(a: number[], m: Float32Array, cols: number, from: number, width: number): number[] {
  const out = new Array(width).fill(0);
  for (let i = 0; i < a.length; i++) for (let j = 0; j < width; j++) out[j] += a[i] * m[i * cols + from + j];
  return out;
}

/**
 * Independent reference of the classifier's forward pass, written from the textbook equations:
 * SimpleRNN h = tanh(xW + hU + b); LSTM gates i, f, c~, o in column blocks of width u;
 * GRU gates z, r, h~ with the reset applied before the recurrent product (r * h) U_h.
 */
function referenceClassifier(cell: CellType, model: tf.LayersModel, x: number[][], units: number): number[] {
  const [kernel, recurrent, bias] = model.getLayer('rnn_0').getWeights().map((w) => w.dataSync() as Float32Array);
  const [dense, denseBias] = model.getLayer('dense_out').getWeights().map((w) => w.dataSync() as Float32Array);
  const g = cell === 'SimpleRNN' ? 1 : cell === 'LSTM' ? 4 : 3;
  let h = new Array(units).fill(0);
  let c = new Array(units).fill(0);
  for (const xt of x) {
    const block = (k: number): number[] => {
      const fromX = vecMat(xt, kernel, g * units, k * units, units);
      return fromX.map((v, j) => v + bias[k * units + j]);
    };
    const fromH = (k: number, state: number[]): number[] => vecMat(state, recurrent, g * units, k * units, units);
    if (cell === 'SimpleRNN') {
      const hu = fromH(0, h);
      h = block(0).map((v, j) => Math.tanh(v + hu[j]));
    } else if (cell === 'LSTM') {
      const pre = [0, 1, 2, 3].map((k) => block(k).map((v, j) => v + fromH(k, h)[j]));
      const i = pre[0].map(sigmoid);
      const f = pre[1].map(sigmoid);
      const cand = pre[2].map(Math.tanh);
      const o = pre[3].map(sigmoid);
      c = c.map((cj, j) => f[j] * cj + i[j] * cand[j]);
      h = o.map((oj, j) => oj * Math.tanh(c[j]));
    } else {
      const z = block(0).map((v, j) => sigmoid(v + fromH(0, h)[j]));
      const r = block(1).map((v, j) => sigmoid(v + fromH(1, h)[j]));
      const rh = h.map((hj, j) => r[j] * hj);
      const cand = block(2).map((v, j) => Math.tanh(v + fromH(2, rh)[j]));
      h = h.map((hj, j) => z[j] * hj + (1 - z[j]) * cand[j]);
    }
  }
  const numClasses = denseBias.length;
  return vecMat(h, dense, numClasses, 0, numClasses).map((v, j) => v + denseBias[j]);
}

before(async () => {
  await initBackend();
});

describe('buildClassifier', () => {
  it('names layers input, rnn_0, rnn_1, dense_out and gives the documented shapes', () => {
    const model = buildClassifier({ cell: 'LSTM', units: [4, 3], timeSteps: 5, features: 2, numClasses: 3 });
    assert.deepEqual(model.layers.map((l) => l.name), ['input', 'rnn_0', 'rnn_1', 'dense_out']);
    assert.deepEqual(model.inputs[0].shape, [null, 5, 2]);
    assert.deepEqual(model.getLayer('rnn_0').outputShape, [null, 5, 4]);
    assert.deepEqual(model.getLayer('rnn_1').outputShape, [null, 3]);
    assert.deepEqual(model.outputs[0].shape, [null, 3]);
    assert.equal(model.getLayer('dense_out').getConfig().activation, 'linear');
    model.dispose();
  });

  for (const [cell, gates] of [['SimpleRNN', 1], ['LSTM', 4], ['GRU', 3]] as [CellType, number][]) {
    it(`counts ${cell} parameters as ${gates}u(f + u + 1) with tfjs weight shapes`, () => {
      // f = 2, u = 4: 4 * (2 + 4 + 1) = 28 per gate block; dense_out 4 * 3 + 3 = 15.
      const model = buildClassifier({ cell, units: 4, timeSteps: 5, features: 2, numClasses: 3 });
      const rows = describeModel(model).layers;
      const rnn = rows.find((r) => r.name === 'rnn_0');
      assert.ok(rnn);
      assert.equal(rnn.params, gates * 28);
      assert.deepEqual(rnn.weights.map((w) => w.shape), [[2, gates * 4], [4, gates * 4], [gates * 4]]);
      assert.deepEqual(rnn.weights.map((w) => w.name), ['rnn_0/kernel', 'rnn_0/recurrent_kernel', 'rnn_0/bias']);
      assert.equal(rows.find((r) => r.name === 'dense_out')?.params, 15);
      assert.equal(countParams(model), gates * 28 + 15);
      assert.equal(modelSizeBytes(model), 4 * (gates * 28 + 15));
      model.dispose();
    });

    it(`computes the textbook ${cell} equations with logistic-sigmoid gates`, () => {
      const model = buildClassifier({ cell, units: 3, timeSteps: 4, features: 2, numClasses: 2 });
      randomiseWeights(model, 11);
      const rng = createRng(5);
      const x = Array.from({ length: 4 }, () => [2 * rng.next() - 1, 2 * rng.next() - 1]);
      const expected = referenceClassifier(cell, model, x, 3);
      const got = tf.tidy(() => (model.predict(tf.tensor3d([x])) as tf.Tensor).dataSync());
      expected.forEach((v, j) => assert.ok(Math.abs(got[j] - v) < TOLERANCE, `logit ${j}: ${got[j]} vs ${v}`));
      model.dispose();
    });
  }

  it('stores sigmoid (not tfjs\'s hardSigmoid default) as the gate activation of LSTM and GRU', () => {
    for (const cell of ['LSTM', 'GRU'] as const) {
      const model = buildClassifier({ cell, units: 2, timeSteps: 3, features: 1, numClasses: 2 });
      assert.equal(model.getLayer('rnn_0').getConfig().recurrentActivation, 'sigmoid');
      model.dispose();
    }
  });

  it('starts LSTM forget-gate biases at 1 and all other biases at 0', () => {
    const model = buildClassifier({ cell: 'LSTM', units: 3, timeSteps: 2, features: 1, numClasses: 2 });
    const bias = Array.from(model.getLayer('rnn_0').getWeights()[2].dataSync());
    assert.deepEqual(bias, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    model.dispose();
  });

  it('initialises recurrent kernels with orthonormal rows', () => {
    for (const [cell, gates] of [['SimpleRNN', 1], ['LSTM', 4]] as [CellType, number][]) {
      const model = buildClassifier({ cell, units: 5, timeSteps: 2, features: 1, numClasses: 2 });
      const r = model.getLayer('rnn_0').getWeights()[1].dataSync();
      const cols = gates * 5;
      for (let a = 0; a < 5; a++) {
        for (let b = 0; b < 5; b++) {
          let dot = 0;
          for (let k = 0; k < cols; k++) dot += r[a * cols + k] * r[b * cols + k];
          assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-4, `${cell} row ${a}.row ${b} = ${dot}`);
        }
      }
      model.dispose();
    }
  });

  it('records the standard Orthogonal initialiser with its derived seed in the layer config', () => {
    const model = buildClassifier({ cell: 'GRU', units: 2, timeSteps: 3, features: 1, numClasses: 2 });
    const config = model.getLayer('rnn_0').getConfig() as { recurrentInitializer: { className: string; config: { seed: number } } };
    assert.equal(config.recurrentInitializer.className, 'Orthogonal');
    assert.ok(Number.isInteger(config.recurrentInitializer.config.seed));
    model.dispose();
  });

  it('gives identical initial weights for the same seed and different ones for another seed', () => {
    const options = { cell: 'GRU' as const, units: 4, timeSteps: 3, features: 2, numClasses: 2 };
    const a = buildClassifier({ ...options, seed: 7 });
    const b = buildClassifier({ ...options, seed: 7 });
    const c = buildClassifier({ ...options, seed: 8 });
    assert.deepEqual(weightValues(a), weightValues(b));
    assert.notDeepEqual(weightValues(a)[0], weightValues(c)[0]);
    assert.notDeepEqual(weightValues(a)[1], weightValues(c)[1]);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('keeps rnn_0\'s initial weights when a layer is stacked on top (seeds derive from layer names)', () => {
    const one = buildClassifier({ cell: 'LSTM', units: 3, timeSteps: 3, features: 2, numClasses: 2, seed: 5 });
    const two = buildClassifier({ cell: 'LSTM', units: [3, 6], timeSteps: 3, features: 2, numClasses: 2, seed: 5 });
    const w1 = one.getLayer('rnn_0').getWeights().map((w) => w.dataSync());
    const w2 = two.getLayer('rnn_0').getWeights().map((w) => w.dataSync());
    assert.deepEqual(w1, w2);
    assert.notDeepEqual(w1[0], two.getLayer('rnn_1').getWeights()[0].dataSync().slice(0, w1[0].length));
    one.dispose();
    two.dispose();
  });

  it('leaves no tensors behind once built and disposed', () => {
    expectLeakFree(() => buildClassifier({ cell: 'LSTM', units: [3, 3], timeSteps: 3, features: 2, numClasses: 2 }).dispose());
  });

  it('rejects bad arguments with the rule and the value', () => {
    const ok = { cell: 'LSTM' as CellType, units: 4, timeSteps: 5, features: 2, numClasses: 3 };
    assert.throws(() => buildClassifier({ ...ok, units: 0 }), { name: 'RangeError', message: 'units must be a positive integer, got 0' });
    assert.throws(() => buildClassifier({ ...ok, units: [4, 0] }), { name: 'RangeError', message: 'units[1] must be a positive integer, got 0' });
    assert.throws(() => buildClassifier({ ...ok, units: [] }), { name: 'RangeError', message: /units must list at least one layer width, got \[\]/ });
    assert.throws(() => buildClassifier({ ...ok, cell: 'Transformer' as CellType }), { name: 'RangeError', message: "cell must be one of SimpleRNN, LSTM, GRU, got 'Transformer'" });
    assert.throws(() => buildClassifier({ ...ok, cell: 42 as unknown as CellType }), { name: 'TypeError', message: /cell must be a string/ });
    assert.throws(() => buildClassifier({ ...ok, timeSteps: 1.5 }), { name: 'RangeError', message: 'timeSteps must be a positive integer, got 1.5' });
    assert.throws(() => buildClassifier({ ...ok, numClasses: -2 }), { name: 'RangeError', message: 'numClasses must be a positive integer, got -2' });
    assert.throws(() => buildClassifier({ ...ok, seed: 0.5 }), { name: 'RangeError', message: 'seed must be an integer, got 0.5' });
    assert.throws(() => buildClassifier({ ...ok, features: '2' as unknown as number }), { name: 'TypeError', message: /features must be a number, got string '2'/ });
  });
});

describe('orthogonalMatrix', () => {
  it('has orthonormal columns when tall and orthonormal rows when wide, scaled by gain', () => {
    for (const [rows, cols] of [[7, 3], [3, 7], [4, 4]]) {
      const w = orthogonalMatrix(rows, cols, 12, 2);
      const tall = rows >= cols;
      const k = Math.min(rows, cols);
      for (let a = 0; a < k; a++) {
        for (let b = 0; b < k; b++) {
          let dot = 0;
          for (let i = 0; i < Math.max(rows, cols); i++) dot += tall ? w[i * cols + a] * w[i * cols + b] : w[a * cols + i] * w[b * cols + i];
          // gain 2: the Gram matrix is 4 I.
          assert.ok(Math.abs(dot - (a === b ? 4 : 0)) < 1e-5, `${rows}x${cols} (${a}, ${b}) = ${dot}`);
        }
      }
    }
  });

  it('depends only on the seed', () => {
    assert.deepEqual(orthogonalMatrix(5, 8, 1), orthogonalMatrix(5, 8, 1));
    assert.notDeepEqual(orthogonalMatrix(5, 8, 1), orthogonalMatrix(5, 8, 2));
    assert.throws(() => orthogonalMatrix(0, 3, 1), { name: 'RangeError', message: 'rows must be a positive integer, got 0' });
  });
});

describe('buildLanguageModel', () => {
  it('maps int32 ids [batch, timeSteps] through embedding and rnn_0 to logits [batch, timeSteps, vocabSize]', () => {
    const model = buildLanguageModel({ cell: 'GRU', units: 4, vocabSize: 6, timeSteps: 7, embeddingDim: 3 });
    assert.deepEqual(model.layers.map((l) => l.name), ['input', 'embedding', 'rnn_0', 'dense_out']);
    assert.equal(model.inputs[0].dtype, 'int32');
    assert.deepEqual(model.inputs[0].shape, [null, 7]);
    assert.deepEqual(model.getLayer('rnn_0').outputShape, [null, 7, 4]);
    assert.deepEqual(model.outputs[0].shape, [null, 7, 6]);
    // embedding 6 * 3 = 18; GRU 3 * 4 * (3 + 4 + 1) = 96; dense 4 * 6 + 6 = 30.
    assert.equal(countParams(model), 18 + 96 + 30);
    model.dispose();
  });

  it('feeds one-hot vectors through a frozen identity table named one_hot when embeddingDim is 0', () => {
    const model = buildLanguageModel({ cell: 'SimpleRNN', units: 2, vocabSize: 3, timeSteps: 4, embeddingDim: 0 });
    const table = model.getLayer('one_hot');
    assert.equal(table.trainable, false);
    assert.deepEqual(Array.from(table.getWeights()[0].dataSync()), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    // Frozen table 3 * 3 = 9 is left out of the trainable count: SimpleRNN 2 * (3 + 2 + 1) = 12, dense 2 * 3 + 3 = 9.
    assert.equal(countParams(model, { trainableOnly: true }), 12 + 9);
    assert.equal(countParams(model), 9 + 12 + 9);
    model.dispose();
  });

  it('rejects a negative embeddingDim', () => {
    assert.throws(() => buildLanguageModel({ cell: 'GRU', units: 4, vocabSize: 6, timeSteps: 7, embeddingDim: -1 }), {
      name: 'RangeError',
      message: 'embeddingDim must be a non-negative integer, got -1',
    });
  });
});

describe('buildForecaster', () => {
  it('maps [batch, timeSteps, features] to [batch, horizon] through a linear dense_out', () => {
    const model = buildForecaster({ cell: 'SimpleRNN', units: 5, timeSteps: 4, features: 3, horizon: 2 });
    assert.deepEqual(model.layers.map((l) => l.name), ['input', 'rnn_0', 'dense_out']);
    assert.deepEqual(model.outputs[0].shape, [null, 2]);
    // SimpleRNN 5 * (3 + 5 + 1) = 45; dense 5 * 2 + 2 = 12.
    assert.equal(countParams(model), 57);
    model.dispose();
  });

  it('rejects horizon 0', () => {
    assert.throws(() => buildForecaster({ cell: 'GRU', units: 2, timeSteps: 4, features: 3, horizon: 0 }), {
      name: 'RangeError',
      message: 'horizon must be a positive integer, got 0',
    });
  });
});

describe('buildModelFor and specKey', () => {
  it('builds the model each task needs with sizes from the dataset', () => {
    const c = buildModelFor(classification, { cell: 'LSTM', units: 2 });
    const l = buildModelFor(languageModel, { cell: 'GRU', units: [2, 2] });
    const f = buildModelFor(forecasting, { cell: 'SimpleRNN', units: 2 });
    assert.deepEqual([c.inputs[0].shape, c.outputs[0].shape], [[null, 5, 2], [null, 3]]);
    assert.deepEqual([l.inputs[0].shape, l.outputs[0].shape], [[null, 7], [null, 7, 4]]);
    assert.deepEqual([f.inputs[0].shape, f.outputs[0].shape], [[null, 6, 3], [null, 2]]);
    c.dispose();
    l.dispose();
    f.dispose();
  });

  it('names a dataset and architecture the same way whether defaults are written out or not', () => {
    assert.equal(specKey({ cell: 'LSTM', units: 64 }, classification), 'toy_lstm_u64_s42');
    assert.equal(specKey({ cell: 'LSTM', units: [64], seed: 42 }, classification), 'toy_lstm_u64_s42');
    assert.equal(specKey({ cell: 'GRU', units: [8, 8] }, languageModel), 'toy-lm_gru_u8x8_e32_s42');
    assert.equal(specKey({ cell: 'GRU', units: 8, embeddingDim: 0, seed: 3 }, languageModel), 'toy-lm_gru_u8_onehot_s3');
  });

  it('rejects an unknown cell', () => {
    assert.throws(() => buildModelFor(classification, { cell: 'Transformer' as CellType, units: 4 }), { name: 'RangeError', message: /got 'Transformer'/ });
  });
});

describe('recurrentLayers, isRecurrentLayer, describeModel', () => {
  it('lists the recurrent layers input side first and only them', () => {
    const model = buildLanguageModel({ cell: 'LSTM', units: [3, 2], vocabSize: 4, timeSteps: 3 });
    assert.deepEqual(recurrentLayers(model).map((l) => l.name), ['rnn_0', 'rnn_1']);
    assert.equal(isRecurrentLayer(model.getLayer('dense_out')), false);
    assert.equal(isRecurrentLayer(model.getLayer('embedding')), false);
    const d = describeModel(model);
    assert.deepEqual(d.layers.map((l) => [l.name, l.className, l.recurrent]), [
      ['input', 'InputLayer', false],
      ['embedding', 'Embedding', false],
      ['rnn_0', 'LSTM', true],
      ['rnn_1', 'LSTM', true],
      ['dense_out', 'Dense', false],
    ]);
    // embedding 4 * 32 = 128; LSTM 4 * 3 * (32 + 3 + 1) = 432; LSTM 4 * 2 * (3 + 2 + 1) = 48; dense 2 * 4 + 4 = 12.
    assert.deepEqual(d.layers.map((l) => l.params), [0, 128, 432, 48, 12]);
    assert.equal(d.totalParams, 620);
    model.dispose();
  });
});

describe('predictLogits and predictProba', () => {
  it('gives the same logits in small batches as in one pass, and rows of probabilities summing to 1', () => {
    const model = buildClassifier({ cell: 'GRU', units: 3, timeSteps: 2, features: 2, numClasses: 3 });
    const rng = createRng(3);
    const xs = tf.tensor3d(Float32Array.from({ length: 5 * 4 }, () => rng.normal()), [5, 2, 2]);
    const whole = predictLogits(model, xs, { batchSize: 100 });
    const batched = predictLogits(model, xs, { batchSize: 2 });
    const proba = predictProba(model, xs, { batchSize: 2 });
    const w = whole.dataSync();
    const b = batched.dataSync();
    const p = proba.dataSync();
    w.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < TOLERANCE));
    for (let row = 0; row < 5; row++) {
      const logits = Array.from(w.slice(3 * row, 3 * row + 3));
      const z = logits.reduce((s, v) => s + Math.exp(v), 0);
      logits.forEach((v, j) => assert.ok(Math.abs(p[3 * row + j] - Math.exp(v) / z) < TOLERANCE));
    }
    tf.dispose([xs, whole, batched, proba]);
    model.dispose();
  });

  it('returns only the tensor it hands over', () => {
    const model = buildClassifier({ cell: 'SimpleRNN', units: 2, timeSteps: 2, features: 1, numClasses: 2 });
    const xs = tf.zeros([3, 2, 1]);
    expectLeakFree(() => {
      predictLogits(model, xs, { batchSize: 2 }).dispose();
      predictProba(model, xs).dispose();
    });
    xs.dispose();
    model.dispose();
  });

  it('rejects inputs of the wrong shape and a zero batchSize', () => {
    const model = buildClassifier({ cell: 'SimpleRNN', units: 2, timeSteps: 2, features: 1, numClasses: 2 });
    const xs = tf.zeros([3, 4, 1]);
    assert.throws(() => predictLogits(model, xs), { name: 'RangeError', message: /xs must have shape \[batch, 2, 1\].*got \[3, 4, 1\]/ });
    assert.throws(() => predictLogits(model, xs, { batchSize: 0 }), { name: 'RangeError', message: 'batchSize must be a positive integer, got 0' });
    xs.dispose();
    model.dispose();
  });
});

describe('saveModel / loadModel (standard tfjs files without tfjs-node)', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rnnc-models-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('writes model.json with the standard fields and one weights shard holding every weight in manifest order', async () => {
    const model = buildLanguageModel({ cell: 'LSTM', units: 3, vocabSize: 5, timeSteps: 4, embeddingDim: 2, seed: 9 });
    const target = path.join(dir, 'lm');
    await saveModel(model, target);
    const json = JSON.parse(await fs.readFile(path.join(target, 'model.json'), 'utf8'));
    assert.equal(json.format, 'layers-model');
    assert.equal(json.modelTopology.class_name, 'Model');
    assert.equal(json.weightsManifest.length, 1);
    assert.deepEqual(json.weightsManifest[0].paths, ['group1-shard1of1.bin']);
    const bin = await fs.readFile(path.join(target, 'group1-shard1of1.bin'));
    assert.equal(bin.byteLength, 4 * countParams(model));
    const floats = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
    let offset = 0;
    for (const spec of json.weightsManifest[0].weights as { name: string; shape: number[] }[]) {
      const weight = model.weights.find((w) => w.originalName === spec.name);
      assert.ok(weight, `manifest weight ${spec.name} is a model weight`);
      const size = spec.shape.reduce((a, b) => a * b, 1);
      assert.deepEqual(floats.slice(offset, offset + size), weight.read().dataSync());
      offset += size;
    }
    assert.equal(offset, floats.length);
    model.dispose();
  });

  it('loads back a model that predicts exactly the same, through loadModel and tf.loadLayersModel', async () => {
    const model = buildClassifier({ cell: 'GRU', units: [3, 2], timeSteps: 3, features: 2, numClasses: 2, seed: 4 });
    randomiseWeights(model, 2);
    const target = path.join(dir, 'gru');
    await saveModel(model, target);
    const loaded = await loadModel(target);
    const viaTf = await tf.loadLayersModel(fileLoadHandler(target));
    // A reader that knows only the file format: model.json's topology and manifest, plus the shard.
    const json = JSON.parse(await fs.readFile(path.join(target, 'model.json'), 'utf8'));
    const bin = await fs.readFile(path.join(target, json.weightsManifest[0].paths[0]));
    const viaFormat = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    }));
    assert.deepEqual(loaded.layers.map((l) => l.name), model.layers.map((l) => l.name));
    const xs = tf.tensor3d([[[1, -1], [0.5, 2], [0, 0.3]], [[-2, 1], [0, 0], [1, 1]]]);
    const want = tf.tidy(() => (model.predict(xs) as tf.Tensor).dataSync());
    for (const other of [loaded, viaTf, viaFormat]) {
      assert.deepEqual(tf.tidy(() => (other.predict(xs) as tf.Tensor).dataSync()), want);
    }
    tf.dispose(xs);
    [model, loaded, viaTf, viaFormat].forEach((m) => m.dispose());
  });

  it('leaves no tensors behind after a save, a load and disposal', async () => {
    const before = tf.memory().numTensors;
    const model = buildForecaster({ cell: 'LSTM', units: 2, timeSteps: 3, features: 1, horizon: 1 });
    await saveModel(model, path.join(dir, 'f'));
    const loaded = await loadModel(path.join(dir, 'f'));
    model.dispose();
    loaded.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it('rejects a folder without model.json, and a non-string folder', async () => {
    await assert.rejects(loadModel(path.join(dir, 'missing')), { message: /cannot read a tfjs model from .*missing.model\.json/ });
    assert.throws(() => fileLoadHandler('' as string), { name: 'TypeError', message: 'dir must be a non-empty path string, got ""' });
  });
});
