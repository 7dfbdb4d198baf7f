/**
 * Post-training quantization of a whole model: every selected weight is replaced by its
 * dequantized codes in a copy of the model, so the copy runs with stock tfjs layers and computes
 * exactly what an integer implementation with the same codes and scales would store.
 */
import * as tf from '@tensorflow/tfjs';
import { modelWeights } from '../core/index';
import { cloneModel } from '../models/clone';
import type { WeightRef, WeightRole } from '../core/index';
import { resolveQuantizeOptions } from './options';
import type { QuantizeOptions, ResolvedQuantizeOptions } from './options';
import { maxAbsError, quantizeTensor } from './quantize';
import type { QuantizedTensor } from './quantize';

/** Roles quantized unless told otherwise. Biases stay float32: they are few, and an error in a bias shifts every time step's pre-activation. */
export const DEFAULT_QUANTIZED_ROLES: readonly WeightRole[] = ['kernel', 'recurrentKernel', 'embeddings'];

/** Which weights of a model to compress. */
export interface QuantizableWeightSelection {
  /**
   * Weight roles to compress; add `'bias'` to quantize biases too.
   * @default ['kernel', 'recurrentKernel', 'embeddings']
   */
  roles?: WeightRole[];
  /**
   * Names of the layers to compress.
   * @default every layer
   */
  layers?: string[];
}

/**
 * Options of {@link quantizeModel}. `channelAxis`, when omitted, is the last axis (one scale per
 * output column, i.e. per unit per gate) for kernels and biases and axis 0 (one scale per token)
 * for embeddings.
 */
export interface QuantizeModelOptions extends QuantizeOptions, QuantizableWeightSelection {}

/** What happened to one weight. */
export interface QuantizedWeightReport {
  /** Weight name as saved in a weights manifest, e.g. `lstm_1/kernel`. */
  name: string;
  layerName: string;
  layerType: string;
  role: WeightRole;
  shape: number[];
  /** Codes, scales and zero points. */
  quantized: QuantizedTensor;
  /** Largest |dequantized - original|. */
  maxAbsError: number;
}

/** Outcome of quantizing a model. */
export interface QuantizeModelReport {
  /** The options used, defaults filled in. */
  options: ResolvedQuantizeOptions & { roles: WeightRole[]; layers: string[] | null };
  weights: QuantizedWeightReport[];
  /** Number of values quantized. */
  quantizedParameters: number;
  /** Number of values in the whole model. */
  totalParameters: number;
  /** Bytes of every weight as float32. */
  float32Bytes: number;
  /**
   * Bytes with the quantized weights bit-packed at `bits` bits per code plus one float32 scale (and,
   * for the affine scheme, one int32 zero point) per channel, the other weights as float32.
   */
  quantizedBytes: number;
}

/**
 * Checks that a value is a layers model.
 *
 * @example checkModel(model); // passes for tf.sequential() and tf.model()
 * @param model The value to check.
 * @throws TypeError when model is not a tf.LayersModel.
 */
export function checkModel(model: unknown): asserts model is tf.LayersModel {
  if (!(model instanceof tf.LayersModel)) {
    throw new TypeError(`model must be a tf.LayersModel, got ${model === null ? 'null' : typeof model}`);
  }
}

/**
 * The weights a selection names, with defaults applied.
 *
 * @example selectQuantizableWeights(model, { roles: ['recurrentKernel'] })
 * @param model A layers model.
 * @param selection Roles and layers.
 * @returns The matching weights, in layer order.
 * @throws RangeError when a role or layer name is unknown.
 */
export function selectQuantizableWeights(model: tf.LayersModel, selection: QuantizableWeightSelection = {}): WeightRef[] {
  const { roles = [...DEFAULT_QUANTIZED_ROLES], layers } = selection;
  if (!Array.isArray(roles)) throw new TypeError(`roles must be an array, got ${typeof roles}`);
  if (layers !== undefined && !Array.isArray(layers)) throw new TypeError(`layers must be an array, got ${typeof layers}`);
  return modelWeights(model, { roles, layers });
}

/**
 * Manifest name of a weight: what `model.save` writes and `loadWeights` matches, stable across
 * copies of a model (tfjs suffixes duplicate variable names, not original names).
 *
 * @example weightName(ref) // 'lstm_1/kernel'
 * @param ref The weight.
 * @returns Its name.
 */
export function weightName(ref: WeightRef): string {
  return ref.variable.originalName ?? ref.variable.name;
}

/**
 * Channel axis of a weight: the option when given, else rows for embeddings and output columns
 * (one per unit per gate) for everything else.
 *
 * @example channelAxisFor(kernelRef, {}) // -1
 * @param ref The weight.
 * @param options Quantization options.
 * @returns The axis.
 */
export function channelAxisFor(ref: WeightRef, options: QuantizeOptions): number {
  if (options.channelAxis !== undefined) return options.channelAxis;
  return ref.role === 'embeddings' ? 0 : -1;
}

