/**
 * Unstructured pruning: individual weights are set to 0 and kept there by masks. Three ways to
 * choose them: a magnitude threshold (the course's definition, w = 0 when |w| < θ), a number or
 * fraction of the smallest weights (prune.py's `l1_unstructured` / `global_unstructured`), or a
 * target sparsity of the whole tensor (the way tfmot's schedules express it).
 */
import * as tf from '@tensorflow/tfjs';
import type { WeightRef } from '../core/index';
import { amountToCount, checkAmount, roundHalfEven } from './amount';
import { checkThreshold, computeMask, thresholdMask } from './mask';
import { selectWeights, type WeightSelection } from './selection';
import { createPruningState, pruningStateOf, type PruningState } from './state';

/** Whether the smallest weights are ranked within each weight tensor or across all of them. */
export type PruningScope = 'layer' | 'global';

/** Options of {@link thresholdPrune}. */
export interface ThresholdPruneOptions extends WeightSelection {
  /** θ: weights with |w| < θ become 0. */
  threshold: number;
}

/** Options of {@link l1Unstructured}. */
export interface L1UnstructuredOptions extends WeightSelection {
  /**
   * How many weights to prune among those not yet pruned: a fraction in [0, 1) or an integer
   * count >= 1 (per weight tensor with scope 'layer', in total with scope 'global').
   */
  amount: number;
  /**
   * 'layer': the smallest weights of each tensor; 'global': the smallest across all selected
   * tensors, so layers with small weights lose more.
   * @default 'layer'
   */
  scope?: PruningScope;
}

/** Options of {@link pruneToSparsity}. */
export interface PruneToSparsityOptions extends WeightSelection {
  /** Fraction of each tensor (or of all, with scope 'global') that should be 0, in [0, 1). */
  sparsity: number;
  /** @default 'layer' */
  scope?: PruningScope;
}

function readValues(ref: WeightRef): Float32Array {
  return ref.variable.read().dataSync() as Float32Array;
}

/** Each weight's current mask (undefined when unpruned), read before anything changes so that a rejected call changes nothing. */
function currentMasks(model: tf.LayersModel, refs: WeightRef[]): (Uint8Array | undefined)[] {
  const state = pruningStateOf(model);
  return refs.map((ref) => (state && !state.isRemoved ? state.maskOf(ref) : undefined));
}

function checkScope(scope: unknown): asserts scope is PruningScope {
  if (scope !== 'layer' && scope !== 'global') {
    throw new RangeError(`scope must be 'layer' or 'global', got ${JSON.stringify(scope)}`);
  }
}

function commit(model: tf.LayersModel, refs: WeightRef[], masks: Uint8Array[]): PruningState {
  const state = createPruningState(model);
  refs.forEach((ref, i) => state.addMask(ref, masks[i]));
  state.applyMasks();
  return state;
}

/** Computes one mask over the concatenation of several tensors, then splits it back. */
function globalMask(
  refs: WeightRef[],
  defaults: (Uint8Array | undefined)[],
  maskOf: (values: Float32Array, defaultMask: Uint8Array) => Uint8Array,
): Uint8Array[] {
  const parts = refs.map(readValues);
  const total = parts.reduce((n, p) => n + p.length, 0);
  const values = new Float32Array(total);
  const defaultMask = new Uint8Array(total).fill(1);
  let offset = 0;
  parts.forEach((p, i) => {
    values.set(p, offset);
    if (defaults[i]) defaultMask.set(defaults[i] as Uint8Array, offset);
    offset += p.length;
  });
  const mask = maskOf(values, defaultMask);
  offset = 0;
  return parts.map((p) => {
    const part = mask.slice(offset, offset + p.length);
    offset += p.length;
    return part;
  });
}

/**
 * Threshold pruning: sets w = 0 wherever |w| < θ (strictly less) and keeps it there with a mask.
 *
 * @example const state = thresholdPrune(model, { threshold: 0.05 }); state.sparsityReport().total
 * @param model The model, changed in place.
 * @param options θ and the weights to prune; see {@link ThresholdPruneOptions}.
 * @returns The model's pruning state.
 * @throws TypeError / RangeError for a bad threshold, layer or role; nothing changes then.
 */
export function thresholdPrune(model: tf.LayersModel, options: ThresholdPruneOptions): PruningState {
  const { threshold, ...selection } = options;
  checkThreshold(threshold);
  const refs = selectWeights(model, selection);
  const defaults = currentMasks(model, refs);
  const masks = refs.map((ref, i) => thresholdMask(readValues(ref), threshold, defaults[i]));
  return commit(model, refs, masks);
}

