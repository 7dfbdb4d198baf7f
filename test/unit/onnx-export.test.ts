import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import {
  createOnnxSession,
  describeOnnx,
  exportOnnx,
  onnxGateColumns,
  onnxLatency,
  onnxPredict,
  onnxRecurrentWeights,
  permuteColumns,
  planExport,
  runOnnx,
  saveOnnx,
  transpose2d,
} from '../../src/export';
import { factorizeModel } from '../../src/lowrank';
import { buildClassifier, buildForecaster, buildLanguageModel } from '../../src/models';
import type { CellType } from '../../src/models';
import { pruneUnitsByScore } from '../../src/pruning';
import { quantizeModel } from '../../src/quantization';

const T = 4;
const CELLS: CellType[] = ['SimpleRNN', 'LSTM', 'GRU'];

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'lengths differ');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function tfjsOutput(model: tf.LayersModel, x: tf.Tensor): Float32Array {
  return tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);
}

/** Non-zero biases, so that the bias layout is exercised (the builders start them at 0 or 1). */
function randomizeBiases(model: tf.LayersModel, seed: number): void {
  for (const w of model.weights) {
    if (w.originalName.endsWith('bias')) {
      tf.tidy(() => {
        w.write(tf.randomNormal(w.shape as number[], 0, 0.5, 'float32', seed));
      });
    }
  }
}

