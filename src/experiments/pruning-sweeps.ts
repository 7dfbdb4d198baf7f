/**
 * Small pieces notebook 02 (weight pruning) repeats: evaluating on a fixed subset of a split, a
 * one-shot sparsity sweep over copies of a trained model, the threshold θ that a target sparsity
 * corresponds to, and the width of a dense model with a given number of weights (for comparing a
 * large sparse model with a small dense one at equal non-zeros, as Zhu & Gupta (2017) do).
 */
import * as tf from '@tensorflow/tfjs';
import { GATES, type CellType } from '../core/weights';
import { subsetDataset } from '../data/subset';
import type { SequenceDataset } from '../data/types';
import { countParameters } from '../metrics/counts';
import { cloneModel } from '../models/clone';
import { roundHalfEven } from '../pruning/amount';
import { pruneToSparsity, checkSparsity, type PruningScope } from '../pruning/unstructured';
import { selectWeights, type WeightSelection } from '../pruning/selection';
import { evaluate, type Metrics } from '../training/evaluate';

import type { SubsetSizes } from '../data/subset';

/** How many sequences to keep per split; a split left out keeps all its sequences. */
export type SplitSizes = SubsetSizes;

/** The first sequences of each split (see `subsetDataset` in src/data/subset.ts), under this notebook's name. */
export const limitSplits = subsetDataset;

/**
 * The threshold θ whose rule "w = 0 when |w| < θ" zeroes a given fraction of the values: the
 * k-th smallest magnitude (0-based), k = round(sparsity · n) with ties to even. Exactly k values
 * fall below it unless several share that magnitude.
 *
 * @example thresholdForSparsity([0.4, -0.1, 0.3, 0.2], 0.5) // 0.3: |-0.1| and 0.2 fall below it
 * @param values Weights.
 * @param sparsity Fraction to zero, in [0, 1).
 * @returns θ (0 for sparsity 0).
 * @throws TypeError / RangeError for a sparsity outside [0, 1) or no values.
 */
export function thresholdForSparsity(values: ArrayLike<number>, sparsity: number): number {
  checkSparsity(sparsity, 'sparsity');
  if (values.length === 0) throw new RangeError('values must not be empty, got 0 values');
  const k = roundHalfEven(sparsity * values.length);
  if (k === 0) return 0;
  const magnitudes = Float64Array.from(values, Math.abs).sort();
  return magnitudes[k];
}

/**
 * Parameters of the course's classifier (one recurrent layer, then a Dense output), from the
 * formula g·u·(f + u + 1) + u·o + o, g being 1, 4 or 3 gate blocks.
 *
 * @example classifierParameters('LSTM', 28, 17, 10) // 4·17·46 + 170 + 10 = 3308
 * @param cell Cell type.
 * @param features Features per step, f.
 * @param units Units, u.
 * @param outputs Classes, o.
 * @returns The count.
 * @throws RangeError for an unknown cell or sizes that are not positive integers.
 */
export function classifierParameters(cell: CellType, features: number, units: number, outputs: number): number {
  const g = GATES[cell];
  if (g === undefined) throw new RangeError(`cell must be SimpleRNN, LSTM or GRU, got ${JSON.stringify(cell)}`);
  for (const [name, v] of [['features', features], ['units', units], ['outputs', outputs]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  }
  return g * units * (features + units + 1) + units * outputs + outputs;
}

/**
 * The width of a dense classifier whose parameter count is closest to a target, e.g. the number
 * of non-zeros of a pruned larger model (ties go to the smaller width).
 *
 * @example unitsForParameters('LSTM', 28, 10, 3290) // 17 (3308 parameters; 16 units give 3050)
 * @param cell Cell type.
 * @param features Features per step.
 * @param outputs Classes.
 * @param target Parameters wanted.
 * @returns Units, at least 1.
 * @throws RangeError for a target that is not a positive number, or as {@link classifierParameters}.
 */
export function unitsForParameters(cell: CellType, features: number, outputs: number, target: number): number {
  if (!(typeof target === 'number' && Number.isFinite(target) && target > 0)) throw new RangeError(`target must be a positive number, got ${target}`);
  let u = 1;
  while (classifierParameters(cell, features, u + 1, outputs) <= target) u++;
  const below = Math.abs(classifierParameters(cell, features, u, outputs) - target);
  const above = Math.abs(classifierParameters(cell, features, u + 1, outputs) - target);
  return above < below ? u + 1 : u;
}

/** Options of {@link oneShotSweep}. */
export interface OneShotSweepOptions extends WeightSelection {
  /**
   * Rank weights within each tensor or across all of them.
   * @default 'layer'
   */
  scope?: PruningScope;
  /**
   * Split the copies are evaluated on.
   * @default 'test'
   */
  split?: 'train' | 'validation' | 'test';
}

/** One point of a sweep: the target, what was measured, and the task metrics. */
export type SweepRow = {
  /** Target sparsity of the pruned weights. */
  targetSparsity: number;
  /** Measured fraction of zeros among the pruned roles (kernels and recurrent kernels by default). */
  sparsity: number;
  /** Non-zero values in the whole model, biases included. */
  nonZeros: number;
} & Record<string, number>;

/**
 * One-shot magnitude pruning at several sparsities, each starting again from the model's own
 * weights in one working copy (the model itself is never changed), evaluated without fine-tuning.
 *
 * @example const rows = oneShotSweep(model, limitSplits(mnist, { test: 2000 }), [0, 0.5, 0.9]);
 * @param model A trained model.
 * @param dataset The dataset to evaluate on.
 * @param sparsities Targets in [0, 1); 0 evaluates the unpruned weights.
 * @param options Scope, split and weight selection; see {@link OneShotSweepOptions}.
 * @returns One row per sparsity with the dataset's metrics (accuracy, bitsPerChar, mae, ...).
 * @throws RangeError for a sparsity outside [0, 1), a bad scope, layer or role.
 */
export function oneShotSweep(model: tf.LayersModel, dataset: SequenceDataset, sparsities: readonly number[], options: OneShotSweepOptions = {}): SweepRow[] {
  const { scope = 'layer', split = 'test', ...selection } = options;
  sparsities.forEach((s) => checkSparsity(s, 'sparsity'));
  const copy = cloneModel(model);
  try {
    // Checked on the copy before the first point, so a bad layer or role fails before any work.
    if (sparsities.some((s) => s > 0)) selectWeights(copy, selection);
    const original = model.getWeights();
    return sparsities.map((target) => {
      copy.setWeights(original);
      let sparsity = 0;
      if (target > 0) {
        const state = pruneToSparsity(copy, { sparsity: target, scope, ...selection });
        sparsity = state.sparsityReport().total.sparsity;
        state.dispose();
      }
      const metrics = evaluate(copy, dataset, split) as Metrics;
      return { targetSparsity: target, sparsity, nonZeros: countParameters(copy).total.nonZeros, ...(metrics as unknown as Record<string, number>) };
    });
  } finally {
    copy.dispose();
  }
}
