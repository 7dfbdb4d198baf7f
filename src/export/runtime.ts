/**
 * Running exported models in ONNX Runtime (`onnxruntime-node`, CPU): sessions pinned to one thread
 * by default, so that timings compare with tfjs's single-threaded wasm back end and with a small
 * edge device, batched prediction over a whole split, and latency as a median of repeated runs.
 */
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import type { LatencyStats } from '../metrics/latency';
import { latencyStats } from '../metrics/latency';
import { ONNX_INPUT_NAME, ONNX_OUTPUT_NAME } from './export-onnx';

/** Options of {@link createOnnxSession}. */
export interface OnnxSessionOptions {
  /**
   * Threads inside one operator.
   * @default 1
   */
  intraOpNumThreads?: number;
  /**
   * Threads across operators.
   * @default 1
   */
  interOpNumThreads?: number;
  /**
   * Let ONNX Runtime fuse `DequantizeLinear` → `MatMul` into its own 8-bit kernels, which also
   * quantize the activations. Off by default, so that a `'weight-only'` int8 file computes in
   * float32 exactly as written; the `'dynamic'` files use integer operators explicitly and are
   * not affected.
   * @default false
   */
  qdqFusion?: boolean;
}

/** An input batch: a tfjs tensor (float32 or int32), or raw values with their dimensions. */
export type OnnxInput = tf.Tensor | { data: Float32Array | Int32Array; dims: number[] };

/** An output: row-major values and dimensions. */
export interface OnnxOutput {
  data: Float32Array;
  dims: number[];
}

