import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { createRng } from '../../src/utils';
import { createQatState, quantizeModel, quantizeTensor } from '../../src/quantization';
import type { ClassificationDataset, Split } from '../../src/data/types';
import { buildClassifier } from '../../src/models';
import { earlyStopping, evaluate, sparseSoftmaxCrossEntropy, train } from '../../src/training';

const f = Math.fround;

type Cell = 'lstm' | 'gru' | 'simpleRNN';

function buildModel(cell: Cell, { units = 2, timeSteps = 3, features = 2, seed = 1 } = {}): tf.Sequential {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: s });
  const m = tf.sequential();
  m.add(tf.layers[cell]({ units, inputShape: [timeSteps, features], kernelInitializer: init(seed), recurrentInitializer: init(seed + 1) }));
  m.add(tf.layers.dense({ units: 1, kernelInitializer: init(seed + 2) }));
  return m;
}

/** Reference per-tensor symmetric fake quantization, written with floor(|x| / s + 1/2) rather than the library's rounding helper. */
function refFakeQuant(v: ArrayLike<number>, bits: number, clipAt?: number): Float32Array {
  const qmax = 2 ** (bits - 1) - 1;
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  if (clipAt !== undefined) m = Math.min(m, clipAt);
  const s = m === 0 ? 1 : f(m / qmax);
  return Float32Array.from(v, (x) => {
    const q = Math.min(qmax, Math.floor(Math.abs(x) / s + 0.5));
    return f(Math.sign(x) * q * s) + 0; // + 0 turns -0 into 0, as integer codes have no sign
  });
}

function values(v: tf.Tensor | tf.LayerVariable): Float32Array {
  return Float32Array.from((v instanceof tf.Tensor ? v : v.read()).dataSync());
}