function setWeights(layer: tf.layers.Layer, values: number[][]): void {
  const tensors = layer.weights.map((w, i) => tf.tensor(values[i], w.shape as number[]));
  layer.setWeights(tensors);
  tf.dispose(tensors);
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * Reference GRU in plain loops, tfjs layout (kernel [in, 3u] blocks z, r, h; one bias), with the
 * reset gate applied either before the recurrent product (tfjs, ONNX linear_before_reset = 0) or
 * after it (linear_before_reset = 1), to show the two differ.
 */
function referenceGru(xs: number[][], kernel: number[][], rec: number[][], units: number, resetAfter: boolean): number[] {
  let h = new Array(units).fill(0);
  for (const x of xs) {
    const xw = (col: number) => x.reduce((s, xi, i) => s + xi * kernel[i][col], 0);
    const hu = (v: number[], col: number) => v.reduce((s, vi, i) => s + vi * rec[i][col], 0);
    const z = h.map((_, j) => sigmoid(xw(j) + hu(h, j)));
    const r = h.map((_, j) => sigmoid(xw(units + j) + hu(h, units + j)));
    const rh = h.map((hj, j) => r[j] * hj);
    const hh = h.map((_, j) => Math.tanh(xw(2 * units + j) + (resetAfter ? r[j] * hu(h, 2 * units + j) : hu(rh, 2 * units + j))));
    h = h.map((hj, j) => z[j] * hj + (1 - z[j]) * hh[j]);
  }
  return h;
}

before(async () => {
  await initBackend();
});

describe('ONNX weight layout', () => {
  it('moves LSTM gate blocks from tfjs i, f, c, o to ONNX i, o, f, c', () => {
    // units = 2: tfjs columns i = 0,1  f = 2,3  c = 4,5  o = 6,7 -> ONNX i, o, f, c.
    assert.deepEqual(Array.from(onnxGateColumns('LSTM', 2)), [0, 1, 6, 7, 2, 3, 4, 5]);
    assert.deepEqual(Array.from(onnxGateColumns('GRU', 2)), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(Array.from(onnxGateColumns('SimpleRNN', 3)), [0, 1, 2]);
  });

  it('transposes and permutes columns of row-major matrices', () => {
    // [[1, 2, 3], [4, 5, 6]]^T = [[1, 4], [2, 5], [3, 6]]
    assert.deepEqual(Array.from(transpose2d(Float32Array.of(1, 2, 3, 4, 5, 6), 2, 3)), [1, 4, 2, 5, 3, 6]);
    assert.deepEqual(Array.from(permuteColumns(Float32Array.of(1, 2, 3, 4), 2, Int32Array.of(1, 0))), [2, 1, 4, 3]);
  });

  it('writes W, R as [gates·units, input] in ONNX gate order and the bias as [Wb, zeros]', () => {
    // One unit, one input: kernel = [i, f, c, o] = [1, 2, 3, 4] -> W = [i, o, f, c] = [1, 4, 2, 3].
    const w = onnxRecurrentWeights({
      cell: 'LSTM', units: 1, inputDim: 1,
      kernel: Float32Array.of(1, 2, 3, 4), recurrentKernel: Float32Array.of(5, 6, 7, 8), bias: Float32Array.of(9, 10, 11, 12),
    });
    assert.deepEqual(Array.from(w.W), [1, 4, 2, 3]);
    assert.deepEqual(Array.from(w.R), [5, 8, 6, 7]);
    assert.deepEqual(Array.from(w.B), [9, 12, 10, 11, 0, 0, 0, 0]);
    // Two inputs, GRU with one unit: kernel [[a, b, c], [d, e, f]] -> W = [[a, d], [b, e], [c, f]].
    const g = onnxRecurrentWeights({
      cell: 'GRU', units: 1, inputDim: 2,
      kernel: Float32Array.of(1, 2, 3, 4, 5, 6), recurrentKernel: Float32Array.of(7, 8, 9), bias: null,
    });
    assert.deepEqual(Array.from(g.W), [1, 4, 2, 5, 3, 6]);
    assert.deepEqual(Array.from(g.B), [0, 0, 0, 0, 0, 0]);
  });
});

describe('exportOnnx, float32, against hand-computed values', () => {
  it('matches a one-step LSTM worked out by hand', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.lstm({ units: 1, inputShape: [1, 1], recurrentActivation: 'sigmoid' }),
        tf.layers.dense({ units: 1 }),
      ],
    });
    // kernel i, f, c, o = 0.5, -0.5, 1, 2; recurrent kernel unused at the first step (h0 = 0).
    setWeights(model.layers[0], [[0.5, -0.5, 1, 2], [0.3, 0.3, 0.3, 0.3], [0, 0, 0, 0]]);
    setWeights(model.layers[1], [[2], [0.1]]);
    // x = 1: i = σ(0.5) = 0.622459, g = tanh(1) = 0.761594, o = σ(2) = 0.880797,
    // c = i·g = 0.474061, h = o·tanh(c) = 0.388850, y = 2h + 0.1 = 0.877700.
    const out = await runOnnx(exportOnnx(model), { data: Float32Array.of(1), dims: [1, 1, 1] });
    assert.deepEqual(out.dims, [1, 1]);
    assert.ok(Math.abs(out.data[0] - 0.8776998) < 1e-5, `got ${out.data[0]}`);
    model.dispose();
  });

  it('runs the GRU reset-before (linear_before_reset = 0), as a plain-loop reference', async () => {
    const kernel = [[0.5, -0.4, -1, 0.3, 2, -0.7]];
    const rec = [[1, 0.2, 1, -0.5, -0.5, 1.5], [-0.3, 0.8, 0.4, 0.6, 1.2, -0.9]];
    const model = tf.sequential({ layers: [tf.layers.gru({ units: 2, inputShape: [3, 1], recurrentActivation: 'sigmoid' })] });
    setWeights(model.layers[0], [kernel.flat(), rec.flat(), [0, 0, 0, 0, 0, 0]]);
    const xs = [[1], [-1], [0.5]];
    const before = referenceGru(xs, kernel, rec, 2, false);
    const afterReset = referenceGru(xs, kernel, rec, 2, true);
    assert.ok(maxAbsDiff(before, afterReset) > 1e-3, 'the two GRU variants must differ for this test to mean anything');
    const out = await runOnnx(exportOnnx(model), { data: Float32Array.of(1, -1, 0.5), dims: [1, 3, 1] });
    assert.ok(maxAbsDiff(out.data, before) < 1e-5, `ONNX ${Array.from(out.data)} vs reference ${before}`);
    model.dispose();
  });

  it("maps tfjs's hardSigmoid (0.2x + 0.5, clipped) to ONNX HardSigmoid", async () => {
    // tfjs's default recurrentActivation is hardSigmoid; large inputs reach both clipped ends.
    const model = tf.sequential({ layers: [tf.layers.lstm({ units: 3, inputShape: [T, 2] }), tf.layers.dense({ units: 2 })] });
    randomizeBiases(model, 3);
    const x = tf.randomNormal([4, T, 2], 0, 3, 'float32', 5);
    const out = await runOnnx(exportOnnx(model), x);
    assert.ok(maxAbsDiff(out.data, tfjsOutput(model, x)) < 1e-4);
    x.dispose();
    model.dispose();
  });
});

