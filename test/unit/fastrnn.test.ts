import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import type { ClassificationDataset, Split } from '../../src/data/types';
import { fastApply, fastPlan, fusedGru, fusedLstm, fusedSimpleRnn } from '../../src/fastrnn';
import { factorizeModel } from '../../src/lowrank';
import { buildClassifier, buildForecaster, buildLanguageModel } from '../../src/models';
import { l1Unstructured, pruneUnitsByScore } from '../../src/pruning';
import { createQatState } from '../../src/quantization';
import { ensureSegmentSumKernel, train } from '../../src/training';
import type { TrainingCallback } from '../../src/training';
import { createRng } from '../../src/utils';

const TOLERANCE = 1e-5;
const CELLS = ['SimpleRNN', 'LSTM', 'GRU'] as const;
const FUSED = { SimpleRNN: fusedSimpleRnn, LSTM: fusedLstm, GRU: fusedGru };
const GATES = { SimpleRNN: 1, LSTM: 4, GRU: 3 };

function seeded(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = createRng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => scale * rng.normal()), shape);
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  assert.deepEqual(a.shape, b.shape, 'shapes differ');
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** A stock tfjs layer (the independent reference) with sigmoid gates, built on [batch, steps, features]. */
function stockLayer(cell: (typeof CELLS)[number], units: number, returnSequences: boolean, useBias: boolean): tf.layers.Layer {
  const args = { units, returnSequences, useBias, activation: 'tanh' as const };
  if (cell === 'SimpleRNN') return tf.layers.simpleRNN(args);
  if (cell === 'LSTM') return tf.layers.lstm({ ...args, recurrentActivation: 'sigmoid' });
  return tf.layers.gru({ ...args, recurrentActivation: 'sigmoid' });
}

function signSplit(size: number, seed: number): Split {
  const rng = createRng(seed);
  const x = Float32Array.from({ length: size * 10 }, () => rng.normal());
  const y = Float32Array.from({ length: size }, (_, i) => (x.subarray(i * 10, i * 10 + 10).reduce((a, b) => a + b, 0) > 0 ? 1 : 0));
  return { x, y, size };
}

function signDataset(): ClassificationDataset {
  return {
    task: 'classification', name: 'sign', timeSteps: 5, features: 2, numClasses: 2, classNames: ['neg', 'pos'],
    train: signSplit(40, 1), validation: signSplit(8, 2), test: signSplit(8, 3), seed: 1, source: 'synthetic',
  };
}

/** Gradients of sum(w ⊙ model(x)) with respect to every trainable variable, by name. */
function modelGrads(model: tf.LayersModel, x: tf.Tensor, w: tf.Tensor, fast: boolean): tf.NamedTensorMap {
  const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(w, fast ? fastApply(model, x, { training: true }) : (model.apply(x, { training: true }) as tf.Tensor))) as tf.Scalar, vars);
  value.dispose();
  return grads;
}

function assertSameGrads(model: tf.LayersModel, x: tf.Tensor, w: tf.Tensor): void {
  const stock = modelGrads(model, x, w, false);
  const fast = modelGrads(model, x, w, true);
  assert.deepEqual(Object.keys(fast).sort(), Object.keys(stock).sort());
  for (const name of Object.keys(stock)) {
    const d = maxDiff(fast[name], stock[name]);
    assert.ok(d < TOLERANCE, `gradient of ${name} differs from the stock layers' by ${d}`);
  }
  tf.dispose([...Object.values(stock), ...Object.values(fast)]);
}

