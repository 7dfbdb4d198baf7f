/**
 * Parameter counts: how many weights a model has, how many of them are non-zero, and the
 * resulting sparsity, per weight, per layer, per role and in total.
 */
import * as tf from '@tensorflow/tfjs';
import { layerWeights, WEIGHT_ROLES, WeightRole } from '../core/weights';

/** Counts of one tensor or of a group of tensors. */
export interface TensorCount {
  /** Number of weights. */
  parameters: number;
  /** Weights that are not exactly 0 (NaN counts as non-zero, -0 as zero). */
  nonZeros: number;
  /** 1 - nonZeros / parameters; 0 for an empty group. */
  sparsity: number;
}

/** Role of a weight, or `other` for weights of layers the role vocabulary does not cover. */
export type CountRole = WeightRole | 'other';

/** Counts of one weight. */
export interface WeightCount extends TensorCount {
  /** Variable name, e.g. `lstm/kernel`. */
  name: string;
  role: CountRole;
  shape: number[];
}

/** Counts of one layer and of each of its weights. */
export interface LayerCount extends TensorCount {
  name: string;
  /** tfjs class name, e.g. `LSTM`, `TimeDistributed`. */
  className: string;
  weights: WeightCount[];
}

/** What {@link countParameters} returns. */
export interface ParameterCounts {
  layers: LayerCount[];
  total: TensorCount;
  byRole: Record<CountRole, TensorCount>;
}

function tensorCount(parameters: number, nonZeros: number): TensorCount {
  return { parameters, nonZeros, sparsity: parameters === 0 ? 0 : 1 - nonZeros / parameters };
}

/**
 * Counts the weights and non-zero weights of a plain array.
 *
 * @example countNonZeros(new Float32Array([0, 1, 0, 2])) // { parameters: 4, nonZeros: 2, sparsity: 0.5 }
 * @param values Weights.
 * @returns Parameters, non-zeros and sparsity.
 * @throws TypeError when values is not array-like.
 */
export function countNonZeros(values: ArrayLike<number>): TensorCount {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new TypeError(`values must be an array or typed array of numbers, got ${values === null ? 'null' : typeof values}`);
  }
  let nonZeros = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) nonZeros++;
  return tensorCount(values.length, nonZeros);
}

function sum(items: TensorCount[]): TensorCount {
  return tensorCount(
    items.reduce((a, c) => a + c.parameters, 0),
    items.reduce((a, c) => a + c.nonZeros, 0),
  );
}

/**
 * Counts parameters and non-zeros of every weight of a model (trainable or not), grouped by layer
 * and by role.
 *
 * @example
 * const counts = countParameters(model);
 * console.log(counts.total.sparsity, counts.byRole.recurrentKernel.nonZeros);
 * @param model A layers model.
 * @returns Per-layer (with per-weight detail), per-role and total counts.
 * @throws TypeError when model is not a layers model.
 */
export function countParameters(model: tf.LayersModel): ParameterCounts {
  if (!(model instanceof tf.LayersModel)) throw new TypeError(`model must be a tf.LayersModel, got ${typeof model}`);
  const layers = model.layers.map((layer): LayerCount => {
    const roles = new Map(layerWeights(layer).map((w) => [w.variable, w.role]));
    const weights = layer.weights.map((variable): WeightCount => ({
      name: variable.name,
      role: roles.get(variable) ?? 'other',
      shape: variable.shape.map((d) => d ?? 0),
      ...countNonZeros(variable.read().dataSync()),
    }));
    return { name: layer.name, className: layer.getClassName(), weights, ...sum(weights) };
  });
  const all = layers.flatMap((l) => l.weights);
  const byRole = Object.fromEntries(
    [...WEIGHT_ROLES, 'other' as const].map((role) => [role, sum(all.filter((w) => w.role === role))]),
  ) as Record<CountRole, TensorCount>;
  return { layers, total: sum(all), byRole };
}
