import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vm from 'node:vm';
import type { History } from '@tensorflow/tfjs';
import { createRng } from '../../src/utils';
import {
  buildLoadPlotlyBundle,
  buildShowBundle,
  bytesByFormat,
  cellColor,
  createDisplaySession,
  defaultDisplaySession,
  figureToJson,
  histogramBins,
  loadPlotly,
  metricVsBits,
  metricVsSparsity,
  palette,
  paretoFrontier,
  paretoPlot,
  PLOTLY_MIME,
  recordsToCsv,
  resolveMetric,
  sensitivityHeatmap,
  shade,
  show,
  standaloneHtml,
  techniqueColor,
  toRecords,
  trainingCurves,
  weightHistogram,
  withAlpha,
  writeFigureData,
  writeFigureHtml,
  writeRecordsCsv,
  type Figure,
  type HistoryInput,
  type MimeBundle,
  type Trace,
} from '../../src/plots';

const TOL = 1e-12;

/** A string that occurs exactly once in plotly.js-dist's bundle (its last statement). */
const PLOTLY_MARKER = 'window.Plotly = Plotly;';

function count(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + needle.length)) n++;
  return n;
}

function trace(fig: Figure, name: string): Trace {
  const t = fig.data.find((d) => d.name === name);
  assert.ok(t, `no trace named ${name}; have ${fig.data.map((d) => d.name).join(', ')}`);
  return t;
}

