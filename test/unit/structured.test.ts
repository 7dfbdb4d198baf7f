import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import {
  isPruned,
  lnStructured,
  pruneUnitsByScore,
  removePruning,
  removeUnits,
  scoreUnits,
} from '../../src/pruning';

type Cell = 'SimpleRNN' | 'LSTM' | 'GRU';
const GATE_COUNT: Record<Cell, number> = { SimpleRNN: 1, LSTM: 4, GRU: 3 };
/** Block of the candidate (cell input) path: SimpleRNN's only block, LSTM's c (i,f,c,o), GRU's h (z,r,h). */
const CANDIDATE_GATE: Record<Cell, number> = { SimpleRNN: 0, LSTM: 2, GRU: 2 };

function recurrent(cell: Cell, config: { units: number; name: string; returnSequences?: boolean; inputShape?: number[]; seed: number }) {
  const { seed, ...rest } = config;
  const args = {
    ...rest,
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    recurrentInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
    biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: seed + 2 }),
  };
  if (cell === 'LSTM') return tf.layers.lstm(args);
  if (cell === 'GRU') return tf.layers.gru(args);
  return tf.layers.simpleRNN(args);
}

function dense(units: number, name: string, seed: number) {
  return tf.layers.dense({
    units,
    name,
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: seed + 1 }),
  });
}

/** input [5 steps, 3 features] -> cell(4 units) -> Dense(2). */
function singleLayer(cell: Cell): tf.Sequential {
  const m = tf.sequential();
  m.add(recurrent(cell, { units: 4, name: 'rnn', inputShape: [5, 3], seed: 10 }));
  m.add(dense(2, 'out', 20));
  return m;
}

function sampleInput(): tf.Tensor {
  return tf.randomUniform([3, 5, 3], -1, 1, 'float32', 7);
}

function predict(model: tf.LayersModel, x: tf.Tensor): number[] {
  return tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).dataSync()));
}

function maxAbsDiff(a: number[], b: number[]): number {
  assert.equal(a.length, b.length);
  return Math.max(...a.map((v, i) => Math.abs(v - b[i])));
}

