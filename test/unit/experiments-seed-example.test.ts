import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import {
  buildSeedRnn,
  indexPutRows,
  nonzeroIndices,
  quantizationLevels,
  seedPruneMask,
  seedPruneWeights,
  seedQuantize,
  seedQuantizeWeights,
  torchDefaultInit,
  transposeMatrix,
} from '../../src/experiments/seed-example';

before(async () => {
  await initBackend();
});

function weightsOf(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

describe('torchDefaultInit', () => {
  it('draws every parameter inside ±1/√hidden with the PyTorch shapes', () => {
    const p = torchDefaultInit({ seed: 3 });
    const bound = 1 / Math.sqrt(20); // 0.2236...
    assert.equal(p.weightIh.length, 20 * 10);
    assert.equal(p.weightHh.length, 20 * 20);
    assert.equal(p.fcWeight.length, 5 * 20);
    for (const arr of Object.values(p)) for (const v of arr) assert.ok(Math.abs(v) <= bound + 1e-7, `${v} outside ±${bound}`);
  });

  it('is reproducible from the seed and differs across seeds', () => {
    assert.deepEqual(torchDefaultInit({ seed: 1 }).fcWeight, torchDefaultInit({ seed: 1 }).fcWeight);
    assert.notDeepEqual(torchDefaultInit({ seed: 1 }).fcWeight, torchDefaultInit({ seed: 2 }).fcWeight);
  });

  it('rejects a size that is not a positive integer', () => {
    assert.throws(() => torchDefaultInit({ hiddenSize: 0 }), /hiddenSize must be a positive integer, got 0/);
  });
});

describe('transposeMatrix', () => {
  it('swaps rows and columns', () => {
    // [[1, 2, 3], [4, 5, 6]] transposed is [[1, 4], [2, 5], [3, 6]].
    assert.deepEqual(Array.from(transposeMatrix([1, 2, 3, 4, 5, 6], [2, 3])), [1, 4, 2, 5, 3, 6]);
  });
});

describe('buildSeedRnn', () => {
  it('computes tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) then fc on every step, as PyTorch would', () => {
    const sizes = { inputSize: 3, hiddenSize: 4, outputSize: 2, seed: 5 };
    const model = buildSeedRnn(sizes);
    const p = torchDefaultInit(sizes);
    const x = [[0.5, -1, 2], [1, 0, -0.5]]; // one sequence of two steps
    const out = tf.tidy(() => (model.predict(tf.tensor3d([x])) as tf.Tensor).arraySync() as number[][][]);
    // Reference written with plain loops in PyTorch's layout.
    let h = [0, 0, 0, 0];
    x.forEach((xt, t) => {
      h = h.map((_, i) => {
        let s = p.biasIh[i] + p.biasHh[i];
        for (let j = 0; j < 3; j++) s += p.weightIh[i * 3 + j] * xt[j];
        for (let j = 0; j < 4; j++) s += p.weightHh[i * 4 + j] * h[j];
        return Math.tanh(s);
      });
      for (let o = 0; o < 2; o++) {
        let y = p.fcBias[o];
        for (let j = 0; j < 4; j++) y += p.fcWeight[o * 4 + j] * h[j];
        assert.ok(Math.abs(out[0][t][o] - y) < 1e-5, `step ${t} output ${o}: ${out[0][t][o]} vs ${y}`);
      }
    });
    model.dispose();
  });

  it('accepts sequences of any length and returns one output per step', () => {
    const model = buildSeedRnn();
    const shape = tf.tidy(() => (model.predict(tf.zeros([10, 7, 10])) as tf.Tensor).shape);
    assert.deepEqual(shape, [10, 7, 5]);
    model.dispose();
  });

  it('leaks no tensors beyond the model it returns', () => {
    const before = tf.memory().numTensors;
    const model = buildSeedRnn();
    const weights = model.weights.length;
    model.dispose();
    assert.equal(tf.memory().numTensors, before, `${weights} weights disposed with the model`);
  });
});

describe('nonzeroIndices', () => {
  it('lists [row, col] of every non-zero entry in row-major order', () => {
    // [[0, 3], [5, 0]]: (0,1) and (1,0) are non-zero.
    assert.deepEqual(Array.from(nonzeroIndices([0, 3, 5, 0], [2, 2])), [0, 1, 1, 0]);
  });
});

describe('indexPutRows', () => {
  it('sets whole rows named by the index values, as mask[idx] = 1 does in PyTorch', () => {
    const m = new Float32Array(6); // 3 x 2
    indexPutRows(m, [3, 2], [0, 2, 2], 1);
    assert.deepEqual(Array.from(m), [1, 1, 0, 0, 1, 1]);
  });

  it('fails like PyTorch when an index exceeds the rows, and writes nothing', () => {
    const m = new Float32Array(6); // 2 x 3
    assert.throws(() => indexPutRows(m, [2, 3], [0, 1, 2], 1), /^RangeError: index 2 is out of bounds for dimension 0 with size 2$/);
    assert.deepEqual(Array.from(m), [0, 0, 0, 0, 0, 0]);
  });
});

describe('seedPruneMask', () => {
  it('keeps every weight of a square matrix, including a zero one, and never uses the threshold', () => {
    // 3 x 3 with one zero at (1, 1); nonzero gives rows and columns 0..2, so every row is set.
    const w = [0.9, 0.01, -0.02, 0.5, 0, 0.03, -0.04, 0.6, 0.05];
    const { mask, threshold, indexRows } = seedPruneMask(w, [3, 3], 0.1);
    assert.deepEqual(Array.from(mask), [1, 1, 1, 1, 1, 1, 1, 1, 1]);
    assert.ok(Math.abs(threshold - 0.09) < 1e-12); // 0.1 * max|w| = 0.1 * 0.9
    assert.equal(indexRows, 8);
  });

  it('fails on a weight with fewer rows than columns, like the example fc.weight [5, 20]', () => {
    const w = new Float32Array(5 * 20).fill(0.1);
    assert.throws(() => seedPruneMask(w, [5, 20], 0.1), /index 5 is out of bounds for dimension 0 with size 5/);
  });
});

describe('seedQuantize', () => {
  it('divides by 2^bits and rounds half to even', () => {
    // /8: 0.4875 → 0, 0.5 → 0 (tie to even), 0.5125 → 1, -1.5 → -2 (tie to even), 2.5 → 2.
    assert.deepEqual(Array.from(seedQuantize([3.9, 4, 4.1, -12, 20], 3)), [0, 0, 1, -2, 2]);
  });

  it('rejects a negative bit count', () => {
    assert.throws(() => seedQuantize([1], -1), /bits must be an integer >= 0, got -1/);
  });
});

describe('seedPruneWeights / seedQuantizeWeights', () => {
  it('the prune port fails on the example model and leaves every weight unchanged', () => {
    const model = buildSeedRnn();
    const before = weightsOf(model);
    assert.throws(() => seedPruneWeights(model, 0.1), /out of bounds for dimension 0 with size 5/);
    assert.deepEqual(weightsOf(model), before);
    model.dispose();
  });

  it('the prune port runs on a Dense layer with as many outputs as inputs and zeroes nothing', () => {
    const model = buildSeedRnn({ outputSize: 20 });
    const before = weightsOf(model);
    const [row] = seedPruneWeights(model, 0.1);
    assert.equal(row.layer, 'fc');
    assert.equal(row.sparsity, 0);
    assert.deepEqual(weightsOf(model), before);
    model.dispose();
  });

  it('the quantize port sends every fc weight to 0 and touches nothing else', () => {
    const model = buildSeedRnn();
    const before = weightsOf(model);
    const tensorsBefore = tf.memory().numTensors;
    const [row] = seedQuantizeWeights(model, 3);
    assert.equal(tf.memory().numTensors, tensorsBefore);
    assert.equal(row.zeroFraction, 1); // |w| <= 0.224 < 4, so w / 8 rounds to 0
    const after = weightsOf(model);
    assert.ok(after[3].every((v) => v === 0));
    for (const i of [0, 1, 2, 4]) assert.deepEqual(after[i], before[i]);
    model.dispose();
  });
});

describe('quantizationLevels', () => {
  it('lists scale · (q − zeroPoint) for every code', () => {
    const levels = quantizationLevels({ scales: [0.5], zeroPoints: [1], qmin: 0, qmax: 3 });
    assert.deepEqual(levels, [-0.5, 0, 0.5, 1]); // 0.5 · (0-1), 0.5 · (1-1), ...
  });

  it('rejects per-channel scales', () => {
    assert.throws(() => quantizationLevels({ scales: [1, 2], zeroPoints: [0, 0], qmin: -1, qmax: 1 }), /one scale, got 2 scales/);
  });
});
