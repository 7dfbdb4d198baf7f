/**
 * Sparsity read from the weights themselves, for models that carry no masks (after
 * `removePruning`, after loading from disk, or to check that masks really hold).
 */
import * as tf from '@tensorflow/tfjs';
import { selectWeights, type WeightSelection } from './selection';
import { summarise, type SparsityReport } from './state';

/**
 * Counts the weights that are exactly 0 (including -0).
 *
 * @example measureSparsity(model).total.sparsity // 0.5 after l1Unstructured(model, { amount: 0.5 })
 * @param model A layers model.
 * @param selection Weights to measure; same defaults as the pruning functions (kernels and
 *   recurrent kernels of recurrent, dense and embedding layers).
 * @returns Zeros per weight and in total.
 * @throws TypeError / RangeError for an unknown layer or role.
 */
export function measureSparsity(model: tf.LayersModel, selection: WeightSelection = {}): SparsityReport {
  return summarise(
    selectWeights(model, selection).map((ref) => {
      const values = ref.variable.read().dataSync();
      let pruned = 0;
      for (let i = 0; i < values.length; i++) if (values[i] === 0) pruned++;
      return { ref, size: values.length, pruned };
    }),
  );
}