function snapshot(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

/**
 * Zeroes weights of one unit by explicit nested-array loops (written independently of the library's
 * index arithmetic). Column of unit j in gate block g is g * units + j.
 */
function zeroUnit(
  model: tf.LayersModel,
  layerName: string,
  nextName: string,
  cell: Cell,
  unit: number,
  which: 'all' | 'outgoing' | 'candidate' | 'inputGate',
): void {
  const layer = model.getLayer(layerName);
  const [k, rk, b] = layer.getWeights().map((w) => w.arraySync()) as [number[][], number[][], number[]];
  const units = rk.length;
  const gates = which === 'candidate' ? [CANDIDATE_GATE[cell]] : which === 'inputGate' ? [0] : [...Array(GATE_COUNT[cell]).keys()];
  if (which !== 'outgoing') {
    for (const g of gates) {
      for (const row of k) row[g * units + unit] = 0;
      for (const row of rk) row[g * units + unit] = 0;
      b[g * units + unit] = 0;
    }
  }
  if (which === 'all' || which === 'outgoing') {
    rk[unit] = rk[unit].map(() => 0);
    const next = model.getLayer(nextName);
    const nextWeights = next.getWeights().map((w) => w.arraySync());
    const nk = nextWeights[0] as number[][];
    nk[unit] = nk[unit].map(() => 0);
    next.setWeights(nextWeights.map((w) => tf.tensor(w as number[])));
  }
  layer.setWeights([tf.tensor2d(k), tf.tensor2d(rk), tf.tensor1d(b)]);
}

before(async () => {
  await initBackend();
});

describe('scoreUnits', () => {
  it('equals the hand-computed L1 and L2 norms of every weight a SimpleRNN unit owns', () => {
    const m = tf.sequential();
    m.add(tf.layers.simpleRNN({ units: 2, inputShape: [3, 1], name: 'rnn' }));
    m.add(tf.layers.dense({ units: 1, name: 'out' }));
    m.getLayer('rnn').setWeights([tf.tensor2d([[1, 2]]), tf.tensor2d([[3, 4], [5, 6]]), tf.tensor1d([7, 8])]);
    m.getLayer('out').setWeights([tf.tensor2d([[9], [10]]), tf.tensor1d([100])]);
    // unit 0: kernel col 1; recurrent col {3, 5}; recurrent row {3 (already counted), 4}; bias 7; next row 9
    //   L1 = 1 + 3 + 5 + 4 + 7 + 9 = 29, L2 = sqrt(1 + 9 + 25 + 16 + 49 + 81) = sqrt(181)
    // unit 1: kernel 2; recurrent col {4, 6}; row {5, 6 (counted)}; bias 8; next row 10
    //   L1 = 2 + 4 + 6 + 5 + 8 + 10 = 35, L2 = sqrt(4 + 16 + 36 + 25 + 64 + 100) = sqrt(245)
    // The next layer's bias (100) belongs to no unit.
    const l1 = scoreUnits(m, 'rnn', { norm: 1 });
    const l2 = scoreUnits(m, 'rnn');
    assert.ok(Math.abs(l1[0] - 29) < 1e-6 && Math.abs(l1[1] - 35) < 1e-6, `got ${l1}`);
    assert.ok(Math.abs(l2[0] - Math.sqrt(181)) < 1e-6 && Math.abs(l2[1] - Math.sqrt(245)) < 1e-6, `got ${l2}`);
  });

  it('counts every gate block of an LSTM and GRU unit, the recurrent diagonal once', () => {
    for (const [cell, gates] of [['LSTM', 4], ['GRU', 3]] as const) {
      const m = tf.sequential();
      const init = { kernelInitializer: 'ones', recurrentInitializer: 'ones', biasInitializer: 'ones' } as const;
      m.add(cell === 'LSTM' ? tf.layers.lstm({ units: 2, inputShape: [3, 1], name: 'rnn', ...init }) : tf.layers.gru({ units: 2, inputShape: [3, 1], name: 'rnn', ...init }));
      m.add(tf.layers.dense({ units: 1, name: 'out', kernelInitializer: 'ones' }));
      m.getLayer('out').setWeights([tf.tensor2d([[1], [3]]), tf.tensor1d([0])]);
      // All weights 1 except the next layer's row of unit 1 (3). Entries of a unit with G gates and
      // 2 units, 1 input: kernel G, recurrent columns 2G, recurrent row 2G minus the G shared with
      // its columns, bias G, next row 1: LSTM 4 + 8 + 4 + 4 + 1 = 21, GRU 3 + 6 + 3 + 3 + 1 = 16.
      const entries = gates + 2 * gates + gates + gates + 1;
      const l1 = scoreUnits(m, 'rnn', { norm: 1 });
      assert.ok(Math.abs(l1[0] - entries) < 1e-6, `${cell} unit 0: ${l1[0]} vs ${entries}`);
      assert.ok(Math.abs(l1[1] - (entries - 1 + 3)) < 1e-6, `${cell} unit 1: ${l1[1]}`);
      m.dispose();
    }
  });

  it('rejects a norm other than 1 or 2 and a non-recurrent layer', () => {
    const m = singleLayer('SimpleRNN');
    assert.throws(() => scoreUnits(m, 'rnn', { norm: 3 as 1 }), { name: 'RangeError', message: 'norm must be 1 or 2, got 3' });
    assert.throws(() => scoreUnits(m, 'out'), { name: 'TypeError', message: /got Dense \('out'\)/ });
    m.dispose();
  });
});

describe('removeUnits: outputs unchanged when the removed units cannot be seen', () => {
  for (const cell of ['SimpleRNN', 'LSTM', 'GRU'] as const) {
    for (const which of ['all', 'outgoing', 'candidate'] as const) {
      it(`${cell}: removing a unit whose ${which === 'all' ? 'weights are all' : which + ' weights are'} zero keeps outputs to 1e-6`, () => {
        const m = singleLayer(cell);
        zeroUnit(m, 'rnn', 'out', cell, 1, which);
        const x = sampleInput();
        const before = predict(m, x);
        const { model: small, kept, removed } = removeUnits(m, { layer: 'rnn', units: [1] });
        assert.deepEqual(kept.rnn, [0, 2, 3]);
        assert.deepEqual(removed.rnn, [1]);
        assert.equal((small.getLayer('rnn').getConfig() as { units: number }).units, 3);
        assert.ok(maxAbsDiff(predict(small, x), before) < 1e-6);
        x.dispose();
        small.dispose();
        m.dispose();
      });
    }
  }

  it('LSTM: zeroing only the input-gate weights is not enough, the outputs change', () => {
    const m = singleLayer('LSTM');
    zeroUnit(m, 'rnn', 'out', 'LSTM', 1, 'inputGate');
    const x = sampleInput();
    const before = predict(m, x);
    const { model: small } = removeUnits(m, { layer: 'rnn', units: [1] });
    // i = hardSigmoid(0) = 0.5, so the cell still accumulates 0.5 g and h_1 reaches the output.
    assert.ok(maxAbsDiff(predict(small, x), before) > 1e-3);
    x.dispose();
    small.dispose();
    m.dispose();
  });

  it('a two-layer stack (LSTM then GRU) loses a zero unit in each layer with outputs unchanged', () => {
    const m = tf.sequential();
    m.add(recurrent('LSTM', { units: 4, name: 'lstm', returnSequences: true, inputShape: [5, 3], seed: 30 }));
    m.add(recurrent('GRU', { units: 3, name: 'gru', seed: 40 }));
    m.add(dense(2, 'out', 50));
    zeroUnit(m, 'lstm', 'gru', 'LSTM', 2, 'all');
    zeroUnit(m, 'gru', 'out', 'GRU', 0, 'all');
    const x = sampleInput();
    const before = predict(m, x);
    // amount 1: the lowest-scoring unit of each layer, which is the zero one (score 0).
    const { model: small, removed } = pruneUnitsByScore(m, { layers: ['lstm', 'gru'], amount: 1 });
    assert.deepEqual(removed, { lstm: [2], gru: [0] });
    // GRU kernel shrinks in both directions: [3 kept LSTM units, 3 gates * 2 units].
    assert.deepEqual(small.getLayer('gru').getWeights()[0].shape, [3, 6]);
    assert.ok(maxAbsDiff(predict(small, x), before) < 1e-6);
    x.dispose();
    small.dispose();
    m.dispose();
  });

  it('works on a functional model with Dropout and TimeDistributed(Dense) after the layer', () => {
    const input = tf.input({ shape: [5, 3] });
    const h = recurrent('GRU', { units: 4, name: 'gru', returnSequences: true, seed: 60 }).apply(input) as tf.SymbolicTensor;
    const d = tf.layers.dropout({ rate: 0.5, name: 'drop' }).apply(h) as tf.SymbolicTensor;
    const out = tf.layers.timeDistributed({ layer: dense(2, 'inner', 70), name: 'td' }).apply(d) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: out });
    zeroUnit(m, 'gru', 'td', 'GRU', 3, 'all');
    const x = sampleInput();
    const before = predict(m, x);
    const { model: small } = removeUnits(m, { layer: 'gru', keep: 3 });
    assert.ok(!(small instanceof tf.Sequential));
    assert.deepEqual(small.getLayer('td').getWeights()[0].shape, [3, 2]);
    assert.ok(maxAbsDiff(predict(small, x), before) < 1e-6);
    x.dispose();
    small.dispose();
    m.dispose();
  });
});

