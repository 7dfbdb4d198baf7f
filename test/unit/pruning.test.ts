import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import {
  computeMask,
  ConstantSparsity,
  createPruningState,
  globalUnstructured,
  gradualPruning,
  isPruned,
  l1Unstructured,
  measureSparsity,
  PolynomialDecay,
  pruneToSparsity,
  removePruning,
  thresholdPrune,
} from '../../src/pruning';

/** Dense(inputs -> units) named `name`, weights set by hand (kernel row-major, shape [inputs, units]). */
function denseModel(layers: { name: string; kernel: number[][]; bias?: number[] }[]): tf.Sequential {
  const m = tf.sequential();
  layers.forEach(({ name, kernel }, i) => {
    m.add(tf.layers.dense({ units: kernel[0].length, name, ...(i === 0 ? { inputShape: [kernel.length] } : {}) }));
  });
  for (const { name, kernel, bias } of layers) {
    m.getLayer(name).setWeights([tf.tensor2d(kernel), tf.tensor1d(bias ?? kernel[0].map(() => 0.01))]);
  }
  return m;
}

function kernelOf(model: tf.LayersModel, layer: string): number[] {
  return Array.from(model.getLayer(layer).getWeights()[0].dataSync());
}

function zerosAt(values: number[]): number[] {
  return values.flatMap((v, i) => (v === 0 ? [i] : []));
}

