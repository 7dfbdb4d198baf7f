/**
 * Helpers of the quantization notebook: evaluating many post-training quantization settings of
 * one model cheaply (one reusable copy instead of one clone per setting), a seeded subset of a
 * dataset's splits for such sweeps, and the bridge from a quantization report to the codes the
 * storage encoders take.
 */
import type * as tf from '@tensorflow/tfjs';
import type { SequenceDataset, Split } from '../data/types';
import { gatherSplit, SPLIT_NAMES } from '../data/split';
import type { SplitName } from '../data/split';
import type { QuantizedCodes } from '../encoding/types';
import { cloneModel } from '../models/clone';
import {
  quantizeWeight,
  resolveModelOptions,
  summarizeQuantization,
  writeDequantized,
} from '../quantization/model';
import type { QuantizeModelOptions, QuantizeModelReport } from '../quantization/model';
import type { QuantClip } from '../quantization/options';
import { evaluate } from '../training/evaluate';
import { deriveSeed, permutation } from '../utils/random';

/** Number of sequences to keep per split; a split left out is kept whole. */
import type { SubsetSizes } from '../data/subset';

/**
 * A copy of a dataset whose named splits hold a seeded random subset of their sequences (in their
 * original order), for sweeps that evaluate many models. Splits not named are shared, not copied.
 *
 * @example const sweepData = datasetSubset(mnist, { test: 2000 }); sweepData.test.size // 2000
 * @param dataset The dataset (not modified).
 * @param sizes Sequences to keep per split; a size at or above the split's size keeps it whole.
 * @param seed Seed of the selection (each split draws from its own derived seed).
 * @returns The dataset with the chosen splits replaced.
 * @throws TypeError when sizes is not an object; RangeError for an unknown split name, a size
 *   that is not a positive integer, or a non-integer seed.
 */
export function datasetSubset<D extends SequenceDataset>(dataset: D, sizes: SubsetSizes, seed = 42): D {
  if (sizes === null || typeof sizes !== 'object') throw new TypeError(`sizes must be an object of split sizes, got ${sizes === null ? 'null' : typeof sizes}`);
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const entries = Object.entries(sizes) as [string, number][];
  for (const [name, size] of entries) {
    if (!(SPLIT_NAMES as readonly string[]).includes(name)) throw new RangeError(`split must be one of ${SPLIT_NAMES.join(', ')}, got '${name}'`);
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`size of split '${name}' must be a positive integer, got ${size}`);
  }
  const out = { ...dataset };
  for (const [name, size] of entries as [SplitName, number][]) {
    const split: Split = dataset[name];
    if (size >= split.size) continue;
    const chosen = permutation(split.size, deriveSeed(seed, `subset-${name}`)).slice(0, size).sort();
    out[name] = gatherSplit(split, dataset, chosen);
  }
  return out;
}

/** One setting of a sweep: quantization options and an optional label for tables. */
export interface QuantSweepConfig extends QuantizeModelOptions {
  /**
   * Name of the setting in the rows.
   * @default built from bits, scheme, granularity, clip and roles
   */
  label?: string;
}

/** Options of {@link sweepQuantization}. */
export interface SweepOptions {
  /**
   * Split to evaluate on.
   * @default 'test'
   */
  split?: SplitName;
  /**
   * Sequences per forward pass.
   * @default 256
   */
  batchSize?: number;
}

/** One row of a sweep: the setting, the task metrics and the sizes. */
export interface QuantSweepRow {
  label: string;
  bits: number;
  scheme: string;
  granularity: string;
  /** `none`, `mse` or `p<percentile>`, e.g. `p99.9`. */
  clip: string;
  /** Quantized roles joined by `+`. */
  roles: string;
  /** Largest |dequantized - original| over the quantized weights. */
  maxAbsError: number;
  /** Bytes of the weights with codes bit-packed, scales (and zero points) added, the rest float32. */
  quantizedBytes: number;
  float32Bytes: number;
  /** The task metrics of `evaluate` (accuracy, bitsPerChar, mae, ...). */
  [metric: string]: number | string;
}

/**
 * Text form of a clipping option: `none`, `mse` or `p<percentile>`.
 *
 * @example clipLabel({ percentile: 99.9 }) // 'p99.9'
 * @param clip A clipping option (undefined means none).
 * @returns The label.
 */
