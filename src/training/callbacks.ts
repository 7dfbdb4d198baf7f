/**
 * The training loop's one extension point: callback objects in the manner of Keras `Callback` and
 * tfjs `CustomCallbackArgs`. Pruning masks, gradual schedules, quantization-aware training and
 * early stopping are all callbacks, so any of them combine in one `train` call:
 *
 *   await train(model, data, { callbacks: [gradualPruning(model, schedule), earlyStopping({ patience: 3 })] });
 *
 * Order: `onTrainBegin`, `onBatchEnd` and `onEpochEnd` run in list order; `onTrainEnd` runs in
 * reverse order, like nested `finally` blocks, so that a callback listed after another can undo
 * or finish its work first (early stopping restores the best weights before a pruning callback
 * listed earlier re-applies its masks to them).
 */
import * as tf from '@tensorflow/tfjs';
import type { SequenceDataset } from '../data/types';
import type { BatchLogs, EpochLogs, History } from './types';

/** What every callback sees of the training run it takes part in. */
export interface TrainingRun {
  readonly model: tf.LayersModel;
  readonly dataset: SequenceDataset;
  /** Epochs the run may take at most. */
  readonly numEpochs: number;
  /** The variables the optimizer updates. */
  readonly variables: readonly tf.Variable[];
  /**
   * Everything that makes up the trained state: the model's weights and the extra trainable
   * variables. A callback that keeps state of its own in variables (QAT's float shadows) adds them
   * in `onTrainBegin`, so that snapshots (early stopping) save and restore them too.
   */
  readonly stateVariables: tf.Variable[];
  /** The history so far (epochs completed). */
  readonly history: History;
  /** Optimizer steps taken so far. */
  readonly step: number;
  /** Set to true (in `onEpochEnd`) to end training after the current epoch. */
  stopTraining: boolean;
}

/**
 * A training callback: any subset of the four hooks. A returned promise is awaited before
 * training goes on.
 */
export interface TrainingCallback {
  /** Before the first step. */
  onTrainBegin?(run: TrainingRun): void | Promise<void>;
  /** After every optimizer step (pruning re-applies masks here; QAT moves the update to its shadows). */
  onBatchEnd?(logs: BatchLogs, run: TrainingRun): void | Promise<void>;
  /** After every epoch, after validation. */
  onEpochEnd?(logs: EpochLogs, run: TrainingRun): void | Promise<void>;
  /** After the last epoch, also when training stopped early. Runs in reverse list order. */
  onTrainEnd?(run: TrainingRun): void | Promise<void>;
}

const HOOKS = ['onTrainBegin', 'onBatchEnd', 'onEpochEnd', 'onTrainEnd'] as const;

/**
 * Checks a list of callbacks: an array of objects, each with at least one hook, every hook a
 * function.
 *
 * @example checkCallbacks([earlyStopping({ patience: 2 })])
 * @param callbacks The value given as `callbacks`.
 * @throws TypeError naming the position and the offending value.
 */
export function checkCallbacks(callbacks: unknown): asserts callbacks is TrainingCallback[] {
  if (!Array.isArray(callbacks)) throw new TypeError(`callbacks must be an array of callback objects, got ${typeof callbacks}`);
  callbacks.forEach((cb, i) => {
    if (cb === null || typeof cb !== 'object') {
      throw new TypeError(`callbacks[${i}] must be an object with onTrainBegin/onBatchEnd/onEpochEnd/onTrainEnd methods, got ${cb === null ? 'null' : typeof cb}`);
    }
    const record = cb as Record<string, unknown>;
    const present = HOOKS.filter((h) => record[h] !== undefined);
    if (present.length === 0) throw new TypeError(`callbacks[${i}] must have at least one of ${HOOKS.join(', ')}, got none`);
    for (const h of present) {
      if (typeof record[h] !== 'function') throw new TypeError(`callbacks[${i}].${h} must be a function, got ${typeof record[h]}`);
    }
  });
}

/** Which epoch value early stopping watches. */
export type MonitorName = 'valLoss' | 'valMetric';

/** Options of {@link earlyStopping}. */
export interface EarlyStoppingOptions {
  /**
   * Stop after this many epochs without an improvement of the monitored value.
   * @default 3
   */
  patience?: number;
  /**
   * The value to watch: the task loss on the validation split, or the task's metric there.
   * @default 'valLoss'
   */
  monitor?: MonitorName;
  /**
   * Whether larger is better. By default the loss, bits per character and MAE are minimised and
   * accuracy is maximised.
   * @default 'auto'
   */
  mode?: 'auto' | 'min' | 'max';
  /**
   * An epoch counts as an improvement only if it beats the best by more than this.
   * @default 0
   */
  minDelta?: number;
  /**
   * Put back the weights (and every registered state variable) of the best epoch at the end.
   * @default true
   */
  restoreBestWeights?: boolean;
  /**
   * Epochs before this one (0-based) are neither candidates for the best nor counted against the
   * patience: for example, while a gradual pruning schedule is still raising the sparsity, an
   * earlier, denser epoch must not be restored.
   * @default 0
   */
  startFromEpoch?: number;
}

