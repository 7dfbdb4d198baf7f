/**
 * One flat record per model: counts, MACs and storage in every format, ready to be a table row
 * (spread a latency measurement into it when one was taken).
 */
import * as tf from '@tensorflow/tfjs';
import { modelStorageReport } from '../encoding/model-report';
import { FormatName, QuantizedCodes } from '../encoding/types';
import { countParameters } from './counts';
import { countMacs } from './macs';

/** Options of {@link compressionSummary}. */
export interface SummaryOptions {
  /**
   * Sequence length for the MAC counts.
   * @default the model's fixed input length
   */
  timeSteps?: number;
  /**
   * Codes from a quantizer, keyed by weight name (see `modelStorageReport`).
   * @default {}
   */
  codes?: Record<string, QuantizedCodes>;
  /**
   * Derive codes of this width for weights without given codes.
   * @default undefined
   */
  bits?: number;
  /**
   * With `bits`: one scale per output channel.
   * @default false
   */
  perChannel?: boolean;
  /**
   * Bits per relative index in the CSR formats.
   * @default 5
   */
  gapBits?: number;
}

/** A flat summary of a model. Code-format sizes are present only when codes were given or derived. */
export interface CompressionSummary {
  parameters: number;
  nonZeros: number;
  sparsity: number;
  timeSteps: number;
  macsPerStep: number;
  macsPerSequence: number;
  /** MACs per step if only non-zero weights were multiplied (sparse kernels; tfjs does not). */
  effectiveMacsIfSparsePerStep: number;
  /** MACs per sequence if only non-zero weights were multiplied (sparse kernels; tfjs does not). */
  effectiveMacsIfSparse: number;
  /** False when some layer with weights has no MAC counter (see `registerMacCounter`). */
  macsComplete: boolean;
  bytesFloat32: number;
  bytesFloat16: number;
  bytesBitmaskFloat32: number;
  bytesCsrFloat32: number;
  bytesGzip: number;
  bytesPacked?: number;
  bytesBitmaskCodes?: number;
  bytesCsrCodes?: number;
  bytesHuffman?: number;
  bytesCsrHuffman?: number;
  /**
   * Largest |weight - value of its code| over the weights with codes: 0 when the codes describe
   * the weights exactly, larger when `bits` re-quantized float weights.
   */
  quantMaxAbsError?: number;
  /** `model.json` + `weights.bin` as tfjs saves them. */
  savedFilesBytes: number;
  /** Both files gzipped at level 9. */
  savedFilesGzipBytes: number;
  /** The smallest of the weight formats above. */
  smallestFormat: FormatName;
  smallestBytes: number;
  /** bytesFloat32 / smallestBytes. */
  compressionRatio: number;
}

const KEYS: Record<FormatName, keyof CompressionSummary> = {
  float32: 'bytesFloat32',
  float16: 'bytesFloat16',
  'bitmask-float32': 'bytesBitmaskFloat32',
  'csr-float32': 'bytesCsrFloat32',
  gzip: 'bytesGzip',
  packed: 'bytesPacked',
  'bitmask-codes': 'bytesBitmaskCodes',
  'csr-codes': 'bytesCsrCodes',
  huffman: 'bytesHuffman',
  'csr-huffman': 'bytesCsrHuffman',
};

/**
 * Counts, MACs and storage of a model in one flat record.
 *
 * @example
 * const row = await compressionSummary(model, { timeSteps: 28, bits: 4 });
 * console.table([{ model: 'pruned 90%', ...row }]);
 * @param model A layers model.
 * @param options See {@link SummaryOptions}.
 * @returns The summary.
 * @throws TypeError when model is not a layers model.
 * @throws RangeError for a bad timeSteps, bits, gapBits or codes entry.
 */
export async function compressionSummary(model: tf.LayersModel, options: SummaryOptions = {}): Promise<CompressionSummary> {
  if (!(model instanceof tf.LayersModel)) throw new TypeError(`model must be a tf.LayersModel, got ${typeof model}`);
  const { timeSteps, codes, bits, perChannel, gapBits } = options;
  const macs = countMacs(model, { timeSteps });
  const counts = countParameters(model);
  const storage = await modelStorageReport(model, { codes, bits, perChannel, gapBits, savedFiles: true });
  const sizes = Object.entries(storage.bytes) as [FormatName, number][];
  const [smallestFormat, smallestBytes] = sizes.reduce((best, s) => (s[1] < best[1] ? s : best));
  const saved = storage.savedFiles as NonNullable<typeof storage.savedFiles>;
  const summary = {
    parameters: counts.total.parameters,
    nonZeros: counts.total.nonZeros,
    sparsity: counts.total.sparsity,
    timeSteps: macs.timeSteps,
    macsPerStep: macs.macsPerStep,
    macsPerSequence: macs.macsPerSequence,
    effectiveMacsIfSparsePerStep: macs.effectiveMacsIfSparsePerStep,
    effectiveMacsIfSparse: macs.effectiveMacsIfSparse,
    macsComplete: macs.uncounted.length === 0,
    savedFilesBytes: saved.totalBytes,
    savedFilesGzipBytes: saved.gzipBytes,
    smallestFormat,
    smallestBytes,
    compressionRatio: smallestBytes === 0 ? 1 : (storage.bytes.float32 as number) / smallestBytes,
  } as CompressionSummary;
  for (const [format, b] of sizes) (summary as unknown as Record<string, number>)[KEYS[format]] = b;
  const errors = storage.weights.flatMap((w) => (w.maxAbsError === undefined ? [] : [w.maxAbsError]));
  if (errors.length) summary.quantMaxAbsError = Math.max(...errors);
  return summary;
}
