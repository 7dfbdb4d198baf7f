/**
 * Emits the ONNX nodes of one step of an export plan: the embedding lookup, a dense layer, and a
 * recurrent layer through ONNX's own `RNN`, `LSTM` and `GRU` operators (float32 or int8 weights
 * dequantized at load) or ONNX Runtime's `DynamicQuantizeLSTM` (int8 arithmetic). GRU and SimpleRNN
 * with int8 arithmetic are unrolled in `emit-unrolled.ts`, as ONNX Runtime has no quantized
 * kernel for them.
 */
import { GATES } from '../core/weights';
import type { QuantGranularity } from '../quantization/options';
import type { EmitContext, Value } from './emit-context';
import { emitUnrolledRecurrent } from './emit-unrolled';
import { permuteInt8Columns, quantizeColumns, quantizeRows, transposeInt8 } from './int8-matrix';
import type { Int8Matrix } from './int8-matrix';
import { onnxGateColumns, onnxRecurrentWeights } from './layout';
import type { ActivationStep, DenseStep, EmbeddingStep, ExportActivation, RecurrentStep } from './plan';
import { MS_DOMAIN } from './proto';
import type { OnnxAttribute } from './proto';

const RECURRENT_OPS = { SimpleRNN: 'RNN', LSTM: 'LSTM', GRU: 'GRU' } as const;

/**
 * Embedding lookup on time-major ids: the ids are transposed first (cheaper than transposing the
 * vectors), so the result is already in the order the recurrent operators read.
 *
 * @example v = emitEmbedding(ctx, ids, step);
 * @param ctx Emission state.
 * @param ids The int32 ids [batch, time].
 * @param step The embedding.
 * @returns The vectors, time-major.
 */
export function emitEmbedding(ctx: EmitContext, ids: Value, step: EmbeddingStep): Value {
  const { g } = ctx;
  const table = ctx.int8
    ? ctx.dequantized(step.name, [step.vocabSize, step.dim], quantizeRows(step.table, step.vocabSize, step.dim, ctx.int8.granularity), 0)
    : g.constant(step.name, 'float32', [step.vocabSize, step.dim], step.table);
  const timeMajorIds = g.op('Transpose', [ids.name], `${ids.name}_time_major`, { perm: { ints: [1, 0] } });
  const name = g.op('Gather', [table, timeMajorIds], `${step.name}_out`, { axis: { int: 0 } });
  return { name, layout: 'time-batch', width: step.dim };
}

/**
 * Dense layer on the last axis of a 2-D or 3-D value: MatMul, Add, activation (or one
 * `DynamicQuantizeMatMul` with its bias in dynamic int8 mode).
 *
 * @example v = emitDense(ctx, v, step);
 * @param ctx Emission state.
 * @param x The input value, any layout.
 * @param step The dense layer.
 * @returns The output, in the input's layout.
 */
export function emitDense(ctx: EmitContext, x: Value, step: DenseStep): Value {
  const { g } = ctx;
  let y: string;
  if (ctx.int8?.compute === 'dynamic') {
    y = ctx.int8MatMul(x.name, quantizeColumns(step.kernel, step.inputDim, step.units, ctx.int8.granularity), step.bias, step.name);
  } else {
    const kernel = ctx.int8
      ? ctx.dequantized(`${step.name}_kernel`, [step.inputDim, step.units], quantizeColumns(step.kernel, step.inputDim, step.units, ctx.int8.granularity), 1)
      : g.constant(`${step.name}_kernel`, 'float32', [step.inputDim, step.units], step.kernel);
    y = g.op('MatMul', [x.name, kernel], `${step.name}_matmul`);
    if (step.bias) y = g.op('Add', [y, g.constant(`${step.name}_bias`, 'float32', [step.units], step.bias)], `${step.name}_add`);
  }
  return { name: ctx.activation(y, step.activation, step.name), layout: x.layout, width: step.units };
}

/**
 * A stand-alone activation layer.
 *
 * @example v = emitActivation(ctx, v, step);
 * @param ctx Emission state.
 * @param x The input value.
 * @param step The activation.
 * @returns The output, in the input's layout.
 */