/**
 * Magnitude pruning (prune.py's `l1_unstructured`, or `global_unstructured` with scope 'global'):
 * zeroes the `amount` smallest |w| among the weights still unpruned. Among equal magnitudes the
 * lowest flat index goes first (in 'global' scope: the earlier layer, then kernel before recurrent
 * kernel before bias, then the lowest index), so exactly that many weights are zeroed. As in
 * prune.py, a fraction refers to the remaining weights: pruning 50% twice leaves 25%.
 *
 * @example l1Unstructured(model, { amount: 0.5 }); l1Unstructured(model, { amount: 0.8, scope: 'global' });
 * @param model The model, changed in place.
 * @param options Amount, scope and selection; see {@link L1UnstructuredOptions}.
 * @returns The model's pruning state.
 * @throws TypeError / RangeError for a bad amount (outside [0, 1) and not an integer >= 1, or a count
 *   above the unpruned weights), scope, layer or role; nothing changes then.
 */
export function l1Unstructured(model: tf.LayersModel, options: L1UnstructuredOptions): PruningState {
  const { amount, scope = 'layer', ...selection } = options;
  checkAmount(amount);
  checkScope(scope);
  const refs = selectWeights(model, selection);
  const defaults = currentMasks(model, refs);
  const masks =
    scope === 'global'
      ? globalMask(refs, defaults, (values, defaultMask) => computeMask(values, amount, defaultMask))
      : refs.map((ref, i) => computeMask(readValues(ref), amount, defaults[i]));
  return commit(model, refs, masks);
}

/**
 * Global magnitude pruning across all selected weights (prune.py's `global_unstructured` with
 * `L1Unstructured`): {@link l1Unstructured} with scope 'global'.
 *
 * @example globalUnstructured(model, { amount: 0.9, layers: ['rnn_0', 'dense'] })
 * @param model The model, changed in place.
 * @param options Amount and selection.
 * @returns The model's pruning state.
 * @throws As {@link l1Unstructured}.
 */
export function globalUnstructured(model: tf.LayersModel, options: Omit<L1UnstructuredOptions, 'scope'>): PruningState {
  return l1Unstructured(model, { ...options, scope: 'global' });
}

function sparsityMask(values: Float32Array, sparsity: number, defaultMask?: Uint8Array): Uint8Array {
  const alreadyPruned = defaultMask ? defaultMask.reduce((n, v) => n + (v === 0 ? 1 : 0), 0) : 0;
  const extra = Math.max(0, roundHalfEven(sparsity * values.length) - alreadyPruned);
  return computeMask(values, extra, defaultMask);
}

/**
 * Prunes the smallest weights until a target fraction of each tensor (or of all, with scope
 * 'global') is 0. Weights already pruned count towards the target and stay pruned; sparsity never
 * decreases. Schedules use this, since tfmot states targets as a sparsity of the whole tensor.
 *
 * @example pruneToSparsity(model, { sparsity: 0.8 }) // 80% of every kernel and recurrent kernel
 * @param model The model, changed in place.
 * @param options Target sparsity, scope and selection.
 * @returns The model's pruning state.
 * @throws TypeError / RangeError for a sparsity outside [0, 1), or a bad scope, layer or role.
 */
export function pruneToSparsity(model: tf.LayersModel, options: PruneToSparsityOptions): PruningState {
  const { sparsity, scope = 'layer', ...selection } = options;
  checkSparsity(sparsity, 'sparsity');
  checkScope(scope);
  const refs = selectWeights(model, selection);
  const defaults = currentMasks(model, refs);
  const masks =
    scope === 'global'
      ? globalMask(refs, defaults, (values, defaultMask) => sparsityMask(values, sparsity, defaultMask))
      : refs.map((ref, i) => sparsityMask(readValues(ref), sparsity, defaults[i]));
  return commit(model, refs, masks);
}

/**
 * Checks a sparsity value.
 *
 * @example checkSparsity(0.8, 'finalSparsity')
 * @param value The sparsity.
 * @param name Name used in the error message.
 * @throws TypeError when not a number; RangeError when outside [0, 1).
 */
export function checkSparsity(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${typeof value}`);
  if (!(value >= 0 && value < 1)) throw new RangeError(`${name} must be in [0, 1), got ${value}`);
}
