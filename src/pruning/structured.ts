/**
 * Structured pruning of recurrent layers: the unit, not the single weight, is what gets pruned,
 * "removing unimportant neurons and connections". A unit's importance is the L1 or L2 norm of all
 * the weights it owns (see `units.ts`). `lnStructured` masks the weakest units in place, like
 * prune.py's `ln_structured`; `removeUnits` (in `remove-units.ts`) then makes the layer smaller.
 */
import * as tf from '@tensorflow/tfjs';
import { amountToCount, checkAmount } from './amount';
import { smallestMagnitudes } from './mask';
import { createPruningState, pruningStateOf, type PruningState } from './state';
import { unitEntries, unitLayout, type UnitLayout } from './units';

/** Norm used to score units: 1 (sum of |w|) or 2 (square root of the sum of w²). */
export type UnitNorm = 1 | 2;

/** Options of {@link scoreUnits}. */
export interface ScoreUnitsOptions {
  /**
   * The norm, as prune.py's `n`.
   * @default 2
   */
  norm?: UnitNorm;
}

/** Options of {@link lnStructured}. */
export interface LnStructuredOptions {
  /** Name of the SimpleRNN, LSTM or GRU layer. */
  layer: string;
  /** Units to prune among those not yet pruned: a fraction in [0, 1) or an integer count >= 1. */
  amount: number;
  /** @default 2 */
  norm?: UnitNorm;
}

/**
 * Checks a unit norm.
 *
 * @example checkNorm(2)
 * @param norm The norm.
 * @throws RangeError unless it is 1 or 2.
 */
export function checkNorm(norm: unknown): asserts norm is UnitNorm {
  if (norm !== 1 && norm !== 2) throw new RangeError(`norm must be 1 or 2, got ${String(norm)}`);
}

/**
 * Scores from a layout, for callers that already have one.
 *
 * @example scoresOf(unitLayout(model, 'rnn_0'), 2)
 * @param layout The layer's unit layout.
 * @param norm 1 or 2.
 * @returns One score per unit.
 */
export function scoresOf(layout: UnitLayout, norm: UnitNorm): number[] {
  const cache = new Map<string, ArrayLike<number>>();
  const valuesOf = (name: string, read: () => ArrayLike<number>): ArrayLike<number> => {
    if (!cache.has(name)) cache.set(name, read());
    return cache.get(name) as ArrayLike<number>;
  };
  return Array.from({ length: layout.units }, (_, unit) => {
    let sum = 0;
    for (const { ref, indices } of unitEntries(layout, unit)) {
      const values = valuesOf(ref.variable.name, () => ref.variable.read().dataSync());
      for (const i of indices) sum += norm === 1 ? Math.abs(values[i]) : values[i] * values[i];
    }
    return norm === 1 ? sum : Math.sqrt(sum);
  });
}

/**
 * Scores each hidden unit of a recurrent layer by the norm of all its weights: its input-kernel
 * and recurrent-kernel columns across every gate, its recurrent-kernel row, its bias entries and
 * its rows in the next layer's kernel, each weight counted once.
 *
 * @example scoreUnits(model, 'rnn_0', { norm: 1 }) // [0.8, 2.1, ...], one per unit
 * @param model The model.
 * @param layerName Name of a SimpleRNN, LSTM or GRU layer.
 * @param options See {@link ScoreUnitsOptions}.
 * @returns One score per unit, index j for unit j.
 * @throws TypeError when the layer is not recurrent; RangeError for an unknown layer, a norm other
 *   than 1 or 2, or a layer whose units no other layer reads.
 */
export function scoreUnits(model: tf.LayersModel, layerName: string, options: ScoreUnitsOptions = {}): number[] {
  const { norm = 2 } = options;
  checkNorm(norm);
  return scoresOf(unitLayout(model, layerName), norm);
}

/**
 * Masks whole units (prune.py's `ln_structured` along the unit axis): the `amount` units of lowest
 * norm, lowest index first among equal scores, have every weight they own set to 0. Those units then
 * contribute nothing, and `removeUnits(model, { layer, units: state.prunedUnits(layer) })` deletes
 * them without changing the model's outputs.
 *
 * @example const state = lnStructured(model, { layer: 'rnn_0', amount: 0.25 }); state.prunedUnits('rnn_0')
 * @param model The model, changed in place.
 * @param options Layer, amount and norm; see {@link LnStructuredOptions}.
 * @returns The model's pruning state.
 * @throws TypeError for a non-recurrent layer; RangeError for a bad amount or norm, or an amount
 *   that would leave no unit; nothing changes then.
 */
export function lnStructured(model: tf.LayersModel, options: LnStructuredOptions): PruningState {
  const { layer, amount, norm = 2 } = options;
  checkAmount(amount);
  checkNorm(norm);
  const layout = unitLayout(model, layer);
  const existing = pruningStateOf(model);
  const done = new Set(existing && !existing.isRemoved ? existing.prunedUnits(layer) : []);
  const candidates = Array.from({ length: layout.units }, (_, j) => j).filter((j) => !done.has(j));
  const k = amountToCount(amount, candidates.length, 'amount', `unpruned units of '${layer}'`);
  if (k >= candidates.length) {
    throw new RangeError(`amount must leave at least one of the ${candidates.length} unpruned units of '${layer}', got ${amount}`);
  }
  const chosen = Array.from(smallestMagnitudes(scoresOf(layout, norm), candidates, k));
  const zeros = new Map<string, { ref: UnitLayout['kernel']; indices: number[] }>();
  for (const unit of chosen) {
    for (const { ref, indices } of unitEntries(layout, unit)) {
      const entry = zeros.get(ref.variable.name) ?? { ref, indices: [] };
      entry.indices.push(...indices);
      zeros.set(ref.variable.name, entry);
    }
  }
  const state = createPruningState(model);
  for (const { ref, indices } of zeros.values()) {
    const mask = new Uint8Array(ref.shape.reduce((a, b) => a * b, 1)).fill(1);
    for (const i of indices) mask[i] = 0;
    state.addMask(ref, mask);
  }
  state.recordPrunedUnits(layer, chosen);
  state.applyMasks();
  return state;
}
