import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import {
  applyPartSettings,
  calibratedAllocation,
  compressPart,
  greedyAllocation,
  measureSensitivity,
  partChoices,
  weightParts,
  type PartChoices,
  type PartSetting,
  type WeightPart,
} from '../../src/experiments/adaptive';

const TOLERANCE = 1e-6;

/** SimpleRNN(2) over 3 steps of 2 features, then Dense(1), weights set by hand. */
function handSetModel(): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.simpleRNN({ units: 2, inputShape: [3, 2], name: 'rnn' }),
      tf.layers.dense({ units: 1, name: 'out' }),
    ],
  });
  const rnn = [tf.tensor2d([[0.3, -0.1], [0.2, -0.4]]), tf.tensor2d([[0.5, 0], [0, 0.25]]), tf.tensor1d([0.1, 0.1])];
  const out = [tf.tensor2d([[1.1], [-2]]), tf.tensor1d([0])];
  model.getLayer('rnn').setWeights(rnn);
  model.getLayer('out').setWeights(out);
  tf.dispose([...rnn, ...out]);
  return model;
}

function part(values: number[], shape: number[]): WeightPart {
  return { name: 'p/kernel', layerName: 'p', role: 'kernel', shape, values: Float32Array.from(values) };
}

/**
 * Two parts, levels sparsity [0, 0.5] and bits [float32, 8, 4]:
 *   A: sparsity drops [0, 0.004], bits drops [0, 0, 0.002],
 *      bytes s=0: [1000, 250, 125], s=0.5: [600, 160, 90]
 *   B: sparsity drops [0, 0.02], bits drops [0, 0.001, 0.008],
 *      bytes s=0: [400, 100, 50], s=0.5: [240, 70, 40]
 */
function table(): PartChoices[] {
  return [
    { part: 'A', sparsities: [0, 0.5], bits: [null, 8, 4], sparsityDrops: [0, 0.004], bitsDrops: [0, 0, 0.002], bytes: [[1000, 250, 125], [600, 160, 90]] },
    { part: 'B', sparsities: [0, 0.5], bits: [null, 8, 4], sparsityDrops: [0, 0.02], bitsDrops: [0, 0.001, 0.008], bytes: [[400, 100, 50], [240, 70, 40]] },
  ];
}

/** The table's prediction for a configuration, computed independently of the search. */
function predicted(settings: Record<string, PartSetting>): number {
  return table().reduce((sum, c) => {
    const s = settings[c.part];
    return sum + c.sparsityDrops[c.sparsities.indexOf(s.sparsity)] + c.bitsDrops[c.bits.indexOf(s.bits)];
  }, 0);
}

describe('compressPart', () => {
  it('prunes the smallest magnitudes, then quantizes per column with zeros kept', () => {
    // [[0.3, -0.1], [0.2, -0.4]] at 50%: -0.1 and 0.2 go -> [[0.3, 0], [0, -0.4]].
    // 2 bits (codes -1, 0, 1): column 0 scale 0.3, codes [1, 0]; column 1 scale 0.4, codes [0, -1].
    const { values, codes } = compressPart(part([0.3, -0.1, 0.2, -0.4], [2, 2]), { sparsity: 0.5, bits: 2 });
    assert.deepEqual(Array.from(values), [Math.fround(0.3), 0, 0, Math.fround(-0.4)]);
    assert.deepEqual(Array.from(codes?.codes ?? []), [1, 0, 0, -1]);
    assert.equal(codes?.axis, 1);
  });

  it('quantizes without pruning', () => {
    // 4 bits (qmax 7): column 0 [0.3, 0.2] scale 0.3/7, codes 7 and round(4.67) = 5 -> 0.2143;
    // column 1 [-0.1, -0.4] scale 0.4/7, codes round(-1.75) = -2 -> -0.1143, and -7 -> -0.4.
    const { values } = compressPart(part([0.3, -0.1, 0.2, -0.4], [2, 2]), { sparsity: 0, bits: 4 });
    const expected = [0.3, -0.8 / 7, 1.5 / 7, -0.4];
    values.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < TOLERANCE, `value ${i}: ${v} vs ${expected[i]}`));
  });

  it('leaves the original values untouched', () => {
    const p = part([0.3, -0.1, 0.2, -0.4], [2, 2]);
    compressPart(p, { sparsity: 0.5, bits: 2 });
    assert.deepEqual(Array.from(p.values), [0.3, -0.1, 0.2, -0.4].map(Math.fround));
  });

  it('rejects a bad setting', () => {
    const p = part([1, 2], [2]);
    assert.throws(() => compressPart(p, { sparsity: 1, bits: null }), /setting.sparsity must be in \[0, 1\), got 1/);
    assert.throws(() => compressPart(p, { sparsity: 0, bits: 1 }), /setting.bits must be null \(float32\) or an integer in \[2, 16\], got 1/);
  });
});

