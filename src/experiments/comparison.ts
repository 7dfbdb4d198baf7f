/**
 * Comparing compression techniques on one task, as notebook 07 does: every compressed model is
 * measured the same way (accuracy, parameters, non-zeros, real bytes, median latency), and a
 * recommendation is read off the measured rows rather than off rules of thumb.
 *
 * Size is the honest one: each weight tensor is stored in the smallest format whose bytes decode
 * back to exactly the weights the accuracy was measured with. A float32 model is therefore never
 * credited with its float16 size (that would be a different, rounded model), and quantization codes
 * count only when they reproduce the weights exactly.
 */
import * as tf from '@tensorflow/tfjs';
import { cloneModel } from '../models/clone';
import type { ClassificationDataset, SequenceDataset } from '../data/types';
import { sliceSplit } from '../data/split';
import { decodeTensor, encodeBitmaskCodes, encodeBitmaskFloat32, encodeCsrCodes, encodeCsrFloat32, encodeCsrHuffman, encodeFloat16, encodeFloat32, encodeHuffmanCodes, encodePacked, gunzipBytes, gzipBytes } from '../encoding/index';
import type { EncodedTensor, FormatName, QuantizedCodes } from '../encoding/types';
import { countParameters } from '../metrics/counts';
import { measureLatency, type LatencyOptions } from '../metrics/latency';
import type { QuantizedTensor } from '../quantization/quantize';
import { evaluate } from '../training/evaluate';

/**
 * Turns a quantizer's tensor (codes, scales, zero points, channel axis) into the codes the storage
 * encoders take.
 *
 * @example const codes = toStorageCodes(quantizeTensor(values, [28, 256], { bits: 4, granularity: 'per-channel' }));
 * @param q A quantized tensor from `quantizeTensor` or `quantizeModel`'s report.
 * @returns The same codes with `axis` set for per-channel scales.
 * @throws TypeError when `q` has no codes or scales.
 */
export function toStorageCodes(q: QuantizedTensor): QuantizedCodes {
  if (!q || typeof q !== 'object' || !q.codes || !q.scales) {
    throw new TypeError(`q must be a quantized tensor with codes and scales, got ${q === null ? 'null' : typeof q}`);
  }
  const codes: QuantizedCodes = { codes: q.codes, bits: q.bits, scales: q.scales, zeroPoints: q.zeroPoints };
  if (q.channelAxis !== null && q.scales.length > 1) codes.axis = q.channelAxis;
  return codes;
}

/**
 * The storage codes of every weight a model quantizer reported, keyed by weight name.
 *
 * @example
 * const { model: q4, report } = quantizeModel(model, { bits: 4, granularity: 'per-channel' });
 * losslessModelStorage(q4, { codes: codesFromQuantization(report.weights) }).bytes
 * @param weights Named quantized tensors, e.g. `quantizeModel(...).report.weights`.
 * @returns Codes by weight name (`rnn_0/kernel`, ...).
 * @throws TypeError when an entry has no name or no quantized tensor.
 */
export function codesFromQuantization(weights: readonly { name: string; quantized: QuantizedTensor }[]): Record<string, QuantizedCodes> {
  if (!Array.isArray(weights)) throw new TypeError(`weights must be an array of { name, quantized }, got ${typeof weights}`);
  const out: Record<string, QuantizedCodes> = {};
  for (const w of weights) {
    if (typeof w?.name !== 'string') throw new TypeError(`every weight must have a name, got ${JSON.stringify(w?.name)}`);
    out[w.name] = toStorageCodes(w.quantized);
  }
  return out;
}

/** A copy of a model without running initialisers (`cloneModel` of src/models/clone.ts). */
export const copyModel = cloneModel;

/** Options of {@link losslessTensorStorage} and {@link losslessModelStorage}. */
export interface LosslessStorageOptions {
  /**
   * Bits per relative index in the CSR formats.
   * @default 5
   */
  gapBits?: number;
}