function snapshot(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

function close(a: number, b: number, tol = 1e-9): boolean {
  return Math.abs(a - b) <= tol;
}

before(async () => {
  await initBackend();
});

describe('thresholdPrune', () => {
  it('zeroes exactly the weights with |w| < θ, strictly less, and leaves biases alone', () => {
    const m = denseModel([{ name: 'd', kernel: [[0.5, -0.05], [0.1, -0.2]], bias: [0.01, -0.3] }]);
    const state = thresholdPrune(m, { threshold: 0.1 });
    // |−0.05| < 0.1 → 0; |0.1| is not < 0.1 → kept; 0.5 and −0.2 kept. Bias 0.01 < θ but not selected.
    assert.deepEqual(kernelOf(m, 'd').map((v) => Math.round(v * 100) / 100), [0.5, 0, 0.1, -0.2]);
    assert.ok(close(m.getLayer('d').getWeights()[1].dataSync()[0], 0.01, 1e-7));
    assert.equal(state.sparsityReport().total.pruned, 1);
    assert.equal(isPruned(m), true);
    removePruning(m);
    m.dispose();
  });

  it('prunes biases too when the bias role is asked for', () => {
    const m = denseModel([{ name: 'd', kernel: [[0.5, -0.05]], bias: [0.01, -0.3] }]);
    thresholdPrune(m, { threshold: 0.1, roles: ['bias'] });
    assert.deepEqual(Array.from(m.getLayer('d').getWeights()[1].dataSync()).map((v) => Math.round(v * 100) / 100), [0, -0.3]);
    assert.ok(close(kernelOf(m, 'd')[1], -0.05, 1e-7));
    removePruning(m);
    m.dispose();
  });
});

describe('computeMask and amounts', () => {
  it('prunes the smallest magnitudes and breaks ties at the lowest index', () => {
    // |values| = 0.3, 0.1, 0.2, 0.1: the two smallest are indices 1 and 3.
    assert.deepEqual(Array.from(computeMask([0.3, -0.1, 0.2, 0.1], 2)), [1, 0, 1, 0]);
    // Three entries tie at 0.1; pruning two takes indices 0 and 1, keeps index 2.
    assert.deepEqual(Array.from(computeMask([0.1, -0.1, 0.1, 0.3], 2)), [0, 0, 1, 1]);
    // With a default mask, only still-kept entries are candidates, and pruned ones stay pruned.
    assert.deepEqual(Array.from(computeMask([0.1, 0.5, 0.2, 0.4], 1, [0, 1, 1, 1])), [0, 1, 0, 1]);
  });

  it('reads an integer >= 1 as a count and a value in [0, 1) as a fraction', () => {
    const values = [8, 7, 6, 5, 4, 3, 2, 1];
    const pruned = (amount: number): number => computeMask(values, amount).filter((v) => v === 0).length;
    assert.equal(pruned(0.25), 2); // 0.25 * 8 = 2
    assert.equal(pruned(3), 3);
    assert.equal(pruned(1), 1); // one weight, not 100%
    assert.equal(pruned(0), 0);
    // prune.py rounds half to even: round(0.5 * 5) = 2, round(0.5 * 7) = 4 (3.5 -> 4).
    assert.equal(computeMask([1, 2, 3, 4, 5], 0.5).filter((v) => v === 0).length, 2);
    assert.equal(computeMask([1, 2, 3, 4, 5, 6, 7], 0.5).filter((v) => v === 0).length, 4);
  });

  it('l1Unstructured zeroes the k smallest of each tensor (fraction and count)', () => {
    const kernel = [[0.8, -0.1, 0.3, 0.05], [-0.6, 0.2, -0.7, 0.4]]; // flat |w|: .8 .1 .3 .05 .6 .2 .7 .4
    const a = denseModel([{ name: 'd', kernel }]);
    l1Unstructured(a, { amount: 0.5 }); // 4 smallest: .05 (3), .1 (1), .2 (5), .3 (2)
    assert.deepEqual(zerosAt(kernelOf(a, 'd')), [1, 2, 3, 5]);
    const b = denseModel([{ name: 'd', kernel }]);
    l1Unstructured(b, { amount: 3 });
    assert.deepEqual(zerosAt(kernelOf(b, 'd')), [1, 3, 5]);
    removePruning(a);
    removePruning(b);
    a.dispose();
    b.dispose();
  });
});

describe('per-layer versus global scope', () => {
  const layers = [
    { name: 'big', kernel: [[1, -2], [3, 4]] },
    { name: 'small', kernel: [[0.1, -0.2], [0.3, 0.4]] },
  ];

  it('per layer prunes half of each tensor', () => {
    const m = denseModel(layers);
    l1Unstructured(m, { amount: 0.5 });
    assert.deepEqual(zerosAt(kernelOf(m, 'big')), [0, 1]); // 1 and -2
    assert.deepEqual(zerosAt(kernelOf(m, 'small')), [0, 1]); // 0.1 and -0.2
    removePruning(m);
    m.dispose();
  });

  it('global prunes the smallest half of all weights, all from the small-weight layer', () => {
    const m = denseModel(layers);
    const state = globalUnstructured(m, { amount: 0.5 }); // 4 of 8: 0.1, 0.2, 0.3, 0.4
    assert.deepEqual(zerosAt(kernelOf(m, 'big')), []);
    assert.deepEqual(zerosAt(kernelOf(m, 'small')), [0, 1, 2, 3]);
    const report = state.sparsityReport();
    assert.deepEqual(report.weights.map((w) => [w.name, w.pruned, w.sparsity]), [
      ['big/kernel', 0, 0],
      ['small/kernel', 4, 1],
    ]);
    assert.deepEqual(report.total, { size: 8, pruned: 4, sparsity: 0.5 });
    removePruning(m);
    m.dispose();
  });

  it('global ties go to the earlier layer first', () => {
    const m = denseModel([{ name: 'a', kernel: [[0.5, 1]] }, { name: 'b', kernel: [[0.5], [2]] }]);
    l1Unstructured(m, { amount: 1, scope: 'global' });
    assert.deepEqual(zerosAt(kernelOf(m, 'a')), [0]);
    assert.deepEqual(zerosAt(kernelOf(m, 'b')), []);
    removePruning(m);
    m.dispose();
  });
});

describe('PruningState: masks compose and survive training', () => {
  it('pruning twice keeps earlier zeros even if the weights regrew, and fractions refer to what remains', () => {
    const m = denseModel([{ name: 'd', kernel: [[1, 2, 3, 4], [5, 6, 7, 8]] }]);
    l1Unstructured(m, { amount: 0.5 }); // zeroes 1, 2, 3, 4 (indices 0..3)
    // Regrowth without re-applying masks (as an optimizer step would do): pruned entries become large.
    m.getLayer('d').setWeights([tf.tensor2d([[9, 9, 9, 9], [5, 6, 7, 8]]), tf.tensor1d([0, 0, 0, 0])]);
    l1Unstructured(m, { amount: 0.5 }); // half of the 4 remaining: 5 and 6
    assert.deepEqual(zerosAt(kernelOf(m, 'd')), [0, 1, 2, 3, 4, 5]);
    assert.equal(measureSparsity(m).total.sparsity, 0.75);
    removePruning(m);
    m.dispose();
  });

  it('after an SGD step the hook restores exact zeros and keeps the updated survivors', () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 3, inputShape: [4], name: 'd', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }));
    const state = l1Unstructured(m, { amount: 0.5 });
    const pruned = zerosAt(kernelOf(m, 'd'));
    assert.equal(pruned.length, 6);
    const x = tf.randomUniform([5, 4], -1, 1, 'float32', 11);
    const y = tf.randomUniform([5, 3], -1, 1, 'float32', 12);
    const sgd = tf.train.sgd(0.5);
    sgd.minimize(() => tf.losses.meanSquaredError(y, m.predict(x) as tf.Tensor) as tf.Scalar, false, m.trainableWeights.map((w) => w.read() as tf.Variable));
    const stepped = kernelOf(m, 'd');
    // The gradient revives pruned weights: without the hook they are no longer 0.
    assert.ok(pruned.some((i) => stepped[i] !== 0));
    state.onBatchEnd();
    const after = kernelOf(m, 'd');
    for (const i of pruned) assert.ok(Object.is(after[i], 0), `index ${i}: ${after[i]}`);
    for (let i = 0; i < after.length; i++) if (!pruned.includes(i)) assert.equal(after[i], stepped[i]);
    removePruning(m);
    sgd.dispose();
    tf.dispose([x, y]);
    m.dispose();
  });

  it('keeps a SimpleRNN recurrent kernel pruned through model.fit with the state as its onBatchEnd', async () => {
    const m = tf.sequential();
    m.add(tf.layers.simpleRNN({ units: 3, inputShape: [4, 2], name: 'rnn', kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }), recurrentInitializer: tf.initializers.glorotUniform({ seed: 6 }) }));
    m.add(tf.layers.dense({ units: 1, name: 'out', kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) }));
    m.compile({ optimizer: tf.train.sgd(0.5), loss: 'meanSquaredError' });
    const state = l1Unstructured(m, { amount: 4, layers: ['rnn'], roles: ['recurrentKernel'] });
    const x = tf.randomUniform([8, 4, 2], -1, 1, 'float32', 8);
    const y = tf.randomUniform([8, 1], -1, 1, 'float32', 9);
    await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: { onBatchEnd: async () => state.onBatchEnd() } });
    const rk = Array.from(m.getLayer('rnn').getWeights()[1].dataSync());
    assert.equal(rk.filter((v) => v === 0).length, 4);
    removePruning(state);
    tf.dispose([x, y]);
    m.dispose();
  });

  it('removePruning leaves a plain model with the zeros baked in', () => {
    const m = denseModel([{ name: 'd', kernel: [[0.8, -0.1], [0.3, 0.05]] }]);
    const state = l1Unstructured(m, { amount: 2 });
    const plain = removePruning(m);
    assert.equal(plain, m);
    assert.equal(isPruned(m), false);
    assert.deepEqual(zerosAt(kernelOf(m, 'd')), [1, 3]);
    assert.throws(() => state.applyMasks(), /this pruning state was removed/);
    // No masks any more: written values stay.
    m.getLayer('d').setWeights([tf.tensor2d([[1, 1], [1, 1]]), tf.tensor1d([0, 0])]);
    assert.deepEqual(zerosAt(kernelOf(m, 'd')), []);
    assert.throws(() => removePruning(m), { name: 'RangeError', message: /model must be pruned before pruning can be removed/ });
    m.dispose();
  });
});