function rgb(hex: string): number[] {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

describe('palette', () => {
  it('gives a technique the same colour whatever its spelling', () => {
    assert.equal(techniqueColor('Magnitude pruning'), palette.technique['magnitude-pruning']);
    assert.equal(techniqueColor('magnitude_pruning'), palette.technique['magnitude-pruning']);
    assert.equal(techniqueColor('QAT'), palette.technique.qat);
    assert.equal(cellColor('simple_rnn'), palette.cell.SimpleRNN);
    assert.equal(cellColor('gru'), palette.cell.GRU);
  });

  it('gives an unknown technique a stable colour from the categorical set', () => {
    const c = techniqueColor('my new trick');
    assert.equal(techniqueColor('my new trick'), c);
    assert.ok((palette.categorical as readonly string[]).includes(c));
  });

  it('shades towards white and black by the given fraction', () => {
    // #4e79a7 = (78, 121, 167). Lighten 0.5: 78 + 177*0.5 = 166.5 -> 167 (a7), 121 + 134*0.5 = 188 (bc),
    // 167 + 88*0.5 = 211 (d3). Darken 0.5: 39 (27), 60.5 -> 61 (3d), 83.5 -> 84 (54).
    assert.equal(shade('#4e79a7', 0.5), '#a7bcd3');
    assert.equal(shade('#4e79a7', -0.5), '#273d54');
    assert.equal(withAlpha('#4e79a7', 0.5), 'rgba(78,121,167,0.5)');
    assert.throws(() => shade('#4e79a7', 2), { name: 'RangeError', message: 'amount must be in [-1, 1], got 2' });
    assert.throws(() => withAlpha('blue', 0.5), { name: 'RangeError', message: 'color must be a #rrggbb string, got "blue"' });
  });
});

describe('metric descriptions', () => {
  it('knows the direction of the course metrics and puts it in the axis title', () => {
    assert.equal(resolveMetric('accuracy').direction, 'higher');
    assert.equal(resolveMetric('perplexity').direction, 'lower');
    assert.equal(resolveMetric({ key: 'mae', unit: '°C' }).axisTitle, 'MAE (°C; lower is better)');
  });

  it('rejects an unknown direction and an unknown metric without direction', () => {
    assert.throws(() => resolveMetric({ key: 'accuracy', direction: 'up' as never }), {
      name: 'RangeError',
      message: `metric direction must be 'higher' or 'lower', got "up"`,
    });
    assert.throws(() => resolveMetric('f2'), { name: 'RangeError', message: /metric "f2" is not a known metric, so its direction must be given as 'higher' or 'lower', got undefined/ });
  });
});

describe('rows input', () => {
  it('reads a danfo DataFrame like the equivalent records', async () => {
    // danfo is loaded here only: the plots module reads frames structurally and never imports it.
    const dfd = (await import('danfojs-node')) as unknown as { DataFrame: new (rows: object[]) => { columns: string[]; values: unknown[][] } };
    const rows = [
      { cell: 'LSTM', sparsity: 0.5, accuracy: 0.9 },
      { cell: 'LSTM', sparsity: 0, accuracy: 0.95 },
    ];
    const df = new dfd.DataFrame(rows);
    assert.deepEqual(toRecords(df), rows);
    const fromFrame = metricVsSparsity(df);
    assert.deepEqual(fromFrame.data[0].x, [0, 0.5]);
    assert.deepEqual(fromFrame.data[0].y, [0.95, 0.9]);
  });

  it('rejects empty rows and rows that are not records', () => {
    assert.throws(() => toRecords([]), { name: 'RangeError', message: 'rows must not be empty, got 0 rows' });
    assert.throws(() => toRecords([1] as never), { name: 'TypeError', message: 'rows[0] must be a record (plain object), got number' });
    assert.throws(() => toRecords('a,b' as never), { name: 'TypeError', message: /rows must be an array of records or a danfo DataFrame, got string/ });
  });
});

describe('trainingCurves', () => {
  // Compile-time check: what model.fit resolves to is accepted as it is.
  const fromFit = (h: History): HistoryInput => ({ name: 'fit', history: h });
  void fromFit;
  const histories: HistoryInput[] = [
    // The shape tf.LayersModel.fit resolves to.
    { name: 'LSTM dense', technique: 'baseline', history: { epoch: [0, 1, 2], history: { loss: [1.0, 0.6, 0.4], val_loss: [1.1, 0.7, 0.5] } } },
    { name: 'LSTM 50%', technique: 'magnitude-pruning', history: { loss: [1.2, 0.8, NaN] }, settings: { sparsity: 0.5 } },
  ];

  it('draws train solid and validation dashed per model, epochs from 1', () => {
    const fig = trainingCurves(histories);
    assert.equal(fig.data.length, 3);
    const train = trace(fig, 'LSTM dense (train)');
    const val = trace(fig, 'LSTM dense (validation)');
    assert.deepEqual(train.x, [1, 2, 3]);
    assert.deepEqual(train.y, [1.0, 0.6, 0.4]);
    assert.deepEqual(val.y, [1.1, 0.7, 0.5]);
    assert.equal(train.line?.dash, 'solid');
    assert.equal(val.line?.dash, 'dash');
    assert.equal(train.line?.color, val.line?.color);
    // A diverged epoch is a gap, not an error.
    assert.deepEqual(trace(fig, 'LSTM 50% (train)').y, [1.2, 0.8, null]);
    assert.match(String((trace(fig, 'LSTM 50% (train)').text as string[])[0]), /sparsity: 0\.5/);
    assert.match(fig.layout.xaxis?.title?.text ?? '', /^epoch/);
    assert.equal(fig.layout.yaxis?.title?.text, 'loss (training objective; lower is better)');
  });

  it('colours models by technique when each has its own, as the other figures do', () => {
    const fig = trainingCurves(histories);
    assert.equal(trace(fig, 'LSTM dense (train)').line?.color, palette.technique.baseline);
    assert.equal(trace(fig, 'LSTM 50% (train)').line?.color, palette.technique['magnitude-pruning']);
    const same = trainingCurves([
      { name: 'a', technique: 'qat', history: { loss: [1] } },
      { name: 'b', technique: 'qat', history: { loss: [1] } },
    ]);
    assert.notEqual(same.data[0].line?.color, same.data[1].line?.color);
  });

  it('rejects mismatched lengths, a missing metric and no histories', () => {
    assert.throws(() => trainingCurves([{ name: 'm', history: { loss: [1, 2, 3], val_loss: [1, 2] } }]), {
      name: 'RangeError',
      message: 'histories[0].history.val_loss must have one value per epoch like loss (3), got 2',
    });
    assert.throws(() => trainingCurves([{ name: 'm', history: { loss: [1, 2] }, epochs: [1] }]), {
      name: 'RangeError',
      message: 'histories[0].epochs must have one entry per value of loss (2), got 1',
    });
    assert.throws(() => trainingCurves([{ name: 'm', history: { loss: [1] } }], { metric: 'acc' }), { name: 'TypeError', message: /histories\[0\]\.history\.acc must be an array of numbers, got undefined \(missing key; have loss\)/ });
    assert.throws(() => trainingCurves([]), { name: 'RangeError', message: 'histories must not be empty, got 0 histories' });
  });
});

describe('metricVsSparsity', () => {
  const rows = [
    { cell: 'LSTM', sparsity: 0.5, accuracy: 0.96, units: 64 },
    { cell: 'GRU', sparsity: 0, accuracy: 0.97, units: 64 },
    { cell: 'LSTM', sparsity: 0, accuracy: 0.975, units: 64 },
    { cell: 'LSTM', sparsity: 0.9, accuracy: 0.91, units: 64 },
    { cell: 'GRU', sparsity: 0.9, accuracy: 0.9, units: 64 },
  ];

  it('draws one line per cell type, points sorted by sparsity', () => {
    const fig = metricVsSparsity(rows, { metric: 'accuracy' });
    assert.equal(fig.data.length, 2);
    const lstm = trace(fig, 'LSTM');
    assert.deepEqual(lstm.x, [0, 0.5, 0.9]);
    assert.deepEqual(lstm.y, [0.975, 0.96, 0.91]);
    assert.deepEqual(trace(fig, 'GRU').x, [0, 0.9]);
    assert.equal(lstm.line?.color, palette.cell.LSTM);
    assert.equal(trace(fig, 'GRU').line?.color, palette.cell.GRU);
    assert.equal(fig.layout.xaxis?.tickformat, '.0%');
    assert.match(fig.layout.xaxis?.title?.text ?? '', /sparsity \(% of weights/);
    assert.match(fig.layout.yaxis?.title?.text ?? '', /accuracy .*higher is better/);
  });

  it('shows the exact settings of each point on hover', () => {
    const text = trace(metricVsSparsity(rows), 'LSTM').text as string[];
    assert.equal(text[1], 'sparsity: 0.5<br>accuracy: 0.96<br>cell: LSTM<br>units: 64');
  });

  it('takes the metric and its direction as parameters', () => {
    const lm = [
      { scope: 'global', sparsity: 0.5, perplexity: 4.2 },
      { scope: 'per-layer', sparsity: 0.5, perplexity: 4.5 },
    ];
    const fig = metricVsSparsity(lm, { metric: 'perplexity', groupBy: 'scope' });
    assert.match(fig.layout.yaxis?.title?.text ?? '', /perplexity .*lower is better/);
    assert.equal(fig.data[0].line?.color, palette.categorical[0]);
    const custom = metricVsSparsity([{ sparsity: 0.2, f2: 0.7 }], { metric: { key: 'f2', direction: 'higher', label: 'F2 score' } });
    assert.match(custom.layout.yaxis?.title?.text ?? '', /^F2 score \(higher is better\)$/);
  });

  it('colours techniques like the Pareto plot does', () => {
    const t = [
      { technique: 'magnitude pruning', sparsity: 0.5, accuracy: 0.96, bytes: 1000 },
      { technique: 'threshold-pruning', sparsity: 0.5, accuracy: 0.95, bytes: 1200 },
    ];
    const bySparsity = metricVsSparsity(t, { groupBy: 'technique' });
    const pareto = paretoPlot(t);
    for (const name of ['magnitude pruning', 'threshold pruning']) {
      assert.equal(trace(bySparsity, name).line?.color, trace(pareto, name).marker?.color);
    }
    assert.equal(trace(pareto, 'magnitude pruning').marker?.color, palette.technique['magnitude-pruning']);
  });

  it('rejects a sparsity outside [0, 1], a missing metric and a bad direction', () => {
    assert.throws(() => metricVsSparsity([{ sparsity: 0.1, accuracy: 1 }, { sparsity: 1.5, accuracy: 1 }]), { name: 'RangeError', message: 'rows[1].sparsity must be in [0, 1], got 1.5' });
    assert.throws(() => metricVsSparsity([{ sparsity: 0.1 }]), { name: 'TypeError', message: 'rows[0].accuracy must be a number, got undefined (missing field)' });
    assert.throws(() => metricVsSparsity([{ sparsity: '0.1', accuracy: 1 }]), { name: 'TypeError', message: 'rows[0].sparsity must be a number, got "0.1"' });
    assert.throws(() => metricVsSparsity(rows, { metric: { key: 'accuracy', direction: 'sideways' as never } }), { name: 'RangeError', message: /got "sideways"/ });
    assert.throws(() => metricVsSparsity([]), { name: 'RangeError', message: 'rows must not be empty, got 0 rows' });
  });
});

describe('metricVsBits', () => {
  const rows = [
    { bits: 32, scheme: 'float', accuracy: 0.97 },
    { bits: 16, scheme: 'float', accuracy: 0.9698 },
    { bits: 4, scheme: 'symmetric', granularity: 'per-tensor', accuracy: 0.9 },
    { bits: 8, scheme: 'symmetric', granularity: 'per-tensor', accuracy: 0.968 },
    { bits: 8, scheme: 'symmetric', granularity: 'per-channel', accuracy: 0.969 },
    { bits: 4, scheme: 'symmetric', granularity: 'per-channel', accuracy: 0.95 },
    { bits: 8, scheme: 'affine', granularity: 'per-tensor', accuracy: 0.9685 },
  ];

  it('draws one line per scheme and granularity and marks float16 and float32', () => {
    const fig = metricVsBits(rows);
    assert.equal(fig.data.length, 5);
    const symTensor = trace(fig, 'symmetric, per-tensor');
    assert.deepEqual(symTensor.x, [4, 8]);
    assert.deepEqual(symTensor.y, [0.9, 0.968]);
    assert.deepEqual(trace(fig, 'symmetric, per-channel').y, [0.95, 0.969]);
    assert.equal(trace(fig, 'symmetric, per-channel').line?.dash, 'dash');
    assert.equal(symTensor.line?.dash, 'solid');
    const f32 = trace(fig, 'float32');
    assert.deepEqual([f32.x, f32.y, f32.marker?.symbol], [[32], [0.97], 'star']);
    assert.deepEqual(trace(fig, 'float16').x, [16]);
    assert.notEqual(trace(fig, 'float16').marker?.symbol, 'star');
    // float32 is also a horizontal reference line at its accuracy.
    assert.ok(fig.layout.shapes?.some((s) => Math.abs(s.y0 - 0.97) < TOL && Math.abs(s.y1 - 0.97) < TOL));
    assert.equal(fig.layout.xaxis?.type, 'log');
    assert.deepEqual(fig.layout.xaxis?.tickvals, [4, 8, 16, 32]);
    assert.match(fig.layout.xaxis?.title?.text ?? '', /bits per weight/);
  });

  it('keeps the quantization hue: symmetric a darker and affine a lighter shade of it', () => {
    const fig = metricVsBits(rows);
    const base = rgb(palette.technique.quantization);
    const sym = rgb(trace(fig, 'symmetric, per-tensor').line?.color as string);
    const aff = rgb(trace(fig, 'affine, per-tensor').line?.color as string);
    // Darkening keeps each channel's proportion to the base colour; lightening its proportion to white.
    const ratios = sym.map((c, i) => c / base[i]);
    for (const r of ratios) assert.ok(Math.abs(r - ratios[0]) < 0.02 && r < 1, `symmetric ratios ${ratios}`);
    const towardsWhite = aff.map((c, i) => (255 - c) / (255 - base[i]));
    for (const r of towardsWhite) assert.ok(Math.abs(r - towardsWhite[0]) < 0.02 && r < 1, `affine ratios ${towardsWhite}`);
  });

  it('names the technique when QAT and post-training rows are mixed', () => {
    const fig = metricVsBits([
      { bits: 4, scheme: 'symmetric', technique: 'quantization', accuracy: 0.9 },
      { bits: 4, scheme: 'symmetric', technique: 'qat', accuracy: 0.95 },
    ]);
    assert.deepEqual(fig.data.map((t) => t.name), ['quantization: symmetric, per-tensor', 'QAT: symmetric, per-tensor']);
  });

  it('rejects unknown schemes and impossible bit widths', () => {
    assert.throws(() => metricVsBits([{ bits: 8, scheme: 'asymmetric', accuracy: 1 }]), { name: 'RangeError', message: 'rows[0].scheme must be one of symmetric, affine, float, got "asymmetric"' });
    assert.throws(() => metricVsBits([{ bits: 8, scheme: 'float', accuracy: 1 }]), { name: 'RangeError', message: "rows[0].bits must be 16 or 32 for scheme 'float', got 8" });
    assert.throws(() => metricVsBits([{ bits: 0, scheme: 'affine', accuracy: 1 }]), { name: 'RangeError', message: "rows[0].bits must be an integer in [1, 16] for scheme 'affine', got 0" });
    assert.throws(() => metricVsBits([{ bits: 8, scheme: 'affine', granularity: 'per-row', accuracy: 1 }]), { name: 'RangeError', message: /granularity must be one of per-tensor, per-channel, got "per-row"/ });
  });
});

/** Pareto frontier by the definition, O(n^2): no other point at least as good on both and better on one. */
function bruteFrontier(points: { x: number; y: number }[], higher: boolean): number[] {
  const better = (a: number, b: number) => (higher ? a > b : a < b);
  const asGood = (a: number, b: number) => a === b || better(a, b);
  const idx: number[] = [];
  points.forEach((p, i) => {
    const dominated = points.some((q, j) => j !== i && q.x <= p.x && asGood(q.y, p.y) && (q.x < p.x || better(q.y, p.y)));
    if (!dominated) idx.push(i);
  });
  return idx.sort((a, b) => points[a].x - points[b].x || a - b);
}

describe('Pareto frontier', () => {
  // Hand-worked: cost x (smaller better), accuracy y (higher better).
  const pts = [
    { x: 50, y: 0.6 }, //   0: cheapest of all: on the frontier
    { x: 100, y: 0.8 }, //  1: nothing cheaper is as accurate: on it
    { x: 150, y: 0.78 }, // 2: point 1 is cheaper and better: off
    { x: 200, y: 0.85 }, // 3: on it
    { x: 300, y: 0.84 }, // 4: point 3 is cheaper and better: off
    { x: 400, y: 0.97 }, // 5: most accurate: on it
    { x: 400, y: 0.9 }, //  6: same cost as 5, worse: off
    { x: 100, y: 0.8 }, //  7: identical to 1, neither dominates the other: on it
    { x: 250, y: 0.85 }, // 8: as accurate as 3 but dearer: off
  ];

  it('keeps exactly the non-dominated points of a hand-worked set, by increasing cost', () => {
    assert.deepEqual(paretoFrontier(pts, 'higher'), [0, 1, 7, 3, 5]);
  });

  it('follows the metric direction', () => {
    // Perplexity-like: lower is better. (10, 5) on; (20, 4) on; (30, 4.5) off, (20, 4) beats it; (40, 3) on.
    assert.deepEqual(paretoFrontier([{ x: 10, y: 5 }, { x: 20, y: 4 }, { x: 30, y: 4.5 }, { x: 40, y: 3 }], 'lower'), [0, 1, 3]);
    // With lower better, point 0 of the hand-worked set (cheapest and lowest) dominates everything.
    assert.deepEqual(paretoFrontier(pts, 'lower'), [0]);
  });

  it('agrees with the O(n^2) definition on random points with ties', () => {
    const rng = createRng(42);
    for (let trial = 0; trial < 20; trial++) {
      const p = Array.from({ length: 30 }, () => ({ x: 1 + rng.int(10), y: rng.int(8) / 8 }));
      assert.deepEqual(paretoFrontier(p, 'higher'), bruteFrontier(p, true));
      assert.deepEqual(paretoFrontier(p, 'lower'), bruteFrontier(p, false));
    }
  });

  it('rejects a bad direction and non-finite points', () => {
    assert.throws(() => paretoFrontier(pts, 'up' as never), { name: 'RangeError', message: `direction must be 'higher' or 'lower', got "up"` });
    assert.throws(() => paretoFrontier([{ x: NaN, y: 1 }], 'higher'), { name: 'RangeError', message: /points\[0\] must have finite x and y/ });
  });
});

describe('paretoPlot', () => {
  const rows = [
    { name: 'dense', technique: 'baseline', bytes: 400, accuracy: 0.97 },
    { name: 'int8', technique: 'quantization', bytes: 100, accuracy: 0.8 },
    { name: 'int4', technique: 'quantization', bytes: 50, accuracy: 0.6 },
    { name: 'prune50', technique: 'magnitude-pruning', bytes: 150, accuracy: 0.78 },
    { name: 'prune30', technique: 'magnitude-pruning', bytes: 200, accuracy: 0.85 },
  ];

  it('draws the frontier through the optimal points and marks the baseline apart', () => {
    const fig = paretoPlot(rows);
    assert.deepEqual(fig.data.map((t) => t.name), ['Pareto frontier', 'quantization', 'magnitude pruning', 'baseline (dense)']);
    const front = trace(fig, 'Pareto frontier');
    // Optimal: int4 (50), int8 (100), prune30 (200), dense (400); prune50 is beaten by int8.
    assert.deepEqual(front.x, [50, 100, 200, 400]);
    assert.deepEqual(front.y, [0.6, 0.8, 0.85, 0.97]);
    const base = trace(fig, 'baseline (dense)');
    assert.deepEqual([base.x, base.y, base.marker?.symbol], [[400], [0.97], 'star']);
    assert.equal(trace(fig, 'quantization').marker?.color, palette.technique.quantization);
    assert.notEqual(trace(fig, 'quantization').marker?.symbol, 'star');
    const pruneText = trace(fig, 'magnitude pruning').text as string[];
    assert.match(pruneText[0], /name: prune50.*on Pareto frontier: no/);
    assert.match(pruneText[1], /on Pareto frontier: yes/);
    assert.equal(fig.layout.xaxis?.type, 'log');
    assert.equal(fig.layout.xaxis?.title?.text, 'model size (bytes, log scale)');
  });

  it('plots latency on a linear axis', () => {
    const fig = paretoPlot([{ technique: 'baseline', latencyMs: 2, accuracy: 0.9 }], { x: 'latencyMs' });
    assert.equal(fig.layout.xaxis?.type, undefined);
    assert.equal(fig.layout.xaxis?.title?.text, 'latency (ms per sequence)');
  });

  it('rejects a size that a log axis cannot show', () => {
    assert.throws(() => paretoPlot([{ technique: 'x', bytes: 0, accuracy: 1 }]), { name: 'RangeError', message: 'rows[0].bytes must be > 0 on a log axis, got 0' });
  });
});

describe('histograms', () => {
  it('bins values, the top edge going to the last bin', () => {
    // Edges [0, 0.5, 1]: 0 and 0.1 in bin 0; 0.5 in bin 1; 1 (the top edge) also in bin 1.
    assert.deepEqual(histogramBins([0, 0.1, 0.5, 1], { bins: 2 }), { edges: [0, 0.5, 1], counts: [2, 2], outside: 0 });
    // Range [-1, 1], 4 bins: edges -1, -0.5, 0, 0.5, 1. -1 -> 0; -0.25 -> 1; 0 and 0.25 -> 2; 0.75 -> 3; 2 outside.
    assert.deepEqual(histogramBins([-1, -0.25, 0, 0.25, 0.75, 2], { bins: 4, range: [-1, 1] }), { edges: [-1, -0.5, 0, 0.5, 1], counts: [1, 1, 2, 1], outside: 1 });
  });

  it('overlays before and after on shared bins and draws every quantization level', () => {
    const before = new Float32Array([-1, -0.5, 0.25, 1]);
    const after = [-1, 0, 0, 1];
    const fig = weightHistogram(before, after, { bins: 4, levels: [-0.5, 0, 0.5] });
    assert.equal(fig.data.length, 3);
    // Range [-1, 1] from the values; bin centres -0.75, -0.25, 0.25, 0.75, width 0.5.
    // before: -1 -> 0, -0.5 -> 1, 0.25 -> 2, 1 -> 3. after: -1 -> 0, 0 and 0 -> 2, 1 -> 3.
    const [b, a, levels] = fig.data;
    assert.deepEqual(b.x, [-0.75, -0.25, 0.25, 0.75]);
    assert.deepEqual(b.y, [1, 1, 1, 1]);
    assert.deepEqual(a.y, [1, 0, 2, 1]);
    assert.equal(b.width, 0.5);
    assert.equal(a.name, 'after (50.0% zeros)');
    assert.equal(a.marker?.color, palette.technique.quantization);
    assert.equal(levels.name, 'quantization levels (3)');
    // Each level is a vertical segment from 0 to the tallest bar (2), segments separated by gaps.
    assert.deepEqual(levels.x, [-0.5, -0.5, null, 0, 0, null, 0.5, 0.5, null]);
    assert.deepEqual(levels.y, [0, 2, null, 0, 2, null, 0, 2, null]);
    assert.equal(fig.layout.barmode, 'overlay');
    assert.equal(fig.layout.xaxis?.title?.text, 'weight value');
  });

  it('can leave the pruned zeros out', () => {
    const fig = weightHistogram([1, 2], [0, 0, 0, 2], { bins: 2, dropZeros: true });
    // Range [1, 2] from the kept values: edges 1, 1.5, 2. after keeps only 2 -> bin 1.
    assert.deepEqual(fig.data[1].y, [0, 1]);
    assert.equal(fig.data[1].name, 'after (75.0% zeros, not drawn)');
    assert.equal(fig.data[1].marker?.color, palette.technique['magnitude-pruning']);
    // 1 zero in 2000 weights = 0.05%, written with two significant digits rather than as 0.0%.
    const few = weightHistogram([0, ...Array.from({ length: 1999 }, (_, i) => i + 1)], null, { bins: 2 });
    assert.equal(few.data[0].name, 'before (0.050% zeros)');
  });

  it('rejects empty, non-finite and non-numeric weights and bad bins', () => {
    assert.throws(() => weightHistogram([], [1]), { name: 'RangeError', message: 'before must not be empty, got 0 values' });
    assert.throws(() => weightHistogram([1], [NaN]), { name: 'RangeError', message: 'after[0] must be finite, got NaN' });
    assert.throws(() => weightHistogram(['1'] as never, null), { name: 'TypeError', message: 'before[0] must be a number, got "1"' });
    assert.throws(() => histogramBins([1], { bins: 0 }), { name: 'RangeError', message: 'bins must be a positive integer, got 0' });
    assert.throws(() => histogramBins([1], { range: [1, 0] }), { name: 'RangeError', message: 'range must be [low, high] with finite low < high, got [1,0]' });
  });
});

describe('sensitivityHeatmap', () => {
  const rows = [
    { layer: 'lstm_1', role: 'kernel', drop: 0.01, sparsity: 0.8 },
    { layer: 'lstm_1', role: 'recurrentKernel', drop: 0.05, sparsity: 0.8 },
    { layer: 'dense', role: 'kernel', drop: -0.002, sparsity: 0.8 },
  ];

  it('lays out layers by roles with an empty cell where nothing was measured', () => {
    const fig = sensitivityHeatmap(rows);
    assert.equal(fig.data.length, 1);
    const [h] = fig.data;
    assert.deepEqual(h.y, ['lstm_1', 'dense']);
    assert.deepEqual(h.x, ['kernel', 'recurrentKernel']);
    assert.deepEqual(h.z, [
      [0.01, 0.05],
      [-0.002, null],
    ]);
    // Centred on zero with symmetric limits at the largest |drop| = 0.05.
    assert.deepEqual([h.zmid, h.zmin, h.zmax], [0, -0.05, 0.05]);
    assert.equal((h.text as string[][])[1][1], 'layer: dense<br>role: recurrentKernel<br>not measured');
    assert.match((h.text as string[][])[0][1], /drop: 0\.05<br>sparsity: 0\.8/);
  });

  it('rejects a duplicated cell', () => {
    assert.throws(() => sensitivityHeatmap([...rows, { layer: 'dense', role: 'kernel', drop: 0 }]), {
      name: 'RangeError',
      message: 'each (layer, role) pair must appear once, got (dense, kernel) again at rows[3]',
    });
  });
});

describe('bytesByFormat', () => {
  const rows = [
    { model: 'LSTM(64)', format: 'CSR', bytes: 1500 },
    { model: 'LSTM(64)', format: 'dense float32', bytes: 4000 },
    { model: 'LSTM(64)', format: 'k-bit packed', bits: 4, bytes: 500 },
    { model: 'GRU(64)', format: 'float32', bytes: 3000 },
    { model: 'GRU(64)', format: 'float16', bytes: 1500 },
  ];

  it('groups bars per model, formats in storage order, gaps where not measured', () => {
    const fig = bytesByFormat(rows);
    assert.deepEqual(fig.data.map((t) => t.name), ['dense float32', 'float16', '4-bit packed', 'CSR']);
    assert.deepEqual(trace(fig, 'dense float32').x, ['LSTM(64)', 'GRU(64)']);
    assert.deepEqual(trace(fig, 'dense float32').y, [4000, 3000]);
    assert.deepEqual(trace(fig, 'float16').y, [null, 1500]);
    assert.equal(trace(fig, 'CSR').marker?.color, palette.format.csr);
    assert.equal(trace(fig, '4-bit packed').marker?.color, palette.format.packed);
    // 4000 / 500 = 8.
    assert.match((trace(fig, '4-bit packed').hovertext as string[])[0], /8\.00× smaller than dense float32/);
    assert.equal(fig.layout.barmode, 'group');
    assert.equal(fig.layout.yaxis?.title?.text, 'size (bytes)');
  });

  it('rejects negative sizes and a duplicated (model, format)', () => {
    assert.throws(() => bytesByFormat([{ model: 'm', format: 'gzip', bytes: -1 }]), { name: 'RangeError', message: 'rows[0].bytes must be >= 0, got -1' });
    assert.throws(() => bytesByFormat([rows[3], { ...rows[3] }]), { name: 'RangeError', message: 'each (model, format) pair must appear once, got (GRU(64), dense float32) twice' });
  });
});

function scriptBodies(html: string): string[] {
  return [...html.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
}

const smallFigure = (title: string): Figure => metricVsSparsity([{ cell: 'GRU', sparsity: 0.5, accuracy: 0.9 }], { title });

describe('show bundle', () => {
  it('carries the plotly MIME type and inlines plotly.js once across two figures', () => {
    const session = createDisplaySession();
    const first = buildShowBundle(smallFigure('one'), { session });
    const second = buildShowBundle(smallFigure('two'), { session });
    for (const b of [first, second]) {
      assert.deepEqual(Object.keys(b).sort(), [PLOTLY_MIME, 'text/html', 'text/plain'].sort());
    }
    assert.deepEqual(first[PLOTLY_MIME].data[0].x, [0.5]);
    assert.equal(second[PLOTLY_MIME].layout.title?.text, 'two');
    assert.equal(count(first['text/html'] + second['text/html'], PLOTLY_MARKER), 1);
    assert.equal(count(first['text/html'], PLOTLY_MARKER), 1);
    assert.match(first['text/html'], /<div id="rnnc-plot-1"/);
    assert.match(second['text/html'], /<div id="rnnc-plot-2"/);
    assert.match(second['text/html'], /Plotly\.newPlot/);
    assert.equal(second['text/plain'], '<plotly figure: two; 1 trace>');
  });

  it('inlines plotly.js again on request, never after loadPlotly, and not when told never', () => {
    const session = createDisplaySession({ prefix: 'nb' });
    const loader = buildLoadPlotlyBundle(session);
    assert.equal(count(loader['text/html'], PLOTLY_MARKER), 1);
    assert.equal(count(buildShowBundle(smallFigure('a'), { session })['text/html'], PLOTLY_MARKER), 0);
    assert.equal(count(buildShowBundle(smallFigure('b'), { session, includePlotly: 'always' })['text/html'], PLOTLY_MARKER), 1);
    const fresh = createDisplaySession();
    assert.equal(count(buildShowBundle(smallFigure('c'), { session: fresh, includePlotly: 'never' })['text/html'], PLOTLY_MARKER), 0);
  });

  it('rejects a bad option without touching the session', () => {
    const session = createDisplaySession();
    assert.throws(() => buildShowBundle(smallFigure('a'), { session, includePlotly: 'sometimes' as never }), {
      name: 'RangeError',
      message: `includePlotly must be 'auto', 'always' or 'never', got "sometimes"`,
    });
    assert.throws(() => buildShowBundle({ data: 'x' } as never, { session }), { name: 'TypeError', message: /figure must be \{ data: Trace\[\], layout: Layout \}/ });
    assert.deepEqual(session, { prefix: 'rnnc-plot', counter: 0, plotlyIncluded: false });
  });

  it('turns NaN into null and typed arrays into arrays in the JSON', () => {
    const json = figureToJson({ data: [{ type: 'scatter', x: new Float32Array([1, 2]) as never, y: [NaN, 1] }], layout: {} });
    assert.deepEqual(json.data[0].x, [1, 2]);
    assert.deepEqual(json.data[0].y, [null, 1]);
    assert.equal(json.config.responsive, true);
  });

  it('draws into the last not-yet-drawn div with that id, once plotly.js is there', () => {
    const fig = smallFigure('drawn');
    const html = buildShowBundle(fig, { session: createDisplaySession(), includePlotly: 'never' })['text/html'];
    const [script] = scriptBodies(html);
    const makeDiv = (plotted: boolean) => {
      const attrs = new Map<string, string>(plotted ? [['data-plotted', 'true']] : []);
      const note = { style: { display: '' }, textContent: '', getAttribute: (k: string) => (k === 'data-plot-note' ? 'rnnc-plot-1' : null) };
      return { attrs, note, nextElementSibling: note, hasAttribute: (k: string) => attrs.has(k), setAttribute: (k: string, v: string) => attrs.set(k, v) };
    };
    // An old output left from before a kernel restart (drawn), a fresh one, and an older undrawn one.
    const divs = [makeDiv(false), makeDiv(true), makeDiv(false)];
    const calls: unknown[][] = [];
    const timers: (() => void)[] = [];
    const window: { Plotly?: { newPlot: (...a: unknown[]) => void } } = {};
    const context = vm.createContext({
      window,
      document: { querySelectorAll: (sel: string) => (sel === 'div[id="rnnc-plot-1"]' ? divs : []) },
      setTimeout: (f: () => void) => timers.push(f),
    });
    vm.runInContext(script, context);
    assert.equal(calls.length, 0);
    assert.equal(timers.length, 1, 'waits for plotly.js');
    window.Plotly = { newPlot: (...a: unknown[]) => calls.push(a) };
    timers.shift()?.();
    assert.equal(calls.length, 1);
    assert.equal(calls[0][0], divs[2]);
    assert.deepEqual(JSON.parse(JSON.stringify(calls[0][1])), figureToJson(fig).data);
    assert.equal(divs[2].attrs.get('data-plotted'), 'true');
    assert.equal(divs[2].note.style.display, 'none');
  });
});

describe('show in a tslab kernel', () => {
  const fakePath = join(tmpdir(), 'fake-kernel', 'node_modules', 'tslab', 'dist', 'jupyter.js');
  after(() => {
    delete require.cache[fakePath];
  });

  it('sends one display_data output holding all three MIME types, plotly.js in the first only', () => {
    const sent: { data: Record<string, unknown>; update: boolean }[] = [];
    // What the kernel's dist/jupyter.js exports while a cell runs.
    require.cache[fakePath] = { exports: { lastWriteDisplayData: (content: { data: Record<string, unknown> }, update: boolean) => sent.push({ data: content.data, update }) } } as unknown as NodeJS.Module;
    assert.equal(defaultDisplaySession().plotlyIncluded, false);
    show(smallFigure('k1'));
    show(smallFigure('k2'));
    assert.equal(sent.length, 2);
    for (const s of sent) {
      assert.equal(s.update, false);
      assert.ok(PLOTLY_MIME in s.data && 'text/html' in s.data && 'text/plain' in s.data);
    }
    const html = sent.map((s) => (s.data as unknown as MimeBundle)['text/html']);
    assert.equal(count(html[0], PLOTLY_MARKER), 1);
    assert.equal(count(html[1], PLOTLY_MARKER), 0);
    loadPlotly();
    assert.equal(count(String(sent[2].data['text/html']), PLOTLY_MARKER), 1);
  });
});

describe('files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plots-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a standalone HTML page that loads nothing from the network', () => {
    const path = writeFigureHtml(smallFigure('offline'), join(dir, 'nested', 'fig.html'));
    const html = readFileSync(path, 'utf8');
    assert.equal(html, standaloneHtml(smallFigure('offline')));
    assert.doesNotMatch(html, /<script[^>]*\ssrc\s*=\s*["']?\s*(https?:)?\/\//i);
    assert.doesNotMatch(html, /<link[^>]*href\s*=\s*["']?https?:/i);
    assert.equal(count(html, PLOTLY_MARKER), 1);
    assert.match(html, /<title>offline<\/title>/);
    assert.match(html, /Plotly\.newPlot/);
  });

  it('writes the figure JSON and the rows as CSV', () => {
    const fig = smallFigure('data');
    const jsonPath = writeFigureData(fig, join(dir, 'fig.json'));
    assert.deepEqual(JSON.parse(readFileSync(jsonPath, 'utf8')), figureToJson(fig));
    const csvPath = writeRecordsCsv(
      [
        { model: 'a', bytes: 10, note: 'x, "y"' },
        { model: 'b', bytes: 2.5, bits: 4 },
      ],
      join(dir, 'rows.csv'),
    );
    assert.equal(readFileSync(csvPath, 'utf8'), 'model,bytes,note,bits\na,10,"x, ""y""",\nb,2.5,,4\n');
    assert.throws(() => recordsToCsv([]), { name: 'RangeError', message: 'rows must not be empty, got 0 rows' });
    assert.throws(() => writeRecordsCsv([{ a: 1 }], ''), { name: 'TypeError', message: 'path must be a non-empty string, got ""' });
  });
});

describe('bytesByFormat colours', () => {
  it('gives every storage format its own colour, also for names outside the palette', async () => {
    const { bytesByFormat } = await import('../../src/plots/bytes');
    // These labels are what notebook 07 draws; before the fix 'CSR float32' took the packed blue.
    const formats = ['float32', 'packed', 'huffman', 'gzip', 'CSR float32', 'CSR 4-bit codes', 'CSR + Huffman'];
    const fig = bytesByFormat(formats.map((format, i) => ({ model: 'm', format, bits: format === 'packed' ? 4 : undefined, bytes: 1000 + i })));
    const colors = fig.data.map((t) => (t as { marker: { color: string } }).marker.color);
    assert.equal(colors.length, formats.length);
    assert.equal(new Set(colors).size, formats.length, `colours repeat: ${colors.join(', ')}`);
  });
});