/** The storage of one tensor. */
export interface TensorStorage {
  /** The smallest format whose bytes decode to exactly the values. */
  format: FormatName;
  bytes: number;
  /** Bytes of every format tried, exact or not. */
  sizes: Partial<Record<FormatName, number>>;
  /** Formats that did not decode to exactly the values (e.g. float16 of float32 weights). */
  lossy: FormatName[];
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  // === on numbers treats +0 and -0 as equal, which is what a weight needs.
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Encodes one tensor in every storage format, decodes each encoding again, and keeps the smallest
 * one that gives back exactly the values. Code formats are tried only when codes are given.
 *
 * @example losslessTensorStorage(new Float32Array([0, 0, 0, 0.5]), [2, 2]).format // a sparse or gzip format, never float16
 * @param values The tensor's values, row-major.
 * @param shape Its shape.
 * @param codes Its quantization codes, when it was quantized.
 * @param options See {@link LosslessStorageOptions}.
 * @returns The chosen format and its bytes, with every size tried.
 * @throws RangeError when values do not match the shape or the codes are invalid (as the encoders throw).
 */
export function losslessTensorStorage(values: ArrayLike<number>, shape: number[], codes?: QuantizedCodes, options: LosslessStorageOptions = {}): TensorStorage {
  const { gapBits = 5 } = options;
  const float32 = encodeFloat32(values, shape);
  const encoded: [FormatName, EncodedTensor][] = [
    ['float32', float32],
    ['float16', encodeFloat16(values, shape)],
    ['bitmask-float32', encodeBitmaskFloat32(values, shape)],
    ['csr-float32', encodeCsrFloat32(values, shape, { gapBits })],
    ['gzip', gzipBytes([float32.bytes])],
  ];
  if (codes) {
    encoded.push(
      ['packed', encodePacked(codes, shape)],
      ['bitmask-codes', encodeBitmaskCodes(codes, shape)],
      ['csr-codes', encodeCsrCodes(codes, shape, { gapBits })],
      ['huffman', encodeHuffmanCodes(codes, shape)],
      ['csr-huffman', encodeCsrHuffman(codes, shape, { gapBits })],
    );
  }
  const sizes: Partial<Record<FormatName, number>> = {};
  const lossy: FormatName[] = [];
  let best: { format: FormatName; bytes: number } | undefined;
  for (const [format, e] of encoded) {
    sizes[format] = e.byteLength;
    const decoded = format === 'gzip' ? decodeTensor(gunzipBytes(e.bytes)[0]).values : decodeTensor(e.bytes).values;
    if (!sameValues(decoded, values)) {
      lossy.push(format);
      continue;
    }
    if (!best || e.byteLength < best.bytes) best = { format, bytes: e.byteLength };
  }
  // float32 always round-trips, so best is set.
  const chosen = best as { format: FormatName; bytes: number };
  return { format: chosen.format, bytes: chosen.bytes, sizes, lossy };
}

/** The storage of a whole model, tensor by tensor. */
export interface ModelStorage {
  /** Sum of each weight's smallest exact encoding. */
  bytes: number;
  /** Sum of each weight's float32 encoding (headers included), for ratios. */
  float32Bytes: number;
  /** float32Bytes / bytes. */
  ratio: number;
  /** Per weight: its name, chosen format and bytes. */
  weights: { name: string; format: FormatName; bytes: number; float32Bytes: number }[];
  /** The formats used, e.g. `csr-huffman ×3, float32 ×2`. */
  formats: string;
}

/**
 * Stores every weight of a model in its smallest exact format (see {@link losslessTensorStorage})
 * and sums the bytes. Each encoding starts with its format id, so a file of such tensors decodes.
 *
 * @example
 * const { model: q4, report } = quantizeModel(model, { bits: 4, granularity: 'per-channel' });
 * losslessModelStorage(q4, { codes: codesFromQuantization(report.weights) }).ratio
 * @param model A layers model.
 * @param options Codes by weight name (manifest name such as `rnn_0/kernel`, or variable name) and CSR gap bits.
 * @returns Total and per-weight bytes.
 * @throws TypeError when model is not a layers model.
 * @throws RangeError when a codes key names no weight of the model, or codes do not fit their weight.
 */
export function losslessModelStorage(model: tf.LayersModel, options: LosslessStorageOptions & { codes?: Record<string, QuantizedCodes> } = {}): ModelStorage {
  if (!(model instanceof tf.LayersModel)) throw new TypeError(`model must be a tf.LayersModel, got ${typeof model}`);
  const { codes = {}, ...rest } = options;
  const variables = model.weights;
  const known = new Set(variables.flatMap((v) => [v.name, v.originalName]));
  for (const key of Object.keys(codes)) {
    if (!known.has(key)) throw new RangeError(`codes keys must name weights of the model, got '${key}'`);
  }
  const weights = variables.map((v) => {
    const shape = v.shape.map((d) => d ?? 0);
    const values = v.read().dataSync();
    const s = losslessTensorStorage(values, shape, codes[v.originalName] ?? codes[v.name], rest);
    return { name: v.originalName ?? v.name, format: s.format, bytes: s.bytes, float32Bytes: s.sizes.float32 as number };
  });
  const bytes = weights.reduce((a, w) => a + w.bytes, 0);
  const float32Bytes = weights.reduce((a, w) => a + w.float32Bytes, 0);
  const counts = new Map<string, number>();
  for (const w of weights) counts.set(w.format, (counts.get(w.format) ?? 0) + 1);
  const formats = [...counts].map(([f, n]) => `${f} ×${n}`).join(', ');
  return { bytes, float32Bytes, ratio: float32Bytes / bytes, weights, formats };
}

/**
 * A view of a dataset whose splits are cut to their first sequences (no copy), e.g. a fixed test
 * subset for a sweep or a small training set for a short fine-tune. A size above a split's length
 * keeps the whole split, so one setting serves quick mode and full size.
 *
 * @example const sweep = withSubsets(dataset, { test: 2000 }); evaluate(model, sweep, 'test')
 * @param dataset The dataset.
 * @param sizes Number of sequences to keep per split; splits not named are kept whole.
 * @returns A dataset of the same kind sharing memory with the original.
 * @throws RangeError when a size is not a non-negative integer.
 */
export function withSubsets<T extends SequenceDataset>(dataset: T, sizes: { train?: number; validation?: number; test?: number }): T {
  const out = { ...dataset };
  for (const split of ['train', 'validation', 'test'] as const) {
    const n = sizes[split];
    if (n === undefined) continue;
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`sizes.${split} must be a non-negative integer, got ${n}`);
    out[split] = sliceSplit(split, dataset, 0, Math.min(n, dataset[split].size));
  }
  return out;
}