describe('invalid pruning calls', () => {
  it('reject with the rule and the value, and change nothing', () => {
    const m = denseModel([{ name: 'd', kernel: [[0.8, -0.1, 0.3, 0.05], [-0.6, 0.2, -0.7, 0.4]] }]);
    const weights = snapshot(m);
    const rule = 'amount must be a fraction in [0, 1) or an integer count >= 1';
    assert.throws(() => l1Unstructured(m, { amount: 1.5 }), { name: 'RangeError', message: `${rule}, got 1.5` });
    assert.throws(() => l1Unstructured(m, { amount: -0.1 }), { name: 'RangeError', message: `${rule}, got -0.1` });
    assert.throws(() => l1Unstructured(m, { amount: 9 }), { name: 'RangeError', message: 'amount must not exceed the number of unpruned weights (8), got 9' });
    assert.throws(() => l1Unstructured(m, { amount: 0.5, roles: ['gate' as 'kernel'] }), { name: 'RangeError', message: "role must be one of kernel, recurrentKernel, bias, embeddings, got 'gate'" });
    assert.throws(() => l1Unstructured(m, { amount: 0.5, layers: ['nope'] }), { name: 'RangeError', message: "layer must be one of d, got 'nope'" });
    assert.throws(() => l1Unstructured(m, { amount: 0.5, scope: 'model' as 'layer' }), { name: 'RangeError', message: `scope must be 'layer' or 'global', got "model"` });
    assert.throws(() => l1Unstructured(m, { amount: '0.5' as unknown as number }), { name: 'TypeError', message: 'amount must be a number, got string' });
    assert.throws(() => thresholdPrune(m, { threshold: -1 }), { name: 'RangeError', message: 'threshold must be a finite number >= 0, got -1' });
    assert.throws(() => pruneToSparsity(m, { sparsity: 1 }), { name: 'RangeError', message: 'sparsity must be in [0, 1), got 1' });
    assert.deepEqual(snapshot(m), weights);
    assert.equal(isPruned(m), false);
    m.dispose();
  });

  it('a count above the still-unpruned weights is rejected after an earlier pruning', () => {
    const m = denseModel([{ name: 'd', kernel: [[1, 2], [3, 4]] }]);
    l1Unstructured(m, { amount: 3 });
    const weights = snapshot(m);
    assert.throws(() => l1Unstructured(m, { amount: 2 }), { message: 'amount must not exceed the number of unpruned weights (1), got 2' });
    assert.deepEqual(snapshot(m), weights);
    removePruning(m);
    m.dispose();
  });
});

