import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import type { ClassificationDataset, ForecastingDataset, LanguageModelDataset, Split } from '../../src/data/types';
import { buildClassifier, buildModelFor, predictLogits } from '../../src/models';
import {
  cacheKey,
  clipByGlobalNorm,
  ensureSegmentSumKernel,
  evaluate,
  formatEpochLine,
  makeBatch,
  earlyStopping,
  sparseSoftmaxCrossEntropy,
  train,
  trainOrLoad,
} from '../../src/training';
import type { BatchLogs, ProgressInfo, TrainingCallback } from '../../src/training';
import { pruneToSparsity, selectWeights } from '../../src/pruning';
import { createRng, deriveSeed, permutation } from '../../src/utils';

const TOLERANCE = 1e-5;

/** Label 1 when the sum of all inputs is positive: learnable by any of the cells. */
function signSplit(size: number, seed: number, timeSteps = 4, features = 2): Split {
  const rng = createRng(seed);
  const width = timeSteps * features;
  const x = new Float32Array(size * width);
  const y = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let sum = 0;
    for (let j = 0; j < width; j++) {
      x[i * width + j] = rng.normal();
      sum += x[i * width + j];
    }
    y[i] = sum > 0 ? 1 : 0;
  }
  return { x, y, size };
}

function signDataset(trainSize = 48): ClassificationDataset {
  return {
    task: 'classification', name: 'sign', timeSteps: 4, features: 2, numClasses: 2, classNames: ['neg', 'pos'],
    train: signSplit(trainSize, 1), validation: signSplit(16, 2), test: signSplit(16, 3), seed: 1, source: 'synthetic',
  };
}

/** Counting modulo vocabSize: the next character is the current one plus 1. */
function countingSplit(size: number, seed: number, timeSteps: number, vocabSize: number): Split {
  const rng = createRng(seed);
  const x = new Float32Array(size * timeSteps);
  const y = new Float32Array(size * timeSteps);
  for (let i = 0; i < size; i++) {
    let c = rng.int(vocabSize);
    for (let t = 0; t < timeSteps; t++) {
      x[i * timeSteps + t] = c;
      c = (c + 1) % vocabSize;
      y[i * timeSteps + t] = c;
    }
  }
  return { x, y, size };
}

function countingDataset(): LanguageModelDataset {
  return {
    task: 'language-model', name: 'counting', timeSteps: 5, features: 1, vocab: ['a', 'b', 'c', 'd'], vocabSize: 4,
    unigramCrossEntropy: Math.log(4), train: countingSplit(24, 1, 5, 4), validation: countingSplit(8, 2, 5, 4),
    test: countingSplit(8, 3, 5, 4), seed: 1, source: 'synthetic',
  };
}

/** A sine wave, windows of 6 steps predicting the next 2 values. */
function sineDataset(): ForecastingDataset {
  const series = Array.from({ length: 80 }, (_, t) => Math.sin(0.4 * t));
  const window = (from: number, size: number): Split => {
    const x = new Float32Array(size * 6);
    const y = new Float32Array(size * 2);
    for (let i = 0; i < size; i++) {
      for (let t = 0; t < 6; t++) x[i * 6 + t] = series[from + i + t];
      for (let h = 0; h < 2; h++) y[i * 2 + h] = series[from + i + 6 + h];
    }
    return { x, y, size };
  };
  return {
    task: 'forecasting', name: 'sine', timeSteps: 6, features: 1, horizon: 2, featureNames: ['s'], targetName: 's', targetUnit: 'u',
    featureMean: [0], featureStd: [1], targetMean: 0, targetStd: 1, train: window(0, 40), validation: window(40, 12), test: window(60, 12),
    seed: 1, source: 'synthetic',
  };
}

function weightsOf(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
}

before(async () => {
  await initBackend();
});

