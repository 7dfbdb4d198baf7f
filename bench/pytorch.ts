/**
 * The optional PyTorch reference of the benchmark suite: runs `bench/pytorch_reference.py` (the same
 * SimpleRNN/LSTM/GRU classifiers as `bench/run.ts`, one thread) in Debian's `/usr/bin/python3` and
 * returns its measurements. Nothing here is needed for the project itself; `npm run bench:setup`
 * installs `python3-torch` and `libopenblas0-pthread` (about 150 MB to download, 680 MB on disk).
 *
 * The interpreter is `RNNC_PYTHON` when set (as in `scripts/setup.mjs`), else `/usr/bin/python3`.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

const SCRIPT = path.join(__dirname, 'pytorch_reference.py');
const DEBIAN_DIST_PACKAGES = '/usr/lib/python3/dist-packages/';
/** Debian's OpenBLAS builds; any of them replaces the reference BLAS behind libblas.so.3. */
const OPENBLAS_DEBS = ['libopenblas0-pthread', 'libopenblas0-openmp', 'libopenblas0-serial'];
const CELLS = ['SimpleRNN', 'LSTM', 'GRU'] as const;
const VARIANTS = ['float32', 'int8 (quantize_dynamic)'] as const;
const SETUP_HINT = 'run `npm run bench:setup` (installs python3-torch and libopenblas0-pthread; needs root on Debian)';

/** Training throughput of one classifier in PyTorch. */
export interface TorchTrainingRow {
  cell: (typeof CELLS)[number];
  /** Sequences per second, median over the repeats, after one warm-up epoch. */
  seqPerS: number;
  /** Seconds per epoch, median over the repeats. */
  epochS: number;
}

/** Inference latency of the LSTM classifier in PyTorch. */
export interface TorchLatencyRow {
  variant: (typeof VARIANTS)[number];
  /** Median milliseconds for a batch of 1024 sequences. */
  batchMs: number;
  /** Median milliseconds for one sequence. */
  singleMs: number;
}

/** What `bench/pytorch_reference.py` measured, and with what. */
export interface TorchReference {
  /** `torch.__version__` (Debian's 1.13.1 calls itself `1.13.0a0`). */
  version: string;
  python: string;
  /** The BLAS that was really loaded (OpenBLAS's own description when it is OpenBLAS) and torch's build setting. */
  blas: string;
  /** Path of the loaded BLAS library; null where it cannot be read (not Linux). */
  blasLibrary: string | null;
  /** Intra-op threads (`torch.get_num_threads()`); the script pins 1. */
  threads: number;
  interopThreads: number;
  /** `torch.backends.quantized.engine` that ran the int8 model. */
  quantizedEngine: string;
  /** The script's arguments, under its own flag names (`steps`, `classes`, `batch`). */
  settings: Record<'samples' | 'repeats' | 'units' | 'steps' | 'features' | 'classes' | 'batch', number>;
  training: TorchTrainingRow[];
  latency: TorchLatencyRow[];
}

/** Options of {@link runTorchReference}. */
export interface TorchReferenceOptions {
  /**
   * Random sequences per training epoch.
   * @default 1024
   */
  samples?: number;
  /**
   * Timed repeats (training epochs, batch runs); one-sequence runs are repeated 5x as often.
   * @default 3
   */
  repeats?: number;
  /** @default 128 */
  units?: number;
  /** @default 28 */
  timeSteps?: number;
  /** @default 28 */
  features?: number;
  /** @default 10 */
  numClasses?: number;
  /** @default 64 */
  batchSize?: number;
  /**
   * Wall-clock limit for the script.
   * @default 600000
   */
  timeoutMs?: number;
}

function pythonPath(): string {
  return process.env.RNNC_PYTHON || '/usr/bin/python3';
}

/**
 * The environment the script runs in: one thread for OpenMP and OpenBLAS (read when torch is loaded),
 * and OpenBLAS left to detect the CPU itself, because a core type or cache size forced for another
 * machine (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE) would pick the wrong kernels.
 */
function referenceEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Whether the PyTorch reference can run here: the interpreter imports torch, and a Debian torch has
 * OpenBLAS behind it (with only the reference BLAS its timings are about 10x too slow to compare).
 *
 * @example const t = torchAvailable(); if (!t.ok) console.log(`PyTorch reference skipped: ${t.why}`);
 * @returns `{ ok: true }`, or `{ ok: false, why }` with what is missing and how to install it.
 */
