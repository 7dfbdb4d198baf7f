/**
 * Gradual magnitude pruning during training (Zhu & Gupta, 2017; tfmot's `prune_low_magnitude`):
 * on the steps a schedule chooses, the smallest weights are masked up to the schedule's sparsity,
 * and after every step the masks are applied again so that the optimizer cannot revive them.
 */
import type * as tf from '@tensorflow/tfjs';
import type { TrainingCallback } from '../training/callbacks';
import type { BatchLogs } from '../training/types';
import type { PruningSchedule } from './schedules';
import { selectWeights, type WeightSelection } from './selection';
import { createPruningState, pruningStateOf, type PruningState } from './state';
import { pruneToSparsity, type PruningScope } from './unstructured';

/** Options of {@link gradualPruning}. */
export interface GradualPruningOptions extends WeightSelection {
  /**
   * Rank weights within each tensor ('layer') or across all selected ones ('global').
   * @default 'layer'
   */
  scope?: PruningScope;
}

/** One pruning event of a schedule: the target and what the masks reached. */
export interface PruningEvent {
  step: number;
  /** The schedule's sparsity at that step. */
  target: number;
  /** Share of the selected weights the masks prune after the event. */
  measured: number;
}

/** The training callback of {@link gradualPruning}. */
export interface GradualPruning extends TrainingCallback {
  /** The model's pruning state (sparsity report, `removePruning` after training). */
  readonly state: PruningState;
  /** Every step at which the masks grew, in order. */
  readonly events: readonly PruningEvent[];
}

/**
 * Gradual magnitude pruning as a training callback (tfmot's `prune_low_magnitude` with
 * `UpdatePruningStep`). After the optimizer step `step` (counted from 0, as the schedule counts),
 * when `schedule.shouldPrune(step)` the masks grow to `schedule.sparsityAt(step)` (they never
 * shrink); after every step they are applied again, so that the optimizer cannot revive a pruned
 * weight. After training, `removePruning(callback.state)` leaves a plain model.
 *
 * @example
 * const pruning = gradualPruning(model, new PolynomialDecay({ initialSparsity: 0, finalSparsity: 0.8, beginStep: 0, endStep: 500, frequency: 50 }));
 * await train(model, data, { callbacks: [pruning, earlyStopping({ patience: 2, startFromEpoch: 3 })] });
 * removePruning(pruning.state);
 * @param model The model being trained, changed in place.
 * @param schedule When and how much to prune, e.g. {@link PolynomialDecay}.
 * @param options Scope and weight selection; see {@link GradualPruningOptions}.
 * @returns The callback.
 * @throws TypeError when the schedule lacks `sparsityAt`/`shouldPrune`; RangeError for a bad scope,
 *   layer or role (checked now, not at the first step).
 */
export function gradualPruning(model: tf.LayersModel, schedule: PruningSchedule, options: GradualPruningOptions = {}): GradualPruning {
  const { scope = 'layer', layers, roles } = options;
  if (!schedule || typeof schedule.sparsityAt !== 'function' || typeof schedule.shouldPrune !== 'function') {
    throw new TypeError('schedule must have sparsityAt(step) and shouldPrune(step), e.g. a PolynomialDecay');
  }
  if (scope !== 'layer' && scope !== 'global') {
    throw new RangeError(`scope must be 'layer' or 'global', got ${JSON.stringify(scope)}`);
  }
  selectWeights(model, { layers, roles });
  const events: PruningEvent[] = [];
  const applyMasks = (): void => {
    const state = pruningStateOf(model);
    if (state && !state.isRemoved) state.applyMasks();
  };
  return {
    get state() {
      return createPruningState(model);
    },
    events,
    onBatchEnd(logs: BatchLogs): void {
      if (!schedule.shouldPrune(logs.step)) {
        applyMasks();
        return;
      }
      const target = schedule.sparsityAt(logs.step);
      const report = pruneToSparsity(model, { sparsity: target, scope, layers, roles }).sparsityReport();
      events.push({ step: logs.step, target, measured: report.total.sparsity });
    },
    onTrainEnd: applyMasks,
  };
}