describe('exportOnnx, float32, against the tfjs model', () => {
  const tasks = [
    {
      task: 'classifier (2-layer stack)',
      build: (cell: CellType) => buildClassifier({ cell, units: [4, 3], timeSteps: T, features: 3, numClasses: 5, seed: 1 }),
      input: () => tf.randomNormal([6, T, 3], 0, 1, 'float32', 11),
      dims: [6, 5],
    },
    {
      task: 'language model',
      build: (cell: CellType) => buildLanguageModel({ cell, units: 4, timeSteps: T, vocabSize: 7, embeddingDim: 3, seed: 2 }),
      input: () => tf.randomUniformInt([6, T], 0, 7, 12),
      dims: [6, T, 7],
    },
    {
      task: 'forecaster',
      build: (cell: CellType) => buildForecaster({ cell, units: 3, timeSteps: T, features: 2, horizon: 2, seed: 3 }),
      input: () => tf.randomNormal([6, T, 2], 0, 1, 'float32', 13),
      dims: [6, 2],
    },
  ];
  for (const { task, build, input, dims } of tasks) {
    for (const cell of CELLS) {
      it(`reproduces the ${cell} ${task} within 1e-4`, async () => {
        const model = build(cell);
        randomizeBiases(model, 7);
        const x = input();
        const out = await runOnnx(exportOnnx(model), x);
        assert.deepEqual(out.dims, dims);
        assert.ok(maxAbsDiff(out.data, tfjsOutput(model, x)) < 1e-4);
        x.dispose();
        model.dispose();
      });
    }
  }

  it('exports a model shrunk by pruneUnitsByScore (just fewer units)', async () => {
    const model = buildClassifier({ cell: 'GRU', units: [6, 4], timeSteps: T, features: 3, numClasses: 3, seed: 4 });
    const { model: small } = pruneUnitsByScore(model, { layers: ['rnn_0', 'rnn_1'], amount: 0.5 });
    const x = tf.randomNormal([5, T, 3], 0, 1, 'float32', 14);
    const out = await runOnnx(exportOnnx(small), x);
    assert.ok(maxAbsDiff(out.data, tfjsOutput(small, x)) < 1e-4);
    x.dispose();
    model.dispose();
    small.dispose();
  });

  it('keeps the input factor of a low-rank layer as a MatMul and multiplies the recurrent factors back', async () => {
    const model = buildClassifier({ cell: 'LSTM', units: 5, timeSteps: T, features: 4, numClasses: 3, seed: 5 });
    const { model: lowRank } = factorizeModel(model, { rank: 2 });
    const x = tf.randomNormal([5, T, 4], 0, 1, 'float32', 15);
    const bytes = exportOnnx(lowRank);
    const out = await runOnnx(bytes, x);
    assert.ok(maxAbsDiff(out.data, tfjsOutput(lowRank, x)) < 1e-4);
    // MatMuls: the input factor before the LSTM node and the dense output layer.
    assert.equal(describeOnnx(bytes).ops.MatMul, 2);
    assert.equal(describeOnnx(bytes).ops.LSTM, 1);
    x.dispose();
    model.dispose();
    lowRank.dispose();
  });

  it('uses ONNX RNN, LSTM and GRU operators, one per layer, with the requested opset', () => {
    for (const [cell, op] of [['SimpleRNN', 'RNN'], ['LSTM', 'LSTM'], ['GRU', 'GRU']] as const) {
      const model = buildClassifier({ cell, units: [3, 3], timeSteps: T, features: 2, numClasses: 2 });
      const summary = describeOnnx(exportOnnx(model, { opset: 14 }));
      assert.equal(summary.ops[op], 2);
      assert.equal(summary.opset, 14);
      assert.deepEqual(summary.extraDomains, []);
      model.dispose();
    }
  });
});

