import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import {
  compressionSummary,
  countMacs,
  countNonZeros,
  countParameters,
  matrixProductMacs,
  measureBatchAndSingleLatency,
  measureLatency,
  quantileSorted,
  recurrentMacsPerStep,
  registerMacCounter,
  unregisterMacCounter,
} from '../../src/metrics';

const TOLERANCE = 1e-12;

function seeded(seed: number): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform({ seed });
}

/**
 * SimpleRNN(2) on 3 steps of 2 features, then Dense(1), with weights set by hand:
 *   rnn kernel [[1, 0], [2, 3]]       4 parameters, 3 non-zero
 *   rnn recurrent [[0, 4], [0, 5]]    4 parameters, 2 non-zero
 *   rnn bias [0, 0]                   2 parameters, 0 non-zero
 *   dense kernel [[6], [7]]           2 parameters, 2 non-zero
 *   dense bias [0]                    1 parameter,  0 non-zero
 */
function handSetModel(): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.simpleRNN({ units: 2, inputShape: [3, 2], name: 'rnn' }),
      tf.layers.dense({ units: 1, name: 'out' }),
    ],
  });
  const rnn = [tf.tensor2d([[1, 0], [2, 3]]), tf.tensor2d([[0, 4], [0, 5]]), tf.tensor1d([0, 0])];
  const out = [tf.tensor2d([[6], [7]]), tf.tensor1d([0])];
  model.getLayer('rnn').setWeights(rnn);
  model.getLayer('out').setWeights(out);
  tf.dispose([...rnn, ...out]);
  return model;
}

/** A dense layer factorised as x U V, standing in for a low-rank layer class. */
class LowRankDenseForTest extends tf.layers.Layer {
  static readonly className = 'LowRankDenseForTest';
  private u?: tf.LayerVariable;
  private v?: tf.LayerVariable;

  constructor(private readonly rank: number, private readonly outUnits: number) {
    super({});
  }

  override build(inputShape: (number | null)[] | (number | null)[][]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
    const inDim = shape[shape.length - 1] as number;
    this.u = this.addWeight('u', [inDim, this.rank], 'float32', seeded(1));
    this.v = this.addWeight('v', [this.rank, this.outUnits], 'float32', seeded(2));
    this.built = true;
  }

  override computeOutputShape(inputShape: (number | null)[] | (number | null)[][]): (number | null)[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as (number | null)[];
    return [...shape.slice(0, -1), this.outUnits];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return tf.matMul(tf.matMul(x as tf.Tensor2D, this.u?.read() as tf.Tensor2D), this.v?.read() as tf.Tensor2D);
    });
  }
}

before(async () => {
  await initBackend();
});

describe('countNonZeros and countParameters', () => {
  it('counts a plain array by hand', () => {
    assert.deepEqual(countNonZeros(new Float32Array([0, 1, 0, 2])), { parameters: 4, nonZeros: 2, sparsity: 0.5 });
    assert.deepEqual(countNonZeros([-0, NaN]), { parameters: 2, nonZeros: 1, sparsity: 0.5 });
    assert.deepEqual(countNonZeros([]), { parameters: 0, nonZeros: 0, sparsity: 0 });
  });

  it('counts parameters, non-zeros and sparsity per weight, layer, role and in total', () => {
    const model = handSetModel();
    const before = tf.memory().numTensors;
    const c = countParameters(model);
    assert.equal(tf.memory().numTensors, before);
    // 4 + 4 + 2 + 2 + 1 = 13 parameters; 3 + 2 + 0 + 2 + 0 = 7 non-zero; sparsity 6 / 13
    assert.equal(c.total.parameters, 13);
    assert.equal(c.total.nonZeros, 7);
    assert.ok(Math.abs(c.total.sparsity - 6 / 13) < TOLERANCE, `sparsity ${c.total.sparsity}`);
    assert.deepEqual(c.layers.map((l) => [l.name, l.className, l.parameters, l.nonZeros]), [
      ['rnn', 'SimpleRNN', 10, 5],
      ['out', 'Dense', 3, 2],
    ]);
    assert.deepEqual(c.layers[0].weights.map((w) => [w.role, w.shape, w.nonZeros]), [
      ['kernel', [2, 2], 3],
      ['recurrentKernel', [2, 2], 2],
      ['bias', [2], 0],
    ]);
    // kernels: 4 + 2 = 6 parameters, 3 + 2 = 5 non-zero; biases: 2 + 1 = 3, none non-zero
    assert.deepEqual(c.byRole.kernel, { parameters: 6, nonZeros: 5, sparsity: 1 - 5 / 6 });
    assert.deepEqual(c.byRole.recurrentKernel, { parameters: 4, nonZeros: 2, sparsity: 0.5 });
    assert.deepEqual(c.byRole.bias, { parameters: 3, nonZeros: 0, sparsity: 1 });
    assert.deepEqual(c.byRole.embeddings, { parameters: 0, nonZeros: 0, sparsity: 0 });
    model.dispose();
  });

  it('files weights of unknown layers under the role other', () => {
    const input = tf.input({ shape: [6] });
    const output = new LowRankDenseForTest(2, 5).apply(input) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: output });
    const c = countParameters(m);
    // u: 6 x 2 = 12, v: 2 x 5 = 10
    assert.equal(c.byRole.other.parameters, 22);
    assert.equal(c.total.parameters, 22);
    m.dispose();
  });

  it('rejects something that is not a model', () => {
    assert.throws(() => countParameters({} as tf.LayersModel), { name: 'TypeError', message: 'model must be a tf.LayersModel, got object' });
    assert.throws(() => countNonZeros(3 as unknown as number[]), { name: 'TypeError' });
  });
});

