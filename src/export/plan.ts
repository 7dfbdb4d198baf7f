/**
 * Reads a tfjs model into the list of steps the ONNX exporter emits: an optional embedding, one or
 * more recurrent layers, then dense layers. Every check happens here, before anything is written,
 * so an unsupported model is rejected with the name of the offending layer and nothing else.
 */
import * as tf from '@tensorflow/tfjs';
import type { CellType } from '../core/weights';
import { GATES } from '../core/weights';

/** Activations the exporter can write, by their tfjs names. */
export const EXPORTABLE_ACTIVATIONS = ['linear', 'tanh', 'sigmoid', 'hardSigmoid', 'relu', 'softmax'] as const;

/** One of {@link EXPORTABLE_ACTIVATIONS}. */
export type ExportActivation = (typeof EXPORTABLE_ACTIVATIONS)[number];

/** Layer classes the exporter accepts. */
export const EXPORTABLE_LAYERS: readonly string[] = [
  'InputLayer', 'Embedding', 'SimpleRNN', 'LSTM', 'GRU', 'LowRankRNN', 'Dense', 'TimeDistributed', 'Dropout', 'Activation',
];

/** The model's input. */
export interface InputStep {
  kind: 'input';
  /** `int32` for character ids (the model starts with an embedding), `float32` otherwise. */
  dtype: 'float32' | 'int32';
  /** Sequence length, or null when the model accepts any length. */
  timeSteps: number | null;
  /** Features per step (absent for ids). */
  features: number | null;
}

/** A lookup table turning ids into vectors. */
export interface EmbeddingStep {
  kind: 'embedding';
  name: string;
  vocabSize: number;
  dim: number;
  /** [vocabSize, dim]. */
  table: Float32Array;
}

/** One recurrent layer, its weights in tfjs layout. */
export interface RecurrentStep {
  kind: 'recurrent';
  name: string;
  cell: CellType;
  units: number;
  inputDim: number;
  returnSequences: boolean;
  /** Candidate and output activation. */
  activation: ExportActivation;
  /** Gate activation (LSTM, GRU); `sigmoid` for SimpleRNN, where it is unused. */
  recurrentActivation: ExportActivation;
  /**
   * [inputDim, gates·units]; null when the input kernel is stored as factors.
   */
  kernel: Float32Array | null;
  /** Low-rank input kernel W ≈ left·right: left [inputDim, rank], right [rank, gates·units]. */
  kernelFactors: { left: Float32Array; right: Float32Array; rank: number } | null;
  /** [units, gates·units] (factors of a low-rank layer multiplied back). */
  recurrentKernel: Float32Array;
  /** [gates·units] or null. */
  bias: Float32Array | null;
}

/** A dense layer acting on the last axis. */
export interface DenseStep {
  kind: 'dense';
  name: string;
  inputDim: number;
  units: number;
  /** [inputDim, units]. */
  kernel: Float32Array;
  bias: Float32Array | null;
  activation: ExportActivation;
}

/** A stand-alone activation layer. */
export interface ActivationStep {
  kind: 'activation';
  name: string;
  activation: ExportActivation;
}

/** What the exporter emits, in order. */
export interface ExportPlan {
  modelName: string;
  input: InputStep;
  steps: (EmbeddingStep | RecurrentStep | DenseStep | ActivationStep)[];
  /** Whether the output has a time axis: [batch, time, width] rather than [batch, width]. */
  outputHasTime: boolean;
  /** Width of the output's last axis. */
  outputWidth: number;
}

type Config = tf.serialization.ConfigDict;

function valuesOf(layer: tf.layers.Layer, suffix: string): Float32Array | null {
  const v = layer.weights.find((w) => {
    const base = (w.originalName ?? w.name).split('/').pop() ?? '';
    return base === suffix || base.replace(/_\d+$/, '') === suffix;
  });
  return v ? Float32Array.from(v.read().dataSync()) : null;
}

function required(layer: tf.layers.Layer, suffix: string): Float32Array {
  const v = valuesOf(layer, suffix);
  if (!v) throw new TypeError(`layer '${layer.name}' (${layer.getClassName()}) must have a weight named '${suffix}', got ${layer.weights.map((w) => w.originalName).join(', ')}`);
  return v;
}