describe('exportOnnx, int8', () => {
  for (const cell of CELLS) {
    it(`${cell}: weight-only int8 computes exactly the weights quantizeModel writes back`, async () => {
      const model = buildClassifier({ cell, units: [5, 4], timeSteps: T, features: 3, numClasses: 4, seed: 6 });
      randomizeBiases(model, 8);
      const { model: reference } = quantizeModel(model, { bits: 8, granularity: 'per-channel' });
      const x = tf.randomNormal([6, T, 3], 0, 1, 'float32', 16);
      const out = await runOnnx(exportOnnx(model, { int8: { compute: 'weight-only' } }), x);
      assert.ok(maxAbsDiff(out.data, tfjsOutput(reference, x)) < 1e-5);
      x.dispose();
      model.dispose();
      reference.dispose();
    });

    it(`${cell}: dynamic int8 stays within the activation-quantization error of the dequantized model`, async () => {
      const model = buildForecaster({ cell, units: 6, timeSteps: T, features: 3, horizon: 2, seed: 9 });
      const x = tf.randomNormal([8, T, 3], 0, 1, 'float32', 17);
      for (const granularity of ['per-channel', 'per-tensor'] as const) {
        const { model: reference } = quantizeModel(model, { bits: 8, granularity });
        const bytes = exportOnnx(model, { int8: { granularity } });
        const out = await runOnnx(bytes, x);
        const ref = tfjsOutput(reference, x);
        // uint8 activations: one step is range/255 (about 1 % of the range of each input), which
        // moves outputs of these 6-unit models by a few 1e-3; 2e-2 leaves room and still fails
        // on a wrong gate order or layout (those change outputs by 1e-1 or more).
        const diff = maxAbsDiff(out.data, ref);
        assert.ok(diff < 2e-2, `${granularity}: max |ORT - tfjs dequantized| = ${diff}`);
        assert.ok(diff > 0, 'dynamic quantization of activations must change something');
        const ops = describeOnnx(bytes).ops;
        assert.ok(cell === 'LSTM' ? ops.DynamicQuantizeLSTM === 1 : ops.DynamicQuantizeMatMul > 1, JSON.stringify(ops));
        reference.dispose();
      }
      x.dispose();
      model.dispose();
    });
  }

  it('runs the language model with an int8 embedding table (per-row scales)', async () => {
    const model = buildLanguageModel({ cell: 'GRU', units: 4, timeSteps: T, vocabSize: 9, embeddingDim: 3, seed: 10 });
    const { model: reference } = quantizeModel(model, { bits: 8, granularity: 'per-channel' });
    const x = tf.randomUniformInt([5, T], 0, 9, 18);
    const ref = tfjsOutput(reference, x);
    const out = await runOnnx(exportOnnx(model, { int8: { compute: 'weight-only' } }), x);
    assert.ok(maxAbsDiff(out.data, ref) < 1e-5);
    // Dynamic: the GRU is unrolled and its states concatenated over time for the per-step dense layer.
    const dynamic = await runOnnx(exportOnnx(model, { int8: true }), x);
    assert.deepEqual(dynamic.dims, [5, T, 9]);
    assert.ok(maxAbsDiff(dynamic.data, ref) < 2e-2);
    x.dispose();
    model.dispose();
    reference.dispose();
  });

  it('stores each kernel weight in one byte', () => {
    const units = 8;
    const model = buildClassifier({ cell: 'LSTM', units, timeSteps: T, features: 3, numClasses: 5 });
    const fp32 = describeOnnx(exportOnnx(model));
    const int8 = describeOnnx(exportOnnx(model, { int8: { compute: 'weight-only' } }));
    // Kernels: 3·32 + 8·32 + 8·5 = 392 codes, plus one int8 zero point per channel: 32 + 32 + 5.
    assert.equal(int8.weightBytes.int8, 392 + 69);
    // float32 left: biases 2·32 (ONNX B) + 5, and the per-channel scales 32 + 32 + 5, at 4 bytes.
    assert.equal(int8.weightBytes.float32, 4 * (64 + 5 + 69));
    assert.equal(fp32.weightBytes.float32, 4 * (392 + 64 + 5));
    // Dynamic mode stores the same codes offset by 128 as uint8 (exact u8·u8 products on every CPU).
    const dyn = describeOnnx(exportOnnx(model, { int8: true }));
    assert.equal(dyn.weightBytes.uint8, 392 + 69);
    model.dispose();
  });
});