export function emitActivation(ctx: EmitContext, x: Value, step: ActivationStep): Value {
  return { ...x, name: ctx.activation(x.name, step.activation, step.name) };
}

function recurrentActivations(step: RecurrentStep): ExportActivation[] {
  if (step.cell === 'SimpleRNN') return [step.activation];
  if (step.cell === 'GRU') return [step.recurrentActivation, step.activation];
  // LSTM: gates, candidate, and the activation of the cell state in h = o ⊙ act(c).
  return [step.recurrentActivation, step.activation, step.activation];
}

/**
 * The `activations` attribute of a recurrent operator and its alpha/beta lists. ONNX Runtime reads
 * one alpha and one beta for each function that takes them, in order, and none for the others.
 */
function activationAttributes(step: RecurrentStep): Record<string, OnnxAttribute> {
  const names: string[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  for (const a of recurrentActivations(step)) {
    // planExport rejects softmax in recurrent layers; this keeps the mapping below total.
    if (a === 'softmax') throw new RangeError(`layer '${step.name}': activations of a recurrent layer must not be softmax for ONNX export, got softmax`);
    if (a === 'hardSigmoid') {
      names.push('HardSigmoid');
      alpha.push(0.2);
      beta.push(0.5);
    } else if (a === 'linear') {
      names.push('Affine');
      alpha.push(1);
      beta.push(0);
    } else {
      names.push({ tanh: 'Tanh', sigmoid: 'Sigmoid', relu: 'Relu' }[a]);
    }
  }
  const attrs: Record<string, OnnxAttribute> = { activations: { strings: names } };
  if (alpha.length > 0) {
    attrs.activation_alpha = { floats: alpha };
    attrs.activation_beta = { floats: beta };
  }
  return attrs;
}

/**
 * The input projection's low-rank left factor, applied before the recurrent operator: x·A·B is
 * (x·A)·B, so the operator runs on rank-wide inputs with B as its input kernel.
 */
function applyLeftFactor(ctx: EmitContext, x: Value, step: RecurrentStep): { x: Value; kernel: Float32Array; inputDim: number } {
  if (!step.kernelFactors) return { x, kernel: step.kernel as Float32Array, inputDim: step.inputDim };
  const { left, right, rank } = step.kernelFactors;
  const base = `${step.name}_kernel_a`;
  let name: string;
  if (ctx.int8?.compute === 'dynamic') {
    name = ctx.int8MatMul(x.name, quantizeColumns(left, step.inputDim, rank, ctx.int8.granularity), null, base);
  } else {
    const a = ctx.int8
      ? ctx.dequantized(base, [step.inputDim, rank], quantizeColumns(left, step.inputDim, rank, ctx.int8.granularity), 1)
      : ctx.g.constant(base, 'float32', [step.inputDim, rank], left);
    name = ctx.g.op('MatMul', [x.name, a], `${base}_out`);
  }
  return { x: { name, layout: x.layout, width: rank }, kernel: right, inputDim: rank };
}

/** Per-column int8 codes of a kernel, gate blocks in ONNX order. */
function onnxOrderedInt8(step: RecurrentStep, values: Float32Array, rows: number, granularity: QuantGranularity): Int8Matrix {
  const m = quantizeColumns(values, rows, GATES[step.cell] * step.units, granularity);
  return permuteInt8Columns(m, onnxGateColumns(step.cell, step.units));
}

function onnxBias(step: RecurrentStep): Float32Array {
  const width = GATES[step.cell] * step.units;
  const B = new Float32Array(2 * width);
  if (step.bias) {
    const perm = onnxGateColumns(step.cell, step.units);
    for (let k = 0; k < width; k++) B[k] = step.bias[perm[k]];
  }
  return B;
}

/** The outputs of a recurrent operator turned into the running value. */
function recurrentOutput(ctx: EmitContext, step: RecurrentStep, op: string, inputs: string[], attrs: Record<string, OnnxAttribute>, domain = ''): Value {
  const outputs = step.returnSequences ? [`${step.name}_Y`] : ['', `${step.name}_Y_h`];
  const [Y, Yh] = ctx.g.node(op, inputs, outputs, attrs, domain);
  if (step.returnSequences) return { name: ctx.squeeze(Y, [1], `${step.name}_seq`), layout: 'time-batch', width: step.units };
  return { name: ctx.squeeze(Yh, [0], `${step.name}_last`), layout: 'batch', width: step.units };
}

/**
 * One recurrent layer. Its input is made time-major first; with `returnSequences` the result is
 * time-major [time, batch, units], otherwise the last state [batch, units].
 *
 * @example v = emitRecurrent(ctx, v, step);
 * @param ctx Emission state.
 * @param input The input value.
 * @param step The recurrent layer.
 * @returns The states.
 * @throws RangeError for an int8 GRU or SimpleRNN without a fixed sequence length.
 */
export function emitRecurrent(ctx: EmitContext, input: Value, step: RecurrentStep): Value {
  const { g } = ctx;
  const projected = applyLeftFactor(ctx, ctx.timeMajor(input), step);
  const x = projected.x;
  const units = step.units;
  const width = GATES[step.cell] * units;
  const attrs: Record<string, OnnxAttribute> = { hidden_size: { int: units }, ...activationAttributes(step) };
  if (step.cell === 'GRU') attrs.linear_before_reset = { int: 0 };
  const B = g.constant(`${step.name}_B`, 'float32', [1, 2 * width], onnxBias(step));
  if (!ctx.int8) {
    const w = onnxRecurrentWeights({ cell: step.cell, units, inputDim: projected.inputDim, kernel: projected.kernel, recurrentKernel: step.recurrentKernel, bias: step.bias });
    const W = g.constant(`${step.name}_W`, 'float32', [1, width, projected.inputDim], w.W);
    const R = g.constant(`${step.name}_R`, 'float32', [1, width, units], w.R);
    return recurrentOutput(ctx, step, RECURRENT_OPS[step.cell], [x.name, W, R, B], attrs);
  }
  const wq = onnxOrderedInt8(step, projected.kernel, projected.inputDim, ctx.int8.granularity);
  const rq = onnxOrderedInt8(step, step.recurrentKernel, units, ctx.int8.granularity);
  if (ctx.int8.compute === 'weight-only') {
    const W = ctx.dequantized(`${step.name}_W`, [1, width, projected.inputDim], transposeInt8(wq), 1);
    const R = ctx.dequantized(`${step.name}_R`, [1, width, units], transposeInt8(rq), 1);
    return recurrentOutput(ctx, step, RECURRENT_OPS[step.cell], [x.name, W, R, B], attrs);
  }
  if (step.cell !== 'LSTM') return emitUnrolledRecurrent(ctx, x, step, wq, rq);
  // DynamicQuantizeLSTM keeps W as [1, input, 4·units] (not transposed), scales per column.
  const perTensor = wq.scales.length === 1;
  const sdims = perTensor ? [1] : [1, width];
  const wc = ctx.productCodes(wq.codes);
  const rc = ctx.productCodes(rq.codes);
  const W = g.constant(`${step.name}_W_${wc.type}`, wc.type, [1, projected.inputDim, width], wc.codes);
  const R = g.constant(`${step.name}_R_${rc.type}`, rc.type, [1, units, width], rc.codes);
  const Ws = g.constant(`${step.name}_W_scale`, 'float32', sdims, wq.scales);
  const Wz = g.constant(`${step.name}_W_zero_point`, wc.type, sdims, new Array(wq.scales.length).fill(wc.zeroPoint));
  const Rs = g.constant(`${step.name}_R_scale`, 'float32', sdims, rq.scales);
  const Rz = g.constant(`${step.name}_R_zero_point`, rc.type, sdims, new Array(rq.scales.length).fill(rc.zeroPoint));
  return recurrentOutput(ctx, step, 'DynamicQuantizeLSTM', [x.name, W, R, B, '', '', '', '', Ws, Wz, Rs, Rz], attrs, MS_DOMAIN);
}