/** What {@link earlyStopping} returns: a callback that also reports what it decided. */
export interface EarlyStopping extends TrainingCallback {
  /** The best epoch so far (undefined before the first candidate epoch). */
  readonly bestEpoch: number | undefined;
  /** The monitored value at the best epoch. */
  readonly bestValue: number;
  /** The epoch after which training was stopped, or undefined when it ran to the end. */
  readonly stoppedEpoch: number | undefined;
  /** Whether the best weights were put back at the end. */
  readonly restored: boolean;
}

function nonNegativeInteger(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`${name} must be an integer >= 0, got ${String(value)}`);
  }
}

/**
 * Checks early-stopping options and fills in their defaults (what identifies the behaviour, for
 * cache keys).
 *
 * @example resolveEarlyStopping({ patience: 5 }).monitor // 'valLoss'
 * @param options See {@link EarlyStoppingOptions}.
 * @returns Every option with its value.
 * @throws TypeError / RangeError for a value of the wrong kind or out of range.
 */
export function resolveEarlyStopping(options: EarlyStoppingOptions = {}): Required<EarlyStoppingOptions> {
  if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object, got ${String(options)}`);
  const { patience = 3, monitor = 'valLoss', mode = 'auto', minDelta = 0, restoreBestWeights = true, startFromEpoch = 0 } = options;
  if (typeof patience !== 'number' || !Number.isInteger(patience) || patience < 1) throw new RangeError(`patience must be an integer >= 1, got ${String(patience)}`);
  if (monitor !== 'valLoss' && monitor !== 'valMetric') throw new RangeError(`monitor must be 'valLoss' or 'valMetric', got ${JSON.stringify(monitor)}`);
  if (mode !== 'auto' && mode !== 'min' && mode !== 'max') throw new RangeError(`mode must be 'auto', 'min' or 'max', got ${JSON.stringify(mode)}`);
  if (typeof minDelta !== 'number' || !(minDelta >= 0) || !Number.isFinite(minDelta)) throw new RangeError(`minDelta must be a finite number >= 0, got ${String(minDelta)}`);
  if (typeof restoreBestWeights !== 'boolean') throw new TypeError(`restoreBestWeights must be a boolean, got ${typeof restoreBestWeights}`);
  nonNegativeInteger('startFromEpoch', startFromEpoch);
  return { patience, monitor, mode, minDelta, restoreBestWeights, startFromEpoch };
}

/**
 * Early stopping on the validation split (Keras `EarlyStopping`): training ends once the monitored
 * value has not improved for `patience` epochs, and the best epoch's weights are put back.
 * Validation must run, so the dataset needs a non-empty validation split.
 *
 * @example
 * const stop = earlyStopping({ patience: 3, startFromEpoch: 2 });
 * await train(model, data, { numEpochs: 30, callbacks: [stop] });
 * console.log(stop.bestEpoch, stop.stoppedEpoch);
 * @param options See {@link EarlyStoppingOptions}.
 * @returns The callback. Use a new one for every `train` call.
 * @throws RangeError for a patience below 1, a negative minDelta or startFromEpoch, or an unknown
 *   monitor or mode.
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStopping {
  const { patience, monitor, mode, minDelta, restoreBestWeights, startFromEpoch } = resolveEarlyStopping(options);
  let sign = 1; // +1: smaller is better
  let best = Infinity;
  let bestEpoch: number | undefined;
  let sinceBest = 0;
  let stoppedEpoch: number | undefined;
  let restored = false;
  // Owned by this callback from the best epoch until onTrainEnd.
  let snapshot: tf.Tensor[] = [];
  let started = false;

  const callback: EarlyStopping = {
    get bestEpoch() {
      return bestEpoch;
    },
    get bestValue() {
      return sign * best;
    },
    get stoppedEpoch() {
      return stoppedEpoch;
    },
    get restored() {
      return restored;
    },
    onTrainBegin(run: TrainingRun): void {
      if (started) throw new Error('this earlyStopping callback was already used; make a new one for every train call');
      started = true;
      if (run.dataset.validation.size === 0) throw new RangeError('earlyStopping needs a non-empty validation split, got dataset.validation.size 0');
      const higherIsBetter = mode === 'max' || (mode === 'auto' && monitor === 'valMetric' && run.dataset.task === 'classification');
      sign = higherIsBetter ? -1 : 1;
    },
    onEpochEnd(logs: EpochLogs, run: TrainingRun): void {
      if (logs.epoch < startFromEpoch) return;
      const value = sign * logs[monitor];
      if (value < best - minDelta) {
        best = value;
        bestEpoch = logs.epoch;
        sinceBest = 0;
        if (restoreBestWeights) {
          tf.dispose(snapshot);
          snapshot = run.stateVariables.map((v) => tf.clone(v));
        }
      } else {
        sinceBest++;
      }
      if (sinceBest >= patience) {
        run.stopTraining = true;
        stoppedEpoch = logs.epoch;
      }
    },
    onTrainEnd(run: TrainingRun): void {
      const last = run.history.epochs.length - 1;
      if (restoreBestWeights && bestEpoch !== undefined && bestEpoch !== last && snapshot.length === run.stateVariables.length) {
        run.stateVariables.forEach((v, i) => v.assign(snapshot[i]));
        restored = true;
      }
      tf.dispose(snapshot);
      snapshot = [];
    },
  };
  return callback;
}