describe('countMacs', () => {
  function cellModel(cell: 'simpleRNN' | 'lstm' | 'gru', units: number): tf.Sequential {
    return tf.sequential({
      layers: [
        tf.layers[cell]({ units, inputShape: [4, 5], kernelInitializer: seeded(1), recurrentInitializer: seeded(2) }),
        tf.layers.dense({ units: 3, kernelInitializer: seeded(3) }),
      ],
    });
  }

  it('matches the hand formulas for each cell type: g u (f + u) per step', () => {
    // f = 5, u = 7, 4 steps, then Dense(7 -> 3) once: 21 MACs
    const expected = [
      ['simpleRNN', 1 * 7 * (5 + 7)], // 84
      ['lstm', 4 * 7 * (5 + 7)], // 336
      ['gru', 3 * 7 * (5 + 7)], // 252
    ] as const;
    for (const [cell, perStep] of expected) {
      const model = cellModel(cell, 7);
      const before = tf.memory().numTensors;
      const m = countMacs(model);
      assert.equal(tf.memory().numTensors, before);
      assert.equal(m.timeSteps, 4); // read from the input shape [4, 5]
      assert.equal(m.macsPerStep, perStep, cell);
      assert.equal(m.layers[0].callsPerSequence, 4);
      assert.equal(m.layers[1].macsPerCall, 21);
      assert.equal(m.layers[1].callsPerSequence, 1);
      assert.equal(m.macsPerSequence, 4 * perStep + 21, cell);
      assert.deepEqual(m.uncounted, []);
      model.dispose();
    }
    assert.equal(recurrentMacsPerStep('LSTM', 28, 64), 23552); // 4 * 64 * (28 + 64)
    assert.equal(recurrentMacsPerStep('GRU', 5, 7), 252);
  });

  it('counts a structurally smaller layer at its real size', () => {
    // LSTM with 3 units left of 7: 4 * 3 * (5 + 3) = 96 per step; Dense 3 -> 3 = 9
    const model = cellModel('lstm', 3);
    const m = countMacs(model);
    assert.equal(m.macsPerStep, 96);
    assert.equal(m.macsPerSequence, 4 * 96 + 9);
    model.dispose();
    // A stack: LSTM(6) over 5 features then GRU(4) over the 6 outputs, Dense(4 -> 2) at the end
    const stack = tf.sequential({
      layers: [
        tf.layers.lstm({ units: 6, returnSequences: true, inputShape: [4, 5] }),
        tf.layers.gru({ units: 4 }),
        tf.layers.dense({ units: 2 }),
      ],
    });
    const s = countMacs(stack, { timeSteps: 10 });
    // 4 * 6 * (5 + 6) = 264 and 3 * 4 * (6 + 4) = 120 per step; 10 steps; + 8
    assert.equal(s.macsPerStep, 384);
    assert.equal(s.macsPerSequence, 3840 + 8);
    stack.dispose();
  });

  it('counts only non-zero weights in effectiveMacsIfSparse', () => {
    const model = handSetModel();
    const m = countMacs(model);
    // dense: SimpleRNN 1 * 2 * (2 + 2) = 8 per step, 3 steps, Dense 2 once = 26
    assert.equal(m.macsPerStep, 8);
    assert.equal(m.macsPerSequence, 26);
    // sparse: kernel 3 + recurrent 2 = 5 per step, 3 steps, Dense 2 non-zero = 17
    assert.equal(m.effectiveMacsIfSparsePerStep, 5);
    assert.equal(m.effectiveMacsIfSparse, 17);
    model.dispose();
  });

  it('counts per-step dense layers, time-distributed layers and embeddings', () => {
    const lm = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 6 }),
        tf.layers.gru({ units: 5, returnSequences: true }),
        tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 10 }) }),
      ],
    });
    const m = countMacs(lm);
    // embedding: lookup, 0; GRU 3 * 5 * (4 + 5) = 135 and Dense 5 * 10 = 50 at each of 6 steps
    assert.equal(m.timeSteps, 6);
    assert.deepEqual(m.layers.map((l) => l.macsPerCall), [0, 135, 50]);
    assert.equal(m.macsPerStep, 185);
    assert.equal(m.macsPerSequence, 1110);
    lm.dispose();
    const seq = tf.sequential({
      layers: [tf.layers.lstm({ units: 2, returnSequences: true, inputShape: [5, 3] }), tf.layers.dense({ units: 4 })],
    });
    // Dense on a 3-D input runs at every step: LSTM 4 * 2 * (3 + 2) = 40 plus 2 * 4 = 8, 5 steps
    const s = countMacs(seq);
    assert.equal(s.layers[1].callsPerSequence, 5);
    assert.equal(s.macsPerStep, 48);
    assert.equal(s.macsPerSequence, 240);
    seq.dispose();
  });

  it('counts both directions of a bidirectional layer', () => {
    const model = tf.sequential({ layers: [tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 3 }) as tf.RNN, inputShape: [4, 2] })] });
    // 2 * 4 * 3 * (2 + 3) = 120 per step, 4 steps
    const m = countMacs(model);
    assert.equal(m.macsPerStep, 120);
    assert.equal(m.macsPerSequence, 480);
    model.dispose();
  });

  it('reports unknown layers as uncounted until a counter is registered', () => {
    const input = tf.input({ shape: [6] });
    const output = new LowRankDenseForTest(2, 5).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    const name = model.layers[1].name;
    const before = countMacs(model);
    assert.equal(before.timeSteps, 1); // no time axis
    assert.deepEqual(before.uncounted, [name]);
    assert.equal(before.macsPerSequence, 0);
    registerMacCounter('LowRankDenseForTest', (layer) => {
      const parts = layer.weights.map(matrixProductMacs);
      return {
        macsPerCall: parts.reduce((a, p) => a + p.macs, 0),
        effectiveMacsIfSparsePerCall: parts.reduce((a, p) => a + p.nonZeros, 0),
        callsPerSequence: 1,
      };
    });
    try {
      const after = countMacs(model);
      // 6 x 2 + 2 x 5 = 22 instead of 6 x 5 = 30 for the full Dense
      assert.equal(after.macsPerSequence, 22);
      assert.deepEqual(after.uncounted, []);
    } finally {
      assert.equal(unregisterMacCounter('LowRankDenseForTest'), true);
    }
    assert.deepEqual(countMacs(model).uncounted, [name]);
    model.dispose();
  });

  it('rejects bad arguments with the rule and the value', () => {
    const model = cellModel('gru', 2);
    assert.throws(() => countMacs(model, { timeSteps: 0 }), { name: 'RangeError', message: 'timeSteps must be a positive integer, got 0' });
    model.dispose();
    const free = tf.sequential({ layers: [tf.layers.lstm({ units: 2, inputShape: [null, 3] })] });
    assert.throws(() => countMacs(free), /timeSteps must be given when the model's input length is free/);
    assert.equal(countMacs(free, { timeSteps: 7 }).macsPerSequence, 7 * 4 * 2 * (3 + 2));
    free.dispose();
    assert.throws(() => registerMacCounter('LSTM', () => ({ macsPerCall: 0, effectiveMacsIfSparsePerCall: 0, callsPerSequence: 0 })), /className must not be a built-in layer class/);
    assert.throws(() => registerMacCounter('', () => ({ macsPerCall: 0, effectiveMacsIfSparsePerCall: 0, callsPerSequence: 0 })), { name: 'TypeError' });
    assert.throws(() => recurrentMacsPerStep('LSTM', -1, 3), { name: 'RangeError', message: 'features must be a non-negative integer, got -1' });
    assert.throws(() => recurrentMacsPerStep('Cell' as 'LSTM', 1, 3), /cell must be one of SimpleRNN, LSTM, GRU, got Cell/);
  });
});