function checkThreads(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be an integer >= 1, got ${String(value)}`);
  return value;
}

/**
 * Loads an ONNX model into an ONNX Runtime session (CPU, all graph optimisations).
 *
 * @example const session = await createOnnxSession(exportOnnx(model)); // release() when done
 * @param bytes The serialised model.
 * @param options See {@link OnnxSessionOptions}.
 * @returns The session; the caller releases it with `session.release()`.
 * @throws TypeError when bytes is not a Uint8Array; RangeError for a thread count below 1;
 *   Error from ONNX Runtime when the model is invalid.
 */
export async function createOnnxSession(bytes: Uint8Array, options: OnnxSessionOptions = {}): Promise<ort.InferenceSession> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`bytes must be a Uint8Array, got ${typeof bytes}`);
  const { intraOpNumThreads = 1, interOpNumThreads = 1, qdqFusion = false } = options;
  return ort.InferenceSession.create(bytes, {
    intraOpNumThreads: checkThreads('intraOpNumThreads', intraOpNumThreads),
    interOpNumThreads: checkThreads('interOpNumThreads', interOpNumThreads),
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    extra: qdqFusion ? {} : { session: { disable_quant_qdq: '1' } },
  });
}

function toOrtTensor(input: OnnxInput): ort.Tensor {
  if (input instanceof tf.Tensor) {
    if (input.dtype === 'int32') return new ort.Tensor('int32', Int32Array.from(input.dataSync() as Int32Array), input.shape);
    if (input.dtype === 'float32') return new ort.Tensor('float32', Float32Array.from(input.dataSync() as Float32Array), input.shape);
    throw new TypeError(`input must have dtype float32 or int32, got ${input.dtype}`);
  }
  if (input === null || typeof input !== 'object' || !Array.isArray(input.dims)) throw new TypeError('input must be a tf.Tensor or { data, dims }');
  const size = input.dims.reduce((a, b) => a * b, 1);
  if (input.data.length !== size) throw new RangeError(`input.data must hold ${size} values for dims [${input.dims.join(', ')}], got ${input.data.length}`);
  if (input.data instanceof Int32Array) return new ort.Tensor('int32', input.data, input.dims);
  if (input.data instanceof Float32Array) return new ort.Tensor('float32', input.data, input.dims);
  throw new TypeError('input.data must be a Float32Array or an Int32Array');
}

async function runTensor(session: ort.InferenceSession, tensor: ort.Tensor): Promise<OnnxOutput> {
  const result = await session.run({ [ONNX_INPUT_NAME]: tensor });
  const out = result[ONNX_OUTPUT_NAME];
  return { data: out.data as Float32Array, dims: out.dims.map(Number) };
}

/**
 * Runs a session (or a model, in a session made for this call) on one batch.
 *
 * @example const { data, dims } = await runOnnx(session, tf.zeros([2, 28, 28]));
 * @param model A session from {@link createOnnxSession}, or the bytes of a model.
 * @param input The batch; a tensor is read, not disposed.
 * @returns The output values and dimensions.
 * @throws TypeError for an input of the wrong kind; RangeError when data and dims disagree;
 *   Error from ONNX Runtime when the input does not fit the model.
 */
export async function runOnnx(model: ort.InferenceSession | Uint8Array, input: OnnxInput): Promise<OnnxOutput> {
  const tensor = toOrtTensor(input);
  if (!(model instanceof Uint8Array)) return runTensor(model, tensor);
  const session = await createOnnxSession(model);
  try {
    return await runTensor(session, tensor);
  } finally {
    await session.release();
  }
}

/**
 * Runs a session over many sequences in batches and concatenates the outputs.
 *
 * @example const logits = await onnxPredict(session, split.x, [split.size, 28, 28], { batchSize: 512 });
 * @param session A session from {@link createOnnxSession}.
 * @param data Row-major inputs of all sequences (float32 features, or ids as Int32Array).
 * @param dims Dimensions of `data`, the first being the number of sequences.
 * @param options `batchSize` (default 1024).
 * @returns All outputs, first dimension the number of sequences.
 * @throws RangeError when data and dims disagree or batchSize is not a positive integer.
 */
export async function onnxPredict(
  session: ort.InferenceSession,
  data: Float32Array | Int32Array,
  dims: number[],
  options: { batchSize?: number } = {},
): Promise<OnnxOutput> {
  const { batchSize = 1024 } = options;
  checkThreads('batchSize', batchSize);
  const size = dims.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw new RangeError(`data must hold ${size} values for dims [${dims.join(', ')}], got ${data.length}`);
  const n = dims[0];
  const per = n === 0 ? 0 : size / n;
  const parts: OnnxOutput[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const slice = data.subarray(start * per, end * per);
    parts.push(await runOnnx(session, { data: slice, dims: [end - start, ...dims.slice(1)] }));
  }
  const outDims = parts.length ? [n, ...parts[0].dims.slice(1)] : [0];
  const out = new Float32Array(outDims.reduce((a, b) => a * b, 1));
  let offset = 0;
  for (const p of parts) {
    out.set(p.data, offset);
    offset += p.data.length;
  }
  return { data: out, dims: outDims };
}

/** Options of {@link onnxLatency}. */
export interface OnnxLatencyOptions extends OnnxSessionOptions {
  /**
   * Timed runs.
   * @default 20
   */
  repeats?: number;
  /**
   * Untimed runs first (memory pools, pre-packed weights).
   * @default 3
   */
  warmup?: number;
}

/**
 * Measures how long ONNX Runtime takes to run a model on one batch, in a session with one intra-op
 * and one inter-op thread by default. Each timed run includes handing the input over and getting
 * the output back, as `measureLatency` does for tfjs.
 *
 * @example const { medianMs } = await onnxLatency(bytes, tf.zeros([1, 28, 28]), { repeats: 50 });
 * @param model The bytes of a model (a session is created and released) or a session.
 * @param input One batch; a tensor is read, not disposed.
 * @param options See {@link OnnxLatencyOptions}.
 * @returns Median, 10th and 90th percentile and mean in milliseconds.
 * @throws RangeError when repeats < 1, warmup < 0 or a thread count < 1; TypeError for a bad input.
 */
export async function onnxLatency(model: Uint8Array | ort.InferenceSession, input: OnnxInput, options: OnnxLatencyOptions = {}): Promise<LatencyStats> {
  const { repeats = 20, warmup = 3, ...sessionOptions } = options;
  if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`repeats must be an integer >= 1, got ${repeats}`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new RangeError(`warmup must be an integer >= 0, got ${warmup}`);
  const tensor = toOrtTensor(input);
  const own = model instanceof Uint8Array;
  const session = own ? await createOnnxSession(model, sessionOptions) : model;
  try {
    for (let i = 0; i < warmup; i++) await runTensor(session, tensor);
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const start = performance.now();
      await runTensor(session, tensor);
      times.push(performance.now() - start);
    }
    return latencyStats(times, tensor.dims[0]);
  } finally {
    if (own) await session.release();
  }
}