describe('train', () => {
  it('is deterministic: the same seeds give bit-identical losses and weights, another shuffle seed does not', async () => {
    const dataset = signDataset();
    const run = async (shuffleSeed: number) => {
      const model = buildClassifier({ cell: 'GRU', units: 4, timeSteps: 4, features: 2, numClasses: 2, seed: 3 });
      const history = await train(model, dataset, { numEpochs: 2, batchSize: 8, learningRate: 0.01, seed: shuffleSeed, progress: 'none' });
      const result = { losses: history.epochs.map((e) => [e.loss, e.valLoss]), weights: weightsOf(model) };
      model.dispose();
      return result;
    };
    const a = await run(5);
    const b = await run(5);
    const c = await run(6);
    assert.deepEqual(a.losses, b.losses);
    assert.deepEqual(a.weights, b.weights);
    assert.notDeepEqual(a.losses, c.losses);
  });

  it('lowers the loss on learnable toy tasks of each kind', async () => {
    const cases = [
      { dataset: signDataset(), spec: { cell: 'SimpleRNN' as const, units: 6 }, learningRate: 0.02 },
      { dataset: countingDataset(), spec: { cell: 'LSTM' as const, units: 6, embeddingDim: 4 }, learningRate: 0.03 },
      { dataset: sineDataset(), spec: { cell: 'GRU' as const, units: 6 }, learningRate: 0.02 },
    ];
    for (const { dataset, spec, learningRate } of cases) {
      const model = buildModelFor(dataset, spec);
      const history = await train(model, dataset, { numEpochs: 6, batchSize: 8, learningRate, progress: 'none' });
      const first = history.epochs[0].loss;
      const last = history.epochs[history.epochs.length - 1].loss;
      assert.ok(last < 0.8 * first, `${dataset.name}: loss ${first} -> ${last}`);
      model.dispose();
    }
  });

  it('calls every callback hook in order (onTrainEnd in reverse), visiting each sequence once per epoch in the seeded order', async () => {
    // 10 sequences in batches of 4: 3 steps per epoch (4, 4, 2), 6 steps in 2 epochs.
    const dataset = signDataset(10);
    const model = buildClassifier({ cell: 'SimpleRNN', units: 2, timeSteps: 4, features: 2, numClasses: 2 });
    const batches: BatchLogs[] = [];
    const stepArgs: number[] = [];
    const epochs: number[] = [];
    const calls: string[] = [];
    const seen: number[][] = [[], []];
    const recorder = (name: string): TrainingCallback => ({
      onTrainBegin: () => void calls.push(`${name}.begin`),
      onEpochEnd: () => void calls.push(`${name}.epoch`),
      onTrainEnd: () => void calls.push(`${name}.end`),
    });
    await train(model, dataset, {
      numEpochs: 2,
      batchSize: 4,
      seed: 9,
      progress: 'none',
      callbacks: [
        recorder('a'),
        {
          onBatchEnd: (logs, run) => {
            stepArgs.push(run.step);
            batches.push(logs);
          },
          onEpochEnd: (logs) => {
            epochs.push(logs.epoch);
          },
        },
        recorder('b'),
      ],
      lossFn: (yTrue, yPred, batch) => {
        seen[batch.epoch].push(...batch.indices);
        assert.deepEqual(batch.x.shape, [batch.indices.length, 4, 2]);
        return sparseSoftmaxCrossEntropy(yTrue, yPred);
      },
    });
    // run.step counts the steps taken, so it is one ahead of the step index in the logs.
    assert.deepEqual(stepArgs, [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(calls, ['a.begin', 'b.begin', 'a.epoch', 'b.epoch', 'a.epoch', 'b.epoch', 'b.end', 'a.end']);
    assert.deepEqual(batches.map((b) => [b.epoch, b.batch, b.step, b.size]), [
      [0, 0, 0, 4], [0, 1, 1, 4], [0, 2, 2, 2], [1, 0, 3, 4], [1, 1, 4, 4], [1, 2, 5, 2],
    ]);
    assert.ok(batches.every((b) => Number.isFinite(b.loss) && b.loss > 0));
    assert.deepEqual(epochs, [0, 1]);
    assert.deepEqual(seen[0], Array.from(permutation(10, deriveSeed(9, 'shuffle-epoch-0'))));
    assert.deepEqual(seen[1], Array.from(permutation(10, deriveSeed(9, 'shuffle-epoch-1'))));
    assert.notDeepEqual(seen[0], seen[1]);
    model.dispose();
  });

  it('minimises lossFn instead of the task loss: a loss with zero gradient leaves the weights untouched', async () => {
    const dataset = signDataset(12);
    const model = buildClassifier({ cell: 'LSTM', units: 2, timeSteps: 4, features: 2, numClasses: 2 });
    const before = weightsOf(model);
    const history = await train(model, dataset, { numEpochs: 1, batchSize: 4, progress: 'none', lossFn: (_y, yPred) => tf.mul(tf.sum(yPred), 0) as tf.Scalar });
    assert.deepEqual(weightsOf(model), before);
    assert.equal(history.epochs[0].loss, 0);
    model.dispose();
  });

  it('updates only trainableVariables when they are given', async () => {
    const dataset = signDataset(12);
    const model = buildClassifier({ cell: 'GRU', units: 3, timeSteps: 4, features: 2, numClasses: 2 });
    const dense = model.getLayer('dense_out').weights.map((w) => w.read() as tf.Variable);
    const rnnBefore = model.getLayer('rnn_0').getWeights().map((w) => w.dataSync().slice());
    const denseBefore = dense.map((v) => v.dataSync().slice());
    await train(model, dataset, { numEpochs: 1, batchSize: 4, learningRate: 0.05, progress: 'none', trainableVariables: dense });
    assert.deepEqual(model.getLayer('rnn_0').getWeights().map((w) => w.dataSync()), rnnBefore);
    assert.notDeepEqual(dense.map((v) => v.dataSync()), denseBefore);
    model.dispose();
  });

  it('reports the training metric and loss of the batches as trained (checked with a frozen model)', async () => {
    // With a zero learning rate the weights stay fixed, so the epoch's metric over 10 sequences in
    // batches of 4, 4, 2 must equal one pass of evaluate over the training split.
    for (const dataset of [signDataset(10), countingDataset(), sineDataset()]) {
      const model = buildModelFor(dataset, { cell: 'GRU', units: 3, seed: 2 });
      const optimizer = tf.train.sgd(0);
      const history = await train(model, dataset, { numEpochs: 1, batchSize: 4, optimizer, progress: 'none' });
      const metrics = evaluate(model, dataset, 'train') as unknown as Record<string, number>;
      const name = history.metricName;
      const expectedLoss = dataset.task === 'forecasting' ? metrics.normalizedMse : metrics.crossEntropy;
      assert.ok(Math.abs(history.epochs[0].metric - metrics[name]) < TOLERANCE, `${dataset.name} ${name}`);
      assert.ok(Math.abs(history.epochs[0].loss - expectedLoss) < TOLERANCE, `${dataset.name} loss`);
      const val = evaluate(model, dataset, 'validation') as unknown as Record<string, number>;
      assert.ok(Math.abs(history.epochs[0].valMetric - val[name]) < TOLERANCE);
      optimizer.dispose();
      model.dispose();
    }
  });

  it('stops early after `patience` epochs without a better validation loss and restores the best weights', async () => {
    // Gradient ascent on the training cross-entropy makes the validation loss rise every epoch,
    // so epoch 0 stays best and patience 1 stops after epoch 1.
    const dataset = signDataset(16);
    const model = buildClassifier({ cell: 'SimpleRNN', units: 3, timeSteps: 4, features: 2, numClasses: 2 });
    const snapshots: Float32Array[][] = [];
    const stop = earlyStopping({ patience: 1 });
    const history = await train(model, dataset, {
      numEpochs: 5,
      batchSize: 8,
      learningRate: 0.05,
      progress: 'none',
      lossFn: (yTrue, yPred) => tf.neg(sparseSoftmaxCrossEntropy(yTrue, yPred)) as tf.Scalar,
      callbacks: [{ onEpochEnd: () => void snapshots.push(weightsOf(model)) }, stop],
    });
    assert.equal(history.epochs.length, 2);
    assert.ok(history.epochs[1].valLoss > history.epochs[0].valLoss);
    assert.equal(history.stoppedEarly, true);
    assert.equal(history.bestEpoch, 0);
    assert.equal(history.steps, 4); // 2 epochs of 16 sequences in batches of 8
    assert.equal(stop.bestEpoch, 0);
    assert.equal(stop.stoppedEpoch, 1);
    assert.equal(stop.restored, true);
    assert.deepEqual(weightsOf(model), snapshots[0]);
    assert.notDeepEqual(snapshots[1], snapshots[0]);
    model.dispose();
  });

  it('early stopping ignores epochs before startFromEpoch and can watch the accuracy instead of the loss', async () => {
    // The same gradient ascent: the validation loss rises every epoch. From epoch 2 on, epoch 2 is
    // the first candidate, so patience 1 stops after epoch 3 and restores epoch 2's weights.
    const dataset = signDataset(16);
    const model = buildClassifier({ cell: 'SimpleRNN', units: 3, timeSteps: 4, features: 2, numClasses: 2 });
    const snapshots: Float32Array[][] = [];
    const stop = earlyStopping({ patience: 1, startFromEpoch: 2 });
    const history = await train(model, dataset, {
      numEpochs: 6, batchSize: 8, learningRate: 0.05, progress: 'none',
      lossFn: (yTrue, yPred) => tf.neg(sparseSoftmaxCrossEntropy(yTrue, yPred)) as tf.Scalar,
      callbacks: [{ onEpochEnd: () => void snapshots.push(weightsOf(model)) }, stop],
    });
    assert.equal(history.epochs.length, 4);
    assert.equal(stop.bestEpoch, 2);
    assert.deepEqual(weightsOf(model), snapshots[2]);
    // monitor 'valMetric' on a classifier maximizes the accuracy: the best epoch is the one with
    // the highest validation accuracy, the first of them on ties.
    const model2 = buildClassifier({ cell: 'SimpleRNN', units: 3, timeSteps: 4, features: 2, numClasses: 2 });
    const byAccuracy = earlyStopping({ patience: 10, monitor: 'valMetric', restoreBestWeights: false });
    const h2 = await train(model2, dataset, { numEpochs: 4, batchSize: 8, learningRate: 0.05, progress: 'none', callbacks: [byAccuracy] });
    const accuracies = h2.epochs.map((e) => e.valMetric);
    assert.equal(byAccuracy.bestEpoch, accuracies.indexOf(Math.max(...accuracies)));
    assert.equal(byAccuracy.bestValue, Math.max(...accuracies));
    assert.equal(byAccuracy.restored, false);
    model.dispose();
    model2.dispose();
  });

  it('early stopping keeps pruning masks: the restored weights are still zero where the masks say', async () => {
    const dataset = signDataset(16);
    const model = buildClassifier({ cell: 'LSTM', units: 3, timeSteps: 4, features: 2, numClasses: 2 });
    const state = pruneToSparsity(model, { sparsity: 0.5 });
    await train(model, dataset, {
      numEpochs: 5, batchSize: 8, learningRate: 0.05, progress: 'none',
      lossFn: (yTrue, yPred) => tf.neg(sparseSoftmaxCrossEntropy(yTrue, yPred)) as tf.Scalar,
      callbacks: [state, earlyStopping({ patience: 1 })],
    });
    let violations = 0;
    let masked = 0;
    for (const ref of selectWeights(model)) {
      const mask = state.maskOf(ref);
      const values = ref.variable.read().dataSync();
      if (mask) for (let k = 0; k < values.length; k++) if (mask[k] === 0) { masked++; if (values[k] !== 0) violations++; }
    }
    assert.ok(masked > 0);
    assert.equal(violations, 0);
    state.dispose();
    model.dispose();
  });

  it('leaks no tensors: constant count from epoch to epoch, and back to the start once done', async () => {
    for (const dataset of [signDataset(12), countingDataset()]) {
      const model = buildModelFor(dataset, { cell: 'LSTM', units: 3 });
      const start = tf.memory().numTensors;
      const perEpoch: number[] = [];
      await train(model, dataset, {
        numEpochs: 3, batchSize: 5, clipNorm: 1, progress: 'none',
        callbacks: [{ onEpochEnd: () => void perEpoch.push(tf.memory().numTensors) }],
      });
      assert.equal(perEpoch[1], perEpoch[0]);
      assert.equal(perEpoch[2], perEpoch[0]);
      assert.equal(tf.memory().numTensors, start);
      // Early stopping keeps copies of the best weights while training; they are freed at the end.
      await train(model, dataset, { numEpochs: 3, batchSize: 5, progress: 'none', callbacks: [earlyStopping({ patience: 1 })] });
      assert.equal(tf.memory().numTensors, start);
      model.dispose();
    }
  });

  it('reports progress once per epoch with a time-left estimate that reaches 0', async () => {
    const dataset = signDataset(8);
    const model = buildClassifier({ cell: 'SimpleRNN', units: 2, timeSteps: 4, features: 2, numClasses: 2 });
    const infos: ProgressInfo[] = [];
    await train(model, dataset, { numEpochs: 3, batchSize: 4, progress: (info) => infos.push(info) });
    assert.deepEqual(infos.map((i) => [i.epoch, i.numEpochs, i.metricName]), [[0, 3, 'accuracy'], [1, 3, 'accuracy'], [2, 3, 'accuracy']]);
    assert.ok(infos.every((i) => i.etaSeconds >= 0 && i.elapsedSeconds >= i.seconds - 1e-9));
    assert.equal(infos[2].etaSeconds, 0);
    model.dispose();
  });

  it('rejects bad options, malformed data and a model that does not fit, without touching the weights', async () => {
    const dataset = signDataset(8);
    const model = buildClassifier({ cell: 'GRU', units: 2, timeSteps: 4, features: 2, numClasses: 2 });
    const before = weightsOf(model);
    await assert.rejects(train(model, dataset, { batchSize: 0 }), { name: 'RangeError', message: 'batchSize must be a positive integer, got 0' });
    await assert.rejects(train(model, dataset, { numEpochs: -1 }), { name: 'RangeError', message: 'numEpochs must be a positive integer, got -1' });
    await assert.rejects(train(model, dataset, { learningRate: 0 }), { name: 'RangeError', message: 'learningRate must be a finite number > 0, got 0' });
    await assert.rejects(train(model, dataset, { clipNorm: -5 }), { name: 'RangeError', message: 'clipNorm must be a finite number > 0, got -5' });
    assert.throws(() => earlyStopping({ patience: 0 }), { name: 'RangeError', message: 'patience must be an integer >= 1, got 0' });
    assert.throws(() => earlyStopping({ monitor: 'loss' as 'valLoss' }), { name: 'RangeError', message: `monitor must be 'valLoss' or 'valMetric', got "loss"` });
    await assert.rejects(train(model, dataset, { progress: 'loud' as 'auto' }), { name: 'RangeError', message: `progress must be 'auto', 'none' or a function, got "loud"` });
    await assert.rejects(train(model, dataset, { callbacks: [{ onBatchEnd: 3 }] as never }), { name: 'TypeError', message: 'callbacks[0].onBatchEnd must be a function, got number' });
    await assert.rejects(train(model, dataset, { callbacks: [{}] }), { name: 'TypeError', message: 'callbacks[0] must have at least one of onTrainBegin, onBatchEnd, onEpochEnd, onTrainEnd, got none' });
    await assert.rejects(train(model, dataset, { callbacks: {} as never }), { name: 'TypeError', message: 'callbacks must be an array of callback objects, got object' });
    const wrongShape = { ...dataset, timeSteps: 5, train: signSplit(8, 1, 5, 2), validation: signSplit(4, 2, 5, 2), test: signSplit(4, 3, 5, 2) };
    await assert.rejects(train(model, wrongShape), { name: 'RangeError', message: "model input shape must be [null, 5, 2] for dataset 'sign', got [null, 4, 2]" });
    const threeClasses = { ...dataset, numClasses: 3 };
    await assert.rejects(train(model, threeClasses), { name: 'RangeError', message: "model output shape must be [null, 3] for dataset 'sign', got [null, 2]" });
    const truncated = { ...dataset, train: { ...dataset.train, x: dataset.train.x.subarray(1) } };
    await assert.rejects(train(model, truncated), { name: 'RangeError', message: 'dataset.train.x must hold size * 8 = 64 values, got 63' });
    const noValidation = { ...dataset, validation: { x: new Float32Array(0), y: new Float32Array(0), size: 0 } };
    await assert.rejects(train(model, noValidation, { callbacks: [earlyStopping({ patience: 2 })] }), { name: 'RangeError', message: 'earlyStopping needs a non-empty validation split, got dataset.validation.size 0' });
    const badLabel = { ...dataset, test: { ...dataset.test, y: dataset.test.y.map((v, i) => (i === 3 ? 2 : v)) } };
    await assert.rejects(train(model, badLabel), { name: 'RangeError', message: 'dataset.test.y[3] must be a class index in [0, 2), got 2' });
    assert.deepEqual(weightsOf(model), before);
    model.dispose();
  });
});

describe('evaluate (models with hand-set weights)', () => {
  /** input [2, 1] -> flatten -> dense with the given kernel and zero bias. */
  function linearModel(kernel: number[][]): tf.LayersModel {
    const input = tf.input({ shape: [2, 1] });
    const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    const dense = tf.layers.dense({ units: kernel[0].length, name: 'dense_out' });
    const model = tf.model({ inputs: input, outputs: dense.apply(flat) as tf.SymbolicTensor });
    const k = tf.tensor2d(kernel);
    const b = tf.zeros([kernel[0].length]);
    dense.setWeights([k, b]);
    tf.dispose([k, b]);
    return model;
  }

  const empty: Split = { x: new Float32Array(0), y: new Float32Array(0), size: 0 };

  it('computes accuracy and cross-entropy of a classifier', () => {
    // Identity kernel: logits = inputs. Samples (logits; label): (2, 0; 0), (0, 1; 1), (1, 3; 0), (0.5, 0; 1).
    // Correct: yes, yes, no, no -> accuracy 0.5.
    // Cross-entropy log(sum exp) - logit[label]: ln(1 + e^-2), ln(1 + e^-1), ln(1 + e^2), ln(1 + e^0.5).
    const model = linearModel([[1, 0], [0, 1]]);
    const test: Split = { x: new Float32Array([2, 0, 0, 1, 1, 3, 0.5, 0]), y: new Float32Array([0, 1, 0, 1]), size: 4 };
    const dataset: ClassificationDataset = { task: 'classification', name: 'hand', timeSteps: 2, features: 1, numClasses: 2, classNames: ['a', 'b'], train: empty, validation: empty, test, seed: 0, source: 'hand' };
    const ce = (Math.log1p(Math.exp(-2)) + Math.log1p(Math.exp(-1)) + Math.log1p(Math.exp(2)) + Math.log1p(Math.exp(0.5))) / 4;
    const before = tf.memory().numTensors;
    const m = evaluate(model, dataset, 'test', { batchSize: 3 });
    assert.equal(tf.memory().numTensors, before);
    assert.ok(Math.abs(m.accuracy - 0.5) < TOLERANCE);
    assert.ok(Math.abs(m.crossEntropy - ce) < TOLERANCE, `${m.crossEntropy} vs ${ce}`);
    model.dispose();
  });

  it('computes cross-entropy per character, perplexity and bits per character of a language model', () => {
    // An embedding whose rows are the logits for the next character:
    // id 0 -> (0, 0, 0): p = (1/3, 1/3, 1/3); id 1 -> (ln 3, 0, 0): p = (3/5, 1/5, 1/5);
    // id 2 -> (0, ln 2, 0): p = (1/4, 1/2, 1/4).
    // Sequences x = (0, 1), y = (1, 0) and x = (2, 2), y = (1, 2): -ln p = ln 3, ln 5/3, ln 2, ln 4.
    // Mean = (ln 3 + ln 5/3 + ln 2 + ln 4) / 4 = ln 40 / 4; perplexity 40^(1/4); bits log2(40) / 4.
    const input = tf.input({ shape: [2], dtype: 'int32' });
    const table = tf.layers.embedding({ inputDim: 3, outputDim: 3 });
    const model = tf.model({ inputs: input, outputs: table.apply(input) as tf.SymbolicTensor });
    const rows = tf.tensor2d([[0, 0, 0], [Math.log(3), 0, 0], [0, Math.log(2), 0]]);
    table.setWeights([rows]);
    rows.dispose();
    const test: Split = { x: new Float32Array([0, 1, 2, 2]), y: new Float32Array([1, 0, 1, 2]), size: 2 };
    const dataset: LanguageModelDataset = { task: 'language-model', name: 'hand-lm', timeSteps: 2, features: 1, vocab: ['a', 'b', 'c'], vocabSize: 3, unigramCrossEntropy: Math.log(3), train: empty, validation: empty, test, seed: 0, source: 'hand' };
    const m = evaluate(model, dataset, 'test', { batchSize: 1 });
    assert.ok(Math.abs(m.crossEntropy - Math.log(40) / 4) < TOLERANCE);
    assert.ok(Math.abs(m.perplexity - Math.pow(40, 0.25)) < TOLERANCE);
    assert.ok(Math.abs(m.bitsPerChar - Math.log2(40) / 4) < TOLERANCE);
    model.dispose();
  });

  it('reports forecasting errors in original units (times targetStd) and the normalised MSE', () => {
    // Kernel (0, 1): the forecast is the last input. Errors (normalised): 1 - 1.5 = -0.5, -1 - 0 = -1, 2 - 4 = -2.
    // normalizedMse = (0.25 + 1 + 4) / 3 = 1.75; mse = 1.75 * 2^2 = 7; mae = (0.5 + 1 + 2) / 3 * 2 = 7/3.
    const model = linearModel([[0], [1]]);
    const test: Split = { x: new Float32Array([0, 1, 3, -1, 0, 2]), y: new Float32Array([1.5, 0, 4]), size: 3 };
    const dataset: ForecastingDataset = {
      task: 'forecasting', name: 'hand-series', timeSteps: 2, features: 1, horizon: 1, featureNames: ['t'], targetName: 't', targetUnit: '°C',
      featureMean: [10], featureStd: [2], targetMean: 10, targetStd: 2, train: empty, validation: empty, test, seed: 0, source: 'hand',
    };
    const m = evaluate(model, dataset, 'test', { batchSize: 2 });
    assert.ok(Math.abs(m.normalizedMse - 1.75) < TOLERANCE);
    assert.ok(Math.abs(m.mse - 7) < TOLERANCE);
    assert.ok(Math.abs(m.mae - 7 / 3) < TOLERANCE);
    model.dispose();
  });

  it('rejects an unknown split, an empty split and a zero batchSize', () => {
    const dataset = signDataset(8);
    const model = buildClassifier({ cell: 'SimpleRNN', units: 2, timeSteps: 4, features: 2, numClasses: 2 });
    assert.throws(() => evaluate(model, dataset, 'dev' as 'test'), { name: 'RangeError', message: "split must be one of train, validation, test, got 'dev'" });
    assert.throws(() => evaluate(model, { ...dataset, test: empty }), { name: 'RangeError', message: 'dataset.test must hold at least one sequence, got size 0' });
    assert.throws(() => evaluate(model, dataset, 'test', { batchSize: 0 }), { name: 'RangeError', message: 'batchSize must be a positive integer, got 0' });
    model.dispose();
  });
});

describe('makeBatch and losses', () => {
  it('gathers the requested sequences with the task\'s dtypes and shapes', () => {
    const lm = countingDataset();
    const { x, y } = makeBatch(lm, lm.train, [2, 0]);
    assert.deepEqual([x.dtype, x.shape, y.dtype, y.shape], ['int32', [2, 5], 'int32', [2, 5]]);
    assert.deepEqual(Array.from(x.dataSync().slice(0, 5)), Array.from(lm.train.x.slice(10, 15)));
    assert.deepEqual(Array.from(y.dataSync().slice(5, 10)), Array.from(lm.train.y.slice(0, 5)));
    tf.dispose([x, y]);
  });

  it('computes softmax cross-entropy from logits as in the hand formula', () => {
    // Logits (0, 0) label 1: ln 2. Logits (3, 1) label 0: ln(1 + e^-2). Mean of the two.
    const value = tf.tidy(() => sparseSoftmaxCrossEntropy(tf.tensor1d([1, 0], 'int32'), tf.tensor2d([[0, 0], [3, 1]])).dataSync()[0]);
    assert.ok(Math.abs(value - (Math.LN2 + Math.log1p(Math.exp(-2))) / 2) < TOLERANCE);
  });

  it('clips gradients by global norm only when it exceeds the bound', () => {
    // Global norm of (3, 0) and (4) is sqrt(9 + 16) = 5: clipped to 1 it becomes (0.6, 0) and (0.8).
    const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([4]) };
    const before = tf.memory().numTensors;
    const small = clipByGlobalNorm(grads, 1);
    const large = clipByGlobalNorm(grads, 10);
    assert.equal(tf.memory().numTensors, before + 4);
    assert.ok(Array.from(small.a.dataSync()).every((v, i) => Math.abs(v - [0.6, 0][i]) < TOLERANCE));
    assert.ok(Math.abs(small.b.dataSync()[0] - 0.8) < TOLERANCE);
    assert.deepEqual(Array.from(large.a.dataSync()), [3, 0]);
    tf.dispose([grads.a, grads.b, small.a, small.b, large.a, large.b]);
  });

  it('provides UnsortedSegmentSum, the gradient of a gather (embedding lookup), on the active back end', () => {
    assert.equal(ensureSegmentSumKernel(), true);
    // Rows 0, 1, 2 of x go to segments 1, 0, 1; id 5 is outside [0, 3) and dropped:
    // segment 0 = (3, 4), segment 1 = (1 + 5, 2 + 6) = (6, 8), segment 2 = (0, 0).
    const before = tf.memory().numTensors;
    const sums = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8]]), tf.tensor1d([1, 0, 1, 5], 'int32'), 3).dataSync());
    assert.deepEqual(Array.from(sums), [3, 4, 6, 8, 0, 0]);
    // d/dtable of sum(gather(table, [0, 2, 0])) counts how often each row is looked up: 2, 0, 1.
    const grad = tf.tidy(() => tf.grad((table: tf.Tensor) => tf.sum(tf.gather(table, tf.tensor1d([0, 2, 0], 'int32'))))(tf.ones([3, 2])).dataSync());
    assert.deepEqual(Array.from(grad), [2, 2, 0, 0, 1, 1]);
    assert.equal(tf.memory().numTensors, before);
  });

  it('formats an epoch as one line with the metric and the time left', () => {
    const line = formatEpochLine({ epoch: 2, numEpochs: 10, loss: 0.41234, metric: 0.875, valLoss: 0.39912, valMetric: 0.8875, seconds: 2.1, metricName: 'accuracy', elapsedSeconds: 6, etaSeconds: 14 });
    assert.equal(line, 'epoch  3/10  loss 0.4123  accuracy 0.8750  val_loss 0.3991  val_accuracy 0.8875  2.1 s  (14.0 s left)');
  });
});