/** Options of {@link measureCandidate}. */
export interface CandidateOptions {
  /** Display name, e.g. `magnitude 60% + fine-tune`. */
  name: string;
  /** Technique, in the plots' vocabulary: `baseline`, `magnitude-pruning`, `quantization`, ... */
  technique: string;
  /**
   * A batch of inputs for the latency measurement (not disposed); without it `latencyMs` is NaN, to
   * be filled in later by {@link interleavedLatency}.
   * @default undefined
   */
  latencyInput?: tf.Tensor;
  /**
   * Quantization codes by weight name, so that code formats can be used for the size.
   * @default {}
   */
  codes?: Record<string, QuantizedCodes>;
  /**
   * Whether the technique needed training data and optimizer steps (fine-tuning, distillation).
   * @default false
   */
  retrained?: boolean;
  /**
   * Repeats and warm-up of the latency measurement.
   * @default { repeats: 7, warmup: 2 }
   */
  latency?: LatencyOptions;
  /**
   * Split to measure accuracy on.
   * @default 'test'
   */
  split?: 'train' | 'validation' | 'test';
}

/** One measured model: a row of the comparison table. */
export interface CandidateRow {
  name: string;
  technique: string;
  accuracy: number;
  parameters: number;
  nonZeros: number;
  /** Real bytes of the weights in their smallest exact formats. */
  bytes: number;
  /** Which formats those are. */
  formats: string;
  /** Median milliseconds of one forward pass over `latencyInput` (NaN when not measured). */
  latencyMs: number;
  retrained: boolean;
  [key: string]: unknown;
}