describe('removeUnits: language-model shape', () => {
  it('Embedding, LSTM and TimeDistributed(Dense): the embedding is copied, outputs unchanged', () => {
    const m = tf.sequential();
    m.add(tf.layers.embedding({ inputDim: 6, outputDim: 3, inputLength: 5, name: 'emb', embeddingsInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed: 80 }) }));
    m.add(recurrent('LSTM', { units: 4, name: 'lstm', returnSequences: true, seed: 81 }));
    m.add(tf.layers.timeDistributed({ layer: dense(6, 'logits', 82), name: 'td' }));
    zeroUnit(m, 'lstm', 'td', 'LSTM', 0, 'outgoing');
    const ids = tf.tensor2d([[0, 1, 2, 3, 4], [5, 4, 3, 2, 1]]);
    const before = predict(m, ids);
    const { model: small } = removeUnits(m, { layer: 'lstm', units: [0] });
    assert.deepEqual(Array.from(small.getLayer('emb').getWeights()[0].dataSync()), Array.from(m.getLayer('emb').getWeights()[0].dataSync()));
    assert.ok(maxAbsDiff(predict(small, ids), before) < 1e-6);
    ids.dispose();
    small.dispose();
    m.dispose();
  });
});

describe('removeUnits: a genuinely smaller model', () => {
  it('copies each kept unit across all four LSTM gate blocks and the next rows', () => {
    const m = singleLayer('LSTM');
    const { model: small } = removeUnits(m, { layer: 'rnn', units: [1] });
    const [k, rk, b] = m.getLayer('rnn').getWeights().map((w) => w.arraySync()) as [number[][], number[][], number[]];
    const [k2, rk2, b2] = small.getLayer('rnn').getWeights().map((w) => w.arraySync()) as [number[][], number[][], number[]];
    const oldOf = [0, 2, 3];
    for (let g = 0; g < 4; g++) {
      oldOf.forEach((o, n) => {
        for (let r = 0; r < 3; r++) assert.equal(k2[r][g * 3 + n], k[r][g * 4 + o]);
        oldOf.forEach((oRow, nRow) => assert.equal(rk2[nRow][g * 3 + n], rk[oRow][g * 4 + o]));
        assert.equal(b2[g * 3 + n], b[g * 4 + o]);
      });
    }
    const next = m.getLayer('out').getWeights()[0].arraySync() as number[][];
    const next2 = small.getLayer('out').getWeights()[0].arraySync() as number[][];
    assert.deepEqual(next2, oldOf.map((o) => next[o]));
    small.dispose();
    m.dispose();
  });

  it('has the hand-counted number of parameters and fewer serialised bytes', async () => {
    const m = singleLayer('LSTM');
    // LSTM(4), 3 inputs: 4 * (4*3 + 4*4 + 4) = 128; Dense(2): 4*2 + 2 = 10; total 138.
    // LSTM(3): 4 * (3*3 + 3*3 + 3) = 84; Dense(2): 3*2 + 2 = 8; total 92.
    assert.equal(m.countParams(), 138);
    const { model: small } = removeUnits(m, { layer: 'rnn', amount: 0.25 });
    assert.equal(small.countParams(), 92);
    const bytes = async (model: tf.LayersModel): Promise<number> => {
      let n = -1;
      await model.save(tf.io.withSaveHandler(async (artifacts) => {
        n = (artifacts.weightData as ArrayBuffer).byteLength;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }));
      return n;
    };
    assert.equal(await bytes(m), 138 * 4);
    assert.equal(await bytes(small), 92 * 4);
    small.dispose();
    m.dispose();
  });

  it('removes the lowest-scoring units for keep and amount, ties at the lowest index', () => {
    const m = tf.sequential();
    m.add(tf.layers.simpleRNN({ units: 4, inputShape: [2, 1], name: 'rnn' }));
    m.add(tf.layers.dense({ units: 1, name: 'out' }));
    // Only the kernel and next-row entries are non-zero: scores (L1) 3+1, 1+0, 2+2, 1+0 = 4, 1, 4, 1.
    m.getLayer('rnn').setWeights([tf.tensor2d([[3, 1, 2, 1]]), tf.zeros([4, 4]), tf.zeros([4])]);
    m.getLayer('out').setWeights([tf.tensor2d([[1], [0], [2], [0]]), tf.zeros([1])]);
    const a = removeUnits(m, { layer: 'rnn', keep: 3, norm: 1 });
    assert.deepEqual(a.removed.rnn, [1]); // units 1 and 3 tie at 1: the lower index goes
    const b = removeUnits(m, { layer: 'rnn', amount: 0.5, norm: 1 });
    assert.deepEqual(b.kept.rnn, [0, 2]);
    // 3 units removed of 4 -> units 1, 3, then 0 (tied with 2 at 4, lower index).
    const c = removeUnits(m, { layer: 'rnn', amount: 3, norm: 1 });
    assert.deepEqual(c.kept.rnn, [2]);
    [a, b, c].forEach((r) => r.model.dispose());
    m.dispose();
  });
});