function closeTo(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

function batch(seed: number, n = 4, timeSteps = 3, features = 2): { x: tf.Tensor; y: tf.Tensor } {
  const rng = createRng(seed);
  const x = Float32Array.from({ length: n * timeSteps * features }, () => rng.normal());
  const y = Float32Array.from({ length: n }, () => rng.normal());
  return { x: tf.tensor3d(x, [n, timeSteps, features]), y: tf.tensor2d(y, [n, 1]) };
}

before(async () => {
  await initBackend();
});

describe('createQatState', () => {
  it('puts fake-quantized weights into the model and keeps float shadows', () => {
    const m = buildModel('simpleRNN');
    const original = m.weights.map(values);
    const qat = createQatState(m, { bits: 3 });
    assert.equal(qat.weights.length, 3); // kernel, recurrent kernel, dense kernel
    for (const w of qat.weights) {
      const i = m.weights.indexOf(w.ref.variable);
      assert.deepEqual(values(w.shadow), original[i]);
      assert.deepEqual(values(w.ref.variable), refFakeQuant(original[i], 3));
    }
    qat.dispose();
    m.dispose();
  });

  it('applies the gradient taken at the quantized weights to the shadows (straight-through)', () => {
    const m = buildModel('simpleRNN');
    const { x, y } = batch(2);
    const lr = 0.1;
    const lossFn = () => tf.losses.meanSquaredError(y, m.apply(x) as tf.Tensor) as tf.Scalar;
    const qat = createQatState(m, { bits: 3 });
    const shadow0 = qat.weights.map((w) => values(w.shadow));
    const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
    const before = new Map(m.trainableWeights.map((w) => [w.name, values(w)]));
    // Reference gradient: tf.variableGrads at the fake-quantized weights, before the step.
    const { value, grads } = tf.variableGrads(lossFn, vars);
    const g = new Map(Object.entries(grads).map(([k, t]) => [k, values(t)]));
    tf.dispose([value, ...Object.values(grads)]);
    const optimizer = tf.train.sgd(lr);
    qat.step(lossFn, optimizer);
    qat.weights.forEach((w, k) => {
      const gw = g.get(w.ref.variable.name)!;
      const expected = shadow0[k].map((s, i) => s - lr * gw[i]);
      closeTo(values(w.shadow), expected, 1e-6, `shadow ${w.ref.variable.name}`);
      assert.deepEqual(values(w.ref.variable), refFakeQuant(values(w.shadow), 3));
    });
    // Biases are not quantized: they are updated in place.
    const bias = m.trainableWeights.find((w) => w.name.includes('bias'))!;
    closeTo(values(bias), before.get(bias.name)!.map((b, i) => b - lr * g.get(bias.name)![i]), 1e-6, 'bias');
    qat.dispose();
    optimizer.dispose();
    tf.dispose([x, y]);
    m.dispose();
  });

  it('moves an update made by an outside loop onto the shadows (onBatchEnd) like step does', () => {
    const { x, y } = batch(3);
    const run = (hooked: boolean): Float32Array[] => {
      const count = tf.memory().numTensors;
      const m = buildModel('gru', { seed: 5 });
      const lossFn = () => tf.losses.meanSquaredError(y, m.apply(x) as tf.Tensor) as tf.Scalar;
      const qat = createQatState(m, { bits: 4, granularity: 'per-channel' });
      const optimizer = tf.train.sgd(0.05);
      for (let s = 0; s < 3; s++) {
        if (hooked) {
          optimizer.minimize(lossFn, false, m.trainableWeights.map((w) => w.read() as tf.Variable));
          qat.onBatchEnd();
        } else {
          qat.step(lossFn, optimizer);
        }
      }
      const out = qat.weights.map((w) => values(w.shadow));
      qat.dispose();
      optimizer.dispose();
      m.dispose();
      assert.equal(tf.memory().numTensors, count, `tensors leaked (${hooked ? 'onBatchEnd' : 'step'})`);
      return out;
    };
    const stepped = run(false);
    const hooked = run(true);
    stepped.forEach((s, k) => closeTo(hooked[k], s, 1e-5, `shadow ${k}`));
    tf.dispose([x, y]);
  });

  it('zeroes the gradient of clipped values', () => {
    const m = buildModel('simpleRNN', { units: 3 });
    const { x, y } = batch(4);
    const lossFn = () => tf.losses.meanSquaredError(y, m.apply(x) as tf.Tensor) as tf.Scalar;
    const qat = createQatState(m, { bits: 2, clip: { percentile: 50 }, roles: ['recurrentKernel'] });
    const w = qat.weights[0];
    const s0 = values(w.shadow);
    // Reference mask: clip t = median |w| (9 values: the 5th smallest), scale = t / 1, a value is
    // clipped when |w| / scale > qmax + 1/2 = 1.5.
    const t = [...s0].map(Math.abs).sort((a, b) => a - b)[4];
    const clipped = [...s0].map((v) => Math.abs(v) / f(t) > 1.5);
    assert.ok(clipped.some(Boolean) && !clipped.every(Boolean));
    assert.deepEqual(values(w.ref.variable), refFakeQuant(s0, 2, t));
    const optimizer = tf.train.sgd(0.5);
    qat.step(lossFn, optimizer);
    const s1 = values(w.shadow);
    s1.forEach((v, i) => {
      if (clipped[i]) assert.equal(v, s0[i], `clipped ${i} moved`);
      else assert.notEqual(v, s0[i], `unclipped ${i} did not move`);
    });
    qat.dispose();
    optimizer.dispose();
    tf.dispose([x, y]);
    m.dispose();
  });

  it('exports quantized weights that are a fixed point of quantization, and frees the shadows', () => {
    const m = buildModel('lstm');
    const { x, y } = batch(5);
    const count = tf.memory().numTensors;
    const qat = createQatState(m, { bits: 4, scheme: 'affine', granularity: 'per-channel' });
    const optimizer = tf.train.adam(0.01);
    qat.step(() => tf.losses.meanSquaredError(y, m.apply(x) as tf.Tensor) as tf.Scalar, optimizer);
    const report = qat.export();
    optimizer.dispose();
    assert.equal(tf.memory().numTensors, count);
    assert.equal(qat.finished, true);
    assert.throws(() => qat.beforeStep(), /exported or disposed/);
    for (const w of report.weights) {
      const v = values(m.weights.find((mw) => mw.originalName === w.name)!);
      const again = quantizeTensor(v, w.shape, { bits: 4, scheme: 'affine', granularity: 'per-channel' });
      assert.deepEqual([...again.codes], [...w.quantized.codes], w.name);
    }
    tf.dispose([x, y]);
    m.dispose();
  });

  it('rejects bad options and leaves the model untouched', () => {
    const m = buildModel('lstm');
    const original = m.weights.map(values);
    const count = tf.memory().numTensors;
    assert.throws(() => createQatState(m, { bits: 1 }), /^RangeError: bits must be an integer in \[2, 16\], got 1$/);
    assert.throws(() => createQatState(m, { scheme: 'log' as never }), /scheme must be one of symmetric, affine, got 'log'/);
    assert.throws(() => createQatState(m, { roles: ['gates' as never] }), /role must be one of kernel, recurrentKernel, bias, embeddings, got 'gates'/);
    assert.deepEqual(m.weights.map(values), original);
    assert.equal(tf.memory().numTensors, count);
    const qat = createQatState(m, { bits: 8 });
    assert.throws(() => qat.step(() => tf.scalar(0), {} as tf.Optimizer), /^TypeError: optimizer must be a tf.Optimizer/);
    qat.dispose();
    assert.equal(tf.memory().numTensors, count);
    m.dispose();
  });
});

/** Label 1 when sum_t (x1 - 0.6 x2 + 0.3 x3 + 0.15 x4) > 0, 8 steps of 4 features x ~ N(0, 1). */
const T = 8;
const C = [1, -0.6, 0.3, 0.15];
function weightedSignSplit(n: number, seed: number): Split {
  const rng = createRng(seed);
  const x = new Float32Array(n * T * C.length);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let t = 0; t < T; t++) {
      C.forEach((c, k) => {
        const v = rng.normal();
        x[(i * T + t) * C.length + k] = v;
        sum += c * v;
      });
    }
    y[i] = sum > 0 ? 1 : 0;
  }
  return { x, y, size: n };
}