/**
 * Measures one model on everything the comparison reports: accuracy on a split, parameters and
 * non-zeros, real bytes (see {@link losslessModelStorage}) and, given an input batch, median latency.
 *
 * @example const row = measureCandidate(q8, sweep, { name: 'PTQ 8-bit', technique: 'quantization', latencyInput, codes });
 * @param model The (compressed) model.
 * @param dataset A classification dataset, possibly a subset (see {@link withSubsets}).
 * @param options See {@link CandidateOptions}.
 * @returns The row.
 * @throws TypeError when the dataset is not a classification dataset; as `evaluate`,
 *   `losslessModelStorage` and `measureLatency` otherwise.
 */
export function measureCandidate(model: tf.LayersModel, dataset: ClassificationDataset, options: CandidateOptions): CandidateRow {
  const { name, technique, latencyInput, codes = {}, retrained = false, latency = { repeats: 7, warmup: 2 }, split = 'test' } = options;
  if (dataset?.task !== 'classification') throw new TypeError(`dataset must be a classification dataset, got task ${JSON.stringify(dataset?.task)}`);
  const { accuracy } = evaluate(model, dataset, split);
  const counts = countParameters(model).total;
  const storage = losslessModelStorage(model, { codes });
  const medianMs = latencyInput ? measureLatency(model, latencyInput, latency).medianMs : NaN;
  return {
    name,
    technique,
    accuracy,
    parameters: counts.parameters,
    nonZeros: counts.nonZeros,
    bytes: storage.bytes,
    formats: storage.formats,
    latencyMs: medianMs,
    retrained,
  };
}

/** A deployment goal: optimise one quantity under constraints. */
export interface Goal {
  /** What the goal is called in the recommendation table. */
  label: string;
  /** `bytes` and `latencyMs` are minimised, `accuracy` maximised. */
  optimise: 'bytes' | 'latencyMs' | 'accuracy';
  /** Largest accepted accuracy drop below the baseline (a fraction: 0.01 is one point). */
  maxDrop?: number;
  /** Largest accepted size in bytes. */
  maxBytes?: number;
  /** Largest accepted latency in milliseconds. */
  maxLatencyMs?: number;
  /** Only techniques that need no training data (post-training compression). */
  withoutRetraining?: boolean;
  /**
   * For `bytes` and `latencyMs`: values within this fraction of the best count as a tie, decided by
   * accuracy. Set it to the measurement noise, e.g. the spread of repeated latency measurements,
   * so that noise does not pick the winner.
   * @default 0
   */
  tolerance?: number;
}

/** The answer to one goal. */
export interface Recommendation {
  goal: Goal;
  /** The best row meeting the constraints, or undefined when none does. */
  winner?: CandidateRow;
  /** The next best row from another technique, for context. */
  runnerUp?: CandidateRow;
  /** How many rows met the constraints. */
  eligible: number;
}

/**
 * Reads, for each goal, the winning model off measured rows: among the rows that meet the goal's
 * constraints, the one with the best value of the optimised quantity. Rows within the goal's
 * `tolerance` of that best value tie, and ties go to higher accuracy, then fewer bytes, then the
 * earlier row. The runner-up is the next row in that order from another technique.
 *
 * @example
 * recommend(rows, 0.97, [{ label: 'smallest within 1 point', optimise: 'bytes', maxDrop: 0.01 }])[0].winner?.name
 * @param rows Measured rows (the baseline may be among them: "do not compress" is a valid answer).
 * @param baselineAccuracy Accuracy of the uncompressed model on the same split.
 * @param goals The goals.
 * @returns One recommendation per goal, in order.
 * @throws TypeError when rows or goals are not arrays; RangeError for an unknown `optimise` or a
 *   negative constraint.
 */
