/**
 * The benchmark suite (`npm run bench`; not part of `npm test`). Everything is measured side by side
 * in one run, so that drift of the machine cancels out in the ratios:
 * - training throughput (sequences per second) of SimpleRNN, LSTM and GRU classifiers with 128 units,
 *   28 steps x 28 features, batch 64, Adam: stock tfjs kernels against the project's wasm path
 *   (explicit transposes in matrix products), alternating the two in every repeat;
 * - inference latency (median) for a batch of 1024 and for one sequence: the float32 LSTM(128) in
 *   tfjs, the same model with half of its units removed, with a rank-32 recurrent kernel,
 *   and exported to ONNX Runtime in float32 and int8 (one thread).
 * Results go to build/bench/results.json and build/bench/results.html (plotly, offline) and are
 * printed as a table. Weights are random (seeded): speed does not depend on training.
 *
 * usage: npx tsx bench/run.ts [--repeats N] [--samples N]
 * Not measured here: a PyTorch reference (Debian's python3-torch is not installed by the project).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend, installFastWasmMatMul } from '../src/backend/index';
import { buildClassifier } from '../src/models/index';
import type { CellType } from '../src/models/index';
import { pruneUnitsByScore } from '../src/pruning/index';
import { factorizeModel } from '../src/lowrank/index';
import { exportOnnx, onnxLatency } from '../src/export/index';
import { measureLatency } from '../src/metrics/index';
import type { LatencyStats } from '../src/metrics/index';
import { writeFigureHtml } from '../src/plots/index';
import type { Figure } from '../src/plots/index';
import { createRng } from '../src/utils/index';

const ROOT = path.resolve(__dirname, '..');
const STEPS = 28;
const FEATURES = 28;
const UNITS = 128;
const CLASSES = 10;
const BATCH = 64;

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`--${name} must be a positive integer, got ${process.argv[i + 1]}`);
  return v;
}

function randomInputs(n: number, seed: number): { x: tf.Tensor3D; y: tf.Tensor2D } {
  const rng = createRng(seed);
  const xs = new Float32Array(n * STEPS * FEATURES).map(() => rng.next());
  const labels = Array.from({ length: n }, () => rng.int(CLASSES));
  return { x: tf.tensor3d(xs, [n, STEPS, FEATURES]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES).toFloat() as tf.Tensor2D };
}

/** One epoch over the samples with Adam; returns seconds. */
async function trainEpoch(model: tf.LayersModel, x: tf.Tensor3D, y: tf.Tensor2D): Promise<number> {
  const optimizer = tf.train.adam(1e-3);
  const n = x.shape[0];
  const start = performance.now();
  for (let i = 0; i < n; i += BATCH) {
    const size = Math.min(BATCH, n - i);
    tf.tidy(() => {
      const xb = x.slice([i, 0, 0], [size, STEPS, FEATURES]);
      const yb = y.slice([i, 0], [size, CLASSES]);
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(yb, model.apply(xb) as tf.Tensor) as tf.Scalar);
    });
  }
  await tf.nextFrame();
  const seconds = (performance.now() - start) / 1000;
  optimizer.dispose();
  return seconds;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface TrainingRow { cell: CellType; stockSeqPerS: number; fastSeqPerS: number; speedUp: number }
interface LatencyRow { variant: string; runtime: string; params: number | null; batchMs: number; singleMs: number }

async function trainingRows(samples: number, repeats: number): Promise<TrainingRow[]> {
  const { x, y } = randomInputs(samples, 1);
  const rows: TrainingRow[] = [];
  for (const cell of ['SimpleRNN', 'LSTM', 'GRU'] as CellType[]) {
    const model = buildClassifier({ cell, units: UNITS, timeSteps: STEPS, features: FEATURES, numClasses: CLASSES, seed: 42 });
    installFastWasmMatMul(true);
    await trainEpoch(model, x.slice(0, BATCH), y.slice(0, BATCH)); // warm-up
    const stock: number[] = [];
    const fast: number[] = [];
    for (let r = 0; r < repeats; r++) {
      installFastWasmMatMul(false);
      stock.push(samples / (await trainEpoch(model, x, y)));
      installFastWasmMatMul(true);
      fast.push(samples / (await trainEpoch(model, x, y)));
    }
    rows.push({ cell, stockSeqPerS: median(stock), fastSeqPerS: median(fast), speedUp: median(fast) / median(stock) });
    model.dispose();
  }
  x.dispose();
  y.dispose();
  return rows;
}

