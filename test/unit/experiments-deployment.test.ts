import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import type { ClassificationDataset, ForecastingDataset, LanguageModelDataset } from '../../src/data';
import { latencyBars, metricsFromOutputs, onnxEvaluate, onnxInputOf, onnxMaxDifference } from '../../src/experiments/deployment';
import { createOnnxSession, exportOnnx } from '../../src/export';
import { buildClassifier, buildLanguageModel } from '../../src/models';
import { evaluate } from '../../src/training';

const T = 3;

function split(x: number[], y: number[], size: number) {
  return { x: Float32Array.from(x), y: Float32Array.from(y), size };
}

const empty = split([], [], 0);

/** 2 sequences of 3 steps, 2 features, 3 classes. */
const clf: ClassificationDataset = {
  task: 'classification', name: 'toy', timeSteps: T, features: 2, numClasses: 3, classNames: ['a', 'b', 'c'],
  train: empty, validation: empty,
  test: split([0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 1, 0.5, -1, 0.25, 0, -0.75], [0, 1], 2),
  seed: 1, source: 'hand-made',
};

const lm: LanguageModelDataset = {
  task: 'language-model', name: 'toy-lm', timeSteps: 2, features: 1, vocab: ['a', 'b'], vocabSize: 2, unigramCrossEntropy: Math.LN2,
  train: empty, validation: empty,
  test: split([0, 1], [1, 1], 1),
  seed: 1, source: 'hand-made',
};

const fc: ForecastingDataset = {
  task: 'forecasting', name: 'toy-fc', timeSteps: 1, features: 1, horizon: 2, featureNames: ['t'], targetName: 't', targetUnit: '°C',
  featureMean: [0], featureStd: [1], targetMean: 10, targetStd: 4,
  train: empty, validation: empty,
  test: split([0, 0], [1, -1, 0.5, 0], 2),
  seed: 1, source: 'hand-made',
};

before(async () => {
  await initBackend();
});

describe('deployment helpers', () => {
  it('gives ONNX Runtime float32 features, or int32 ids for a language model', () => {
    const a = onnxInputOf(clf, 'test', 1);
    assert.deepEqual(a.dims, [1, T, 2]);
    assert.ok(a.data instanceof Float32Array);
    assert.deepEqual(Array.from(a.data), Array.from(clf.test.x.subarray(0, 6)));
    const b = onnxInputOf(lm, 'test');
    assert.deepEqual(b.dims, [1, 2]);
    assert.ok(b.data instanceof Int32Array);
    assert.throws(() => onnxInputOf(clf, 'test', 3), { name: 'RangeError', message: 'limit must be an integer in [1, 2], got 3' });
  });

  it('computes accuracy and cross-entropy from logits as worked out by hand', () => {
    // Row 0: logits (2, 0, 0), label 0: -log softmax = log(1 + 2e^-2) = 0.2395448; argmax 0, right.
    // Row 1: logits (0, 0, 5), label 1: -log softmax = log(2 + e^5) = 5 + log(1 + 2e^-5) = 5.0133852; argmax 2, wrong.
    const m = metricsFromOutputs(clf, 'test', { data: Float32Array.of(2, 0, 0, 0, 0, 5), dims: [2, 3] }) as { accuracy: number; crossEntropy: number };
    assert.equal(m.accuracy, 0.5);
    assert.ok(Math.abs(m.crossEntropy - (0.2395448 + 5.0133852) / 2) < 1e-6);
  });

  it('computes bits per character and MAE in original units by hand', () => {
    // Two steps, targets 1 and 1; logits (0, 0) gives log 2 nats, (0, ln 3) gives -log(3/4) nats.
    const m = metricsFromOutputs(lm, 'test', { data: Float32Array.of(0, 0, 0, Math.log(3)), dims: [1, 2, 2] }) as { bitsPerChar: number };
    // mean = (ln 2 + ln 4/3) / 2 nats = (1 + 0.4150375) / 2 bits = 0.7075187 bits.
    assert.ok(Math.abs(m.bitsPerChar - 0.7075187) < 1e-6);
    // Forecast errors (normalised) 0, -1, 0.5, 0.5 -> mean |e| = 0.5, times std 4 = 2 °C;
    // mean e² = 1.5 / 4 = 0.375, times 16 = 6.
    const f = metricsFromOutputs(fc, 'test', { data: Float32Array.of(1, 0, 1, 0.5), dims: [2, 2] }) as { mae: number; mse: number };
    assert.ok(Math.abs(f.mae - 2) < 1e-9);
    assert.ok(Math.abs(f.mse - 6) < 1e-9);
    assert.throws(() => metricsFromOutputs(fc, 'test', { data: Float32Array.of(1), dims: [1, 1] }), { name: 'RangeError', message: 'outputs must hold 2 forecasts, got 1' });
  });

  it('evaluates an exported model as evaluate() does the tfjs model, leaking no tensors', async () => {
    const model = buildClassifier({ cell: 'GRU', units: 3, timeSteps: T, features: 2, numClasses: 3, seed: 3 });
    const session = await createOnnxSession(exportOnnx(model));
    const n = tf.memory().numTensors;
    const onnx = (await onnxEvaluate(session, clf, 'test')) as { accuracy: number; crossEntropy: number };
    const diff = await onnxMaxDifference(model, session, clf, 'test', 2);
    assert.equal(tf.memory().numTensors, n);
    const reference = evaluate(model, clf, 'test');
    assert.equal(onnx.accuracy, reference.accuracy);
    assert.ok(Math.abs(onnx.crossEntropy - reference.crossEntropy) < 1e-5);
    assert.ok(diff < 1e-5 && diff >= 0);
    await session.release();
    model.dispose();
  });

  it('compares language-model outputs on int32 ids', async () => {
    const model = buildLanguageModel({ cell: 'LSTM', units: 3, timeSteps: 2, vocabSize: 2, embeddingDim: 2, seed: 4 });
    const session = await createOnnxSession(exportOnnx(model));
    assert.ok((await onnxMaxDifference(model, session, lm, 'test', 1)) < 1e-5);
    const m = (await onnxEvaluate(session, lm, 'test')) as { bitsPerChar: number };
    assert.ok(Math.abs(m.bitsPerChar - evaluate(model, lm, 'test').bitsPerChar) < 1e-5);
    await session.release();
    model.dispose();
  });

  it('draws one bar trace per engine on a log axis, with gaps for missing pairs', () => {
    const fig = latencyBars([
      { model: 'A', engine: 'tfjs', ms: 10 },
      { model: 'B', engine: 'tfjs', ms: 20 },
      { model: 'A', engine: 'ORT', ms: 1 },
    ], { title: 'batch' });
    assert.equal(fig.data.length, 2);
    assert.deepEqual(fig.data[0].x, ['A', 'B']);
    assert.deepEqual(fig.data[0].y, [10, 20]);
    assert.deepEqual(fig.data[1].y, [1, null]);
    assert.equal(fig.layout.yaxis?.type, 'log');
    assert.equal(fig.layout.title?.text, 'batch');
    assert.throws(() => latencyBars([{ model: 'A', engine: 'x', ms: 0 }]), { name: 'RangeError', message: 'ms must be > 0 on a log axis, got 0 for A / x' });
    assert.throws(() => latencyBars([]), { name: 'RangeError', message: 'rows must hold at least one measurement, got 0' });
  });
});
