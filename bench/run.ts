/**
 * The benchmark suite (`npm run bench`; not part of `npm test`). Everything is measured side by side
 * in one run, so that drift of the machine cancels out in the ratios:
 * - training throughput (sequences per second) of SimpleRNN, LSTM and GRU classifiers with 128 units,
 *   28 steps x 28 features, batch 64, Adam, alternating in every repeat: stock tfjs; stock layers on
 *   the project's wasm kernel fixes (explicit transposes in matrix products, copy-free slices); the
 *   project's fused recurrent ops (src/fastrnn) on those fixes; and the matrix products of an epoch
 *   timed alone, a floor for any implementation on this back end;
 * - inference latency (median) for a batch of 1024 and for one sequence: the float32 LSTM(128) in
 *   tfjs (model.predict, and the project's fused forward pass), the same model with half of its units
 *   removed, with a rank-32 recurrent kernel,
 *   and exported to ONNX Runtime in float32 and int8 (one thread).
 * Results go to build/bench/results.json and build/bench/results.html (plotly, offline) and are
 * printed as a table. Weights are random (seeded): speed does not depend on training.
 *
 * - when PyTorch is installed (`npm run bench:setup`): the same classifiers trained in PyTorch, and the
 *   LSTM's float32 and `quantize_dynamic` int8 latency, one thread, run between the tfjs sections
 *   (bench/pytorch.ts), with our/PyTorch ratios.
 *
 * usage: npx tsx bench/run.ts [--repeats N] [--samples N] [--no-torch]
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend, installFastWasmMatMul, installFastWasmSlice } from '../src/backend/index';
import { fastApply } from '../src/fastrnn/index';
import { buildClassifier } from '../src/models/index';
import type { CellType } from '../src/models/index';
import { pruneUnitsByScore } from '../src/pruning/index';
import { factorizeModel } from '../src/lowrank/index';
import { exportOnnx, onnxLatency } from '../src/export/index';
import { latencyStats, measureLatency } from '../src/metrics/index';
import type { LatencyStats } from '../src/metrics/index';
import { writeFigureHtml } from '../src/plots/index';
import type { Figure } from '../src/plots/index';
import { createRng } from '../src/utils/index';
import { runTorchReference, torchAvailable } from './pytorch';
import type { TorchReference } from './pytorch';

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

type Forward = (model: tf.LayersModel, x: tf.Tensor) => tf.Tensor;
const stockForward: Forward = (model, x) => model.apply(x, { training: true }) as tf.Tensor;
const fusedForward: Forward = (model, x) => fastApply(model, x, { training: true, inputGradient: false });

/** One epoch over the samples with Adam; returns seconds. */
async function trainEpoch(model: tf.LayersModel, x: tf.Tensor3D, y: tf.Tensor2D, forward: Forward): Promise<number> {
  const optimizer = tf.train.adam(1e-3);
  const n = x.shape[0];
  const start = performance.now();
  for (let i = 0; i < n; i += BATCH) {
    const size = Math.min(BATCH, n - i);
    tf.tidy(() => {
      const xb = x.slice([i, 0, 0], [size, STEPS, FEATURES]);
      const yb = y.slice([i, 0], [size, CLASSES]);
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(yb, forward(model, xb)) as tf.Scalar);
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

interface TrainingRow {
  cell: CellType;
  /** Stock tfjs: stock layers, the back end's own kernels. */
  stockSeqPerS: number;
  /** Stock layers on the project's wasm kernel fixes (transposed matmul, copy-free slices). */
  kernelFixesSeqPerS: number;
  /** The project's fast path: fused recurrent ops (fastApply) on the kernel fixes. */
  fusedSeqPerS: number;
  /** The matrix products any implementation of one epoch needs, timed alone: a floor on this back end. */
  productsOnlySeqPerS: number;
}
interface LatencyRow { variant: string; runtime: string; params: number | null; batchMs: number; singleMs: number }

const GATE_COUNT: Record<CellType, number> = { SimpleRNN: 1, LSTM: 4, GRU: 3 };

function setKernelFixes(on: boolean): void {
  installFastWasmMatMul(on);
  installFastWasmSlice(on);
}

/**
 * Seconds for the matrix products of one training epoch of a one-layer recurrent classifier, run
 * alone: per batch the input projection of all steps, one recurrent product per step forward and
 * per step backward (dh), and the weight gradients of all steps (Hᵀ·dZ and Xᵀ·dZ). The element-wise
 * gate maths, the output layer and the optimizer are left out, so no implementation built on this
 * back end's matmul can train faster than this.
 */
function productsOnlySeconds(cell: CellType, samples: number): number {
  const width = GATE_COUNT[cell] * UNITS;
  return tf.tidy(() => {
    const x = tf.randomNormal([STEPS * BATCH, FEATURES]) as tf.Tensor2D;
    const k = tf.randomNormal([FEATURES, width]) as tf.Tensor2D;
    const h = tf.randomNormal([BATCH, UNITS]) as tf.Tensor2D;
    const rk = tf.randomNormal([UNITS, width]) as tf.Tensor2D;
    const rkT = tf.randomNormal([width, UNITS]) as tf.Tensor2D;
    const dz = tf.randomNormal([BATCH, width]) as tf.Tensor2D;
    const dZ = tf.randomNormal([STEPS * BATCH, width]) as tf.Tensor2D;
    const hT = tf.randomNormal([UNITS, STEPS * BATCH]) as tf.Tensor2D;
    const xT = tf.randomNormal([FEATURES, STEPS * BATCH]) as tf.Tensor2D;
    const batch = (): void => {
      tf.matMul(x, k).dispose();
      for (let t = 0; t < STEPS; t++) tf.matMul(h, rk).dispose();
      for (let t = 1; t < STEPS; t++) tf.matMul(dz, rkT).dispose();
      tf.matMul(hT, dZ).dispose();
      tf.matMul(xT, dZ).dispose();
    };
    batch(); // warm-up
    const start = performance.now();
    const batches = Math.ceil(samples / BATCH);
    for (let b = 0; b < batches; b++) batch();
    return (performance.now() - start) / 1000;
  });
}

async function trainingRows(samples: number, repeats: number): Promise<TrainingRow[]> {
  const { x, y } = randomInputs(samples, 1);
  const rows: TrainingRow[] = [];
  for (const cell of ['SimpleRNN', 'LSTM', 'GRU'] as CellType[]) {
    const model = buildClassifier({ cell, units: UNITS, timeSteps: STEPS, features: FEATURES, numClasses: CLASSES, seed: 42 });
    setKernelFixes(true);
    const [xw, yw] = [x.slice(0, BATCH), y.slice(0, BATCH)];
    await trainEpoch(model, xw, yw, stockForward); // warm-up
    await trainEpoch(model, xw, yw, fusedForward);
    tf.dispose([xw, yw]);
    const runs: Record<'stock' | 'fixes' | 'fused' | 'products', number[]> = { stock: [], fixes: [], fused: [], products: [] };
    // The variants alternate within every repeat, so that drift of the machine hits all of them.
    for (let r = 0; r < repeats; r++) {
      setKernelFixes(false);
      runs.stock.push(samples / (await trainEpoch(model, x, y, stockForward)));
      setKernelFixes(true);
      runs.fixes.push(samples / (await trainEpoch(model, x, y, stockForward)));
      runs.fused.push(samples / (await trainEpoch(model, x, y, fusedForward)));
      runs.products.push(samples / productsOnlySeconds(cell, samples));
    }
    rows.push({ cell, stockSeqPerS: median(runs.stock), kernelFixesSeqPerS: median(runs.fixes), fusedSeqPerS: median(runs.fused), productsOnlySeqPerS: median(runs.products) });
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
  rows.push(tfjsRow('float32', base));
  // The project's fused forward pass (what evaluation and predictLogits run), same model.
  const fusedMs = (input: tf.Tensor, runs: number, warmup: number): number => {
    const once = (): void => tf.tidy(() => void fastApply(base, input).dataSync());
    for (let i = 0; i < warmup; i++) once();
    const times = Array.from({ length: runs }, () => {
      const start = performance.now();
      once();
      return performance.now() - start;
    });
    return latencyStats(times, input.shape[0]).medianMs;
  };
  rows.push({ variant: 'float32, fused forward', runtime: `tfjs-${tf.getBackend()}`, params: count(base), batchMs: fusedMs(batch, repeats, 1), singleMs: fusedMs(single, repeats * 5, 3) });
  rows.push(tfjsRow('units -50%', pruned), tfjsRow('recurrent rank 32', lowRank));
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

function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}x`;
}

async function main(): Promise<void> {
  const repeats = argValue('repeats', 3);
  const samples = argValue('samples', 512);
  const info = await initBackend();
  console.log(`${describeBackend(info)} | node ${process.version} | medians of ${repeats} repeats`);
  const training = await trainingRows(samples, repeats);

  let torch: TorchReference | null = null;
  let torchSkipped: string | null = null;
  if (process.argv.includes('--no-torch')) {
    torchSkipped = '--no-torch given';
  } else {
    const available = torchAvailable();
    if (available.ok) torch = runTorchReference({ samples, repeats });
    else torchSkipped = available.why;
  }
  const torchRow = (cell: CellType) => torch?.training.find((r) => r.cell === cell);

  console.log(`\nTraining throughput, ${UNITS} units, ${STEPS}x${FEATURES}, batch ${BATCH}, Adam, ${samples} sequences per epoch (sequences per second)`);
  const header = ['cell', 'stock tfjs', 'kernel fixes', 'fused', 'fused/stock', 'products alone', 'fused/products'];
  if (torch) header.push('PyTorch', 'PyTorch/fused');
  console.log(table(header, training.map((r) => {
    const row: (string | number)[] = [r.cell, r.stockSeqPerS, r.kernelFixesSeqPerS, r.fusedSeqPerS, ratio(r.fusedSeqPerS, r.stockSeqPerS), r.productsOnlySeqPerS, ratio(r.fusedSeqPerS, r.productsOnlySeqPerS)];
    const t = torchRow(r.cell);
    if (torch) row.push(t ? t.seqPerS : '', t ? ratio(t.seqPerS, r.fusedSeqPerS) : '');
    return row;
  })));
  if (torch) console.log(`PyTorch ${torch.version}, ${torch.threads} thread, BLAS: ${torch.blas}`);
  else console.log(`PyTorch reference not run: ${torchSkipped}`);

  const latency = await latencyRows(repeats);
  if (torch) {
    for (const r of torch.latency) latency.push({ variant: r.variant, runtime: `PyTorch ${torch.version} (1 thread)`, params: null, batchMs: r.batchMs, singleMs: r.singleMs });
  }
  const ref = latency[0];
  console.log(`\nInference latency of an LSTM(${UNITS}) classifier (median ms; ratio against tfjs float32)`);
  console.log(table(['variant', 'runtime', 'params', 'batch 1024 ms', 'ratio', 'one sequence ms', 'ratio'], latency.map((r) => [r.variant, r.runtime, r.params ?? '', r.batchMs, ratio(r.batchMs, ref.batchMs), r.singleMs, ratio(r.singleMs, ref.singleMs)])));
  const ortInt8 = latency.find((r) => r.runtime.startsWith('onnxruntime') && r.variant.startsWith('int8'));
  const torchInt8 = torch?.latency.find((r) => r.variant.startsWith('int8'));
  if (ortInt8 && torchInt8) {
    console.log(`ONNX Runtime int8 / PyTorch quantize_dynamic int8: batch 1024 ${ratio(ortInt8.batchMs, torchInt8.batchMs)}, one sequence ${ratio(ortInt8.singleMs, torchInt8.singleMs)} (below 1 is faster)`);
  }

  const outDir = path.join(ROOT, 'build', 'bench');
  fs.mkdirSync(outDir, { recursive: true });
  const results = { date: new Date().toISOString(), backend: info.name, node: process.version, repeats, samples, training, latency, torch, torchSkipped };
  fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(results, null, 2));
  const cells = training.map((r) => r.cell);
  const trainingFigure: Figure = {
    data: [
      { type: 'bar', name: 'stock tfjs', x: cells, y: training.map((r) => r.stockSeqPerS) },
      { type: 'bar', name: 'kernel fixes', x: cells, y: training.map((r) => r.kernelFixesSeqPerS) },
      { type: 'bar', name: 'fused (project)', x: cells, y: training.map((r) => r.fusedSeqPerS) },
      { type: 'bar', name: 'matrix products alone', x: cells, y: training.map((r) => r.productsOnlySeqPerS) },
      ...(torch ? [{ type: 'bar', name: `PyTorch ${torch.version}`, x: cells, y: cells.map((c) => torchRow(c)?.seqPerS ?? null) }] : []),
    ],
    layout: { title: { text: `Training throughput, ${UNITS} units, batch ${BATCH}, one thread (sequences per second)` }, barmode: 'group', yaxis: { title: { text: 'sequences per second' } } },
  } as Figure;
  const latencyFigure: Figure = {
    data: [
      { type: 'bar', name: 'batch of 1024', x: latency.map((r) => `${r.variant} (${r.runtime})`), y: latency.map((r) => r.batchMs) },
      { type: 'bar', name: 'one sequence', x: latency.map((r) => `${r.variant} (${r.runtime})`), y: latency.map((r) => r.singleMs) },
    ],
    layout: { title: { text: `Inference latency, LSTM(${UNITS}) classifier (median ms)` }, barmode: 'group', yaxis: { title: { text: 'ms (log scale)' }, type: 'log' } },
  } as Figure;
  writeFigureHtml(trainingFigure, path.join(outDir, 'training.html'));
  writeFigureHtml(latencyFigure, path.join(outDir, 'results.html'));
  console.log(`\nWrote ${path.relative(ROOT, path.join(outDir, 'results.json'))}, training.html and results.html`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
