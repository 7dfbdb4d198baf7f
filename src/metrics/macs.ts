/**
 * Multiply-accumulate counts (MACs) of recurrent models, read from the weight shapes, so that a
 * structurally pruned (smaller) layer is counted at its real size.
 *
 * Per time step, a cell multiplies the input x_t (f features) by the kernel [f, g*u] and the state
 * h_{t-1} (u units) by the recurrent kernel [u, g*u], g being the number of gates:
 *   SimpleRNN  u (f + u)      LSTM  4u (f + u)      GRU  3u (f + u)
 * Bias additions, gate activations and element-wise products (O(u) per step against O(u(f + u)))
 * are not counted. A Dense layer costs in * out per vector it is applied to; an Embedding is a
 * lookup and costs 0.
 *
 * `effectiveMacsIfSparse` counts one MAC per non-zero weight instead: what a sparse kernel would
 * perform. tfjs runs dense kernels, which perform `macs` whatever the sparsity.
 *
 * Other layer classes (e.g. a low-rank factorised layer) report their cost through
 * {@link registerMacCounter}.
 */
import * as tf from '@tensorflow/tfjs';
import { CellType, GATES, layerWeights, WeightRole } from '../core/weights';
import { countNonZeros } from './counts';

/** What a MAC counter receives besides the layer. */
export interface MacContext {
  /** Sequence length: how many times per sequence a per-step layer runs. */
  timeSteps: number;
}

/** A layer's cost, as a MAC counter reports it. */
export interface LayerCost {
  /** MACs of one application: one time step, or one vector for a non-recurrent layer. */
  macsPerCall: number;
  /** MACs of one application if only non-zero weights were multiplied. */
  effectiveMacsIfSparsePerCall: number;
  /** Applications per input sequence (timeSteps for per-step layers, 1 for a final Dense). */
  callsPerSequence: number;
}

/** Computes the cost of one layer class. */
export type MacCounter = (layer: tf.layers.Layer, context: MacContext) => LayerCost;

/** Cost of one layer of a model. */
export interface LayerMacs extends LayerCost {
  name: string;
  className: string;
  /** macsPerCall * callsPerSequence. */
  macsPerSequence: number;
  /** effectiveMacsIfSparsePerCall * callsPerSequence. */
  effectiveMacsIfSparse: number;
  /** False when the layer has weights but no counter is registered for its class (counted as 0). */
  counted: boolean;
}

/** What {@link countMacs} returns. */
export interface ModelMacs {
  timeSteps: number;
  layers: LayerMacs[];
  /** Sum of macsPerCall over the layers that run at every time step. */
  macsPerStep: number;
  /** Total MACs to process one sequence. */
  macsPerSequence: number;
  /** macsPerStep counting only non-zero weights (sparse kernels). */
  effectiveMacsIfSparsePerStep: number;
  /** macsPerSequence counting only non-zero weights (sparse kernels). */
  effectiveMacsIfSparse: number;
  /** Names of layers with weights that no counter covers; their cost is missing from the totals. */
  uncounted: string[];
}

/**
 * MACs of one step of a recurrent cell: gates * units * (features + units).
 *
 * @example recurrentMacsPerStep('LSTM', 28, 64) // 4 * 64 * (28 + 64) = 23552
 * @param cell SimpleRNN, LSTM or GRU.
 * @param features Input features per step.
 * @param units Hidden units.
 * @returns MACs per time step.
 * @throws RangeError for an unknown cell or a negative or non-integer size.
 */