export function torchAvailable(): { ok: true } | { ok: false; why: string } {
  const python = pythonPath();
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__file__)'], { env: referenceEnv(), encoding: 'utf8', timeout: 60_000 });
  if (r.error) return { ok: false, why: `cannot run ${python} (${r.error.message}); ${SETUP_HINT}` };
  if (r.status !== 0) return { ok: false, why: `${python} cannot import torch (${tail(r.stderr, 1)}); ${SETUP_HINT}` };
  // A torch from pip brings its own BLAS; Debian's uses whatever libblas.so.3 the system provides.
  if (r.stdout.trim().startsWith(DEBIAN_DIST_PACKAGES)) {
    const q = spawnSync('dpkg-query', ['-W', '-f', '${db:Status-Status}\n', ...OPENBLAS_DEBS], { encoding: 'utf8' });
    if (!q.stdout.split('\n').includes('installed')) {
      return { ok: false, why: `Debian's torch would use the reference BLAS (about 10x slower): libopenblas0-pthread is not installed; ${SETUP_HINT}` };
    }
  }
  return { ok: true };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function checkRows<T extends string>(what: string, rows: unknown, key: string, names: readonly T[], numbers: string[]): void {
  if (!Array.isArray(rows) || rows.length !== names.length) throw new Error(`${what} must hold ${names.length} rows, got ${JSON.stringify(rows)}`);
  rows.forEach((row: Record<string, unknown>, i) => {
    if (row?.[key] !== names[i]) throw new Error(`${what}[${i}].${key} must be ${JSON.stringify(names[i])}, got ${JSON.stringify(row?.[key])}`);
    for (const n of numbers) {
      const v = row[n];
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new Error(`${what}[${i}].${n} must be a positive number, got ${JSON.stringify(v)}`);
    }
  });
}

/** Checks the parsed output against {@link TorchReference}; throws naming the first field that is wrong. */
function validate(value: unknown): TorchReference {
  if (typeof value !== 'object' || value === null) throw new Error(`the output must be a JSON object, got ${JSON.stringify(value)}`);
  const v = value as Record<string, unknown>;
  for (const key of ['version', 'python', 'blas', 'quantizedEngine']) {
    if (typeof v[key] !== 'string') throw new Error(`${key} must be a string, got ${JSON.stringify(v[key])}`);
  }
  if (v.blasLibrary !== null && typeof v.blasLibrary !== 'string') throw new Error(`blasLibrary must be a string or null, got ${JSON.stringify(v.blasLibrary)}`);
  for (const key of ['threads', 'interopThreads']) {
    if (!Number.isInteger(v[key]) || (v[key] as number) < 1) throw new Error(`${key} must be a positive integer, got ${JSON.stringify(v[key])}`);
  }
  if (typeof v.settings !== 'object' || v.settings === null) throw new Error(`settings must be an object, got ${JSON.stringify(v.settings)}`);
  checkRows('training', v.training, 'cell', CELLS, ['seqPerS', 'epochS']);
  checkRows('latency', v.latency, 'variant', VARIANTS, ['batchMs', 'singleMs']);
  return v as unknown as TorchReference;
}

/**
 * Runs the PyTorch reference (`bench/pytorch_reference.py`) synchronously and returns its numbers.
 * Takes about 7 s with the defaults (1.3 s of it importing torch). Call
 * {@link torchAvailable} first: this function does not check the BLAS.
 *
 * @example
 * if (torchAvailable().ok) console.log(runTorchReference({ samples: 1024, repeats: 3 }).training);
 * @param options See {@link TorchReferenceOptions}.
 * @returns Versions, BLAS and threads, training throughput per cell and LSTM latency per variant.
 * @throws RangeError when a count is not a positive integer.
 * @throws Error when the script cannot start, fails or times out (its stderr's tail is in the
 *   message), or prints something that is not a {@link TorchReference}.
 */
export function runTorchReference(options: TorchReferenceOptions = {}): TorchReference {
  const { samples = 1024, repeats = 3, units = 128, timeSteps = 28, features = 28, numClasses = 10, batchSize = 64, timeoutMs = 600_000 } = options;
  const counts = { samples, repeats, units, timeSteps, features, numClasses, batchSize, timeoutMs };
  for (const [name, value] of Object.entries(counts)) positiveInteger(name, value);
  const args = [SCRIPT, '--samples', samples, '--repeats', repeats, '--units', units, '--steps', timeSteps, '--features', features, '--classes', numClasses, '--batch', batchSize].map(String);
  const python = pythonPath();
  const r = spawnSync(python, args, { env: referenceEnv(), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 << 20 });
  const stderr = r.stderr ? `\n--- stderr (tail) ---\n${tail(r.stderr)}` : '';
  if (r.error) throw new Error(`PyTorch reference: ${python} ${path.basename(SCRIPT)} did not finish: ${r.error.message}${stderr}`);
  if (r.status !== 0) {
    throw new Error(`PyTorch reference: ${path.basename(SCRIPT)} exited with ${r.signal ? `signal ${r.signal}` : `code ${r.status}`}${stderr}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.stdout);
  } catch (err) {
    throw new Error(`PyTorch reference: ${path.basename(SCRIPT)} printed no JSON object (${(err as Error).message}): ${JSON.stringify(r.stdout.slice(0, 200))}${stderr}`);
  }
  try {
    return validate(parsed);
  } catch (err) {
    throw new Error(`PyTorch reference: unexpected output of ${path.basename(SCRIPT)}: ${(err as Error).message}`);
  }
}
