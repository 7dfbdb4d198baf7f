/**
 * Running a model with its recurrent layers replaced by the fused ones.
 *
 * The model is not changed: {@link fastApply} walks its layers in order and, for each recurrent
 * layer the fused ops support, calls the fused op on that layer's own variables; every other layer
 * runs through its usual `apply`. Gradients therefore reach the same variables as with
 * `model.apply`, so masks, fake quantization and anything else that works on the variables keep
 * working, and weights never need converting. Models that are not a single chain of layers, and
 * recurrent layers with options the fused ops do not implement, simply run unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import type { CellType } from '../core/index';
import type { FusedOptions } from './common';
import { fusedGru } from './gru';
import { fusedLstm } from './lstm';
import { fusedSimpleRnn } from './simple-rnn';

/** How one layer runs under {@link fastApply}. */
export interface FastLayerPlan {
  layer: string;
  className: string;
  /** 'fused' when the layer runs as a fused op, 'stock' otherwise. */
  path: 'fused' | 'stock';
  /** For recurrent layers that stay stock: why. */
  reason?: string;
}

/** How a whole model runs under {@link fastApply}. */
export interface FastPlan {
  /** False when the model is not a chain of layers; then it runs through `model.apply` unchanged. */
  chain: boolean;
  /** Why the model is not a chain, when it is not. */
  reason?: string;
  layers: FastLayerPlan[];
}

interface Step {
  layer: tf.layers.Layer;
  /** `readsInput`: the layer is fed by the model's input, whose gradient callers may not need. */
  fused?: { cell: CellType; returnSequences: boolean; readsInput: boolean };
}

const FUSED: Record<CellType, typeof fusedLstm> = { LSTM: fusedLstm, GRU: fusedGru, SimpleRNN: fusedSimpleRnn };
const RECURRENT_CLASSES = new Set(['SimpleRNN', 'LSTM', 'GRU', 'LowRankRNN']);

type Config = Record<string, unknown>;

/** Why a recurrent layer cannot be fused, or null when it can. */
function unsupported(config: Config, cell: CellType): string | null {
  if (config.activation !== 'tanh') return `activation is ${String(config.activation)}, the fused ops implement tanh`;
  if (cell !== 'SimpleRNN' && config.recurrentActivation !== 'sigmoid') {
    return `recurrentActivation is ${String(config.recurrentActivation)}, the fused ops implement sigmoid`;
  }
  for (const flag of ['returnState', 'goBackwards', 'stateful'] as const) {
    if (config[flag] === true) return `${flag} is set`;
  }
  for (const rate of ['dropout', 'recurrentDropout'] as const) {
    if (typeof config[rate] === 'number' && (config[rate] as number) > 0) return `${rate} is ${String(config[rate])}`;
  }
  return null;
}

function cellOf(layer: tf.layers.Layer, config: Config): CellType {
  const name = layer.getClassName();
  return (name === 'LowRankRNN' ? config.cellType : name) as CellType;
}

const plans = new WeakMap<tf.LayersModel, { plan: FastPlan; steps: Step[] | null }>();

function analyse(model: tf.LayersModel): { plan: FastPlan; steps: Step[] | null } {
  const cached = plans.get(model);
  if (cached) return cached;
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const describe = (layer: tf.layers.Layer): FastLayerPlan => ({ layer: layer.name, className: layer.getClassName(), path: 'stock' });
  let reason: string | undefined;
  if (model.inputs.length !== 1 || model.outputs.length !== 1) reason = `it has ${model.inputs.length} inputs and ${model.outputs.length} outputs`;
  for (let i = 0; !reason && i < layers.length; i++) {
    const nodes = layers[i].inboundNodes;
    const inbound = nodes.length === 1 ? nodes[0].inboundLayers : [];
    const expected = i === 0 ? model.inputLayers[0] : layers[i - 1];
    if (nodes.length !== 1 || inbound.length !== 1 || inbound[0] !== expected) reason = `layer '${layers[i].name}' is not fed by the layer before it alone`;
    const config = layers[i].getConfig() as Config;
    if (config.maskZero === true || layers[i].getClassName() === 'Masking') reason = `layer '${layers[i].name}' produces a mask`;
  }
  if (!reason && layers.length > 0 && model.outputs[0] !== layers[layers.length - 1].output) reason = 'its output is not the last layer\'s';
  let result: { plan: FastPlan; steps: Step[] | null };
  if (reason) {
    result = { plan: { chain: false, reason, layers: layers.map(describe) }, steps: null };
  } else {
    const steps: Step[] = [];
    const planned: FastLayerPlan[] = [];
    layers.forEach((layer, i) => {
      const entry = describe(layer);
      if (RECURRENT_CLASSES.has(layer.getClassName())) {
        const config = layer.getConfig() as Config;
        const cell = cellOf(layer, config);
        const why = unsupported(config, cell);
        if (why) {
          entry.reason = why;
          steps.push({ layer });
        } else {
          entry.path = 'fused';
          steps.push({ layer, fused: { cell, returnSequences: config.returnSequences === true, readsInput: i === 0 } });
        }
      } else {
        steps.push({ layer });
      }
      planned.push(entry);
    });
    result = { plan: { chain: true, layers: planned }, steps };
  }
  plans.set(model, result);
  return result;
}

