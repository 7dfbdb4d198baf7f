/**
 * The masks of a pruned model. TF.js has no forward pre-hooks (the way prune.py keeps
 * `weight = weight_orig * weight_mask`), so the weights themselves are multiplied by their masks,
 * and `applyMasks` must run again after every optimizer step to keep pruned weights at exactly 0.
 *
 * Ownership: each mask lives twice in the state, as a `Uint8Array` (for composing and reporting
 * without reading back from the back end) and as a bool tensor of the weight's shape (for
 * applying it). The state owns those tensors; `dispose()` or `removePruning` frees them. A model
 * has at most one state, found again by every pruning call, so successive calls compose.
 */
import * as tf from '@tensorflow/tfjs';
import type { WeightRef, WeightRole } from '../core/index';

interface MaskEntry {
  ref: WeightRef;
  values: Uint8Array;
  /** Owned by the PruningState; disposed when the mask is replaced or the state removed. */
  tensor: tf.Tensor;
}

/** Sparsity of one weight tensor. */
export interface WeightSparsity {
  layerName: string;
  role: WeightRole;
  /** Weight name without the uniquifying suffix, e.g. `rnn_0/kernel`. */
  name: string;
  shape: number[];
  /** Number of entries. */
  size: number;
  /** Number of entries set to 0 (by the mask in a state report, by value in a measurement). */
  pruned: number;
  /** pruned / size. */
  sparsity: number;
}

/** Sparsity per weight and over all of them. */
export interface SparsityReport {
  weights: WeightSparsity[];
  total: { size: number; pruned: number; sparsity: number };
}

/**
 * Builds a report from per-weight counts.
 *
 * @example summarise([{ ref, size: 8, pruned: 2 }]).total.sparsity // 0.25
 * @param rows Each weight with its size and number of zeros.
 * @returns The report.
 */
export function summarise(rows: { ref: WeightRef; size: number; pruned: number }[]): SparsityReport {
  const weights = rows.map(({ ref, size, pruned }) => ({
    layerName: ref.layerName,
    role: ref.role,
    name: ref.variable.originalName ?? ref.variable.name,
    shape: [...ref.shape],
    size,
    pruned,
    sparsity: size === 0 ? 0 : pruned / size,
  }));
  const size = weights.reduce((s, w) => s + w.size, 0);
  const pruned = weights.reduce((s, w) => s + w.pruned, 0);
  return { weights, total: { size, pruned, sparsity: size === 0 ? 0 : pruned / size } };
}

const states = new WeakMap<tf.LayersModel, PruningState>();

/** Masks of one model; create with {@link createPruningState}. */
export class PruningState {
  private readonly masks = new Map<string, MaskEntry>();
  private readonly units = new Map<string, Set<number>>();
  private removed = false;

  /** @param model The model whose weights the masks apply to. */
  constructor(readonly model: tf.LayersModel) {}

  private assertLive(): void {
    if (this.removed) throw new Error('this pruning state was removed; prune the model again to get a new one');
  }

  /** Number of weight tensors that carry a mask. */
  get maskCount(): number {
    return this.masks.size;
  }

  /** Whether `dispose` or `removePruning` has run. */
  get isRemoved(): boolean {
    return this.removed;
  }

  /**
   * A copy of the mask of one weight.
   *
   * @example state.maskOf(ref) // Uint8Array of 0/1, or undefined when that weight is unpruned
   * @param ref The weight.
   * @returns The mask, or undefined when the weight has none.
   */
  maskOf(ref: WeightRef): Uint8Array | undefined {
    this.assertLive();
    const entry = this.masks.get(ref.variable.name);
    return entry ? entry.values.slice() : undefined;
  }

  /**
   * Composes a new mask with the weight's current one (a weight stays pruned once pruned, as in
   * prune.py's PruningContainer). Does not touch the weights: call {@link applyMasks}.
   *
   * @example state.addMask(ref, Uint8Array.of(1, 0, 1, 1))
   * @param ref The weight.
   * @param mask 1 to keep, 0 to prune, one entry per weight value in row-major order.
   * @throws RangeError when the mask length differs from the weight size.
   */
  addMask(ref: WeightRef, mask: ArrayLike<number>): void {
    this.assertLive();
    const size = ref.shape.reduce((a, b) => a * b, 1);
    if (mask.length !== size) {
      throw new RangeError(`mask of '${ref.variable.name}' must have ${size} entries, got ${mask.length}`);
    }
    const old = this.masks.get(ref.variable.name);
    const values = new Uint8Array(size);
    for (let i = 0; i < size; i++) values[i] = mask[i] !== 0 && (!old || old.values[i] !== 0) ? 1 : 0;
    const tensor = tf.keep(tf.tensor(values, ref.shape, 'bool'));
    old?.tensor.dispose();
    this.masks.set(ref.variable.name, { ref, values, tensor });
  }