describe('fused recurrent ops', () => {
  before(async () => {
    await initBackend();
  });

  for (const cell of CELLS) {
    for (const returnSequences of [false, true]) {
      for (const useBias of [true, false]) {
        it(`${cell} (returnSequences ${returnSequences}, useBias ${useBias}) gives the stock layer's output and gradients to 1e-5`, () => {
          const [batch, steps, features, units] = [3, 6, 4, 5];
          const layer = stockLayer(cell, units, returnSequences, useBias);
          const x = seeded([batch, steps, features], 1);
          layer.apply(x);
          // Non-zero biases, so that a bias handled in the wrong block shows.
          const weights = layer.getWeights().map((w, i) => seeded(w.shape, 10 + i, 0.5));
          layer.setWeights(weights);
          const w = seeded(returnSequences ? [batch, steps, units] : [batch, units], 20);
          // The layer reads its own variables: differentiating with respect to them differentiates the layer.
          const stockLoss = (...t: tf.Tensor[]) => tf.sum(tf.mul(w, layer.apply(t[0]) as tf.Tensor)) as tf.Scalar;
          const fusedLoss = (...t: tf.Tensor[]) =>
            tf.sum(tf.mul(w, FUSED[cell](t[0] as tf.Tensor3D, t[1] as tf.Tensor2D, t[2] as tf.Tensor2D, (t[3] as tf.Tensor1D) ?? null, { returnSequences }))) as tf.Scalar;
          const inputs = [x, ...layer.weights.map((v) => v.read())];
          const stock = tf.grads(stockLoss)(inputs);
          const fused = tf.grads(fusedLoss)(inputs);
          const valueDiff = Math.abs(stockLoss(...inputs).dataSync()[0] - fusedLoss(...inputs).dataSync()[0]);
          assert.ok(valueDiff < TOLERANCE, `loss differs by ${valueDiff}`);
          ['x', 'kernel', 'recurrentKernel', 'bias'].slice(0, inputs.length).forEach((name, i) => {
            const d = maxDiff(fused[i], stock[i]);
            assert.ok(d < TOLERANCE, `gradient of ${name} differs by ${d}`);
          });
          tf.dispose([x, w, ...weights, ...stock, ...fused]);
          layer.dispose();
        });
      }
    }
  }

  it('returns zeros for x when asked not to compute the input gradient, and the same weight gradients', () => {
    const x = seeded([2, 4, 3], 1);
    const k = seeded([3, 20], 2, 0.5);
    const rk = seeded([5, 20], 3, 0.5);
    const b = seeded([20], 4, 0.5);
    const loss = (inputGradient: boolean) => (...t: tf.Tensor[]) => tf.sum(fusedLstm(t[0] as tf.Tensor3D, t[1] as tf.Tensor2D, t[2] as tf.Tensor2D, t[3] as tf.Tensor1D, { inputGradient })) as tf.Scalar;
    const withX = tf.grads(loss(true))([x, k, rk, b]);
    const without = tf.grads(loss(false))([x, k, rk, b]);
    assert.equal(tf.max(tf.abs(without[0])).dataSync()[0], 0);
    assert.ok(tf.max(tf.abs(withX[0])).dataSync()[0] > 0, 'the input gradient should not be zero');
    for (let i = 1; i < 4; i++) assert.ok(maxDiff(withX[i], without[i]) === 0, `weight gradient ${i} changed`);
    tf.dispose([x, k, rk, b, ...withX, ...without]);
  });

  for (const cell of CELLS) {
    it(`${cell}: rejects a kernel of the wrong shape with the rule and the shapes, leaking nothing`, () => {
      const x = tf.zeros([2, 3, 4]) as tf.Tensor3D;
      const g = GATES[cell];
      const rk = tf.zeros([5, g * 5]) as tf.Tensor2D;
      const badKernel = tf.zeros([3, g * 5]) as tf.Tensor2D;
      const before = tf.memory().numTensors;
      assert.throws(() => FUSED[cell](x, badKernel, rk, null), (e: Error) => e instanceof RangeError && e.message.includes(`kernel must be [4, ${g * 5}]`) && e.message.includes('got shape [3,'));
      assert.throws(() => FUSED[cell](x, tf.zeros([4, g * 5]) as tf.Tensor2D, tf.zeros([5, 7]) as tf.Tensor2D, null), /recurrentKernel must be \[units, \d·units\], got shape \[5,7\]/);
      assert.throws(() => FUSED[cell](tf.zeros([2, 3]) as unknown as tf.Tensor3D, badKernel, rk, null), /x must be \[batch, steps, features\], got shape \[2,3\]/);
      assert.equal(tf.memory().numTensors, before + 3, 'only the tensors made in the asserts themselves remain');
      tf.dispose([x, rk, badKernel]);
    });
  }
});