describe('removeUnits: invalid input', () => {
  it('rejects bad calls with the rule and leaves the original model untouched', () => {
    const m = singleLayer('GRU');
    const weights = snapshot(m);
    const cases: [object, string, RegExp | string][] = [
      [{ layer: 'out', keep: 2 }, 'TypeError', /must be SimpleRNN, LSTM or GRU, got Dense \('out'\)/],
      [{ layer: 'rnn', keep: 0 }, 'RangeError', 'keep must be an integer in [1, 4], got 0'],
      [{ layer: 'rnn', amount: 1.5 }, 'RangeError', 'amount must be a fraction in [0, 1) or an integer count >= 1, got 1.5'],
      [{ layer: 'rnn', amount: -0.1 }, 'RangeError', 'amount must be a fraction in [0, 1) or an integer count >= 1, got -0.1'],
      [{ layer: 'rnn', amount: 4 }, 'RangeError', "amount must leave at least one of the 4 units of 'rnn', got 4"],
      [{ layer: 'rnn', amount: 5 }, 'RangeError', "amount must not exceed the number of units of 'rnn' (4), got 5"],
      [{ layer: 'rnn', units: [0, 1, 2, 3] }, 'RangeError', "units must leave at least one of the 4 units of 'rnn', got 4 to remove"],
      [{ layer: 'rnn', units: [4] }, 'RangeError', 'units must be integers in [0, 3], got 4'],
      [{ layer: 'rnn', keep: 2, amount: 0.5 }, 'TypeError', 'removeUnits needs exactly one of keep, amount, units, got keep, amount'],
      [{ layer: 'nope', keep: 2 }, 'RangeError', "layer must be one of rnn, out, got 'nope'"],
    ];
    for (const [options, name, message] of cases) {
      assert.throws(() => removeUnits(m, options as Parameters<typeof removeUnits>[1]), { name, message }, JSON.stringify(options));
    }
    assert.deepEqual(snapshot(m), weights);
    m.dispose();
  });

  it('refuses a layer that is the model output or is read by a layer it cannot shrink', () => {
    const last = tf.sequential();
    last.add(tf.layers.lstm({ units: 3, inputShape: [5, 3], name: 'rnn' }));
    assert.throws(() => removeUnits(last, { layer: 'rnn', keep: 2 }), {
      name: 'RangeError',
      message: "units of 'rnn' can be removed only when another layer reads them, got a model output",
    });
    const flat = tf.sequential();
    flat.add(tf.layers.lstm({ units: 3, inputShape: [5, 3], returnSequences: true, name: 'rnn' }));
    flat.add(tf.layers.flatten({ name: 'flat' }));
    flat.add(tf.layers.dense({ units: 1, name: 'out' }));
    assert.throws(() => removeUnits(flat, { layer: 'rnn', keep: 2 }), { name: 'TypeError', message: /got Flatten \('flat'\)/ });
    last.dispose();
    flat.dispose();
  });

  it('leaves the original weights unchanged after a successful removal', () => {
    const m = singleLayer('LSTM');
    const weights = snapshot(m);
    const { model: small } = removeUnits(m, { layer: 'rnn', units: [0, 3] });
    small.dispose();
    assert.deepEqual(snapshot(m), weights);
    assert.equal(m.countParams(), 138);
    m.dispose();
  });
});

