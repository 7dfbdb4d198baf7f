/**
 * Storage of a whole model in every format: each weight encoded for real, sizes summed, next to
 * the size of the files tfjs saves and of their gzip.
 */
import * as tf from '@tensorflow/tfjs';
import { layerWeights, WeightRole } from '../core/weights';
import { encodeAll } from './encode-all';
import { gzipBytes, savedModelFiles } from './gzip';
import { checkBits } from './header';
import { CODE_FORMATS, FormatName, QuantizedCodes } from './types';

/** Options of {@link modelStorageReport}. */
export interface StorageReportOptions {
  /**
   * Codes from a quantizer, keyed by weight name (`variable.name`, e.g. `lstm/kernel`, or its
   * `originalName`). Weights listed here are stored as these codes in the code formats.
   * @default {}
   */
  codes?: Record<string, QuantizedCodes>;
  /**
   * Derive codes of this width (see `deriveCodes`) for the weights not in `codes`, e.g. for a
   * model whose weights were quantized and dequantized in place.
   * @default undefined
   */
  bits?: number;
  /**
   * With `bits`: one scale per output channel instead of one per tensor.
   * @default false
   */
  perChannel?: boolean;
  /**
   * Bits per relative index in the CSR formats.
   * @default 5
   */
  gapBits?: number;
  /**
   * Also save the model in memory and measure `model.json`, `weights.bin` and their gzip.
   * @default true
   */
  savedFiles?: boolean;
}

/** Storage of one weight. */
export interface WeightStorage {
  name: string;
  layerName: string;
  role: WeightRole | 'other';
  shape: number[];
  elements: number;
  nonZeros: number;
  bytes: Partial<Record<FormatName, number>>;
  /** Where its codes came from; `none` means its code formats were measured at float size. */
  codesSource: 'given' | 'derived' | 'none';
  /** Largest |weight - dequantized code|, when it has codes. */
  maxAbsError?: number;
}

/** What {@link modelStorageReport} returns. */
export interface StorageReport {
  weights: WeightStorage[];
  elements: number;
  nonZeros: number;
  /** Sum over the weights, per format (weights only; the topology is in `savedFiles`). */
  bytes: Partial<Record<FormatName, number>>;
  /** 8 * bytes / elements, per format. */
  bitsPerWeight: Partial<Record<FormatName, number>>;
  /**
   * Weights without codes (neither given nor derived) while other weights have some: in the code
   * formats they are counted at the size of the matching float format (packed and huffman as
   * float32, bitmask-codes as bitmask-float32, csr-codes and csr-huffman as csr-float32), as a
   * deployment that keeps, say, biases in float would store them.
   */
  floatFallback: string[];
  /** The files `model.save` writes, in bytes. */
  savedFiles?: { modelJsonBytes: number; weightsBinBytes: number; totalBytes: number; gzipBytes: number };
}

const FLOAT_COUNTERPART: Record<string, FormatName> = {
  packed: 'float32',
  huffman: 'float32',
  'bitmask-codes': 'bitmask-float32',
  'csr-codes': 'csr-float32',
  'csr-huffman': 'csr-float32',
};

/**
 * Encodes every weight of a model in every format and sums the sizes.
 *
 * @example
 * const report = await modelStorageReport(model, { bits: 4 });
 * console.log(report.bytes.float32, report.bytes['csr-huffman'], report.savedFiles?.gzipBytes);
 * @param model A layers model.
 * @param options See {@link StorageReportOptions}.
 * @returns Per-weight and total sizes per format.
 * @throws TypeError when model is not a layers model or a codes entry is of the wrong kind.
 * @throws RangeError for unsupported bits, bad gapBits, a codes key that names no weight, or codes
 *   that do not match their weight's shape.
 */
export async function modelStorageReport(model: tf.LayersModel, options: StorageReportOptions = {}): Promise<StorageReport> {
  if (!(model instanceof tf.LayersModel)) throw new TypeError(`model must be a tf.LayersModel, got ${typeof model}`);
  const { codes = {}, bits, perChannel = false, gapBits = 5, savedFiles = true } = options;
  if (bits !== undefined) checkBits(bits);
  const variables = model.layers.flatMap((layer) => {
    const roles = new Map(layerWeights(layer).map((w) => [w.variable, w.role]));
    return layer.weights.map((variable) => ({ layer, variable, role: roles.get(variable) ?? ('other' as const) }));
  });
  const known = new Set(variables.flatMap(({ variable }) => [variable.name, variable.originalName]));
  for (const key of Object.keys(codes)) {
    if (!known.has(key)) throw new RangeError(`codes keys must name weights of the model (${[...known].join(', ')}), got '${key}'`);
  }
  const weights = variables.map(({ layer, variable, role }): WeightStorage => {
    const shape = variable.shape.map((d) => d ?? 0);
    const given = codes[variable.name] ?? codes[variable.originalName];
    const table = encodeAll(variable.read().dataSync(), shape, { codes: given, bits: given ? undefined : bits, perChannel, gapBits });
    return {
      name: variable.name,
      layerName: layer.name,
      role,
      shape,
      elements: table.elements,
      nonZeros: table.nonZeros,
      bytes: table.bytes,
      codesSource: table.quantization?.source ?? 'none',
      ...(table.quantization ? { maxAbsError: table.quantization.maxAbsError } : {}),
    };
  });
  const anyCodes = weights.some((w) => w.codesSource !== 'none');
  const floatFallback = anyCodes ? weights.filter((w) => w.codesSource === 'none').map((w) => w.name) : [];
  const formats = new Set<FormatName>(weights.flatMap((w) => Object.keys(w.bytes) as FormatName[]));
  if (anyCodes) for (const f of CODE_FORMATS) formats.add(f);
  const bytes: Partial<Record<FormatName, number>> = {};
  for (const f of formats) {
    bytes[f] = weights.reduce((a, w) => a + (w.bytes[f] ?? (w.bytes[FLOAT_COUNTERPART[f]] as number)), 0);
  }
  const elements = weights.reduce((a, w) => a + w.elements, 0);
  const nonZeros = weights.reduce((a, w) => a + w.nonZeros, 0);
  const bitsPerWeight = Object.fromEntries(
    Object.entries(bytes).map(([f, b]) => [f, elements === 0 ? 0 : (8 * (b as number)) / elements]),
  ) as Partial<Record<FormatName, number>>;
  const report: StorageReport = { weights, elements, nonZeros, bytes, bitsPerWeight, floatFallback };
  if (savedFiles) {
    const files = await savedModelFiles(model);
    report.savedFiles = {
      modelJsonBytes: files.modelJson.length,
      weightsBinBytes: files.weightsBin.length,
      totalBytes: files.modelJson.length + files.weightsBin.length,
      gzipBytes: gzipBytes([files.modelJson, files.weightsBin]).byteLength,
    };
  }
  return report;
}
