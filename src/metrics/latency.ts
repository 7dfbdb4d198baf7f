/**
 * Inference latency of a model, measured as the time from `model.predict` until the result has
 * been read back (`dataSync`), so that asynchronous back ends are timed to completion. Warm-up
 * runs come first (kernel compilation, memory pools); the spread is reported as percentiles
 * because a single mean hides scheduler noise.
 */
import * as tf from '@tensorflow/tfjs';

/** Options of {@link measureLatency}. */
export interface LatencyOptions {
  /**
   * Timed runs.
   * @default 20
   */
  repeats?: number;
  /**
   * Untimed runs before timing.
   * @default 3
   */
  warmup?: number;
}

/** Latency statistics in milliseconds. */
export interface LatencyStats {
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  meanMs: number;
  repeats: number;
  /** Sequences per run (the input's first dimension). */
  batchSize: number;
}

/**
 * The q-quantile of sorted numbers with linear interpolation between order statistics (the
 * default of NumPy's `percentile`).
 *
 * @example quantileSorted([1, 2, 3, 4], 0.5) // 2.5
 * @param sorted Numbers in ascending order.
 * @param q Quantile in [0, 1].
 * @returns The interpolated quantile.
 * @throws RangeError when the list is empty or q is outside [0, 1].
 */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('sorted must hold at least one number, got 0');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`q must be in [0, 1], got ${q}`);
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
}

function runOnce(model: tf.LayersModel, input: tf.Tensor | tf.Tensor[]): void {
  const out = model.predict(input);
  const outputs = Array.isArray(out) ? out : [out];
  for (const o of outputs) o.dataSync();
  tf.dispose(outputs);
}

/**
 * Measures how long `model.predict(input)` takes, read back included.
 *
 * @example const { medianMs } = measureLatency(model, tf.zeros([64, 28, 28]), { repeats: 10 });
 * @param model A layers model.
 * @param input A batch (or one batch per model input); not disposed.
 * @param options See {@link LatencyOptions}.
 * @returns Median, 10th and 90th percentile and mean in milliseconds.
 * @throws TypeError when model is not a layers model or input is not a tensor.
 * @throws RangeError when repeats < 1 or warmup < 0.
 */
export function measureLatency(model: tf.LayersModel, input: tf.Tensor | tf.Tensor[], options: LatencyOptions = {}): LatencyStats {
  const { repeats = 20, warmup = 3 } = options;
  if (!(model instanceof tf.LayersModel)) throw new TypeError(`model must be a tf.LayersModel, got ${typeof model}`);
  const inputs = Array.isArray(input) ? input : [input];
  if (inputs.length === 0 || !inputs.every((t) => t instanceof tf.Tensor)) throw new TypeError('input must be a tensor or a non-empty array of tensors');
  checkCount('repeats', repeats, 1);
  checkCount('warmup', warmup, 0);
  for (let i = 0; i < warmup; i++) runOnce(model, input);
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    runOnce(model, input);
    times.push(performance.now() - start);
  }
  return latencyStats(times, inputs[0].shape[0] ?? 1);
}

/**
 * Summarises timed repeats: median, 10th and 90th percentiles and mean.
 *
 * @example latencyStats([3, 1, 2], 64).medianMs // 2
 * @param times Milliseconds per repeat (not modified).
 * @param batchSize Sequences per repeat.
 * @returns The statistics.
 * @throws RangeError when there are no times.
 */
export function latencyStats(times: readonly number[], batchSize: number): LatencyStats {
  if (times.length === 0) throw new RangeError('times must hold at least one measurement, got 0');
  const sorted = [...times].sort((a, b) => a - b);
  return {
    medianMs: quantileSorted(sorted, 0.5),
    p10Ms: quantileSorted(sorted, 0.1),
    p90Ms: quantileSorted(sorted, 0.9),
    meanMs: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    repeats: sorted.length,
    batchSize,
  };
}

/** Latency of a whole batch and of a single sequence. */
export interface BatchAndSingleLatency {
  batch: LatencyStats;
  single: LatencyStats;
  /** batch.medianMs / batchSize: the amortised cost of one sequence in a batch. */
  perSequenceInBatchMs: number;
}

/**
 * Measures the latency of a batch and of its first sequence alone (the on-device, one-request
 * case, where batching cannot hide per-call overhead).
 *
 * @example const { batch, single } = measureBatchAndSingleLatency(model, xTest, { repeats: 10 });
 * @param model A layers model.
 * @param input A batch (or one batch per model input); not disposed.
 * @param options See {@link LatencyOptions}.
 * @returns Both statistics and the amortised per-sequence time of the batch.
 * @throws TypeError when model is not a layers model or input is not a tensor.
 * @throws RangeError when repeats < 1 or warmup < 0.
 */
export function measureBatchAndSingleLatency(model: tf.LayersModel, input: tf.Tensor | tf.Tensor[], options: LatencyOptions = {}): BatchAndSingleLatency {
  const inputs = Array.isArray(input) ? input : [input];
  if (inputs.length === 0 || !inputs.every((t) => t instanceof tf.Tensor)) throw new TypeError('input must be a tensor or a non-empty array of tensors');
  const batch = measureLatency(model, input, options);
  const firsts = inputs.map((t) => tf.slice(t, 0, 1));
  try {
    const single = measureLatency(model, Array.isArray(input) ? firsts : firsts[0], options);
    return { batch, single, perSequenceInBatchMs: batch.medianMs / batch.batchSize };
  } finally {
    tf.dispose(firsts);
  }
}