describe('fastApply', () => {
  before(async () => {
    await initBackend();
    // The embedding's gradient needs UnsortedSegmentSum, which the wasm back end lacks.
    ensureSegmentSumKernel();
  });

  for (const cell of CELLS) {
    it(`${cell} classifier with two stacked layers: same output and the same gradient for every variable`, () => {
      const model = buildClassifier({ cell, units: [6, 5], timeSteps: 5, features: 3, numClasses: 4, seed: 3 });
      const x = seeded([4, 5, 3], 1);
      const w = seeded([4, 4], 2);
      assert.deepEqual(fastPlan(model).layers.filter((l) => l.path === 'fused').map((l) => l.layer), ['rnn_0', 'rnn_1']);
      const d = maxDiff(fastApply(model, x), model.apply(x) as tf.Tensor);
      assert.ok(d < TOLERANCE, `output differs by ${d}`);
      assertSameGrads(model, x, w);
      tf.dispose([x, w]);
      model.dispose();
    });
  }

  it('gives x the stock gradient unless told it is not wanted', () => {
    const model = buildClassifier({ cell: 'LSTM', units: 5, timeSteps: 4, features: 3, numClasses: 2, seed: 3 });
    const x = seeded([3, 4, 3], 1);
    const w = seeded([3, 2], 2);
    const lossOf = (f: (input: tf.Tensor) => tf.Tensor) => (input: tf.Tensor) => tf.sum(tf.mul(w, f(input))) as tf.Scalar;
    const stock = tf.grad(lossOf((input) => model.apply(input, { training: true }) as tf.Tensor))(x);
    const fused = tf.grad(lossOf((input) => fastApply(model, input, { training: true })))(x);
    const skipped = tf.grad(lossOf((input) => fastApply(model, input, { training: true, inputGradient: false })))(x);
    const d = maxDiff(fused, stock);
    assert.ok(d < TOLERANCE, `gradient of x differs from the stock layers' by ${d}`);
    assert.ok(tf.max(tf.abs(stock)).dataSync()[0] > 0, 'the reference gradient of x should not be zero');
    assert.equal(tf.max(tf.abs(skipped)).dataSync()[0], 0);
    tf.dispose([x, w, stock, fused, skipped]);
    model.dispose();
  });

  it('without training: true (the plain forward pass) still gives the stock gradients through tfjs autodiff', () => {
    const model = buildClassifier({ cell: 'GRU', units: 5, timeSteps: 4, features: 3, numClasses: 2, seed: 3 });
    const x = seeded([3, 4, 3], 1);
    const w = seeded([3, 2], 2);
    const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
    const plain = tf.variableGrads(() => tf.sum(tf.mul(w, fastApply(model, x))) as tf.Scalar, vars);
    const stock = modelGrads(model, x, w, false);
    for (const name of Object.keys(stock)) {
      const d = maxDiff(plain.grads[name], stock[name]);
      assert.ok(d < TOLERANCE, `gradient of ${name} differs by ${d}`);
    }
    tf.dispose([x, w, plain.value, ...Object.values(plain.grads), ...Object.values(stock)]);
    model.dispose();
  });

  it('language model (embedding, recurrent layer returning sequences, per-step dense): same gradients', () => {
    const model = buildLanguageModel({ cell: 'GRU', units: 6, vocabSize: 7, timeSteps: 5, embeddingDim: 4, seed: 3 });
    const x = tf.tensor2d([[1, 2, 3, 4, 5], [6, 0, 1, 2, 3]]);
    const w = seeded([2, 5, 7], 2);
    assert.equal(fastPlan(model).layers.find((l) => l.layer === 'rnn_0')?.path, 'fused');
    assertSameGrads(model, x, w);
    tf.dispose([x, w]);
    model.dispose();
  });

  it('forecaster: same gradients', () => {
    const model = buildForecaster({ cell: 'LSTM', units: 6, timeSteps: 5, features: 3, horizon: 2, seed: 3 });
    const x = seeded([3, 5, 3], 1);
    const w = seeded([3, 2], 2);
    assertSameGrads(model, x, w);
    tf.dispose([x, w]);
    model.dispose();
  });

  for (const cell of CELLS) {
    it(`${cell} factorised into a LowRankRNN: fused, with the same gradients for the factors`, () => {
      const base = buildClassifier({ cell, units: 8, timeSteps: 5, features: 3, numClasses: 2, seed: 3 });
      const { model } = factorizeModel(base, { rank: 3, roles: ['recurrentKernel'] });
      assert.equal(fastPlan(model).layers.find((l) => l.layer === 'rnn_0')?.path, 'fused');
      const x = seeded([4, 5, 3], 1);
      const w = seeded([4, 2], 2);
      assertSameGrads(model, x, w);
      tf.dispose([x, w]);
      base.dispose();
      model.dispose();
    });
  }

  it('a model shrunk by unit removal runs fused, with the same gradients', () => {
    const base = buildClassifier({ cell: 'LSTM', units: [8, 6], timeSteps: 5, features: 3, numClasses: 2, seed: 3 });
    const { model } = pruneUnitsByScore(base, { layers: ['rnn_0'], amount: 0.5 });
    assert.equal(model.getLayer('rnn_0').getWeights()[1].shape[0], 4, 'rnn_0 should have 4 units left');
    assert.deepEqual(fastPlan(model).layers.filter((l) => l.path === 'fused').map((l) => l.layer), ['rnn_0', 'rnn_1']);
    const x = seeded([4, 5, 3], 1);
    const w = seeded([4, 2], 2);
    assertSameGrads(model, x, w);
    tf.dispose([x, w]);
    base.dispose();
    model.dispose();
  });

  it('runs a layer the fused ops do not implement unchanged, and says why', () => {
    const input = tf.input({ shape: [4, 3] });
    const hidden = tf.layers.lstm({ units: 5, recurrentActivation: 'hardSigmoid', name: 'rnn_0' }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2 }).apply(hidden) as tf.SymbolicTensor });
    const entry = fastPlan(model).layers.find((l) => l.layer === 'rnn_0');
    assert.equal(entry?.path, 'stock');
    assert.match(entry?.reason ?? '', /recurrentActivation is hardSigmoid/);
    const x = seeded([2, 4, 3], 1);
    assert.equal(maxDiff(fastApply(model, x), model.apply(x) as tf.Tensor), 0);
    x.dispose();
    model.dispose();
  });

  it('runs a model that is not a chain through model.apply', () => {
    const input = tf.input({ shape: [4, 3] });
    const a = tf.layers.simpleRNN({ units: 3 }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.gru({ units: 3, recurrentActivation: 'sigmoid' }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: tf.layers.concatenate().apply([a, b]) as tf.SymbolicTensor });
    assert.equal(fastPlan(model).chain, false);
    const x = seeded([2, 4, 3], 1);
    assert.equal(maxDiff(fastApply(model, x), model.apply(x) as tf.Tensor), 0);
    x.dispose();
    model.dispose();
  });

  it('leaks no tensors, forward or backward', () => {
    const model = buildClassifier({ cell: 'LSTM', units: 5, timeSteps: 4, features: 3, numClasses: 2, seed: 3 });
    const x = seeded([2, 4, 3], 1);
    const w = seeded([2, 2], 2);
    fastApply(model, x).dispose();
    const before = tf.memory().numTensors;
    fastApply(model, x).dispose();
    const grads = modelGrads(model, x, w, true);
    tf.dispose(Object.values(grads));
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([x, w]);
    model.dispose();
  });
});

