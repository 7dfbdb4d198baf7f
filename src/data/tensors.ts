/**
 * Conversion of a split's plain arrays into the tensors a model takes.
 */
import * as tf from '@tensorflow/tfjs';
import { checkBoolean } from './checks';
import { resolveSplit, rowLengths, SplitName } from './split';
import { SequenceDataset, Split } from './types';

/** Options of {@link toTensors}. */
export interface ToTensorsOptions {
  /**
   * Classification and language model: return one-hot float32 targets (`[n, numClasses]`,
   * `[n, T, vocabSize]`) instead of int32 ids. Ignored for forecasting.
   * @default false
   */
  oneHot?: boolean;
}

/** Inputs and targets of a split as tensors; the caller owns and disposes both. */
export interface SplitTensors {
  xs: tf.Tensor;
  ys: tf.Tensor;
}

/**
 * Makes the input and target tensors of a split, shaped for the dataset's task:
 * - classification: xs `[n, T, F]` float32, ys `[n]` int32 class indices;
 * - language model: xs `[n, T]` float32 character ids (for an embedding layer), ys `[n, T]` int32 ids;
 * - forecasting: xs `[n, T, F]` float32, ys `[n, horizon]` float32 normalised targets.
 *
 * @example
 * const { xs, ys } = toTensors('train', mnist);   // xs [55000, 28, 28], ys [55000]
 * // ... model.fit(xs, ys) ...
 * tf.dispose([xs, ys]);
 * @param split A split of `dataset`, its name, or a slice from `sliceSplit`/`gatherSplit`.
 * @param dataset The dataset, which fixes the shapes.
 * @param options See {@link ToTensorsOptions}.
 * @returns Two new tensors the caller must dispose.
 * @throws RangeError when a split name is unknown or the array lengths do not match the shapes.
 */
export function toTensors(split: SplitName | Split, dataset: SequenceDataset, options: ToTensorsOptions = {}): SplitTensors {
  const { oneHot = false } = options;
  checkBoolean('oneHot', oneHot);
  const s = resolveSplit(split, dataset);
  const { timeSteps: t, features: f } = dataset;
  const yPerRow = rowLengths(dataset).y;
  if (s.x.length !== s.size * t * f) throw new RangeError(`split.x must hold size * timeSteps * features = ${s.size * t * f} values, got ${s.x.length}`);
  if (s.y.length !== s.size * yPerRow) throw new RangeError(`split.y must hold ${s.size * yPerRow} values for ${s.size} sequences, got ${s.y.length}`);
  return tf.tidy(() => {
    if (dataset.task === 'forecasting') {
      return { xs: tf.tensor3d(s.x, [s.size, t, f]), ys: tf.tensor2d(s.y, [s.size, dataset.horizon]) };
    }
    const xs = dataset.task === 'classification' ? tf.tensor3d(s.x, [s.size, t, f]) : tf.tensor2d(s.x, [s.size, t]);
    const ids = Int32Array.from(s.y);
    const depth = dataset.task === 'classification' ? dataset.numClasses : dataset.vocabSize;
    const idShape = dataset.task === 'classification' ? [s.size] : [s.size, t];
    const ys = oneHot ? tf.oneHot(tf.tensor1d(ids, 'int32'), depth).toFloat().reshape([...idShape, depth]) : tf.tensor(ids, idShape, 'int32');
    return { xs, ys };
  });
}
