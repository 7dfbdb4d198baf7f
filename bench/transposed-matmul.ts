/**
 * Measures what the wasm transposed-matmul fix (`src/backend/wasm-matmul.ts`) buys.
 *
 * Times one epoch slice of recurrent training (LSTM, GRU and SimpleRNN with 128 units followed by
 * Dense(10), 1024 random sequences of 28 steps x 28 features, batch 64, Adam) and the raw
 * 64x128-by-64x512 product with `transposeA`, each with the fix off and on, and prints the medians
 * and their ratio. Off and on alternate within each repeat so that a busy machine slows both alike.
 *
 * Run: `npx tsx bench/transposed-matmul.ts [--repeats=3] [--seed=42]` (about 1-2 minutes).
 */
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '../src/backend';
import { installFastWasmMatMul } from '../src/backend/wasm-matmul';
import { createRng } from '../src/utils';

const SAMPLES = 1024;
const TIME_STEPS = 28;
const FEATURES = 28;
const UNITS = 128;
const CLASSES = 10;
const BATCH_SIZE = 64;
const WARMUP_SAMPLES = 2 * BATCH_SIZE;
const PRODUCT_CALLS = 20;

type Kind = 'lstm' | 'gru' | 'simpleRNN';

interface Row {
  name: string;
  offMs: number;
  onMs: number;
}

function parseIntArg(name: string, fallback: number, min: number): number {
  const prefix = `--${name}=`;
  const arg = process.argv.find((a) => a.startsWith(prefix));
  if (arg === undefined) return fallback;
  const value = Number(arg.slice(prefix.length));
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${arg.slice(prefix.length)}`);
  return value;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function buildModel(kind: Kind, seed: number): tf.LayersModel {
  const recurrentArgs = {
    units: UNITS,
    inputShape: [TIME_STEPS, FEATURES],
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    recurrentInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
  };
  const model = tf.sequential();
  model.add(kind === 'lstm'
    ? tf.layers.lstm({ ...recurrentArgs, recurrentActivation: 'sigmoid' })
    : kind === 'gru'
      ? tf.layers.gru({ ...recurrentArgs, recurrentActivation: 'sigmoid' })
      : tf.layers.simpleRNN(recurrentArgs));
  model.add(tf.layers.dense({ units: CLASSES, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }));
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  return model;
}

function randomData(seed: number): { x: tf.Tensor3D; y: tf.Tensor2D } {
  const rng = createRng(seed);
  const xs = new Float32Array(SAMPLES * TIME_STEPS * FEATURES);
  for (let i = 0; i < xs.length; i++) xs[i] = rng.normal();
  const labels = new Int32Array(SAMPLES);
  for (let i = 0; i < SAMPLES; i++) labels[i] = rng.int(CLASSES);
  return {
    x: tf.tensor3d(xs, [SAMPLES, TIME_STEPS, FEATURES]),
    y: tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES).toFloat() as tf.Tensor2D),
  };
}

async function timeEpoch(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): Promise<number> {
  const start = performance.now();
  await model.fit(x, y, { epochs: 1, batchSize: BATCH_SIZE, shuffle: false, verbose: 0 });
  return performance.now() - start;
}

async function benchTraining(kind: Kind, repeats: number, seed: number, x: tf.Tensor3D, y: tf.Tensor2D): Promise<Row> {
  const model = buildModel(kind, seed);
  const off: number[] = [];
  const on: number[] = [];
  try {
    const warmX = x.slice(0, WARMUP_SAMPLES);
    const warmY = y.slice(0, WARMUP_SAMPLES);
    for (const enable of [false, true]) {
      installFastWasmMatMul(enable);
      await timeEpoch(model, warmX, warmY);
    }
    tf.dispose([warmX, warmY]);
    for (let r = 0; r < repeats; r++) {
      installFastWasmMatMul(false);
      off.push(await timeEpoch(model, x, y));
      installFastWasmMatMul(true);
      on.push(await timeEpoch(model, x, y));
    }
  } finally {
    model.dispose();
  }
  return { name: `${kind}(${UNITS}) + dense(${CLASSES}), 1 epoch of ${SAMPLES}`, offMs: median(off), onMs: median(on) };
}

function benchProduct(name: string, repeats: number, seed: number, aShape: [number, number], bShape: [number, number], transposeA: boolean, transposeB: boolean): Row {
  const rng = createRng(seed);
  const make = (shape: [number, number]) => tf.tensor2d(Float32Array.from({ length: shape[0] * shape[1] }, () => rng.normal()), shape);
  const a = make(aShape);
  const b = make(bShape);
  const perCall = (): number => {
    const start = performance.now();
    for (let i = 0; i < PRODUCT_CALLS; i++) tf.matMul(a, b, transposeA, transposeB).dispose();
    return (performance.now() - start) / PRODUCT_CALLS;
  };
  const off: number[] = [];
  const on: number[] = [];
  for (const enable of [false, true]) {
    installFastWasmMatMul(enable);
    perCall();
  }
  for (let r = 0; r < repeats; r++) {
    installFastWasmMatMul(false);
    off.push(perCall());
    installFastWasmMatMul(true);
    on.push(perCall());
  }
  tf.dispose([a, b]);
  return { name, offMs: median(off), onMs: median(on) };
}

function printTable(rows: Row[]): void {
  const header = ['benchmark', 'fix off (ms)', 'fix on (ms)', 'off / on'];
  const cells = rows.map((r) => [r.name, r.offMs.toFixed(r.offMs < 10 ? 3 : 0), r.onMs.toFixed(r.onMs < 10 ? 3 : 0), `${(r.offMs / r.onMs).toFixed(2)}x`]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(' | ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const c of cells) console.log(line(c));
}

async function main(): Promise<void> {
  const repeats = parseIntArg('repeats', 3, 1);
  const seed = parseIntArg('seed', 42, 0);
  // The fix concerns wasm only, so the bench asks for it even where tfjs-node would load.
  const info = await initBackend({ backend: 'wasm' });
  console.log(`${describeBackend(info)} | node ${process.version} | median of ${repeats} after warm-up`);
  const started = performance.now();
  const rows: Row[] = [
    benchProduct('matMul 64x128 by 64x512, transposeA', repeats, seed, [64, 128], [64, 512], true, false),
    benchProduct('matMul 64x512 by 128x512, transposeB', repeats, seed, [64, 512], [128, 512], false, true),
  ];
  const { x, y } = randomData(seed);
  try {
    for (const kind of ['lstm', 'gru', 'simpleRNN'] as Kind[]) rows.push(await benchTraining(kind, repeats, seed, x, y));
  } finally {
    tf.dispose([x, y]);
    installFastWasmMatMul(true);
  }
  printTable(rows);
  console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