describe('latency', () => {
  it('interpolates quantiles like NumPy', () => {
    // positions q * (n - 1): 0.5 -> 1.5 -> 2.5; 0.1 -> 0.3 -> 1.3; 0.9 -> 2.7 -> 3.7
    assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
    assert.ok(Math.abs(quantileSorted([1, 2, 3, 4], 0.1) - 1.3) < TOLERANCE, '0.1 quantile');
    assert.ok(Math.abs(quantileSorted([1, 2, 3, 4], 0.9) - 3.7) < TOLERANCE, '0.9 quantile');
    assert.equal(quantileSorted([5], 0.9), 5);
    assert.throws(() => quantileSorted([], 0.5), RangeError);
    assert.throws(() => quantileSorted([1], 1.5), /q must be in \[0, 1\], got 1.5/);
  });

  it('returns finite positive, ordered statistics and leaks no tensors', () => {
    const model = tf.sequential({ layers: [tf.layers.lstm({ units: 4, inputShape: [5, 3], kernelInitializer: seeded(1) })] });
    const x = tf.zeros([8, 5, 3]);
    const before = tf.memory().numTensors;
    const s = measureLatency(model, x, { repeats: 5, warmup: 1 });
    assert.equal(tf.memory().numTensors, before);
    for (const v of [s.medianMs, s.p10Ms, s.p90Ms, s.meanMs]) assert.ok(Number.isFinite(v) && v > 0, `latency ${v}`);
    assert.ok(s.p10Ms <= s.medianMs && s.medianMs <= s.p90Ms, 'p10 <= median <= p90');
    assert.equal(s.repeats, 5);
    assert.equal(s.batchSize, 8);
    const both = measureBatchAndSingleLatency(model, x, { repeats: 3, warmup: 1 });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(both.batch.batchSize, 8);
    assert.equal(both.single.batchSize, 1);
    assert.ok(Math.abs(both.perSequenceInBatchMs - both.batch.medianMs / 8) < TOLERANCE, 'per-sequence time');
    x.dispose();
    model.dispose();
  });

  it('rejects bad repeat counts without running the model', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
    const x = tf.zeros([1, 2]);
    assert.throws(() => measureLatency(model, x, { repeats: 0 }), { name: 'RangeError', message: 'repeats must be an integer >= 1, got 0' });
    assert.throws(() => measureLatency(model, x, { warmup: -1 }), { name: 'RangeError', message: 'warmup must be an integer >= 0, got -1' });
    assert.throws(() => measureLatency(model, [] as tf.Tensor[]), { name: 'TypeError' });
    x.dispose();
    model.dispose();
  });
});