describe('exportOnnx, errors', () => {
  it('rejects an unsupported layer with a TypeError naming its class', () => {
    const model = tf.sequential({
      layers: [tf.layers.lstm({ units: 2, inputShape: [T, 2], returnSequences: true }), tf.layers.flatten(), tf.layers.dense({ units: 2 })],
    });
    assert.throws(() => exportOnnx(model), { name: 'TypeError', message: /of class Flatten is not supported by the ONNX export/ });
    model.dispose();
  });

  it('rejects a Bidirectional wrapper and goBackwards', () => {
    const bi = tf.sequential({ layers: [tf.layers.bidirectional({ layer: tf.layers.gru({ units: 2 }) as tf.RNN, inputShape: [T, 2] })] });
    assert.throws(() => exportOnnx(bi), { name: 'TypeError', message: /of class Bidirectional/ });
    const back = tf.sequential({ layers: [tf.layers.simpleRNN({ units: 2, inputShape: [T, 2], goBackwards: true })] });
    assert.throws(() => exportOnnx(back), { name: 'RangeError', message: /goBackwards must be false for ONNX export, got true/ });
    bi.dispose();
    back.dispose();
  });

  it('rejects activations that ONNX recurrent operators cannot express', () => {
    const elu = tf.sequential({ layers: [tf.layers.lstm({ units: 2, inputShape: [T, 2], activation: 'elu' })] });
    assert.throws(() => exportOnnx(elu), { name: 'RangeError', message: /activation must be one of linear, tanh, sigmoid, hardSigmoid, relu, softmax for ONNX export, got 'elu'/ });
    const softmax = tf.sequential({ layers: [tf.layers.simpleRNN({ units: 2, inputShape: [T, 2], activation: 'softmax' })] });
    assert.throws(() => exportOnnx(softmax), { name: 'RangeError', message: /activation of a recurrent layer must not be softmax for ONNX export, got softmax/ });
    elu.dispose();
    softmax.dispose();
  });

  it('rejects int8 bits other than 8, a bad opset and a bad compute mode, leaving the model as it was', () => {
    const model = buildClassifier({ cell: 'GRU', units: 2, timeSteps: T, features: 2, numClasses: 2 });
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    assert.throws(() => exportOnnx(model, { int8: { bits: 4 } }), { name: 'RangeError', message: 'int8.bits must be 8 (ONNX Runtime\'s integer kernels are 8-bit), got 4' });
    assert.throws(() => exportOnnx(model, { opset: 12 }), { name: 'RangeError', message: 'opset must be an integer in [14, 21], got 12' });
    assert.throws(() => exportOnnx(model, { int8: { compute: 'fast' as never } }), { name: 'RangeError', message: /int8.compute must be one of dynamic, weight-only, got "fast"/ });
    assert.throws(() => exportOnnx(model, { int8: 'yes' as never }), { name: 'TypeError', message: /int8 must be a boolean or an options object, got string/ });
    assert.throws(() => exportOnnx({} as tf.LayersModel), { name: 'TypeError', message: /model must be a tf.LayersModel/ });
    assert.deepEqual(model.getWeights().map((w) => Array.from(w.dataSync())), before);
    model.dispose();
  });

  it('rejects an unrolled int8 GRU whose sequence length is not fixed', () => {
    const model = tf.sequential({ layers: [tf.layers.gru({ units: 2, inputShape: [null, 2] as unknown as number[], recurrentActivation: 'sigmoid' })] });
    assert.throws(() => exportOnnx(model, { int8: true }), { name: 'RangeError', message: /needs a fixed sequence length/ });
    model.dispose();
  });
});

