/**
 * Export of the course's recurrent models to ONNX, the exchange format that ONNX Runtime (and
 * most inference engines for phones, microcontrollers and accelerators) loads. The graph uses
 * ONNX's own `RNN`, `LSTM` and `GRU` operators with the time-major layout, so the engine's fused
 * recurrent kernels run it; int8 files use ONNX Runtime's quantized kernels.
 */
import * as fs from 'fs';
import * as path from 'path';
import type * as tf from '@tensorflow/tfjs';
import type { QuantGranularity } from '../quantization/options';
import { QUANT_GRANULARITIES } from '../quantization/options';
import type { Int8Compute, ResolvedInt8, Value } from './emit-context';
import { EmitContext } from './emit-context';
import { emitActivation, emitDense, emitEmbedding, emitRecurrent } from './emit-layers';
import { planExport } from './plan';
import type { ExportPlan } from './plan';
import { OnnxGraphBuilder } from './proto';

/** Opsets the exporter writes (14 introduced the `layout` attribute of the recurrent operators). */
export const ONNX_OPSETS = { min: 14, max: 21 } as const;

/** Names of the graph's input and output. */
export const ONNX_INPUT_NAME = 'input';
export const ONNX_OUTPUT_NAME = 'output';

/** Options of an int8 export. */
export interface OnnxInt8Options {
  /**
   * Bits per weight; only 8 exists in ONNX Runtime's integer kernels.
   * @default 8
   */
  bits?: number;
  /**
   * One scale per output column (per gate and unit for recurrent kernels, per row for the
   * embedding table), or one per tensor.
   * @default 'per-channel'
   */
  granularity?: QuantGranularity;
  /**
   * Integer arithmetic (`'dynamic'`) or int8 storage with float arithmetic (`'weight-only'`);
   * see {@link Int8Compute}.
   * @default 'dynamic'
   */
  compute?: Int8Compute;
  /**
   * How the codes of integer products (`'dynamic'` mode) are stored. `'uint8'`: the symmetric
   * int8 codes offset by 128 with zero point 128 (same values), exact on every CPU. `'int8'`: the
   * signed codes; ONNX Runtime then multiplies uint8 activations by int8 weights, whose pairwise
   * int16 sums saturate on x86 CPUs without VNNI, so use it only where the CPU has VNNI (or on ARM).
   * @default 'uint8'
   */
  weightType?: 'uint8' | 'int8';
}

/** Options of {@link exportOnnx}. */
export interface OnnxExportOptions {
  /**
   * Opset of the default ONNX domain, in [14, 21].
   * @default 17
   */
  opset?: number;
  /**
   * Store weights (kernels, recurrent kernels, embeddings; not biases) as symmetric int8.
   * `true` means `{}`, all defaults.
   * @default false
   */
  int8?: boolean | OnnxInt8Options;
}

function resolveInt8(int8: unknown): ResolvedInt8 | null {
  if (int8 === false || int8 === undefined) return null;
  if (int8 !== true && (typeof int8 !== 'object' || int8 === null)) throw new TypeError(`int8 must be a boolean or an options object, got ${typeof int8}`);
  const { bits = 8, granularity = 'per-channel', compute = 'dynamic', weightType = 'uint8' } = int8 === true ? {} : (int8 as OnnxInt8Options);
  if (bits !== 8) throw new RangeError(`int8.bits must be 8 (ONNX Runtime's integer kernels are 8-bit), got ${String(bits)}`);
  if (!QUANT_GRANULARITIES.includes(granularity)) throw new RangeError(`int8.granularity must be one of ${QUANT_GRANULARITIES.join(', ')}, got ${JSON.stringify(granularity)}`);
  if (compute !== 'dynamic' && compute !== 'weight-only') throw new RangeError(`int8.compute must be one of dynamic, weight-only, got ${JSON.stringify(compute)}`);
  if (weightType !== 'uint8' && weightType !== 'int8') throw new RangeError(`int8.weightType must be one of uint8, int8, got ${JSON.stringify(weightType)}`);
  return { granularity, compute, weightType };
}

function checkOpset(opset: unknown): number {
  if (typeof opset !== 'number' || !Number.isInteger(opset) || opset < ONNX_OPSETS.min || opset > ONNX_OPSETS.max) {
    throw new RangeError(`opset must be an integer in [${ONNX_OPSETS.min}, ${ONNX_OPSETS.max}], got ${String(opset)}`);
  }
  return opset;
}