/**
 * Quantizes the values of one weight and describes the result.
 *
 * @example quantizeWeight(ref, ref.variable.read().dataSync(), { bits: 8 })
 * @param ref The weight.
 * @param values Its values.
 * @param options Quantization options.
 * @returns The weight's report.
 * @throws RangeError for invalid options.
 */
export function quantizeWeight(ref: WeightRef, values: ArrayLike<number>, options: QuantizeOptions): QuantizedWeightReport {
  const quantized = quantizeTensor(values, ref.shape, { ...options, channelAxis: channelAxisFor(ref, options) });
  return {
    name: weightName(ref),
    layerName: ref.layerName,
    layerType: ref.layerType,
    role: ref.role,
    shape: ref.shape,
    quantized,
    maxAbsError: maxAbsError(quantized, values),
  };
}

/**
 * Bytes of one quantized weight: codes bit-packed at `bits` bits, float32 scales and, for the affine
 * scheme, int32 zero points (the sidecar layout, without its 4-byte alignment padding).
 *
 * @example quantizedPayloadBytes(quantizeTensor(new Float32Array(10), [10], { bits: 4 })) // 5 + 4 = 9
 * @param q A quantized tensor.
 * @returns The byte count.
 */
export function quantizedPayloadBytes(q: QuantizedTensor): number {
  const perChannel = q.scheme === 'affine' ? 8 : 4;
  return Math.ceil((q.codes.length * q.bits) / 8) + perChannel * q.scales.length;
}

/**
 * Builds the report of a set of quantized weights.
 *
 * @example summarizeQuantization(model, weights, options)
 * @param model The model they belong to (for the total size).
 * @param weights The per-weight reports.
 * @param options The options used.
 * @returns The report.
 */
export function summarizeQuantization(
  model: tf.LayersModel,
  weights: QuantizedWeightReport[],
  options: QuantizeModelReport['options'],
): QuantizeModelReport {
  const totalParameters = model.weights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 0), 1), 0);
  const quantizedParameters = weights.reduce((n, w) => n + w.quantized.codes.length, 0);
  const payload = weights.reduce((n, w) => n + quantizedPayloadBytes(w.quantized), 0);
  return {
    options,
    weights,
    quantizedParameters,
    totalParameters,
    float32Bytes: 4 * totalParameters,
    quantizedBytes: 4 * (totalParameters - quantizedParameters) + payload,
  };
}

/**
 * Resolves and checks model-level quantization options without touching any model.
 *
 * @example resolveModelOptions(model, { bits: 4 })
 * @param model The model.
 * @param options User options.
 * @returns The resolved options and the selected weights.
 * @throws RangeError / TypeError for invalid options.
 */
export function resolveModelOptions(
  model: tf.LayersModel,
  options: QuantizeModelOptions,
): { resolved: QuantizeModelReport['options']; refs: WeightRef[] } {
  checkModel(model);
  const base = resolveQuantizeOptions(options);
  const refs = selectQuantizableWeights(model, options);
  const roles = options.roles ?? [...DEFAULT_QUANTIZED_ROLES];
  return { resolved: { ...base, roles, layers: options.layers ?? null }, refs };
}

/**
 * Post-training quantization: a new model whose selected weights are replaced by their dequantized
 * codes, and the codes themselves. The original model is not modified.
 *
 * @example
 * const { model: q4, report } = quantizeModel(model, { bits: 4, granularity: 'per-channel' });
 * console.log(report.weights.map((w) => [w.name, w.maxAbsError]));
 * @param model A layers model.
 * @param options See {@link QuantizeModelOptions}.
 * @returns The quantized copy (owned by the caller) and a report.
 * @throws TypeError when model is not a layers model.
 * @throws RangeError for invalid options or unknown roles or layers.
 */
export function quantizeModel(
  model: tf.LayersModel,
  options: QuantizeModelOptions = {},
): { model: tf.LayersModel; report: QuantizeModelReport } {
  const { resolved, refs } = resolveModelOptions(model, options);
  const reports = refs.map((ref) => quantizeWeight(ref, ref.variable.read().dataSync(), options));
  const copy = cloneModel(model);
  writeDequantized(copy, reports);
  return { model: copy, report: summarizeQuantization(model, reports, resolved) };
}

/**
 * Writes each report's dequantized values into the same-named weight of a model.
 *
 * @example writeDequantized(copy, report.weights)
 * @param model Target model (same architecture as the one quantized).
 * @param reports Per-weight reports.
 * @throws RangeError when a weight is missing from the model.
 */
export function writeDequantized(model: tf.LayersModel, reports: QuantizedWeightReport[]): void {
  const byName = new Map(model.weights.map((w) => [w.originalName ?? w.name, w]));
  for (const r of reports) {
    const target = byName.get(r.name);
    if (!target) throw new RangeError(`model must have a weight named '${r.name}', got none`);
    const values = tf.tensor(r.quantized.dequantize(), r.shape, 'float32');
    target.write(values);
    values.dispose();
  }
}