describe('schedules', () => {
  it('PolynomialDecay follows s_t = s_f + (s_i - s_f)(1 - (t - t0)/(nΔt))^3', () => {
    const s = new PolynomialDecay({ initialSparsity: 0, finalSparsity: 0.8, beginStep: 0, endStep: 100 });
    assert.ok(close(s.sparsityAt(0), 0));
    assert.ok(close(s.sparsityAt(50), 0.7)); // 0.8 - 0.8 * 0.5^3 = 0.8 - 0.1
    assert.ok(close(s.sparsityAt(25), 0.4625)); // 0.8 - 0.8 * 0.75^3 = 0.8 - 0.3375
    assert.ok(close(s.sparsityAt(100), 0.8));
    assert.ok(close(s.sparsityAt(150), 0.8)); // held after the end
    const q = new PolynomialDecay({ initialSparsity: 0.2, finalSparsity: 0.6, beginStep: 10, endStep: 110, power: 2 });
    assert.ok(close(q.sparsityAt(60), 0.5)); // 0.6 + (0.2 - 0.6) * 0.5^2 = 0.6 - 0.1
    assert.ok(close(q.sparsityAt(0), 0.2)); // held before the start
  });

  it('prunes every frequency steps inside [begin, end] and at the end step', () => {
    const s = new PolynomialDecay({ initialSparsity: 0, finalSparsity: 0.5, beginStep: 10, endStep: 110, frequency: 30 });
    const steps = Array.from({ length: 140 }, (_, t) => t).filter((t) => s.shouldPrune(t));
    assert.deepEqual(steps, [10, 40, 70, 100, 110]);
  });

  it('ConstantSparsity has one target and, by default, no end', () => {
    const s = new ConstantSparsity({ targetSparsity: 0.5, beginStep: 20, frequency: 10 });
    assert.equal(s.sparsityAt(0), 0.5);
    assert.equal(s.sparsityAt(10_000), 0.5);
    assert.deepEqual([10, 20, 25, 30, 1_000_000].map((t) => s.shouldPrune(t)), [false, true, false, true, true]);
    const e = new ConstantSparsity({ targetSparsity: 0.5, beginStep: 20, endStep: 45, frequency: 10 });
    assert.deepEqual([40, 45, 50].map((t) => e.shouldPrune(t)), [true, true, false]);
    assert.equal(new ConstantSparsity({ targetSparsity: 0.1, beginStep: 0 }).frequency, 100);
  });

  it('rejects invalid schedules with the rule', () => {
    assert.throws(() => new ConstantSparsity({ targetSparsity: 1, beginStep: 0 }), { name: 'RangeError', message: 'targetSparsity must be in [0, 1), got 1' });
    assert.throws(() => new ConstantSparsity({ targetSparsity: 0.5, beginStep: 0, frequency: 0 }), { message: 'frequency must be an integer >= 1, got 0' });
    assert.throws(() => new ConstantSparsity({ targetSparsity: 0.5, beginStep: 10, endStep: 5 }), { message: 'endStep must be -1 or >= beginStep (10), got 5' });
    assert.throws(() => new PolynomialDecay({ initialSparsity: 0, finalSparsity: 0.8, beginStep: 5, endStep: 5 }), { message: 'endStep must be > beginStep (5), got 5' });
    assert.throws(() => new PolynomialDecay({ initialSparsity: 0, finalSparsity: 0.8, beginStep: -1, endStep: 5 }), { message: 'beginStep must be an integer >= 0, got -1' });
  });
});