function activationOf(value: unknown, layer: tf.layers.Layer, field: string): ExportActivation {
  const name = typeof value === 'string' ? value : (value as { getClassName?: () => string })?.getClassName?.();
  if (!name || !(EXPORTABLE_ACTIVATIONS as readonly string[]).includes(name)) {
    throw new RangeError(`layer '${layer.name}': ${field} must be one of ${EXPORTABLE_ACTIVATIONS.join(', ')} for ONNX export, got '${String(name ?? value)}'`);
  }
  return name as ExportActivation;
}

/** Activations ONNX's recurrent operators take (softmax is not one of them). */
function recurrentActivationOf(value: unknown, layer: tf.layers.Layer, field: string): ExportActivation {
  const a = activationOf(value, layer, field);
  if (a === 'softmax') throw new RangeError(`layer '${layer.name}': ${field} of a recurrent layer must not be softmax for ONNX export, got softmax`);
  return a;
}

function checkRecurrentFlags(layer: tf.layers.Layer, config: Config): void {
  for (const flag of ['goBackwards', 'returnState', 'stateful'] as const) {
    if (config[flag]) throw new RangeError(`layer '${layer.name}': ${flag} must be false for ONNX export, got true`);
  }
}

/** Multiplies row-major [n, k] by [k, m]. */
function matMul(a: Float32Array, b: Float32Array, n: number, k: number, m: number): Float32Array {
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      if (aip === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j] += aip * b[p * m + j];
    }
  }
  return out;
}

function recurrentStep(layer: tf.layers.Layer, inputDim: number): RecurrentStep {
  const config = layer.getConfig();
  checkRecurrentFlags(layer, config);
  const className = layer.getClassName();
  const base = { kind: 'recurrent' as const, name: layer.name, inputDim, returnSequences: Boolean(config.returnSequences) };
  if (className === 'LowRankRNN') {
    const cell = (layer as unknown as { cell: { cellType: CellType; units: number; activationName: string; recurrentActivationName: string; kernelRank: number | null; recurrentRank: number | null } }).cell;
    const width = GATES[cell.cellType] * cell.units;
    const kernelFactors = cell.kernelRank === null
      ? null
      : { left: required(layer, 'kernel_a'), right: required(layer, 'kernel_b'), rank: cell.kernelRank };
    // ONNX's recurrent operators take one recurrent matrix, so its factors are multiplied back.
    const recurrentKernel = cell.recurrentRank === null
      ? required(layer, 'recurrent_kernel')
      : matMul(required(layer, 'recurrent_kernel_a'), required(layer, 'recurrent_kernel_b'), cell.units, cell.recurrentRank, width);
    return {
      ...base,
      cell: cell.cellType,
      units: cell.units,
      activation: recurrentActivationOf(cell.activationName, layer, 'activation'),
      recurrentActivation: cell.cellType === 'SimpleRNN' ? 'sigmoid' : recurrentActivationOf(cell.recurrentActivationName, layer, 'recurrentActivation'),
      kernel: kernelFactors ? null : required(layer, 'kernel'),
      kernelFactors,
      recurrentKernel,
      bias: valuesOf(layer, 'bias'),
    };
  }
  const cell = className as CellType;
  return {
    ...base,
    cell,
    units: config.units as number,
    activation: recurrentActivationOf(config.activation, layer, 'activation'),
    recurrentActivation: cell === 'SimpleRNN' ? 'sigmoid' : recurrentActivationOf(config.recurrentActivation, layer, 'recurrentActivation'),
    kernel: required(layer, 'kernel'),
    kernelFactors: null,
    recurrentKernel: required(layer, 'recurrent_kernel'),
    bias: config.useBias === false ? null : valuesOf(layer, 'bias'),
  };
}

function denseStep(layer: tf.layers.Layer, inputDim: number): DenseStep {
  const config = layer.getConfig();
  const units = config.units as number;
  return {
    kind: 'dense',
    name: layer.name,
    inputDim,
    units,
    kernel: required(layer, 'kernel'),
    bias: config.useBias === false ? null : valuesOf(layer, 'bias'),
    activation: activationOf(config.activation, layer, 'activation'),
  };
}

/** The layers from the model's input to its output, checking that they form one chain. */
function chainOf(model: tf.LayersModel): tf.layers.Layer[] {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new TypeError(`model must have one input and one output for ONNX export, got ${model.inputs.length} and ${model.outputs.length}`);
  }
  const chain: tf.layers.Layer[] = [];
  let t = model.outputs[0];
  while (t.sourceLayer.getClassName() !== 'InputLayer') {
    const layer = t.sourceLayer;
    const node = layer.inboundNodes[t.nodeIndex];
    if (!node || node.inputTensors.length !== 1) {
      throw new TypeError(`model must be a chain of single-input layers for ONNX export, but layer '${layer.name}' has ${node?.inputTensors.length ?? 0} inputs`);
    }
    chain.push(layer);
    t = node.inputTensors[0];
  }
  return chain.reverse();
}

