import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import type { ClassificationDataset } from '../../src/data/types';
import { buildClassifier } from '../../src/models';
import { isPruned } from '../../src/pruning';
import {
  classifierParameters,
  limitSplits,
  oneShotSweep,
  thresholdForSparsity,
  unitsForParameters,
} from '../../src/experiments/pruning-sweeps';

before(async () => {
  await initBackend();
});

/** A tiny classification dataset: 2 steps x 2 features, class = whether the first value is positive. */
function tinyDataset(n: number): ClassificationDataset {
  const x = new Float32Array(n * 4);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = ((i * 37) % 11) / 5 - 1;
    x.set([v, 0.5, -v, 0.25], i * 4);
    y[i] = v > 0 ? 1 : 0;
  }
  const split = { x, y, size: n };
  return {
    task: 'classification', name: 'tiny', timeSteps: 2, features: 2, numClasses: 2, classNames: ['no', 'yes'],
    train: split, validation: split, test: split, seed: 0, source: 'test',
  };
}

describe('limitSplits', () => {
  it('keeps the first sequences of the named splits and shares memory', () => {
    const ds = tinyDataset(10);
    const small = limitSplits(ds, { train: 3, test: 20 });
    assert.equal(small.train.size, 3);
    assert.equal(small.train.x.length, 3 * 4);
    assert.equal(small.train.x.buffer, ds.train.x.buffer);
    assert.equal(small.test.size, 10); // more than there are: the whole split
    assert.equal(small.validation, ds.validation);
    assert.equal(ds.train.size, 10); // the original is untouched
  });

  it('rejects a size that is not a non-negative integer', () => {
    assert.throws(() => limitSplits(tinyDataset(4), { test: 1.5 }), /sizes.test must be a non-negative integer, got 1.5/);
  });
});

describe('thresholdForSparsity', () => {
  it('returns the magnitude below which exactly that fraction lies', () => {
    // |w| sorted: 0.1, 0.2, 0.3, 0.4; half of 4 is 2, so θ is the third: 0.3.
    assert.equal(thresholdForSparsity([0.4, -0.1, 0.3, 0.2], 0.5), 0.3);
    // round(0.7 * 4) = 3 → θ = 0.4: three values below it.
    assert.equal(thresholdForSparsity([0.4, -0.1, 0.3, 0.2], 0.7), 0.4);
    assert.equal(thresholdForSparsity([0.4, -0.1], 0), 0);
  });

  it('rejects a sparsity of 1 or more', () => {
    assert.throws(() => thresholdForSparsity([1, 2], 1), /sparsity must be in \[0, 1\), got 1/);
  });
});

describe('classifierParameters / unitsForParameters', () => {
  it('counts g·u·(f+u+1) + u·o + o', () => {
    assert.equal(classifierParameters('LSTM', 28, 17, 10), 3308); // 4·17·46 + 170 + 10
    assert.equal(classifierParameters('SimpleRNN', 2, 4, 2), 38); // 4·7 + 8 + 2
    assert.equal(classifierParameters('GRU', 28, 64, 10), 3 * 64 * 93 + 650); // 17856 + 650
  });

  it('agrees with the parameters of a built classifier', () => {
    const m = buildClassifier({ cell: 'GRU', units: 5, timeSteps: 3, features: 4, numClasses: 3 });
    const counted = m.weights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
    assert.equal(classifierParameters('GRU', 4, 5, 3), counted);
    m.dispose();
  });

  it('picks the width whose count is nearest the target', () => {
    // 16 units: 4·16·45 + 170 = 3050; 17 units: 3308. 3290 is nearer 3308.
    assert.equal(unitsForParameters('LSTM', 28, 10, 3290), 17);
    assert.equal(unitsForParameters('LSTM', 28, 10, 3100), 16);
    assert.equal(unitsForParameters('LSTM', 28, 10, 1), 1);
  });

  it('rejects a target that is not positive', () => {
    assert.throws(() => unitsForParameters('LSTM', 28, 10, 0), /target must be a positive number, got 0/);
  });
});

describe('oneShotSweep', () => {
  it('prunes a copy to each sparsity, leaves the model alone and leaks nothing', () => {
    const ds = tinyDataset(16);
    const model = buildClassifier({ cell: 'SimpleRNN', units: 4, timeSteps: 2, features: 2, numClasses: 2 });
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const tensors = tf.memory().numTensors;
    const rows = oneShotSweep(model, ds, [0, 0.5, 0.25]);
    assert.equal(tf.memory().numTensors, tensors);
    assert.deepEqual(model.getWeights().map((w) => Array.from(w.dataSync())), before);
    assert.equal(isPruned(model), false);
    // Pruned roles: kernel 2·4 + recurrent 4·4 + dense 4·2 = 32 weights; half is 16.
    assert.equal(rows[1].sparsity, 0.5);
    // Biases start at 0, so the unpruned copy has exactly the 32 prunable weights non-zero.
    assert.equal(rows[0].nonZeros, 32);
    assert.equal(rows[1].nonZeros, 16);
    // Each point starts from the model's own weights: 25% after 50% is 25% of 32 = 8 zeros, not 50%.
    assert.equal(rows[2].nonZeros, 24);
    for (const r of rows) assert.ok(r.accuracy >= 0 && r.accuracy <= 1);
    model.dispose();
  });

  it('rejects an unknown role before doing any work, leaking nothing', () => {
    const model = buildClassifier({ cell: 'GRU', units: 2, timeSteps: 2, features: 2, numClasses: 2 });
    const tensors = tf.memory().numTensors;
    assert.throws(() => oneShotSweep(model, tinyDataset(4), [0.5], { roles: ['gate' as never] }), /role must be one of/);
    assert.equal(tf.memory().numTensors, tensors);
    model.dispose();
  });
});