async function latencyRows(repeats: number): Promise<LatencyRow[]> {
  const base = buildClassifier({ cell: 'LSTM', units: UNITS, timeSteps: STEPS, features: FEATURES, numClasses: CLASSES, seed: 42 });
  const pruned = pruneUnitsByScore(base, { layers: ['rnn_0'], amount: 0.5 }).model;
  const lowRank = factorizeModel(base, { rank: 32, roles: ['recurrentKernel'] }).model;
  const { x: batch } = randomInputs(1024, 2);
  const single = batch.slice(0, 1);
  const rows: LatencyRow[] = [];
  const count = (m: tf.LayersModel): number => m.countParams();
  const tfjsRow = (variant: string, m: tf.LayersModel): LatencyRow => {
    const b: LatencyStats = measureLatency(m, batch, { repeats, warmup: 1 });
    const s: LatencyStats = measureLatency(m, single, { repeats: repeats * 5, warmup: 3 });
    return { variant, runtime: `tfjs-${tf.getBackend()}`, params: count(m), batchMs: b.medianMs, singleMs: s.medianMs };
  };
  rows.push(tfjsRow('float32', base), tfjsRow('units -50%', pruned), tfjsRow('recurrent rank 32', lowRank));
  const onnx = async (variant: string, bytes: Uint8Array, params: number): Promise<LatencyRow> => {
    const b = await onnxLatency(bytes, batch, { repeats, warmup: 2 });
    const s = await onnxLatency(bytes, single, { repeats: repeats * 5, warmup: 3 });
    return { variant, runtime: 'onnxruntime (1 thread)', params, batchMs: b.medianMs, singleMs: s.medianMs };
  };
  rows.push(await onnx('float32', exportOnnx(base), count(base)));
  rows.push(await onnx('int8 (DynamicQuantizeLSTM)', exportOnnx(base, { int8: {} }), count(base)));
  rows.push(await onnx('units -50%, int8', exportOnnx(pruned, { int8: {} }), count(pruned)));
  for (const t of [batch, single]) t.dispose();
  for (const m of [base, pruned, lowRank]) m.dispose();
  return rows;
}

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map((v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : v)))];
  const widths = header.map((_, j) => Math.max(...cells.map((r) => r[j].length)));
  return cells.map((r, i) => r.map((v, j) => v.padEnd(widths[j])).join('  ') + (i === 0 ? `\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : '')).join('\n');
}

async function main(): Promise<void> {
  const repeats = argValue('repeats', 3);
  const samples = argValue('samples', 512);
  const info = await initBackend();
  console.log(`${describeBackend(info)} | node ${process.version} | medians of ${repeats} repeats`);
  const training = await trainingRows(samples, repeats);
  console.log(`\nTraining throughput, ${UNITS} units, ${STEPS}x${FEATURES}, batch ${BATCH}, Adam, ${samples} sequences per epoch`);
  console.log(table(['cell', 'stock seq/s', 'project seq/s', 'speed-up'], training.map((r) => [r.cell, r.stockSeqPerS, r.fastSeqPerS, `${r.speedUp.toFixed(2)}x`])));
  const latency = await latencyRows(repeats);
  const ref = latency[0];
  console.log(`\nInference latency of an LSTM(${UNITS}) classifier (median ms; ratio against tfjs float32)`);
  console.log(table(['variant', 'runtime', 'params', 'batch 1024 ms', 'ratio', 'one sequence ms', 'ratio'], latency.map((r) => [r.variant, r.runtime, r.params ?? '', r.batchMs, `${(r.batchMs / ref.batchMs).toFixed(3)}x`, r.singleMs, `${(r.singleMs / ref.singleMs).toFixed(3)}x`])));

  const outDir = path.join(ROOT, 'build', 'bench');
  fs.mkdirSync(outDir, { recursive: true });
  const results = { date: new Date().toISOString(), backend: info.name, node: process.version, repeats, samples, training, latency };
  fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(results, null, 2));
  const figure: Figure = {
    data: [
      { type: 'bar', name: 'batch of 1024', x: latency.map((r) => `${r.variant} (${r.runtime})`), y: latency.map((r) => r.batchMs) },
      { type: 'bar', name: 'one sequence', x: latency.map((r) => `${r.variant} (${r.runtime})`), y: latency.map((r) => r.singleMs) },
    ],
    layout: { title: { text: `Inference latency, LSTM(${UNITS}) classifier (median ms)` }, barmode: 'group', yaxis: { title: { text: 'ms (log scale)' }, type: 'log' } },
  } as Figure;
  writeFigureHtml(figure, path.join(outDir, 'results.html'));
  console.log(`\nWrote ${path.relative(ROOT, path.join(outDir, 'results.json'))} and results.html`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