function weightedSign(trainSize: number, testSize = 512): ClassificationDataset {
  return {
    task: 'classification', name: 'weighted-sign', timeSteps: T, features: C.length, numClasses: 2, classNames: ['neg', 'pos'],
    train: weightedSignSplit(trainSize, 1), validation: weightedSignSplit(128, 3), test: weightedSignSplit(testSize, 2), seed: 1, source: 'synthetic',
  };
}

describe('QAT as a callback of train', () => {
  it('is reproducible from its seed and leaks no tensors, early stopping included', async () => {
    const data = weightedSign(64, 32);
    const run = async () => {
      const m = buildClassifier({ cell: 'GRU', units: 3, timeSteps: T, features: C.length, numClasses: 2, seed: 9 });
      const count = tf.memory().numTensors;
      const qat = createQatState(m, { bits: 4 });
      const history = await train(m, data, { numEpochs: 3, batchSize: 16, learningRate: 0.01, seed: 3, progress: 'none', callbacks: [qat, earlyStopping({ patience: 1 })] });
      qat.export();
      assert.equal(tf.memory().numTensors, count);
      const w = m.weights.map(values);
      m.dispose();
      return { losses: history.epochs.map((e) => e.loss), w };
    };
    const a = await run();
    const b = await run();
    assert.deepEqual(a, b);
  });

  it('early stopping restores the shadows with the weights: the model ends on the best epoch\'s quantized weights', async () => {
    // Gradient ascent makes the validation loss rise, so epoch 0 is best and patience 1 stops after
    // epoch 1. The weights must be epoch 0's fake-quantized values, and exporting must give them back
    // (a fixed point: the shadows were restored to epoch 0 too).
    const data = weightedSign(64, 32);
    const m = buildClassifier({ cell: 'LSTM', units: 3, timeSteps: T, features: C.length, numClasses: 2, seed: 4 });
    const qat = createQatState(m, { bits: 4 });
    const perEpoch: Float32Array[][] = [];
    await train(m, data, {
      numEpochs: 5, batchSize: 16, learningRate: 0.05, progress: 'none',
      lossFn: (yTrue, yPred) => tf.neg(sparseSoftmaxCrossEntropy(yTrue, yPred)) as tf.Scalar,
      callbacks: [qat, { onEpochEnd: () => void perEpoch.push(m.weights.map(values)) }, earlyStopping({ patience: 1 })],
    });
    assert.equal(perEpoch.length, 2);
    assert.deepEqual(m.weights.map(values), perEpoch[0]);
    qat.export();
    assert.deepEqual(m.weights.map(values), perEpoch[0]);
    m.dispose();
  });

  it('recovers accuracy lost by post-training quantization at 3 bits (sign of a weighted sum)', async () => {
    // The small coefficients need fine input weights, which a 3-bit per-tensor grid rounds away.
    const data = weightedSign(512);
    const m = buildClassifier({ cell: 'LSTM', units: 8, timeSteps: T, features: C.length, numClasses: 2, seed: 42 });
    await train(m, data, { numEpochs: 20, batchSize: 32, learningRate: 0.02, seed: 1, progress: 'none' });
    const floatAcc = evaluate(m, data, 'test').accuracy;
    const { model: ptq } = quantizeModel(m, { bits: 3, granularity: 'per-tensor' });
    const ptqAcc = evaluate(ptq, data, 'test').accuracy;
    ptq.dispose();
    const qat = createQatState(m, { bits: 3, granularity: 'per-tensor' });
    await train(m, data, { numEpochs: 5, batchSize: 32, learningRate: 0.003, seed: 42, progress: 'none', callbacks: [qat] });
    qat.export();
    const qatAcc = evaluate(m, data, 'test').accuracy;
    console.log(`float ${floatAcc.toFixed(3)}, 3-bit PTQ ${ptqAcc.toFixed(3)}, 3-bit QAT ${qatAcc.toFixed(3)}`);
    assert.ok(floatAcc > 0.85, `float model must learn the task, got ${floatAcc}`);
    assert.ok(qatAcc > ptqAcc, `QAT ${qatAcc} must beat PTQ ${ptqAcc}`);
    m.dispose();
  });
});