export function recurrentMacsPerStep(cell: CellType, features: number, units: number): number {
  if (!(cell in GATES)) throw new RangeError(`cell must be one of ${Object.keys(GATES).join(', ')}, got ${cell}`);
  for (const [name, v] of [['features', features], ['units', units]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer, got ${v}`);
  }
  return GATES[cell] * units * (features + units);
}

/**
 * MACs and non-zeros of a weight matrix used in one vector-matrix product per call: one MAC per
 * entry. Helps MAC counters of custom layers (e.g. sum over the two factors of a low-rank layer).
 *
 * @example matrixProductMacs(layer.weights[0]) // { macs: 28 * 256, nonZeros: ... }
 * @param weight A layer variable or tensor.
 * @returns Entries (dense MACs) and non-zero entries (sparse MACs).
 */
export function matrixProductMacs(weight: tf.LayerVariable | tf.Tensor): { macs: number; nonZeros: number } {
  const t = weight instanceof tf.Tensor ? weight : weight.read();
  return { macs: t.size, nonZeros: countNonZeros(t.dataSync()).nonZeros };
}

function weightOf(layer: tf.layers.Layer, role: WeightRole): tf.LayerVariable | undefined {
  return layerWeights(layer).find((w) => w.role === role)?.variable;
}

/** Vectors a position-wise layer is applied to per sequence, from its input shape. */
function positionsPerSequence(layer: tf.layers.Layer, context: MacContext): number {
  // tfjs keeps a list of shapes even for a single input.
  const shapes = layer.inboundNodes[0]?.inputShapes as unknown;
  const shape = (Array.isArray(shapes) && Array.isArray(shapes[0]) ? shapes[0] : shapes) as (number | null)[] | undefined;
  if (!Array.isArray(shape) || shape.length <= 2) return 1;
  // Axis 1 is time in a sequence model; further inner axes multiply the count.
  return shape.slice(2, -1).reduce<number>((a, d) => a * (d ?? 1), context.timeSteps);
}

const recurrentCounter: MacCounter = (layer, context) => {
  const kernel = weightOf(layer, 'kernel');
  const recurrent = weightOf(layer, 'recurrentKernel');
  if (!kernel || !recurrent) throw new RangeError(`layer '${layer.name}' must have a kernel and a recurrent kernel`);
  const k = matrixProductMacs(kernel);
  const r = matrixProductMacs(recurrent);
  return { macsPerCall: k.macs + r.macs, effectiveMacsIfSparsePerCall: k.nonZeros + r.nonZeros, callsPerSequence: context.timeSteps };
};

const denseCounter: MacCounter = (layer, context) => {
  const kernel = weightOf(layer, 'kernel');
  if (!kernel) throw new RangeError(`layer '${layer.name}' must have a kernel`);
  const k = matrixProductMacs(kernel);
  return { macsPerCall: k.macs, effectiveMacsIfSparsePerCall: k.nonZeros, callsPerSequence: positionsPerSequence(layer, context) };
};

const counters = new Map<string, MacCounter>([
  ['SimpleRNN', recurrentCounter],
  ['LSTM', recurrentCounter],
  ['GRU', recurrentCounter],
  ['Dense', denseCounter],
  ['Embedding', (layer, context) => ({ macsPerCall: 0, effectiveMacsIfSparsePerCall: 0, callsPerSequence: positionsPerSequence(layer, context) })],
  [
    'TimeDistributed',
    (layer, context) => {
      const inner = (layer as unknown as { layer: tf.layers.Layer }).layer;
      const c = costOf(inner, context);
      if (!c) throw new RangeError(`no MAC counter is registered for '${inner.getClassName()}' inside '${layer.name}'`);
      return { macsPerCall: c.macsPerCall, effectiveMacsIfSparsePerCall: c.effectiveMacsIfSparsePerCall, callsPerSequence: context.timeSteps };
    },
  ],
  [
    'Bidirectional',
    (layer, context) => {
      const w = layer as unknown as { forwardLayer: tf.layers.Layer; backwardLayer: tf.layers.Layer };
      const f = recurrentCounter(w.forwardLayer, context);
      const b = recurrentCounter(w.backwardLayer, context);
      return {
        macsPerCall: f.macsPerCall + b.macsPerCall,
        effectiveMacsIfSparsePerCall: f.effectiveMacsIfSparsePerCall + b.effectiveMacsIfSparsePerCall,
        callsPerSequence: context.timeSteps,
      };
    },
  ],
]);

const BUILT_IN = new Set(counters.keys());

function costOf(layer: tf.layers.Layer, context: MacContext): LayerCost | undefined {
  const counter = counters.get(layer.getClassName());
  return counter ? counter(layer, context) : undefined;
}

/**
 * Registers how to count the MACs of a layer class, e.g. a low-rank factorised layer. Replaces an
 * earlier registration of the same class name.
 *
 * @example
 * registerMacCounter('LowRankLSTM', (layer, { timeSteps }) => {
 *   const parts = layer.weights.filter((w) => w.shape.length === 2).map(matrixProductMacs);
 *   return {
 *     macsPerCall: parts.reduce((a, p) => a + p.macs, 0),
 *     effectiveMacsIfSparsePerCall: parts.reduce((a, p) => a + p.nonZeros, 0),
 *     callsPerSequence: timeSteps,
 *   };
 * });
 * @param className What `layer.getClassName()` returns for the class.
 * @param counter Computes the layer's {@link LayerCost}.
 * @throws TypeError when className is not a non-empty string or counter is not a function.
 * @throws RangeError when className names a built-in counter (SimpleRNN, LSTM, GRU, Dense, ...).
 */
export function registerMacCounter(className: string, counter: MacCounter): void {
  if (typeof className !== 'string' || className.length === 0) throw new TypeError(`className must be a non-empty string, got ${JSON.stringify(className)}`);
  if (typeof counter !== 'function') throw new TypeError(`counter must be a function, got ${typeof counter}`);
  if (BUILT_IN.has(className)) throw new RangeError(`className must not be a built-in layer class (${[...BUILT_IN].join(', ')}), got '${className}'`);
  counters.set(className, counter);
}

/**
 * Removes a counter added with {@link registerMacCounter}.
 *
 * @example unregisterMacCounter('LowRankLSTM') // true
 * @param className The class name it was registered under.
 * @returns Whether a counter was removed (built-in counters are never removed).
 */
export function unregisterMacCounter(className: string): boolean {
  if (BUILT_IN.has(className)) return false;
  return counters.delete(className);
}

/**
 * Sequence length read from the model: axis 1 of a [batch, time, features] input, or of a
 * [batch, time] input of ids that an Embedding looks up; 1 for a model without a time axis.
 */
function defaultTimeSteps(model: tf.LayersModel): number | undefined {
  const shape = model.inputs[0]?.shape ?? [];
  const hasTime = shape.length >= 3 || (shape.length === 2 && model.layers.some((l) => l.getClassName() === 'Embedding'));
  if (!hasTime) return 1;
  return shape[1] ?? undefined;
}

/** Options of {@link countMacs}. */
export interface MacOptions {
  /**
   * Sequence length.
   * @default the model's fixed input length (axis 1 of a 3-D input, or of the ids an Embedding
   *   reads); 1 for a model without a time axis; required when the input length is free
   */
  timeSteps?: number;
}

/**
 * Counts the multiply-accumulates of a model, per time step and per sequence, dense and as if
 * kernels were sparse.
 *
 * @example
 * const m = countMacs(model, { timeSteps: 28 });
 * console.log(m.macsPerSequence, m.effectiveMacsIfSparse);
 * @param model A layers model.
 * @param options See {@link MacOptions}.
 * @returns Per-layer costs and totals.
 * @throws TypeError when model is not a layers model.
 * @throws RangeError when timeSteps is not a positive integer or cannot be read from the model.
 */
export function countMacs(model: tf.LayersModel, options: MacOptions = {}): ModelMacs {
  if (!(model instanceof tf.LayersModel)) throw new TypeError(`model must be a tf.LayersModel, got ${typeof model}`);
  const { timeSteps = defaultTimeSteps(model) } = options;
  if (timeSteps === undefined) throw new RangeError(`timeSteps must be given when the model's input length is free, got undefined`);
  if (!Number.isInteger(timeSteps) || timeSteps < 1) throw new RangeError(`timeSteps must be a positive integer, got ${timeSteps}`);
  const context: MacContext = { timeSteps };
  const layers = model.layers.map((layer): LayerMacs => {
    const cost = costOf(layer, context);
    const counted = cost !== undefined || layer.weights.length === 0;
    const c = cost ?? { macsPerCall: 0, effectiveMacsIfSparsePerCall: 0, callsPerSequence: 0 };
    return {
      name: layer.name,
      className: layer.getClassName(),
      ...c,
      macsPerSequence: c.macsPerCall * c.callsPerSequence,
      effectiveMacsIfSparse: c.effectiveMacsIfSparsePerCall * c.callsPerSequence,
      counted,
    };
  });
  const perStep = layers.filter((l) => l.callsPerSequence === timeSteps);
  const total = (items: LayerMacs[], key: keyof LayerMacs): number => items.reduce((a, l) => a + (l[key] as number), 0);
  return {
    timeSteps,
    layers,
    macsPerStep: total(perStep, 'macsPerCall'),
    macsPerSequence: total(layers, 'macsPerSequence'),
    effectiveMacsIfSparsePerStep: total(perStep, 'effectiveMacsIfSparsePerCall'),
    effectiveMacsIfSparse: total(layers, 'effectiveMacsIfSparse'),
    uncounted: layers.filter((l) => !l.counted).map((l) => l.name),
  };
}