  /**
   * Records that whole units of a recurrent layer were masked (by `lnStructured`), so that later
   * structured calls count only the remaining units and `removeUnits` can drop them.
   *
   * @example state.recordPrunedUnits('rnn_0', [2, 5])
   * @param layerName The recurrent layer.
   * @param indices Unit indices.
   */
  recordPrunedUnits(layerName: string, indices: Iterable<number>): void {
    this.assertLive();
    const set = this.units.get(layerName) ?? new Set<number>();
    for (const i of indices) set.add(i);
    this.units.set(layerName, set);
  }

  /**
   * Units of a layer masked whole so far. Still readable after `removePruning`, so that the units
   * can then be deleted with `removeUnits`.
   *
   * @example removeUnits(model, { layer: 'rnn_0', units: state.prunedUnits('rnn_0') })
   * @param layerName The recurrent layer.
   * @returns The unit indices in increasing order.
   */
  prunedUnits(layerName: string): number[] {
    return [...(this.units.get(layerName) ?? [])].sort((a, b) => a - b);
  }

  /**
   * Multiplies every masked weight by its mask. Call after each optimizer step (a state passed to `train` as a callback does so).
   *
   * @example await model.fit(x, y, { callbacks: { onBatchEnd: () => state.applyMasks() } })
   * @throws Error when the state was removed.
   */
  applyMasks(): void {
    this.assertLive();
    tf.tidy(() => {
      // select rather than multiply: w * 0 is -0 for negative w, and pruned weights should be +0.
      for (const { ref, tensor } of this.masks.values()) {
        const w = ref.variable.read();
        ref.variable.write(tf.where(tensor, w, tf.zerosLike(w)));
      }
    });
  }

  /**
   * The state is a training callback: after every optimizer step, and once more at the end of
   * training, it re-applies the masks, so fine-tuning a pruned model keeps pruned weights at 0.
   *
   * @example await train(model, data, { callbacks: [state] })
   */
  onBatchEnd(): void {
    this.applyMasks();
  }

  /**
   * Re-applies the masks when training ends (after early stopping has restored earlier weights).
   *
   * @example await train(model, data, { callbacks: [state, earlyStopping()] })
   */
  onTrainEnd(): void {
    if (!this.removed) this.applyMasks();
  }

  /**
   * Sparsity of each masked weight according to its mask, and in total.
   *
   * @example state.sparsityReport().total.sparsity // 0.8
   * @returns The report; weights without a mask are not listed.
   */
  sparsityReport(): SparsityReport {
    this.assertLive();
    return summarise(
      [...this.masks.values()].map(({ ref, values }) => ({
        ref,
        size: values.length,
        pruned: values.reduce((n, v) => n + (v === 0 ? 1 : 0), 0),
      })),
    );
  }

  /**
   * Frees the masks and detaches the state from its model, leaving the weights as they are.
   *
   * @example state.dispose()
   */
  dispose(): void {
    if (this.removed) return;
    for (const { tensor } of this.masks.values()) tensor.dispose();
    this.masks.clear();
    this.removed = true;
    if (states.get(this.model) === this) states.delete(this.model);
  }
}

/**
 * The pruning state of a model, created on first use; every pruning function goes through it, so
 * pruning a model twice composes the masks.
 *
 * @example const state = createPruningState(model); state.maskCount // 0 on a fresh model
 * @param model A layers model.
 * @returns The model's state.
 * @throws TypeError when `model` is not a tfjs LayersModel.
 */
export function createPruningState(model: tf.LayersModel): PruningState {
  if (!(model instanceof tf.LayersModel)) throw new TypeError(`model must be a tf.LayersModel, got ${String(model)}`);
  let state = states.get(model);
  if (!state) {
    state = new PruningState(model);
    states.set(model, state);
  }
  return state;
}

/**
 * The pruning state of a model if it has one, without creating it.
 *
 * @example pruningStateOf(model)?.sparsityReport()
 * @param model A layers model.
 * @returns The live state, or undefined.
 */
export function pruningStateOf(model: tf.LayersModel): PruningState | undefined {
  return states.get(model);
}

/**
 * Whether a model has pruning masks attached (prune.py's `is_pruned`).
 *
 * @example isPruned(model) // false before pruning, true after l1Unstructured
 * @param model A layers model.
 * @returns True when the model has a live state with at least one mask.
 */
export function isPruned(model: tf.LayersModel): boolean {
  const state = states.get(model);
  return state !== undefined && !state.isRemoved && state.maskCount > 0;
}

/**
 * Makes pruning permanent (prune.py's `remove`): applies the masks one last time, so the zeros are
 * in the weights, then frees the masks. The model is a plain tfjs model again, its weights free to
 * change in later training.
 *
 * @example const plain = removePruning(model); isPruned(plain) // false
 * @param target The pruned model or its state.
 * @returns The model.
 * @throws RangeError when the model is not pruned.
 */
export function removePruning(target: tf.LayersModel | PruningState): tf.LayersModel {
  const state = target instanceof PruningState ? target : states.get(target);
  if (!state || state.isRemoved || state.maskCount === 0) {
    throw new RangeError('model must be pruned before pruning can be removed, got a model without masks');
  }
  state.applyMasks();
  state.dispose();
  return state.model;
}