export function recommend(rows: readonly CandidateRow[], baselineAccuracy: number, goals: readonly Goal[]): Recommendation[] {
  if (!Array.isArray(rows)) throw new TypeError(`rows must be an array, got ${typeof rows}`);
  if (!Array.isArray(goals)) throw new TypeError(`goals must be an array, got ${typeof goals}`);
  if (!Number.isFinite(baselineAccuracy)) throw new RangeError(`baselineAccuracy must be a finite number, got ${baselineAccuracy}`);
  return goals.map((goal) => {
    if (!['bytes', 'latencyMs', 'accuracy'].includes(goal.optimise)) {
      throw new RangeError(`optimise must be 'bytes', 'latencyMs' or 'accuracy', got ${JSON.stringify(goal.optimise)}`);
    }
    for (const key of ['maxDrop', 'maxBytes', 'maxLatencyMs', 'tolerance'] as const) {
      const v = goal[key];
      if (v !== undefined && !(v >= 0)) throw new RangeError(`${key} must be a number >= 0, got ${v}`);
    }
    const eligible = rows
      .map((row, index) => ({ row, index }))
      .filter(({ row }) =>
        (goal.maxDrop === undefined || baselineAccuracy - row.accuracy <= goal.maxDrop + 1e-12) &&
        (goal.maxBytes === undefined || row.bytes <= goal.maxBytes) &&
        (goal.maxLatencyMs === undefined || row.latencyMs <= goal.maxLatencyMs) &&
        (!goal.withoutRetraining || !row.retrained));
    const key = (r: CandidateRow): number => (goal.optimise === 'accuracy' ? -r.accuracy : (r[goal.optimise] as number));
    const best = Math.min(...eligible.map(({ row }) => key(row)));
    const tied = (r: CandidateRow): boolean => goal.optimise !== 'accuracy' && key(r) <= best * (1 + (goal.tolerance ?? 0));
    eligible.sort((a, b) => {
      const ta = tied(a.row) ? 0 : 1;
      const tb = tied(b.row) ? 0 : 1;
      if (ta !== tb) return ta - tb;
      const primary = ta === 0 ? b.row.accuracy - a.row.accuracy || key(a.row) - key(b.row) : key(a.row) - key(b.row) || b.row.accuracy - a.row.accuracy;
      return primary || a.row.bytes - b.row.bytes || a.index - b.index;
    });
    const winner = eligible[0]?.row;
    const runnerUp = winner ? eligible.find(({ row }) => row.technique !== winner.technique)?.row : undefined;
    return { goal, winner, runnerUp, eligible: eligible.length };
  });
}

/** Options of {@link interleavedLatency}. */
export interface InterleavedLatencyOptions {
  /**
   * Rounds; in each, every model is timed once after the other.
   * @default 5
   */
  rounds?: number;
  /**
   * Timed runs per model per round.
   * @default 2
   */
  repeats?: number;
  /**
   * Untimed runs per model before the first round.
   * @default 1
   */
  warmup?: number;
}

/** Latency of one model over the rounds of {@link interleavedLatency}. */
export interface InterleavedLatency {
  /** Median over the rounds of each round's median, in milliseconds. */
  medianMs: number;
  /** Fastest and slowest round medians: the spread that load on the machine causes. */
  minMs: number;
  maxMs: number;
  /** Each round's median. */
  rounds: number[];
}

/**
 * Times several models in interleaved rounds (model 1, 2, ..., n, then again), so that a change of
 * load on the machine during the measurement hits every model alike instead of whichever happened
 * to be timed at that moment.
 *
 * @example const times = interleavedLatency(new Map([['dense', model], ['pruned', pruned]]), batch);
 * @param models Models by name.
 * @param input A batch accepted by every model (not disposed).
 * @param options See {@link InterleavedLatencyOptions}.
 * @returns Latency per model name.
 * @throws RangeError when rounds or repeats is below 1 or warmup below 0; as `measureLatency` otherwise.
 */
export function interleavedLatency(models: ReadonlyMap<string, tf.LayersModel>, input: tf.Tensor, options: InterleavedLatencyOptions = {}): Map<string, InterleavedLatency> {
  const { rounds = 5, repeats = 2, warmup = 1 } = options;
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new RangeError(`rounds must be an integer >= 1, got ${rounds}`);
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new RangeError(`repeats must be an integer >= 1, got ${repeats}`);
  if (!(Number.isInteger(warmup) && warmup >= 0)) throw new RangeError(`warmup must be an integer >= 0, got ${warmup}`);
  const times = new Map<string, number[]>([...models.keys()].map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, model] of models) {
      const { medianMs } = measureLatency(model, input, { repeats, warmup: r === 0 ? warmup : 0 });
      (times.get(name) as number[]).push(medianMs);
    }
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  return new Map([...times].map(([name, xs]) => [name, { medianMs: median(xs), minMs: Math.min(...xs), maxMs: Math.max(...xs), rounds: xs }]));
}