describe('gradualPruning', () => {
  it('reaches round(s_t * n) zeros at pruning steps and re-zeroes between them', () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 5, inputShape: [8], name: 'd', kernelInitializer: tf.initializers.glorotUniform({ seed: 21 }) }));
    const schedule = new PolynomialDecay({ initialSparsity: 0, finalSparsity: 0.8, beginStep: 0, endStep: 100, frequency: 25 });
    const pruning = gradualPruning(m, schedule);
    const run = {} as never; // the callback reads only the step from its logs
    const zeros = (): number => kernelOf(m, 'd').filter((v) => v === 0).length;
    // n = 40. Step 25: 0.4625 * 40 = 18.5 -> 18 (half to even); 50: 0.7 * 40 = 28; 75: (0.8 - 0.8/64) * 40 = 31.5 -> 32; 100: 32.
    const expected: Record<number, number> = { 0: 0, 25: 18, 50: 28, 75: 32, 100: 32 };
    let last = 0;
    for (let step = 0; step <= 100; step++) {
      // A stand-in optimizer step that moves every weight, pruned ones included.
      tf.tidy(() => {
        const v = m.getLayer('d').weights[0];
        v.write(tf.add(v.read(), 0.001));
      });
      pruning.onBatchEnd!({ epoch: 0, batch: step, step, loss: 0, size: 1 }, run);
      if (step in expected) last = expected[step];
      assert.equal(zeros(), last, `step ${step}`);
    }
    assert.equal(pruning.state.sparsityReport().total.pruned, 32);
    assert.deepEqual(pruning.events.map((e) => e.step), [0, 25, 50, 75, 100]);
    removePruning(pruning.state);
    m.dispose();
  });

  it('rejects a bad schedule or selection when created', () => {
    const m = denseModel([{ name: 'd', kernel: [[1, 2]] }]);
    assert.throws(() => gradualPruning(m, {} as ConstantSparsity), { name: 'TypeError', message: /schedule must have sparsityAt/ });
    assert.throws(() => gradualPruning(m, new ConstantSparsity({ targetSparsity: 0.5, beginStep: 0 }), { roles: ['gate' as 'kernel'] }), { name: 'RangeError' });
    assert.equal(isPruned(m), false);
    m.dispose();
  });
});

describe('pruning: tensor memory', () => {
  it('pruning holds one mask tensor per weight until removePruning, and applyMasks adds none', () => {
    const m = denseModel([{ name: 'a', kernel: [[1, 2], [3, 4]] }, { name: 'b', kernel: [[0.1], [0.2]] }]);
    const start = tf.memory().numTensors;
    const state = thresholdPrune(m, { threshold: 1.5 });
    l1Unstructured(m, { amount: 0.5, scope: 'global' });
    assert.equal(tf.memory().numTensors, start + 2); // masks of a/kernel and b/kernel
    state.applyMasks();
    state.onBatchEnd();
    measureSparsity(m);
    state.sparsityReport();
    assert.equal(tf.memory().numTensors, start + 2);
    removePruning(m);
    assert.equal(tf.memory().numTensors, start);
    assert.throws(() => l1Unstructured(m, { amount: 1.5 }));
    assert.equal(tf.memory().numTensors, start);
    m.dispose();
  });

  it('a gradual pruning run and createPruningState leak nothing once pruning is removed', () => {
    const m = denseModel([{ name: 'd', kernel: [[1, 2, 3, 4]] }]);
    const start = tf.memory().numTensors;
    const pruning = gradualPruning(m, new ConstantSparsity({ targetSparsity: 0.5, beginStep: 0, frequency: 2 }));
    for (let step = 0; step < 6; step++) pruning.onBatchEnd!({ epoch: 0, batch: step, step, loss: 0, size: 1 }, {} as never);
    assert.equal(createPruningState(m), pruning.state);
    // Steps 0, 2 and 4 prune (frequency 2), each to 50%: the events record target and result.
    assert.deepEqual(pruning.events.map((e) => [e.step, e.target, e.measured]), [[0, 0.5, 0.5], [2, 0.5, 0.5], [4, 0.5, 0.5]]);
    removePruning(m);
    assert.equal(tf.memory().numTensors, start);
    m.dispose();
  });
});