describe('parts of a model', () => {
  before(async () => {
    await initBackend();
  });

  it('lists kernels and recurrent kernels by manifest name', () => {
    const model = handSetModel();
    const parts = weightParts(model);
    assert.deepEqual(parts.map((p) => [p.name, p.role]), [['rnn/kernel', 'kernel'], ['rnn/recurrent_kernel', 'recurrentKernel'], ['out/kernel', 'kernel']]);
    model.dispose();
  });

  it('writes compressed values in place and restores the originals', () => {
    const model = handSetModel();
    const parts = weightParts(model);
    const codes = applyPartSettings(model, parts, { 'rnn/kernel': { sparsity: 0.5, bits: null }, 'out/kernel': { sparsity: 0, bits: 2 } });
    assert.deepEqual(Array.from(model.getLayer('rnn').getWeights()[0].dataSync()), [0.3, 0, 0, -0.4].map(Math.fround));
    // out kernel [[1.1], [-2]] at 2 bits: one column, scale 2, codes round(0.55) = 1 and -1 -> [2, -2].
    assert.deepEqual(Array.from(model.getLayer('out').getWeights()[0].dataSync()), [2, -2]);
    assert.deepEqual(Object.keys(codes), ['out/kernel']);
    applyPartSettings(model, parts, {});
    assert.deepEqual(Array.from(model.getLayer('rnn').getWeights()[0].dataSync()), [0.3, -0.1, 0.2, -0.4].map(Math.fround));
    assert.deepEqual(Array.from(model.getLayer('out').getWeights()[0].dataSync()), [1.1, -2].map(Math.fround));
    model.dispose();
  });

  it('rejects a setting for an unknown part and writes nothing', () => {
    const model = handSetModel();
    const parts = weightParts(model);
    assert.throws(
      () => applyPartSettings(model, parts, { 'rnn/kernel': { sparsity: 0.5, bits: null }, nope: { sparsity: 0, bits: null } }),
      /settings must name parts \(rnn\/kernel, rnn\/recurrent_kernel, out\/kernel\), got 'nope'/,
    );
    assert.deepEqual(Array.from(model.getLayer('rnn').getWeights()[0].dataSync()), [0.3, -0.1, 0.2, -0.4].map(Math.fround));
    model.dispose();
  });

  it('measures one part at a time and restores the model', () => {
    const model = handSetModel();
    const parts = weightParts(model);
    // Metric: minus the number of zero weights among the parts (higher is better), so the drop is
    // the number of weights the setting zeroed: 50% of a 4-weight kernel = 2, of the 2-weight
    // output kernel = 1; the recurrent kernel [[0.5, 0], [0, 0.25]] already has 2 zeros and loses
    // the 2 smallest of the 4, which are those zeros: drop 0. 8 bits zero nothing here.
    const zeros = (m: tf.LayersModel): number => -m.getWeights().filter((_, i) => i !== 2 && i !== 4).reduce((n, w) => n + Array.from(w.dataSync()).filter((v) => v === 0).length, 0);
    const rows = measureSensitivity(model, parts, { sparsities: [0.5], bits: [8], measure: zeros });
    assert.deepEqual(rows.map((r) => [r.part, r.kind, r.drop]), [
      ['rnn/kernel', 'sparsity', 2], ['rnn/kernel', 'bits', 0],
      ['rnn/recurrent_kernel', 'sparsity', 0], ['rnn/recurrent_kernel', 'bits', 0],
      ['out/kernel', 'sparsity', 1], ['out/kernel', 'bits', 0],
    ]);
    assert.equal(rows[0].label, '50% pruned');
    assert.equal(rows[1].label, '8 bits');
    assert.deepEqual(Array.from(model.getLayer('rnn').getWeights()[0].dataSync()), [0.3, -0.1, 0.2, -0.4].map(Math.fround));
    model.dispose();
  });

  it('builds the search table from sensitivity rows and real sizes', () => {
    const model = handSetModel();
    const parts = weightParts(model).slice(2);
    const rows = [
      { part: 'out/kernel', layer: 'out', role: 'kernel' as const, kind: 'sparsity' as const, setting: 0.5, label: '', metric: 0, drop: 0.03 },
      { part: 'out/kernel', layer: 'out', role: 'kernel' as const, kind: 'bits' as const, setting: 8, label: '', metric: 0, drop: 0.001 },
    ];
    const [c] = partChoices(parts, rows, { sparsities: [0, 0.5], bits: [null, 8] });
    assert.deepEqual(c.sparsityDrops, [0, 0.03]);
    assert.deepEqual(c.bitsDrops, [0, 0.001]);
    // [[1.1], [-2]] as float32: header 2 + 8 = 10, plus 8 bytes of values = 18; float16 (14) is
    // not exact for 1.1 and bitmask is 10 + 1 + 8 = 19. Pruned 50%: [[0], [-2]], both halves, so
    // float16 is exact: 10 + 4 = 14 (bitmask 10 + 1 + 4 = 15).
    assert.equal(c.bytes[0][0], 18);
    assert.equal(c.bytes[1][0], 14);
    assert.throws(() => partChoices(parts, rows, { sparsities: [0, 0.8], bits: [null] }), /the sensitivity rows must include out\/kernel at sparsity 0.8, got none/);
    model.dispose();
  });

  it('leaks no tensors', () => {
    const model = handSetModel();
    const parts = weightParts(model);
    const before = tf.memory().numTensors;
    applyPartSettings(model, parts, { 'rnn/kernel': { sparsity: 0.5, bits: 4 } });
    measureSensitivity(model, parts, { sparsities: [0.5], bits: [4], measure: () => 0 });
    applyPartSettings(model, parts, {});
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
  });
});