/** The weight whose name ends in `/<base>`, read as a tensor, or undefined. */
function weight(layer: tf.layers.Layer, base: string): tf.Tensor | undefined {
  const found = layer.weights.find((w) => (w.originalName ?? w.name).split('/').pop() === base);
  return found?.read();
}

/** A kernel stored whole or as two factors A·B (LowRankRNN). */
function kernelOf(layer: tf.layers.Layer, base: string): tf.Tensor2D {
  const whole = weight(layer, base);
  if (whole) return whole as tf.Tensor2D;
  const a = weight(layer, `${base}_a`);
  const b = weight(layer, `${base}_b`);
  if (!a || !b) throw new Error(`layer '${layer.name}' has neither ${base} nor ${base}_a and ${base}_b`);
  return tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
}

function runLayer(layer: tf.layers.Layer, x: tf.Tensor, fused: NonNullable<Step['fused']>, training: boolean, inputGradient: boolean): tf.Tensor {
  const options: FusedOptions = { returnSequences: fused.returnSequences, inputGradient: inputGradient || !fused.readsInput, inference: !training };
  const bias = (weight(layer, 'bias') as tf.Tensor1D | undefined) ?? null;
  return FUSED[fused.cell](x as tf.Tensor3D, kernelOf(layer, 'kernel'), kernelOf(layer, 'recurrent_kernel'), bias, options);
}

/** Options of {@link fastApply}. */
export interface FastApplyOptions {
  /**
   * Training mode: recurrent layers use their hand-written backward pass (and other layers get
   * `training: true`); otherwise they run a plain forward pass.
   * @default false
   */
  training?: boolean;
  /**
   * Whether gradients with respect to `x` are wanted. Training loops feed data and pass false: a
   * recurrent layer reading `x` directly then skips one product of its backward pass and gives
   * `x` a zero gradient.
   * @default true
   */
  inputGradient?: boolean;
}

/**
 * Which layers of a model {@link fastApply} runs fused, and why the others are not.
 *
 * @example fastPlan(model).layers.filter((l) => l.path === 'fused').map((l) => l.layer) // ['rnn_0']
 * @param model A layers model.
 * @returns The plan (computed once per model).
 */
export function fastPlan(model: tf.LayersModel): FastPlan {
  return analyse(model).plan;
}

/**
 * Applies a model to a concrete input, running its recurrent layers as fused ops.
 *
 * The result equals `model.apply(x, { training })` up to float rounding (the fused ops compute
 * tanh as 2σ(2a) − 1), and so do the gradients it gives the model's variables. With
 * `training: true` the recurrent layers use their hand-written backward pass; otherwise they run a
 * plain forward pass (still differentiable, through tfjs's own gradients of each op).
 *
 * @example
 * const { value, grads } = tf.variableGrads(() => lossOf(fastApply(model, x, { training: true })));
 * @param model A layers model with one input and one output.
 * @param x The input batch.
 * @param options See {@link FastApplyOptions}; `training` is also passed to the layers that run unchanged.
 * @returns The model's output.
 * @throws Whatever the layers throw for an input of the wrong shape.
 */
export function fastApply(model: tf.LayersModel, x: tf.Tensor, options: FastApplyOptions = {}): tf.Tensor {
  const { training = false, inputGradient = true } = options;
  const kwargs = { training };
  const { steps } = analyse(model);
  if (!steps) return model.apply(x, kwargs) as tf.Tensor;
  return tf.tidy(() => {
    let out = x;
    for (const step of steps) {
      out = step.fused ? runLayer(step.layer, out, step.fused, training, inputGradient) : (step.layer.apply(out, kwargs) as tf.Tensor);
    }
    return out;
  });
}
