/**
 * Helpers of the deployment notebook: a split as ONNX Runtime input, the task metrics of an ONNX
 * Runtime session (the same definitions as `evaluate` for tfjs models), the largest difference
 * between a session's outputs and a tfjs model's, and a grouped bar chart of latencies.
 */
import * as tf from '@tensorflow/tfjs';
import type * as ort from 'onnxruntime-node';
import { resolveSplit, sliceSplit } from '../data/split';
import type { SplitName } from '../data/split';
import type { SequenceDataset, Split } from '../data/types';
import { onnxPredict } from '../export/runtime';
import type { OnnxOutput } from '../export/runtime';
import { axis, baseLayout } from '../plots/layout';
import { categoricalColor } from '../plots/palette';
import type { Figure, Trace } from '../plots/types';
import type { Metrics } from '../training/evaluate';

/**
 * The inputs of a split (or of its first `limit` sequences) as ONNX Runtime takes them: float32
 * [n, time, features], or int32 ids [n, time] for the language model.
 *
 * @example const { data, dims } = onnxInputOf(mnist, 'test', 1); // dims [1, 28, 28]
 * @param dataset The dataset.
 * @param split Split name or a split of the dataset.
 * @param limit Number of leading sequences; all when omitted.
 * @returns Data and dimensions.
 * @throws RangeError when limit is not an integer in [1, split size].
 */
export function onnxInputOf(dataset: SequenceDataset, split: SplitName | Split, limit?: number): { data: Float32Array | Int32Array; dims: number[] } {
  const s = resolveSplit(split, dataset);
  const n = limit ?? s.size;
  if (!Number.isInteger(n) || n < 1 || n > s.size) throw new RangeError(`limit must be an integer in [1, ${s.size}], got ${limit}`);
  const part = sliceSplit(s, dataset, 0, n);
  if (dataset.task === 'language-model') return { data: Int32Array.from(part.x), dims: [n, dataset.timeSteps] };
  return { data: part.x, dims: [n, dataset.timeSteps, dataset.features] };
}

function logSoftmaxRow(logits: Float32Array, offset: number, k: number, label: number): { logProb: number; argMax: number } {
  let max = -Infinity;
  let argMax = 0;
  for (let j = 0; j < k; j++) {
    if (logits[offset + j] > max) {
      max = logits[offset + j];
      argMax = j;
    }
  }
  let sum = 0;
  for (let j = 0; j < k; j++) sum += Math.exp(logits[offset + j] - max);
  return { logProb: logits[offset + label] - max - Math.log(sum), argMax };
}

/**
 * Task metrics of outputs already computed (e.g. by ONNX Runtime) against a split's targets, with
 * the definitions of `evaluate`: accuracy and cross-entropy, bits per character, or MAE/MSE in
 * the target's units.
 *
 * @example const m = metricsFromOutputs(mnist, 'test', logits); m.accuracy
 * @param dataset The dataset.
 * @param split The split the outputs belong to (its first `outputs.dims[0]` sequences).
 * @param outputs Logits or forecasts, row-major.
 * @returns The task's metrics.
 * @throws RangeError when the outputs do not fit the split.
 */
export function metricsFromOutputs(dataset: SequenceDataset, split: SplitName | Split, outputs: OnnxOutput): Metrics {
  const s = resolveSplit(split, dataset);
  const n = outputs.dims[0];
  if (n > s.size) throw new RangeError(`outputs must cover at most ${s.size} sequences, got ${n}`);
  const y = s.y;
  const out = outputs.data;
  if (dataset.task === 'forecasting') {
    const h = dataset.horizon;
    if (out.length !== n * h) throw new RangeError(`outputs must hold ${n * h} forecasts, got ${out.length}`);
    let se = 0;
    let ae = 0;
    for (let i = 0; i < n * h; i++) {
      se += (out[i] - y[i]) ** 2;
      ae += Math.abs(out[i] - y[i]);
    }
    const std = dataset.targetStd;
    return { mse: (se / (n * h)) * std * std, mae: (ae / (n * h)) * std, normalizedMse: se / (n * h) };
  }
  const k = dataset.task === 'classification' ? dataset.numClasses : dataset.vocabSize;
  const rows = dataset.task === 'classification' ? n : n * dataset.timeSteps;
  if (out.length !== rows * k) throw new RangeError(`outputs must hold ${rows * k} logits, got ${out.length}`);
  let nll = 0;
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const label = y[r];
    const { logProb, argMax } = logSoftmaxRow(out, r * k, k, label);
    nll -= logProb;
    if (argMax === label) correct++;
  }
  if (dataset.task === 'classification') return { accuracy: correct / n, crossEntropy: nll / n };
  const crossEntropy = nll / rows;
  return { crossEntropy, perplexity: Math.exp(crossEntropy), bitsPerChar: crossEntropy / Math.LN2 };
}

