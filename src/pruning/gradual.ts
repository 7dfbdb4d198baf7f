/**
 * Gradual magnitude pruning during training (Zhu & Gupta, 2017; tfmot's `prune_low_magnitude`):
 * on the steps a schedule chooses, the smallest weights are masked up to the schedule's sparsity,
 * and after every step the masks are applied again so that the optimizer cannot revive them.
 */
import * as tf from '@tensorflow/tfjs';
import type { PruningSchedule } from './schedules';
import { selectWeights, type WeightSelection } from './selection';
import { createPruningState, pruningStateOf, type PruningState } from './state';
import { pruneToSparsity, type PruningScope } from './unstructured';

/** Options of {@link gradualPruningHook}. */
export interface GradualPruningOptions extends WeightSelection {
  /**
   * Rank weights within each tensor ('layer') or across all selected ones ('global').
   * @default 'layer'
   */
  scope?: PruningScope;
}

/** An `onBatchEnd(step)` callback that also exposes the masks it maintains. */
export interface GradualPruningCallback {
  (step: number): void;
  /** The model's pruning state (sparsity report, removePruning after training). */
  readonly state: PruningState;
}

/**
 * Makes the training loop's `onBatchEnd(step)` callback for gradual pruning. `step` is the index of
 * the batch that has just been applied, counted the way the schedule's steps are counted. At
 * steps where `schedule.shouldPrune(step)` the masks grow to `schedule.sparsityAt(step)` (never
 * shrink); at every step they are re-applied. After training, `removePruning(hook.state)` leaves a
 * plain model.
 *
 * @example
 * const hook = gradualPruningHook(model, new PolynomialDecay({ initialSparsity: 0, finalSparsity: 0.8, beginStep: 0, endStep: 500, frequency: 50 }));
 * await train(model, data, { onBatchEnd: hook });
 * removePruning(hook.state);
 * @param model The model being trained, changed in place.
 * @param schedule When and how much to prune, e.g. {@link PolynomialDecay}.
 * @param options Scope and weight selection; see {@link GradualPruningOptions}.
 * @returns The callback.
 * @throws TypeError when the schedule lacks `sparsityAt`/`shouldPrune`; RangeError for a bad scope,
 *   layer or role (checked now, not at the first step).
 */
export function gradualPruningHook(
  model: tf.LayersModel,
  schedule: PruningSchedule,
  options: GradualPruningOptions = {},
): GradualPruningCallback {
  const { scope = 'layer', layers, roles } = options;
  if (!schedule || typeof schedule.sparsityAt !== 'function' || typeof schedule.shouldPrune !== 'function') {
    throw new TypeError('schedule must have sparsityAt(step) and shouldPrune(step), e.g. a PolynomialDecay');
  }
  if (scope !== 'layer' && scope !== 'global') {
    throw new RangeError(`scope must be 'layer' or 'global', got ${JSON.stringify(scope)}`);
  }
  selectWeights(model, { layers, roles });
  const callback = (step: number): void => {
    if (schedule.shouldPrune(step)) {
      pruneToSparsity(model, { sparsity: schedule.sparsityAt(step), scope, layers, roles });
      return;
    }
    const state = pruningStateOf(model);
    if (state && !state.isRemoved) state.applyMasks();
  };
  Object.defineProperty(callback, 'state', { get: () => createPruningState(model), enumerable: true });
  return callback as GradualPruningCallback;
}