describe('lnStructured', () => {
  it('masks every weight of the lowest-norm unit, then removal keeps outputs unchanged', () => {
    const m = singleLayer('LSTM');
    // Make unit 3 clearly the weakest by scaling all its columns and rows down.
    const [k, rk, b] = m.getLayer('rnn').getWeights().map((w) => w.arraySync()) as [number[][], number[][], number[]];
    for (let g = 0; g < 4; g++) {
      for (const row of k) row[g * 4 + 3] *= 0.01;
      for (const row of rk) row[g * 4 + 3] *= 0.01;
      b[g * 4 + 3] *= 0.01;
    }
    rk[3] = rk[3].map((v) => v * 0.01);
    m.getLayer('rnn').setWeights([tf.tensor2d(k), tf.tensor2d(rk), tf.tensor1d(b)]);
    const state = lnStructured(m, { layer: 'rnn', amount: 1 });
    assert.deepEqual(state.prunedUnits('rnn'), [3]);
    const [k2, rk2, b2] = m.getLayer('rnn').getWeights().map((w) => w.arraySync()) as [number[][], number[][], number[]];
    for (let g = 0; g < 4; g++) {
      for (let r = 0; r < 3; r++) assert.equal(k2[r][g * 4 + 3], 0);
      for (let r = 0; r < 4; r++) assert.equal(rk2[r][g * 4 + 3], 0);
      assert.equal(b2[g * 4 + 3], 0);
    }
    assert.ok(rk2[3].every((v) => v === 0));
    assert.ok((m.getLayer('out').getWeights()[0].arraySync() as number[][])[3].every((v) => v === 0));
    // A second call prunes one of the remaining units, not unit 3 again.
    lnStructured(m, { layer: 'rnn', amount: 1 });
    assert.equal(state.prunedUnits('rnn').length, 2);
    const x = sampleInput();
    const before = predict(m, x);
    removePruning(m);
    assert.equal(isPruned(m), false);
    const { model: small } = removeUnits(m, { layer: 'rnn', units: state.prunedUnits('rnn') });
    assert.ok(maxAbsDiff(predict(small, x), before) < 1e-6);
    x.dispose();
    small.dispose();
    m.dispose();
  });

  it('rejects an amount that would prune every unit, changing nothing', () => {
    const m = singleLayer('SimpleRNN');
    const weights = snapshot(m);
    assert.throws(() => lnStructured(m, { layer: 'rnn', amount: 4 }), {
      name: 'RangeError',
      message: "amount must leave at least one of the 4 unpruned units of 'rnn', got 4",
    });
    assert.deepEqual(snapshot(m), weights);
    assert.equal(isPruned(m), false);
    m.dispose();
  });
});

describe('structured pruning: tensor memory', () => {
  it('scoreUnits, removeUnits (once its model is disposed) and a failed call leak no tensors', () => {
    const m = singleLayer('GRU');
    const start = tf.memory().numTensors;
    scoreUnits(m, 'rnn');
    const { model: small } = removeUnits(m, { layer: 'rnn', keep: 2 });
    small.dispose();
    assert.throws(() => removeUnits(m, { layer: 'rnn', keep: 0 }));
    pruneUnitsByScore(m, { layers: ['rnn'], amount: 0.5 }).model.dispose();
    assert.equal(tf.memory().numTensors, start);
    m.dispose();
  });

  it('lnStructured keeps its masks until removePruning frees them', () => {
    const m = singleLayer('LSTM');
    const start = tf.memory().numTensors;
    lnStructured(m, { layer: 'rnn', amount: 0.5 });
    assert.ok(tf.memory().numTensors > start);
    removePruning(m);
    assert.equal(tf.memory().numTensors, start);
    m.dispose();
  });
});