/**
 * Evaluates an ONNX Runtime session on a split (or its first `limit` sequences).
 *
 * @example const { accuracy } = await onnxEvaluate(session, mnist, 'test') as { accuracy: number };
 * @param session A session of a model exported from one that fits the dataset.
 * @param dataset The dataset.
 * @param split Which split.
 * @param options `limit` (leading sequences; all by default) and `batchSize` (default 1024).
 * @returns The task's metrics, as `evaluate` gives them for a tfjs model.
 * @throws RangeError for a bad limit or batch size, or outputs that do not fit the dataset.
 */
export async function onnxEvaluate(
  session: ort.InferenceSession,
  dataset: SequenceDataset,
  split: SplitName = 'test',
  options: { limit?: number; batchSize?: number } = {},
): Promise<Metrics> {
  const { data, dims } = onnxInputOf(dataset, split, options.limit);
  const outputs = await onnxPredict(session, data, dims, { batchSize: options.batchSize ?? 1024 });
  return metricsFromOutputs(dataset, split, outputs);
}

/**
 * Largest absolute difference between a session's outputs and a tfjs model's on the same batch.
 *
 * @example const diff = await onnxMaxDifference(model, session, mnist, 'test', 256);
 * @param model The tfjs model.
 * @param session A session of its export.
 * @param dataset The dataset whose inputs both take.
 * @param split Which split.
 * @param limit Leading sequences compared.
 * @returns max |onnx - tfjs| over all outputs.
 * @throws RangeError for a bad limit or outputs of different sizes.
 */
export async function onnxMaxDifference(
  model: tf.LayersModel,
  session: ort.InferenceSession,
  dataset: SequenceDataset,
  split: SplitName,
  limit: number,
): Promise<number> {
  const { data, dims } = onnxInputOf(dataset, split, limit);
  const onnx = await onnxPredict(session, data, dims, { batchSize: 1024 });
  const ref = tf.tidy(() => {
    const x = tf.tensor(Float32Array.from(data), dims, 'float32');
    return (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
  });
  if (ref.length !== onnx.data.length) throw new RangeError(`outputs must have the same size, got ${ref.length} (tfjs) and ${onnx.data.length} (ONNX)`);
  let m = 0;
  for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(ref[i] - onnx.data[i]));
  return m;
}

/** One bar of {@link latencyBars}. */
export interface LatencyBar {
  /** Model variant, on the x axis. */
  model: string;
  /** Engine, one colour each, e.g. `tfjs (wasm)` or `ONNX Runtime`. */
  engine: string;
  /** Median latency in milliseconds. */
  ms: number;
}

/**
 * Grouped bars of median latency per model variant, one colour per engine, on a log axis (the
 * engines differ by an order of magnitude).
 *
 * @example show(latencyBars([{ model: 'LSTM(64)', engine: 'ONNX Runtime', ms: 40 }], { title: 'batch of 1024' }))
 * @param rows The measurements; a missing (model, engine) pair leaves a gap.
 * @param options `title` of the figure.
 * @returns The figure.
 * @throws RangeError when there are no rows or a latency is not positive.
 */
export function latencyBars(rows: readonly LatencyBar[], options: { title?: string } = {}): Figure {
  const { title = 'median latency' } = options;
  if (rows.length === 0) throw new RangeError('rows must hold at least one measurement, got 0');
  for (const r of rows) {
    if (!(r.ms > 0)) throw new RangeError(`ms must be > 0 on a log axis, got ${r.ms} for ${r.model} / ${r.engine}`);
  }
  const models = [...new Set(rows.map((r) => r.model))];
  const engines = [...new Set(rows.map((r) => r.engine))];
  const data: Trace[] = engines.map((engine, k) => {
    const byModel = new Map(rows.filter((r) => r.engine === engine).map((r) => [r.model, r.ms]));
    const ys = models.map((m) => byModel.get(m) ?? null);
    return {
      type: 'bar',
      name: engine,
      x: models,
      y: ys,
      hovertext: models.map((m, i) => (ys[i] === null ? '' : `${m}<br>${engine}: ${(ys[i] as number).toFixed(3)} ms`)),
      hovertemplate: '%{hovertext}<extra></extra>',
      marker: { color: categoricalColor(k) },
    };
  });
  return {
    data,
    layout: baseLayout(title, axis('model', { type: 'category' }), axis('median latency (ms, log scale)', { type: 'log' }), {
      barmode: 'group',
      legend: { title: { text: 'engine' } },
    }),
  };
}