/** Emits a plan into a graph and serialises it. */
function emitPlan(plan: ExportPlan, opset: number, int8: ResolvedInt8 | null): Uint8Array {
  const g = new OnnxGraphBuilder(opset);
  const batch = 'batch';
  const time = plan.input.timeSteps ?? 'time';
  const inputDims = plan.input.dtype === 'int32' ? [batch, time] : [batch, time, plan.input.features as number];
  const ctx = new EmitContext(g, int8, plan.input.timeSteps);
  let v: Value = { name: g.input(ONNX_INPUT_NAME, plan.input.dtype, inputDims), layout: 'batch-time', width: plan.input.features ?? 1 };
  for (const step of plan.steps) {
    if (step.kind === 'embedding') v = emitEmbedding(ctx, v, step);
    else if (step.kind === 'recurrent') v = emitRecurrent(ctx, v, step);
    else if (step.kind === 'dense') v = emitDense(ctx, v, step);
    else v = emitActivation(ctx, v, step);
  }
  if (v.layout === 'time-batch') v = ctx.swapBatchTime(v);
  g.node('Identity', [v.name], [ONNX_OUTPUT_NAME]);
  g.output(ONNX_OUTPUT_NAME, 'float32', plan.outputHasTime ? [batch, time, plan.outputWidth] : [batch, plan.outputWidth]);
  const mode = int8 ? `int8 (${int8.granularity}, ${int8.compute})` : 'float32';
  return g.serialize(plan.modelName, `exported from tfjs model '${plan.modelName}', weights ${mode}`);
}

/**
 * Exports a tfjs recurrent model to ONNX.
 *
 * Supported: a chain [Embedding] → SimpleRNN / LSTM / GRU / LowRankRNN (stacked, any units) →
 * Dense (or TimeDistributed(Dense)) layers, Dropout and Activation anywhere; the course's
 * classifier, language model and forecaster, their stacked, unit-pruned and low-rank versions.
 * Recurrent layers become ONNX `RNN`/`LSTM`/`GRU` nodes (layout 0, input transposed from tfjs's
 * [batch, time, features]); LSTM gates are reordered from tfjs's i, f, c, o to ONNX's i, o, f, c;
 * GRU uses `linear_before_reset = 0` (tfjs's reset-before GRU). A LowRankRNN keeps its input
 * kernel factored (a MatMul by the left factor before the recurrent node), while its recurrent
 * factors are multiplied back, because ONNX's recurrent operators take one recurrent matrix.
 *
 * With `int8`, kernels and embeddings are stored as symmetric int8 codes made by the library's
 * quantizer, the same values `quantizeModel(model, { bits: 8, granularity })` gives; biases stay
 * float32. In `'dynamic'` mode LSTM layers use ONNX Runtime's `DynamicQuantizeLSTM`, GRU and
 * SimpleRNN are unrolled over time with `DynamicQuantizeMatMul` (they need a fixed sequence
 * length), and dense layers use `DynamicQuantizeMatMul`; these are `com.microsoft` operators, so
 * such files run in ONNX Runtime only.
 *
 * @example
 * const bytes = exportOnnx(model);                                 // float32
 * const small = exportOnnx(model, { int8: { granularity: 'per-channel' } });
 * @param model A layers model; not modified.
 * @param options See {@link OnnxExportOptions}.
 * @returns The serialised ONNX `ModelProto`: input `input` ([batch, time, features] float32, or
 *   [batch, time] int32 ids), output `output` (logits or forecasts as the tfjs model).
 * @throws TypeError when model is not a layers model, not a chain, or holds an unsupported layer
 *   (the message names its class), or int8 is neither a boolean nor an object.
 * @throws RangeError for an opset outside [14, 21], int8 bits other than 8, an unknown
 *   granularity or compute mode, or an unsupported layer setting (see `planExport`).
 */
export function exportOnnx(model: tf.LayersModel, options: OnnxExportOptions = {}): Uint8Array {
  const { opset = 17, int8 = false } = options;
  const resolvedOpset = checkOpset(opset);
  const resolvedInt8 = resolveInt8(int8);
  return emitPlan(planExport(model), resolvedOpset, resolvedInt8);
}

/**
 * Exports a model to an `.onnx` file.
 *
 * @example const { bytes } = saveOnnx(model, 'out/mnist-lstm.onnx', { int8: true });
 * @param model A layers model; not modified.
 * @param file Path of the file; its folder is created when missing.
 * @param options See {@link OnnxExportOptions}.
 * @returns The path written and the file size in bytes.
 * @throws As {@link exportOnnx}; TypeError when file is not a non-empty string.
 */
export function saveOnnx(model: tf.LayersModel, file: string, options: OnnxExportOptions = {}): { path: string; bytes: number } {
  if (typeof file !== 'string' || file.length === 0) throw new TypeError(`file must be a non-empty string, got ${JSON.stringify(file)}`);
  const bytes = exportOnnx(model, options);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, bytes);
  return { path: file, bytes: bytes.length };
}