describe('ONNX Runtime helpers', () => {
  let tmp = '';
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rnnc-onnx-test-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('saveOnnx writes the exported bytes to a file', () => {
    const model = buildForecaster({ cell: 'LSTM', units: 2, timeSteps: T, features: 2, horizon: 1 });
    const file = path.join(tmp, 'sub', 'model.onnx');
    const { bytes } = saveOnnx(model, file);
    assert.equal(fs.statSync(file).size, bytes);
    assert.deepEqual(new Uint8Array(fs.readFileSync(file)), exportOnnx(model));
    model.dispose();
  });

  it('onnxPredict over batches equals one run over everything', async () => {
    const model = buildClassifier({ cell: 'SimpleRNN', units: 3, timeSteps: T, features: 2, numClasses: 3 });
    const session = await createOnnxSession(exportOnnx(model));
    const data = Float32Array.from({ length: 7 * T * 2 }, (_, i) => Math.sin(i));
    const whole = await runOnnx(session, { data, dims: [7, T, 2] });
    const batched = await onnxPredict(session, data, [7, T, 2], { batchSize: 3 });
    assert.deepEqual(batched.dims, [7, 3]);
    assert.ok(maxAbsDiff(batched.data, whole.data) < 1e-6);
    await session.release();
    model.dispose();
  });

  it('onnxLatency reports a positive median for the batch it was given', async () => {
    const model = buildClassifier({ cell: 'GRU', units: 3, timeSteps: T, features: 2, numClasses: 2 });
    const x = tf.zeros([2, T, 2]);
    const stats = await onnxLatency(exportOnnx(model), x, { repeats: 3, warmup: 1 });
    assert.equal(stats.batchSize, 2);
    assert.equal(stats.repeats, 3);
    assert.ok(stats.medianMs > 0 && stats.p10Ms <= stats.medianMs && stats.medianMs <= stats.p90Ms);
    await assert.rejects(onnxLatency(exportOnnx(model), x, { repeats: 0 }), { name: 'RangeError', message: 'repeats must be an integer >= 1, got 0' });
    await assert.rejects(createOnnxSession(exportOnnx(model), { intraOpNumThreads: 0 }), { name: 'RangeError', message: 'intraOpNumThreads must be an integer >= 1, got 0' });
    x.dispose();
    model.dispose();
  });

  it('creates no tensors: export, planning, running and timing leave tf.memory() unchanged', async () => {
    const model = buildLanguageModel({ cell: 'LSTM', units: 3, timeSteps: T, vocabSize: 5, embeddingDim: 2 });
    const x = tf.randomUniformInt([2, T], 0, 5, 19);
    const n = tf.memory().numTensors;
    planExport(model);
    const bytes = exportOnnx(model, { int8: true });
    await runOnnx(bytes, x);
    await onnxLatency(bytes, x, { repeats: 1, warmup: 0 });
    assert.equal(tf.memory().numTensors, n);
    x.dispose();
    model.dispose();
  });
});