function lastDim(shape: tf.Shape | tf.Shape[]): number {
  const s = (Array.isArray(shape[0]) ? shape[0] : shape) as tf.Shape;
  return s[s.length - 1] as number;
}

/**
 * Reads a model into an export plan.
 *
 * @example const plan = planExport(model); plan.steps.map((s) => s.kind) // ['recurrent', 'dense']
 * @param model A layers model: [Embedding] → SimpleRNN/LSTM/GRU/LowRankRNN (one or more) → Dense
 *   (zero or more), with Dropout and Activation layers allowed anywhere after the input.
 * @returns The plan, with copies of all weights.
 * @throws TypeError when model is not a layers model, is not a chain, or holds an unsupported
 *   layer (the message names its class).
 * @throws RangeError for an unsupported setting: an activation ONNX's recurrent operators cannot
 *   express, `goBackwards`, `returnState`, `stateful`, `maskZero`, or a recurrent layer after a
 *   layer that dropped the time axis.
 */
export function planExport(model: tf.LayersModel): ExportPlan {
  if (!(model instanceof tf.LayersModel)) throw new TypeError(`model must be a tf.LayersModel, got ${typeof model}`);
  const chain = chainOf(model);
  for (const layer of chain) {
    const c = layer.getClassName();
    const inner = c === 'TimeDistributed' ? (layer as unknown as { layer: tf.layers.Layer }).layer.getClassName() : null;
    if (!EXPORTABLE_LAYERS.includes(c) || (inner !== null && inner !== 'Dense')) {
      const what = inner !== null && inner !== 'Dense' ? `TimeDistributed(${inner})` : c;
      throw new TypeError(`layer '${layer.name}' of class ${what} is not supported by the ONNX export (supported: ${EXPORTABLE_LAYERS.filter((n) => n !== 'InputLayer').join(', ')})`);
    }
  }
  const inShape = model.inputs[0].shape;
  const ids = chain[0]?.getClassName() === 'Embedding';
  const input: InputStep = {
    kind: 'input',
    dtype: ids ? 'int32' : 'float32',
    timeSteps: (inShape[1] ?? null) as number | null,
    features: ids ? null : ((inShape[2] ?? null) as number | null),
  };
  if (!ids && inShape.length !== 3) throw new TypeError(`model input must be [batch, time, features] for ONNX export, got [${inShape.join(', ')}]`);
  const steps: ExportPlan['steps'] = [];
  let width = ids ? 0 : (input.features as number);
  let hasTime = true;
  let seenRecurrent = false;
  for (const layer of chain) {
    const c = layer.getClassName();
    if (c === 'Dropout') continue;
    if (c === 'Activation') {
      steps.push({ kind: 'activation', name: layer.name, activation: activationOf(layer.getConfig().activation, layer, 'activation') });
      continue;
    }
    if (c === 'Embedding') {
      if (layer !== chain[0]) throw new TypeError(`layer '${layer.name}' of class Embedding is supported only as the first layer of the model`);
      if (layer.getConfig().maskZero) throw new RangeError(`layer '${layer.name}': maskZero must be false for ONNX export, got true`);
      const table = required(layer, 'embeddings');
      const dim = lastDim(layer.outputShape);
      steps.push({ kind: 'embedding', name: layer.name, vocabSize: table.length / dim, dim, table });
      width = dim;
      continue;
    }
    if (c === 'Dense' || c === 'TimeDistributed') {
      const dense = c === 'Dense' ? layer : (layer as unknown as { layer: tf.layers.Layer }).layer;
      const step = denseStep(dense, width);
      step.name = layer.name;
      steps.push(step);
      width = step.units;
      continue;
    }
    if (!hasTime) throw new RangeError(`layer '${layer.name}': a recurrent layer must receive a sequence, but the previous recurrent layer returns only its last state`);
    const step = recurrentStep(layer, width);
    steps.push(step);
    seenRecurrent = true;
    width = step.units;
    hasTime = step.returnSequences;
  }
  if (!seenRecurrent) throw new TypeError('model must contain at least one SimpleRNN, LSTM, GRU or LowRankRNN layer for ONNX export, got none');
  return { modelName: model.name, input, steps, outputHasTime: hasTime, outputWidth: width };
}