describe('greedyAllocation', () => {
  it('takes free moves first, then the most bytes saved per point of drop, within the budget', () => {
    // From A(float32) B(float32), 1400 bytes, budget 0.01:
    // 1. free: A -> 8 bits saves 750                       drop 0,     bytes 650
    // 2. ratios: B -> 8 bits 300/0.001 beats A -> 4 bits 125/0.002, A 50% 90/0.004, B -> 4 bits 350/0.008
    //                                                      drop 0.001, bytes 350
    // 3. A -> 4 bits 125/0.002 = 62,500 beats A 50% 22,500 and B -> 4 bits 50/0.007
    //                                                      drop 0.003, bytes 225
    // 4. A 50% (at 4 bits: 125 -> 90) 35/0.004 = 8,750 beats B -> 4 bits 50/0.007 = 7,143
    //                                                      drop 0.007, bytes 190
    // 5. B -> 4 bits would reach 0.014 and B 50% 0.027: stop.
    const a = greedyAllocation(table(), { maxDrop: 0.01 });
    assert.deepEqual(a.steps.map((s) => [s.part, s.kind, s.to]), [['A', 'bits', 8], ['B', 'bits', 8], ['A', 'bits', 4], ['A', 'sparsity', 0.5]]);
    assert.deepEqual(a.settings, { A: { sparsity: 0.5, bits: 4 }, B: { sparsity: 0, bits: 8 } });
    assert.ok(Math.abs(a.predictedDrop - 0.007) < 1e-12);
    assert.equal(a.bytes, 190);
    assert.equal(a.startBytes, 1400);
    assert.deepEqual(a.steps.map((s) => s.bytes), [650, 350, 225, 190]);
  });

  it('makes only free moves with a zero budget', () => {
    const a = greedyAllocation(table(), { maxDrop: 0 });
    assert.deepEqual(a.settings, { A: { sparsity: 0, bits: 8 }, B: { sparsity: 0, bits: null } });
    assert.equal(a.bytes, 650);
  });

  it('counts a negative measured drop (noise) as no drop', () => {
    const t = table();
    t[1].bitsDrops = [0, -0.003, 0.008];
    // B -> 8 bits is now free too: both free moves first (A saves 750, then B 300).
    const a = greedyAllocation(t, { maxDrop: 0 });
    assert.deepEqual(a.steps.map((s) => [s.part, s.to]), [['A', 8], ['B', 8]]);
    assert.equal(a.predictedDrop, 0);
  });

  it('rejects a negative budget and an inconsistent table', () => {
    assert.throws(() => greedyAllocation(table(), { maxDrop: -0.1 }), /maxDrop must be a number >= 0, got -0.1/);
    const t = table();
    t[0].bytes = [[1, 2, 3]];
    assert.throws(() => greedyAllocation(t, { maxDrop: 0.01 }), /part 'A' must have bytes\[2\]\[3\]/);
    assert.throws(() => greedyAllocation([], { maxDrop: 0.01 }), /choices must be a non-empty array, got 0/);
  });
});