describe('compressionSummary', () => {
  it('combines counts, MACs and storage into one flat record', async () => {
    const model = handSetModel();
    const before = tf.memory().numTensors;
    const row = await compressionSummary(model, { bits: 8 });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(row.parameters, 13);
    assert.equal(row.nonZeros, 7);
    assert.equal(row.macsPerSequence, 26);
    assert.equal(row.effectiveMacsIfSparse, 17);
    assert.equal(row.macsComplete, true);
    // float32 per weight (header 2 + 4 * rank, then 4 bytes each):
    // rnn kernel 10 + 16, recurrent 10 + 16, bias 6 + 8, dense kernel 10 + 8, dense bias 6 + 4 = 94
    assert.equal(row.bytesFloat32, 94);
    // packed 8-bit (quantization header 10, 1 byte per code):
    // 10 + 10 + 4, 10 + 10 + 4, 6 + 10 + 2, 10 + 10 + 2, 6 + 10 + 1 = 105
    assert.equal(row.bytesPacked, 105);
    // 8-bit grids over [0, max] hold 1, 2, 3 (step 3/255), 4, 5 (step 5/255) exactly; the dense
    // kernel [6, 7] has step 7/255: 6 -> code round(218.57) = 219 -> 1533/255, 3/255 off
    const err = row.quantMaxAbsError ?? NaN;
    assert.ok(Math.abs(err - 3 / 255) < 1e-6, `quantMaxAbsError ${err}`);
    const sizes = Object.entries(row).filter(([k]) => k.startsWith('bytes')).map(([, v]) => v as number);
    assert.equal(row.smallestBytes, Math.min(...sizes));
    assert.ok(Math.abs(row.compressionRatio - 94 / row.smallestBytes) < TOLERANCE, 'ratio to float32');
    assert.ok(row.savedFilesBytes > 52, 'model.json plus 13 * 4 bytes of weights');
    for (const v of Object.values(row)) assert.notEqual(typeof v, 'object');
    model.dispose();
  });
});

describe('latencyStats', () => {
  it('summarises unsorted repeats with interpolated percentiles', async () => {
    const { latencyStats } = await import('../../src/metrics/latency');
    // Sorted: [1, 2, 3, 4]; median at position 1.5 → 2.5; p10 at 0.3 → 1.3; p90 at 2.7 → 3.7; mean 2.5.
    const s = latencyStats([4, 1, 3, 2], 8);
    assert.ok(Math.abs(s.medianMs - 2.5) < 1e-12, `median ${s.medianMs}`);
    assert.ok(Math.abs(s.p10Ms - 1.3) < 1e-12, `p10 ${s.p10Ms}`);
    assert.ok(Math.abs(s.p90Ms - 3.7) < 1e-12, `p90 ${s.p90Ms}`);
    assert.ok(Math.abs(s.meanMs - 2.5) < 1e-12, `mean ${s.meanMs}`);
    assert.equal(s.repeats, 4);
    assert.equal(s.batchSize, 8);
    assert.throws(() => latencyStats([], 1), { name: 'RangeError', message: 'times must hold at least one measurement, got 0' });
  });
});
