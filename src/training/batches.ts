/**
 * Turning a dataset's typed arrays into tensors one batch at a time, and checking that a dataset
 * and a model fit each other before any work is done.
 */
import * as tf from '@tensorflow/tfjs';
import type { SequenceDataset, Split } from '../data/types';

import { SPLIT_NAMES } from '../data/split';
import type { SplitName } from '../data/split';

/**
 * Target values per sequence: 1 class index, `timeSteps` next-character ids, or `horizon` values.
 * @example targetsPerSequence(languageModelDataset) // its timeSteps
 * @param dataset The dataset.
 * @returns The count.
 */
export function targetsPerSequence(dataset: SequenceDataset): number {
  switch (dataset.task) {
    case 'classification':
      return 1;
    case 'language-model':
      return dataset.timeSteps;
    case 'forecasting':
      return dataset.horizon;
  }
}

/** Input values per sequence (`timeSteps * features`; the language model has one id per step). */
function inputsPerSequence(dataset: SequenceDataset): number {
  return dataset.task === 'language-model' ? dataset.timeSteps : dataset.timeSteps * dataset.features;
}

/**
 * Checks that every split holds as many values as its size says, and that class indices and
 * character ids are integers in range.
 *
 * @example checkDatasetShapes(dataset); // throws before any tensor is made
 * @param dataset The dataset.
 * @throws TypeError when a split lacks Float32Array x or y; RangeError naming the split and the
 *   expected and actual lengths, or the first id out of range.
 */
export function checkDatasetShapes(dataset: SequenceDataset): void {
  const xLen = inputsPerSequence(dataset);
  const yLen = targetsPerSequence(dataset);
  for (const name of SPLIT_NAMES) {
    const split = dataset[name];
    if (!split || !(split.x instanceof Float32Array) || !(split.y instanceof Float32Array)) {
      throw new TypeError(`dataset.${name} must have Float32Array x and y`);
    }
    if (split.x.length !== split.size * xLen) {
      throw new RangeError(`dataset.${name}.x must hold size * ${xLen} = ${split.size * xLen} values, got ${split.x.length}`);
    }
    if (split.y.length !== split.size * yLen) {
      throw new RangeError(`dataset.${name}.y must hold size * ${yLen} = ${split.size * yLen} values, got ${split.y.length}`);
    }
    // Out-of-range ids would silently become all-zero one-hot rows (zero loss) in the losses.
    if (dataset.task === 'classification') checkIds(`dataset.${name}.y`, split.y, dataset.numClasses, 'a class index');
    if (dataset.task === 'language-model') {
      checkIds(`dataset.${name}.x`, split.x, dataset.vocabSize, 'a character id');
      checkIds(`dataset.${name}.y`, split.y, dataset.vocabSize, 'a character id');
    }
  }
}

function checkIds(name: string, values: Float32Array, count: number, what: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(Number.isInteger(v) && v >= 0 && v < count)) throw new RangeError(`${name}[${i}] must be ${what} in [0, ${count}), got ${v}`);
  }
}

function expectedShapes(dataset: SequenceDataset): { input: number[]; output: number[] } {
  switch (dataset.task) {
    case 'classification':
      return { input: [dataset.timeSteps, dataset.features], output: [dataset.numClasses] };
    case 'language-model':
      return { input: [dataset.timeSteps], output: [dataset.timeSteps, dataset.vocabSize] };
    case 'forecasting':
      return { input: [dataset.timeSteps, dataset.features], output: [dataset.horizon] };
  }
}

function fits(modelShape: (number | null)[], expected: number[]): boolean {
  const rest = modelShape.slice(1);
  return rest.length === expected.length && rest.every((d, i) => d === null || d === expected[i]);
}

function showShape(shape: (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : d)).join(', ')}]`;
}

/**
 * Checks that a model's input and output shapes are the ones the dataset's task needs.
 *
 * @example checkModelFitsDataset(buildModelFor(dataset, spec), dataset); // passes
 * @param model A single-input, single-output layers model.
 * @param dataset The dataset.
 * @throws RangeError stating both shapes.
 */
export function checkModelFitsDataset(model: tf.LayersModel, dataset: SequenceDataset): void {
  const { input, output } = expectedShapes(dataset);
  const inShape = model.inputs[0].shape;
  const outShape = model.outputs[0].shape;
  if (!fits(inShape, input)) {
    throw new RangeError(`model input shape must be ${showShape([null, ...input])} for dataset '${dataset.name}', got ${showShape(inShape)}`);
  }
  if (!fits(outShape, output)) {
    throw new RangeError(`model output shape must be ${showShape([null, ...output])} for dataset '${dataset.name}', got ${showShape(outShape)}`);
  }
}

/**
 * Gathers the given sequences of a split into an input and a target tensor:
 * classification `x [b, T, F]` float32, `y [b]` int32; language model `x [b, T]` int32,
 * `y [b, T]` int32; forecasting `x [b, T, F]`, `y [b, H]` float32.
 *
 * @example const { x, y } = makeBatch(dataset, dataset.train, [0, 5, 7]); // caller disposes both
 * @param dataset The dataset (for the task and sizes).
 * @param split One of its splits.
 * @param indices Positions of the sequences in the split.
 * @returns New tensors the caller owns.
 */
export function makeBatch(dataset: SequenceDataset, split: Split, indices: ArrayLike<number>): { x: tf.Tensor; y: tf.Tensor } {
  const b = indices.length;
  const xLen = inputsPerSequence(dataset);
  const yLen = targetsPerSequence(dataset);
  const ids = dataset.task !== 'forecasting';
  const xs = dataset.task === 'language-model' ? new Int32Array(b * xLen) : new Float32Array(b * xLen);
  const ys = ids ? new Int32Array(b * yLen) : new Float32Array(b * yLen);
  for (let i = 0; i < b; i++) {
    const k = indices[i];
    xs.set(split.x.subarray(k * xLen, (k + 1) * xLen), i * xLen);
    ys.set(split.y.subarray(k * yLen, (k + 1) * yLen), i * yLen);
  }
  const { input } = expectedShapes(dataset);
  const x = tf.tensor(xs, [b, ...input], dataset.task === 'language-model' ? 'int32' : 'float32');
  const yShape = dataset.task === 'classification' ? [b] : [b, yLen];
  const y = tf.tensor(ys, yShape, ids ? 'int32' : 'float32');
  return { x, y };
}
