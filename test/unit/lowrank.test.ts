import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import {
  breakEvenRank,
  chooseRank,
  factorizeMatrix,
  factorizeModel,
  lowRankParamCount,
  LowRankRNN,
  lowRankRNN,
  Matrix,
  matrixFromRows,
  svd,
} from '../../src/lowrank';
import { createRng } from '../../src/utils';

const STEPS = 5;
const FEATURES = 4;

function close(actual: number, expected: number, tol: number, what = 'value'): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: expected ${expected} ± ${tol}, got ${actual}`);
}

/** Reference product U · diag(s) · Vᵀ by plain loops. */
function reconstruct(u: Matrix, s: Float64Array, v: Matrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < u.rows; i++) {
    out.push([]);
    for (let j = 0; j < v.rows; j++) {
      let sum = 0;
      for (let k = 0; k < s.length; k++) sum += u.data[i * u.cols + k] * s[k] * v.data[j * v.cols + k];
      out[i].push(sum);
    }
  }
  return out;
}

/** Reference ||X - A·B||_F by plain loops. */
function residual(x: Matrix, a: Matrix, b: Matrix): number {
  let sum = 0;
  for (let i = 0; i < x.rows; i++) {
    for (let j = 0; j < x.cols; j++) {
      let ab = 0;
      for (let k = 0; k < a.cols; k++) ab += a.data[i * a.cols + k] * b.data[k * b.cols + j];
      sum += (x.data[i * x.cols + j] - ab) ** 2;
    }
  }
  return Math.sqrt(sum);
}

/** Max |QᵀQ - I| over the first k columns. */
function orthonormalityError(q: Matrix, k: number): number {
  let worst = 0;
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      let dot = 0;
      for (let i = 0; i < q.rows; i++) dot += q.data[i * q.cols + a] * q.data[i * q.cols + b];
      worst = Math.max(worst, Math.abs(dot - (a === b ? 1 : 0)));
    }
  }
  return worst;
}

/** Householder reflection I - 2 w wᵀ / (wᵀ w), an orthogonal matrix built by hand. */
function householder(w: number[]): number[][] {
  const norm2 = w.reduce((s, x) => s + x * x, 0);
  return w.map((wi, i) => w.map((wj, j) => (i === j ? 1 : 0) - (2 * wi * wj) / norm2));
}

type Cell = 'lstm' | 'gru' | 'simpleRNN';

function recurrentModel(cell: Cell, units: number, seed: number, recurrentActivation = 'sigmoid', returnSequences = false): tf.Sequential {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed + k });
  const common = {
    units, inputShape: [STEPS, FEATURES], returnSequences,
    kernelInitializer: init(0), recurrentInitializer: init(1), biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: seed + 2 }),
  };
  const act = recurrentActivation as 'sigmoid';
  const rnn = cell === 'lstm' ? tf.layers.lstm({ ...common, recurrentActivation: act })
    : cell === 'gru' ? tf.layers.gru({ ...common, recurrentActivation: act })
      : tf.layers.simpleRNN(common);
  return tf.sequential({ layers: [rnn, tf.layers.dense({ units: 3, kernelInitializer: init(3) })] });
}

function sampleInput(samples: number, seed: number): tf.Tensor3D {
  const rng = createRng(seed);
  return tf.tensor3d(Float32Array.from({ length: samples * STEPS * FEATURES }, () => rng.normal()), [samples, STEPS, FEATURES]);
}

function maxAbsDiff(a: tf.LayersModel, b: tf.LayersModel, x: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a.predict(x) as tf.Tensor, b.predict(x) as tf.Tensor))).dataSync()[0]);
}

function weightValues(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => Float32Array.from(w.dataSync()));
}

before(async () => {
  await initBackend();
});

describe('svd', () => {
  it('finds the singular values of a hand-written 2x2 matrix', () => {
    // A = [[3, 0], [4, 5]]: AᵀA = [[25, 20], [20, 25]], eigenvalues 45 and 5, so σ = 3√5 and √5.
    const a = matrixFromRows([[3, 0], [4, 5]]);
    const { u, s, v } = svd(a);
    close(s[0], 3 * Math.sqrt(5), 1e-12, 'σ1');
    close(s[1], Math.sqrt(5), 1e-12, 'σ2');
    const back = reconstruct(u, s, v);
    [[3, 0], [4, 5]].forEach((row, i) => row.forEach((x, j) => close(back[i][j], x, 1e-12, `A[${i}][${j}]`)));
    assert.ok(orthonormalityError(u, 2) < 1e-12);
    assert.ok(orthonormalityError(v, 2) < 1e-12);
  });

  it('handles tall and wide matrices (3x2 and its transpose)', () => {
    // A = [[1, 0], [0, 1], [1, 1]]: AᵀA = [[2, 1], [1, 2]], eigenvalues 3 and 1, so σ = √3 and 1.
    const rows = [[1, 0], [0, 1], [1, 1]];
    const tall = svd(matrixFromRows(rows));
    const wide = svd(matrixFromRows([[1, 0, 1], [0, 1, 1]]));
    for (const { u, s, v } of [tall, wide]) {
      assert.equal(s.length, 2);
      close(s[0], Math.sqrt(3), 1e-12, 'σ1');
      close(s[1], 1, 1e-12, 'σ2');
      assert.ok(orthonormalityError(u, 2) < 1e-12);
      assert.ok(orthonormalityError(v, 2) < 1e-12);
    }
    const back = reconstruct(tall.u, tall.s, tall.v);
    rows.forEach((row, i) => row.forEach((x, j) => close(back[i][j], x, 1e-12)));
    assert.equal(wide.u.rows, 2);
    assert.equal(wide.v.rows, 3);
  });

  it('recovers singular values planted with hand-built orthogonal factors', () => {
    // A = H1[:, :3] · diag(5, 3, 1) · H2ᵀ with Householder H1 (4x4) and H2 (3x3): σ = 5, 3, 1 exactly.
    const h1 = householder([1, 2, -1, 3]);
    const h2 = householder([2, -1, 1]);
    const sigma = [5, 3, 1];
    const rows = h1.map((row) => [0, 1, 2].map((j) => [0, 1, 2].reduce((sum, k) => sum + row[k] * sigma[k] * h2[j][k], 0)));
    const { s } = svd(matrixFromRows(rows));
    sigma.forEach((x, i) => close(s[i], x, 1e-10, `σ${i + 1}`));
  });

  it('reconstructs a random 7x5 matrix to 1e-10 and rejects non-finite entries', () => {
    const rng = createRng(5);
    const rows = Array.from({ length: 7 }, () => Array.from({ length: 5 }, () => rng.normal()));
    const { u, s, v } = svd(matrixFromRows(rows));
    const back = reconstruct(u, s, v);
    rows.forEach((row, i) => row.forEach((x, j) => close(back[i][j], x, 1e-10)));
    for (let i = 1; i < s.length; i++) assert.ok(s[i - 1] >= s[i], 'decreasing');
    assert.throws(() => svd(matrixFromRows([[1, NaN]])), { name: 'RangeError', message: 'matrix entries must be finite, got NaN at index 1' });
  });
});

describe('factorizeMatrix and rank choice', () => {
  const rng = createRng(17);
  const w = matrixFromRows(Array.from({ length: 6 }, () => Array.from({ length: 9 }, () => rng.normal())));

  it('truncation error equals the root of the discarded squared singular values (Eckart–Young)', () => {
    const { s } = svd(w);
    for (let r = 1; r <= 6; r++) {
      const f = factorizeMatrix(w, { rank: r });
      let discarded = 0;
      for (let i = r; i < s.length; i++) discarded += s[i] ** 2;
      assert.equal(f.a.rows, 6);
      assert.equal(f.a.cols, r);
      assert.equal(f.b.rows, r);
      assert.equal(f.b.cols, 9);
      close(residual(w, f.a, f.b), Math.sqrt(discarded), 1e-6, `rank ${r}`);
      let total = 0;
      for (const x of w.data) total += x * x;
      close(f.relativeError, Math.sqrt(discarded / total), 1e-9, `relative error at rank ${r}`);
    }
  });

  it('picks the rank from the fraction of energy kept', () => {
    // σ = [5, 3, 1]: energies 25/35 = 0.714, 34/35 = 0.971, 35/35 = 1.
    const sigma = Float64Array.of(5, 3, 1);
    assert.equal(chooseRank(sigma, { energy: 0.7 }), 1);
    assert.equal(chooseRank(sigma, { energy: 0.9 }), 2);
    assert.equal(chooseRank(sigma, { energy: 0.98 }), 3);
    assert.equal(chooseRank(sigma, { energy: 1 }), 3);
    assert.equal(chooseRank(sigma, { rank: 2 }), 2);
  });

  it('rejects a rank above min(m, n), an energy outside (0, 1], and neither or both', () => {
    assert.throws(() => factorizeMatrix(w, { rank: 7 }), { name: 'RangeError', message: 'rank must be an integer in [1, min(m, n)] = [1, 6] for matrix [6, 9], got 7' });
    assert.throws(() => factorizeMatrix(w, { rank: 0 }), { name: 'RangeError', message: 'rank must be a positive integer, got 0' });
    assert.throws(() => factorizeMatrix(w, { energy: 0 }), { name: 'RangeError', message: 'energy must be in (0, 1], got 0' });
    assert.throws(() => factorizeMatrix(w, { energy: 1.5 }), { name: 'RangeError', message: 'energy must be in (0, 1], got 1.5' });
    assert.throws(() => factorizeMatrix(w, {}), { name: 'TypeError', message: /exactly one of rank and energy/ });
    assert.throws(() => factorizeMatrix(w, { rank: 2, energy: 0.5 }), { name: 'TypeError', message: /exactly one of rank and energy/ });
  });

  it('counts parameters as r·(m + n) and finds the break-even rank', () => {
    assert.equal(lowRankParamCount(128, 512, 32), 20480); // 32 · 640
    assert.equal(breakEvenRank(128, 512), 102); // 102 · 640 = 65280 < 65536 = 128 · 512 <= 103 · 640
    assert.equal(breakEvenRank(4, 4), 1); // 1 · 8 < 16, 2 · 8 = 16 is no saving
    assert.equal(breakEvenRank(1, 10), 0); // 1 · 11 > 10
    assert.throws(() => lowRankParamCount(0, 5, 1), { name: 'RangeError', message: 'm must be a positive integer, got 0' });
  });
});

describe('LowRankRNN and factorizeModel', () => {
  const x = sampleInput(6, 23);

  for (const [cell, act] of [['lstm', 'sigmoid'], ['gru', 'hardSigmoid'], ['simpleRNN', 'sigmoid'], ['gru', 'sigmoid']] as [Cell, string][]) {
    it(`reproduces a ${cell} (${act}) at full rank`, () => {
      const model = recurrentModel(cell, 6, 31, act, cell === 'gru');
      const { model: factored, layers } = factorizeModel(model, { energy: 1 });
      const layer = factored.layers[0] as LowRankRNN;
      assert.equal(layer.getClassName(), 'LowRankRNN');
      // kernel [4, 6·gates] -> rank 4, recurrent [6, 6·gates] -> rank 6
      assert.equal(layer.kernelRank, 4);
      assert.equal(layer.recurrentRank, 6);
      assert.deepEqual(layers[0].matrices.map((m) => m.rank), [4, 6]);
      assert.ok(maxAbsDiff(model, factored, x) < 1e-4);
      model.dispose();
      factored.dispose();
    });
  }

  it('matches a stock LSTM whose kernels are the products of the factors at reduced rank', () => {
    const model = recurrentModel('lstm', 8, 41);
    const { model: factored, layers } = factorizeModel(model, { rank: 2 });
    const [ka, kb, ra, rb, bias] = factored.layers[0].getWeights();
    const reference = recurrentModel('lstm', 8, 41);
    const products = tf.tidy(() => [tf.matMul(ka, kb), tf.matMul(ra, rb), tf.clone(bias)]);
    reference.layers[0].setWeights(products);
    assert.ok(maxAbsDiff(reference, factored, x) < 1e-5);
    // kernel [4, 32]: 2·36 = 72; recurrent [8, 32]: 2·40 = 80; bias 32 -> 184, against 4·32 + 8·32 + 32 = 416.
    assert.equal(layers[0].paramsBefore, 416);
    assert.equal(layers[0].paramsAfter, 184);
    assert.equal(factored.layers[0].countParams(), 184);
    assert.deepEqual(layers[0].matrices.map((m) => [m.paramsBefore, m.paramsAfter, m.breakEvenRank]), [[128, 72, 3], [256, 80, 6]]);
    tf.dispose(products);
    reference.dispose();
    model.dispose();
    factored.dispose();
  });

  it('factorises only the roles asked for and reports error and energy', () => {
    const model = recurrentModel('gru', 6, 51);
    const { model: factored, layers } = factorizeModel(model, { rank: 3, roles: ['recurrentKernel'] });
    const layer = factored.layers[0] as LowRankRNN;
    assert.equal(layer.kernelRank, null);
    assert.equal(layer.recurrentRank, 3);
    assert.deepEqual(layer.weights.map((w) => w.shape), [[4, 18], [6, 3], [3, 18], [18]]);
    const [report] = layers[0].matrices;
    assert.equal(report.role, 'recurrentKernel');
    close(report.relativeError ** 2 + report.energyKept, 1, 1e-9, 'error² + energy');
    model.dispose();
    factored.dispose();
  });

  it('leaves the original model untouched', () => {
    const model = recurrentModel('lstm', 5, 61);
    const values = weightValues(model);
    const before = tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()));
    const { model: factored } = factorizeModel(model, { rank: 1 });
    weightValues(model).forEach((w, i) => assert.deepEqual(w, values[i]));
    const after = tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()));
    assert.deepEqual(after, before);
    assert.equal(model.layers[0].getClassName(), 'LSTM');
    model.dispose();
    factored.dispose();
  });

  it('splits a Dense layer into two Dense layers', () => {
    const model = recurrentModel('simpleRNN', 6, 71);
    const dense = model.layers[1].name;
    const full = factorizeModel(model, { layers: [dense], energy: 1 });
    assert.deepEqual(full.model.layers.map((l) => l.getClassName()), ['SimpleRNN', 'Dense', 'Dense']);
    assert.equal(full.model.layers[1].name, `${dense}_a`);
    assert.equal(full.model.layers[2].name, dense);
    assert.ok(maxAbsDiff(model, full.model, x) < 1e-5);
    const low = factorizeModel(model, { layers: [dense], rank: 1 });
    // Dense [6, 3] at rank 1: 1·(6 + 3) weights + 3 biases = 12, against 18 + 3 = 21.
    assert.equal(low.layers[0].paramsBefore, 21);
    assert.equal(low.layers[0].paramsAfter, 12);
    model.dispose();
    full.model.dispose();
    low.model.dispose();
  });

  it('rewrites functional models, including TimeDistributed(Dense)', () => {
    const input = tf.input({ shape: [STEPS, FEATURES] });
    const gru = tf.layers.gru({ units: 5, returnSequences: true, recurrentActivation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), recurrentInitializer: tf.initializers.glorotUniform({ seed: 2 }) });
    const head = tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 7, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }) });
    const output = head.apply(gru.apply(input)) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    const { model: factored } = factorizeModel(model, { layers: [gru.name, head.name], energy: 1 });
    assert.deepEqual(factored.layers.map((l) => l.getClassName()), ['InputLayer', 'LowRankRNN', 'TimeDistributed', 'TimeDistributed']);
    assert.ok(maxAbsDiff(model, factored, x) < 1e-4);
    model.dispose();
    factored.dispose();
  });

  it('rejects a rank above min(m, n), a bad energy, a non-recurrent layer and an unknown name, changing nothing', () => {
    const embedded = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: STEPS }),
        tf.layers.lstm({ units: 6 }),
      ],
    });
    const [emb, lstm] = embedded.layers.map((l) => l.name);
    const values = weightValues(embedded);
    const count = tf.memory().numTensors;
    assert.throws(() => factorizeModel(embedded, { rank: 5 }), {
      name: 'RangeError',
      message: `rank must be an integer in [1, min(m, n)] = [1, 4] for the kernel of '${lstm}' [4, 24], got 5`,
    });
    assert.throws(() => factorizeModel(embedded, { energy: 1.2 }), { name: 'RangeError', message: 'energy must be in (0, 1], got 1.2' });
    assert.throws(() => factorizeModel(embedded, { energy: 0 }), { name: 'RangeError', message: 'energy must be in (0, 1], got 0' });
    assert.throws(() => factorizeModel(embedded, { layers: [emb], rank: 1 }), {
      name: 'TypeError',
      message: `layer must be SimpleRNN, LSTM, GRU, Dense or TimeDistributed(Dense) to be factorised, got Embedding ('${emb}')`,
    });
    assert.throws(() => factorizeModel(embedded, { layers: ['nope'], rank: 1 }), { name: 'RangeError', message: /layer must be one of .*, got 'nope'/ });
    assert.throws(() => factorizeModel(embedded, { rank: 1, roles: ['bias' as 'kernel'] }), { name: 'RangeError', message: "roles must be a subset of kernel, recurrentKernel, got 'bias'" });
    assert.equal(tf.memory().numTensors, count);
    weightValues(embedded).forEach((w, i) => assert.deepEqual(w, values[i]));
    embedded.dispose();
  });

  for (const [cell, cellType] of [['lstm', 'LSTM'], ['gru', 'GRU'], ['simpleRNN', 'SimpleRNN']] as [Cell, string][]) {
    it(`saves and loads a model holding a ${cellType} LowRankRNN layer`, async () => {
      const model = recurrentModel(cell, 6, 81, 'hardSigmoid', true);
      const { model: factored } = factorizeModel(model, { rank: 2 });
      let saved: tf.io.ModelArtifacts | undefined;
      await factored.save(tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
      }));
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
      const layer = loaded.layers[0] as LowRankRNN;
      assert.equal(layer.getClassName(), 'LowRankRNN');
      assert.equal(layer.cellType, cellType);
      assert.equal(layer.kernelRank, 2);
      assert.equal(layer.recurrentRank, 2);
      assert.equal(loaded.countParams(), factored.countParams());
      assert.ok(maxAbsDiff(loaded, factored, x) < 1e-6);
      model.dispose();
      factored.dispose();
      loaded.dispose();
    });
  }

  it('keeps the factors trainable for fine-tuning', async () => {
    const model = recurrentModel('gru', 4, 91);
    const { model: factored } = factorizeModel(model, { rank: 2 });
    // Variable names are made unique across models ('bias_1'), so the suffix is dropped.
    const names = factored.trainableWeights.map((w) => (w.name.split('/').pop() as string).replace(/_\d+$/, ''));
    assert.deepEqual(names.slice(0, 5), ['kernel_a', 'kernel_b', 'recurrent_kernel_a', 'recurrent_kernel_b', 'bias']);
    const before = weightValues(factored);
    factored.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const y = tf.ones([6, 3]);
    await factored.fit(x, y, { epochs: 1, batchSize: 6, verbose: 0 });
    const after = weightValues(factored);
    for (let i = 0; i < 4; i++) assert.notDeepEqual(after[i], before[i], `factor ${names[i]} did not move`);
    y.dispose();
    model.dispose();
    factored.optimizer.dispose();
    factored.dispose();
  });

  it('builds from scratch with the factory and rejects bad arguments', () => {
    const layer = lowRankRNN({ cellType: 'SimpleRNN', units: 5, kernelRank: 2, recurrentRank: 3, inputShape: [STEPS, FEATURES] });
    const model = tf.sequential({ layers: [layer] });
    // kernel 2·(4 + 5) + recurrent 3·(5 + 5) + bias 5 = 18 + 30 + 5
    assert.equal(model.countParams(), 53);
    assert.throws(() => lowRankRNN({ cellType: 'LSTM', units: 5, kernelRank: 0 }), { name: 'RangeError', message: 'kernelRank must be a positive integer or null, got 0' });
    assert.throws(() => lowRankRNN({ cellType: 'GRU', units: 5, activation: 'softplus' }), { name: 'RangeError', message: "activation must be one of tanh, sigmoid, hardSigmoid, relu, linear, got 'softplus'" });
    assert.throws(() => lowRankRNN({ cellType: 'Elman' as 'LSTM', units: 5 }), { name: 'RangeError', message: "cellType must be one of SimpleRNN, LSTM, GRU, got 'Elman'" });
    model.dispose();
  });

  it('leaks no tensors', () => {
    const model = recurrentModel('lstm', 5, 101);
    const start = tf.memory().numTensors;
    for (const options of [{ rank: 2 }, { energy: 0.9 }, { rank: 1, layers: [model.layers[1].name] }]) {
      const { model: factored } = factorizeModel(model, options);
      tf.dispose(factored.predict(x));
      factored.dispose();
    }
    assert.equal(tf.memory().numTensors, start);
    model.dispose();
  });
});

describe('multiply-accumulates of a factorised layer', () => {
  it('counts m·r + r·n per factorised matrix and step, fewer than the dense layer', async () => {
    const { countMacs } = await import('../../src/metrics/macs');
    const { lowRankRNN } = await import('../../src/lowrank/lowrank-rnn');
    await import('../../src/lowrank/macs');
    // LSTM cell, 3 inputs, 4 units (16 gate columns), kernel rank 2, recurrent rank 1, 5 steps:
    // kernel 3·2 + 2·16 = 38, recurrent 4·1 + 1·16 = 20, so 58 per step and 290 per sequence.
    const model = tf.sequential({ layers: [lowRankRNN({ cellType: 'LSTM', units: 4, kernelRank: 2, recurrentRank: 1, inputShape: [5, 3], seed: 1 } as never)] });
    const report = countMacs(model);
    const layer = report.layers.find((l) => l.className === 'LowRankRNN');
    assert.ok(layer, 'the LowRankRNN layer must be counted');
    assert.equal(layer!.macsPerCall, 58);
    assert.equal(layer!.macsPerSequence, 290);
    model.dispose();
  });
});
