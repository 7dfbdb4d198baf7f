/**
 * Which weights a pruning call touches. By default the kernels and recurrent kernels of recurrent
 * and dense layers: biases are few, and zeroing them saves almost nothing while shifting every
 * activation, so they are pruned only when asked for.
 */
import * as tf from '@tensorflow/tfjs';
import { modelWeights, WEIGHT_ROLES, type WeightRef, type WeightRole } from '../core/index';

/** Roles pruned when none are given. */
export const DEFAULT_PRUNED_ROLES: readonly WeightRole[] = ['kernel', 'recurrentKernel'];

/** Layer types considered when no layer names are given. */
export const PRUNABLE_LAYER_TYPES: readonly string[] = ['SimpleRNN', 'LSTM', 'GRU', 'Dense', 'Embedding'];

/** Which weights to prune. */
export interface WeightSelection {
  /**
   * Names of the layers to prune.
   * @default every SimpleRNN, LSTM, GRU, Dense (also inside TimeDistributed) and Embedding layer
   */
  layers?: string[];
  /**
   * Weight roles to prune.
   * @default ['kernel', 'recurrentKernel']
   */
  roles?: WeightRole[];
}

function checkStringArray(value: unknown, name: string): asserts value is string[] | undefined {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new TypeError(`${name} must be an array of strings, got ${JSON.stringify(value)}`);
  }
}

/**
 * Resolves a selection to the weights it names.
 *
 * @example selectWeights(model, { roles: ['recurrentKernel'] }).map((w) => w.layerName)
 * @param model A layers model.
 * @param selection Layers and roles; see {@link WeightSelection}.
 * @returns The weights, in layer order and, within a layer, in tfjs weight order.
 * @throws TypeError when `layers` or `roles` is not an array of strings.
 * @throws RangeError for an unknown layer or role, or when nothing matches.
 */
export function selectWeights(model: tf.LayersModel, selection: WeightSelection = {}): WeightRef[] {
  const { layers, roles = DEFAULT_PRUNED_ROLES as WeightRole[] } = selection;
  checkStringArray(layers, 'layers');
  checkStringArray(roles, 'roles');
  for (const r of roles) {
    if (!WEIGHT_ROLES.includes(r)) throw new RangeError(`role must be one of ${WEIGHT_ROLES.join(', ')}, got '${r}'`);
  }
  let refs = modelWeights(model, { layers, roles });
  if (layers === undefined) refs = refs.filter((w) => PRUNABLE_LAYER_TYPES.includes(w.layerType));
  if (refs.length === 0) {
    throw new RangeError(
      `no weights match layers ${layers ? layers.join(', ') : '(default)'} and roles ${roles.join(', ')}`,
    );
  }
  return refs;
}