describe('training with fastRecurrence', () => {
  before(async () => {
    await initBackend();
  });

  async function trainTwice(cell: (typeof CELLS)[number], prepare: (m: tf.LayersModel) => { callbacks?: TrainingCallback[]; finish?: () => void }): Promise<{ fast: Float32Array[]; stock: Float32Array[] }> {
    const result: Record<'fast' | 'stock', Float32Array[]> = { fast: [], stock: [] };
    for (const fastRecurrence of [true, false]) {
      const model = buildClassifier({ cell, units: 6, timeSteps: 5, features: 2, numClasses: 2, seed: 9 });
      const { callbacks, finish } = prepare(model);
      await train(model, signDataset(), { numEpochs: 2, batchSize: 8, fastRecurrence, progress: 'none', callbacks });
      finish?.();
      result[fastRecurrence ? 'fast' : 'stock'] = model.getWeights().map((t) => t.dataSync() as Float32Array);
      model.dispose();
    }
    return result;
  }

  function assertClose(a: Float32Array[], b: Float32Array[], tolerance: number): void {
    a.forEach((w, i) => {
      const d = w.reduce((m, v, j) => Math.max(m, Math.abs(v - b[i][j])), 0);
      assert.ok(d < tolerance, `weight ${i} differs by ${d}`);
    });
  }

  for (const cell of CELLS) {
    it(`${cell}: ten Adam steps end at the stock layers' weights to 1e-4`, async () => {
      const { fast, stock } = await trainTwice(cell, () => ({}));
      assertClose(fast, stock, 1e-4);
    });
  }

  it('keeps pruned weights at exactly zero and ends at the stock weights', async () => {
    const { fast, stock } = await trainTwice('LSTM', (model) => {
      const state = l1Unstructured(model, { amount: 0.5, roles: ['kernel', 'recurrentKernel'] });
      state.applyMasks();
      return { callbacks: [state] };
    });
    assertClose(fast, stock, 1e-4);
    const kernelZeros = fast[0].filter((v) => v === 0).length;
    assert.equal(kernelZeros, fast[0].length / 2, 'half of the kernel should be exactly 0');
  });

  it('quantization-aware training (4 bits) ends at the stock weights', async () => {
    const { fast, stock } = await trainTwice('GRU', (model) => {
      const qat = createQatState(model, { bits: 4 });
      return { callbacks: [qat], finish: () => qat.export() };
    });
    assertClose(fast, stock, 1e-4);
  });
});