describe('trainOrLoad', () => {
  let cacheDir: string;
  before(async () => {
    cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'rnnc-cache-'));
  });
  after(async () => {
    await fs.rm(cacheDir, { recursive: true, force: true });
  });

  it('trains and saves once, then loads the same model and history from the cache', async () => {
    const dataset = signDataset(12);
    const spec = { cell: 'GRU' as const, units: 3, seed: 4 };
    const options = { numEpochs: 2, batchSize: 6, progress: 'none' as const };
    const start = tf.memory().numTensors;
    const first = await trainOrLoad(dataset, spec, options, { cacheDir, retrain: false });
    const second = await trainOrLoad(dataset, spec, options, { cacheDir, retrain: false });
    assert.equal(first.fromCache, false);
    assert.equal(second.fromCache, true);
    assert.equal(second.key, first.key);
    assert.match(first.key, /^sign_gru_u3_s4-[0-9a-f]{12}$/);
    assert.deepEqual(second.history, first.history);
    assert.deepEqual((await fs.readdir(first.dir)).sort(), ['group1-shard1of1.bin', 'history.json', 'meta.json', 'model.json']);
    const batch = makeBatch(dataset, dataset.test, [0, 1, 2]);
    const a = predictLogits(first.model, batch.x);
    const b = predictLogits(second.model, batch.x);
    assert.deepEqual(b.dataSync(), a.dataSync());
    tf.dispose([batch.x, batch.y, a, b]);
    first.model.dispose();
    second.model.dispose();
    assert.equal(tf.memory().numTensors, start);
  });

  it('retrains when asked, and keys runs by their settings with defaults filled in', async () => {
    const dataset = signDataset(12);
    const spec = { cell: 'SimpleRNN' as const, units: 2 };
    const again = await trainOrLoad(dataset, spec, { numEpochs: 1, progress: 'none' }, { cacheDir });
    const forced = await trainOrLoad(dataset, spec, { numEpochs: 1, progress: 'none' }, { cacheDir, retrain: true });
    assert.equal(forced.fromCache, false);
    again.model.dispose();
    forced.model.dispose();
    assert.equal(cacheKey(dataset, spec, { numEpochs: 1 }).key, cacheKey(dataset, { ...spec, seed: 42 }, { numEpochs: 1, batchSize: 32, learningRate: 0.001 }).key);
    assert.notEqual(cacheKey(dataset, spec, { numEpochs: 1 }).key, cacheKey(dataset, spec, { numEpochs: 2 }).key);
    assert.notEqual(cacheKey(dataset, spec).key, cacheKey(signDataset(13), spec).key);
    assert.notEqual(cacheKey(dataset, spec).key, cacheKey(dataset, spec, {}, 'pruned').key);
  });

  it('keeps NaN validation values of a run without a validation split through the cache', async () => {
    const dataset = { ...signDataset(8), validation: { x: new Float32Array(0), y: new Float32Array(0), size: 0 } };
    const spec = { cell: 'SimpleRNN' as const, units: 2 };
    const first = await trainOrLoad(dataset, spec, { numEpochs: 1, progress: 'none' }, { cacheDir });
    const second = await trainOrLoad(dataset, spec, { numEpochs: 1, progress: 'none' }, { cacheDir });
    assert.equal(second.fromCache, true);
    assert.ok(Number.isNaN(second.history.epochs[0].valLoss) && Number.isNaN(second.history.epochs[0].valMetric));
    assert.equal(second.history.epochs[0].loss, first.history.epochs[0].loss);
    first.model.dispose();
    second.model.dispose();
  });

  it('refuses callbacks and custom losses, which cannot be part of a cache key', async () => {
    const dataset = signDataset(8);
    await assert.rejects(trainOrLoad(dataset, { cell: 'GRU', units: 2 }, { callbacks: [{ onBatchEnd: () => undefined }] } as never, { cacheDir }), {
      name: 'TypeError',
      message: /trainOrLoad cannot cache a run with callbacks/,
    });
  });

  it('takes early stopping as data: part of the key, and applied to the run', async () => {
    const dataset = signDataset(16);
    const plain = cacheKey(dataset, { cell: 'GRU', units: 2 }, { numEpochs: 4 });
    const stopped = cacheKey(dataset, { cell: 'GRU', units: 2 }, { numEpochs: 4, earlyStopping: { patience: 1 } });
    const stopped2 = cacheKey(dataset, { cell: 'GRU', units: 2 }, { numEpochs: 4, earlyStopping: { patience: 2 } });
    assert.notEqual(plain.key, stopped.key);
    assert.notEqual(stopped.key, stopped2.key);
    const { history, model } = await trainOrLoad(dataset, { cell: 'GRU', units: 2 }, { numEpochs: 4, learningRate: 0.5, earlyStopping: { patience: 1 }, progress: 'none' }, { cacheDir });
    // Patience 1: training ends one epoch after the best, unless the last epoch is the best.
    const best = history.bestEpoch as number;
    assert.equal(history.epochs.length, Math.min(4, best + 2));
    model.dispose();
  });
});