export function clipLabel(clip: QuantClip | undefined): string {
  if (clip === undefined) return 'none';
  if (typeof clip === 'string') return clip;
  return `p${clip.percentile}`;
}

/**
 * Post-training quantization of one model under many settings, each evaluated on a split. Every
 * setting starts from the original weights and is written into one working copy, so the result
 * equals `evaluate(quantizeModel(model, config).model, ...)` without building a model per setting.
 *
 * @example
 * const rows = sweepQuantization(model, datasetSubset(mnist, { test: 2000 }), [
 *   { bits: 4, granularity: 'per-tensor' },
 *   { bits: 4, granularity: 'per-channel' },
 * ]);
 * rows.map((r) => [r.label, r.accuracy]);
 * @param model A trained layers model (not modified).
 * @param dataset The dataset the model fits.
 * @param configs The settings, see {@link QuantSweepConfig}.
 * @param options See {@link SweepOptions}.
 * @returns One row per setting, in order.
 * @throws TypeError when model is not a layers model or configs is not an array; RangeError for
 *   an empty list or invalid options (checked for every setting before any is evaluated).
 */
export function sweepQuantization(
  model: tf.LayersModel,
  dataset: SequenceDataset,
  configs: QuantSweepConfig[],
  options: SweepOptions = {},
): QuantSweepRow[] {
  const { split = 'test', batchSize = 256 } = options;
  if (!Array.isArray(configs)) throw new TypeError(`configs must be an array of quantization options, got ${typeof configs}`);
  if (configs.length === 0) throw new RangeError('configs must hold at least one setting, got 0');
  const plans = configs.map(({ label, ...config }) => ({ label, config, ...resolveModelOptions(model, config) }));
  const original = model.getWeights();
  const work = cloneModel(model);
  try {
    return plans.map(({ label, config, resolved, refs }) => {
      work.setWeights(original);
      const reports = refs.map((ref) => quantizeWeight(ref, ref.variable.read().dataSync(), config));
      writeDequantized(work, reports);
      const summary = summarizeQuantization(model, reports, resolved);
      const metrics = evaluate(work, dataset, split, { batchSize }) as unknown as Record<string, number>;
      const clip = clipLabel(resolved.clip);
      const roles = resolved.roles.join('+');
      return {
        label: label ?? `${resolved.bits}-bit ${resolved.scheme} ${resolved.granularity}${clip === 'none' ? '' : ` clip ${clip}`}`,
        bits: resolved.bits,
        scheme: resolved.scheme,
        granularity: resolved.granularity,
        clip,
        roles,
        ...metrics,
        maxAbsError: reports.reduce((m, r) => Math.max(m, r.maxAbsError), 0),
        quantizedBytes: summary.quantizedBytes,
        float32Bytes: summary.float32Bytes,
      };
    });
  } finally {
    work.dispose();
  }
}

/**
 * The codes of a quantization report in the form the storage encoders take
 * (`modelStorageReport({ codes })`, `compressionSummary({ codes })`): keyed by weight name as saved
 * in a manifest (`rnn_0/kernel`), with the channel axis of per-channel scales.
 *
 * @example
 * const { model: q4, report } = quantizeModel(model, { bits: 4 });
 * const storage = await modelStorageReport(q4, { codes: codesFromReport(report) });
 * storage.bytes.packed; storage.bytes.huffman;
 * @param report A report from `quantizeModel`, `saveQuantizedModel` or a QAT export.
 * @returns Codes by weight name (the typed arrays are shared, not copied).
 * @throws TypeError when report has no `weights` array.
 */
export function codesFromReport(report: QuantizeModelReport): Record<string, QuantizedCodes> {
  if (report === null || typeof report !== 'object' || !Array.isArray((report as { weights?: unknown }).weights)) {
    throw new TypeError('report must be a quantization report with a weights array');
  }
  const out: Record<string, QuantizedCodes> = {};
  for (const w of report.weights) {
    const q = w.quantized;
    out[w.name] = {
      codes: q.codes,
      bits: q.bits,
      scales: q.scales,
      zeroPoints: q.zeroPoints,
      ...(q.channelAxis === null ? {} : { axis: q.channelAxis }),
    };
  }
  return out;
}