describe('calibratedAllocation', () => {
  it('halves the budget while the measured drop exceeds it', async () => {
    // Drops twice as large as predicted. Round 1 (budget 0.01) predicts 0.007 and measures 0.014:
    // rejected. Round 2 (budget 0.005): the steps of the test above up to drop 0.003 (A 50% would
    // reach 0.007); measured 0.006 <= 0.01: accepted.
    const measured: number[] = [];
    const { final, rounds } = await calibratedAllocation(table(), {
      maxDrop: 0.01,
      measureDrop: (s) => {
        const d = 2 * predicted(s);
        measured.push(d);
        return d;
      },
    });
    assert.equal(rounds.length, 2);
    assert.equal(rounds[0].accepted, false);
    assert.ok(Math.abs(rounds[0].measuredDrop - 0.014) < 1e-12);
    assert.equal(final, rounds[1]);
    assert.equal(final.budget, 0.005);
    assert.deepEqual(final.allocation.settings, { A: { sparsity: 0, bits: 4 }, B: { sparsity: 0, bits: 8 } });
    assert.equal(final.allocation.bytes, 225);
    assert.equal(measured.length, 2);
  });

  it('returns the last round, not accepted, when no budget works', async () => {
    const { final, rounds } = await calibratedAllocation(table(), { maxDrop: 0.01, measureDrop: () => 1, maxRounds: 3 });
    assert.equal(rounds.length, 3);
    assert.equal(final.accepted, false);
    assert.equal(final, rounds[2]);
  });

  it('does not measure a configuration twice', async () => {
    // With budget 0.0009 and below, only the free move A -> 8 bits is possible; shrinking changes
    // nothing, so after the first rejected round the search stops shrinking without re-measuring.
    let calls = 0;
    const { rounds } = await calibratedAllocation(table(), { maxDrop: 0.0009, measureDrop: () => { calls++; return 1; }, maxRounds: 4 });
    assert.equal(calls, 1);
    assert.equal(rounds.length, 1);
  });

  it('rejects bad options', async () => {
    await assert.rejects(calibratedAllocation(table(), { maxDrop: 0.01, measureDrop: () => 0, shrink: 1 }), /shrink must be in \(0, 1\), got 1/);
    await assert.rejects(calibratedAllocation(table(), { maxDrop: 0.01, measureDrop: 3 as unknown as () => number }), /measureDrop must be a function of the settings, got number/);
  });
});
