/**
 * Helpers that cut a split into batches or subsets without creating tensors.
 */
import { checkNonNegativeInteger } from './checks';
import { SequenceDataset, Split } from './types';

/** Names of the three splits of every dataset. */
export type SplitName = 'train' | 'validation' | 'test';

/** The split names in order. */
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test'];

/**
 * Values per sequence in `x` and in `y` for a dataset's task.
 *
 * @example rowLengths(mnist) // { x: 784, y: 1 }
 * @param dataset The dataset.
 * @returns Lengths of one input row and one target row.
 */
export function rowLengths(dataset: SequenceDataset): { x: number; y: number } {
  const x = dataset.timeSteps * dataset.features;
  if (dataset.task === 'classification') return { x, y: 1 };
  if (dataset.task === 'language-model') return { x, y: dataset.timeSteps };
  return { x, y: dataset.horizon };
}

/**
 * Resolves a split given by name or by value.
 *
 * @example resolveSplit('test', mnist) === mnist.test
 * @param split A split name or a split.
 * @param dataset The dataset it belongs to.
 * @returns The split.
 * @throws RangeError when a name is not train, validation or test.
 */
export function resolveSplit(split: SplitName | Split, dataset: SequenceDataset): Split {
  if (typeof split !== 'string') return split;
  if (!(SPLIT_NAMES as readonly string[]).includes(split)) throw new RangeError(`split must be one of ${SPLIT_NAMES.join(', ')}, got ${JSON.stringify(split)}`);
  return dataset[split];
}

/**
 * Sequences `start` to `end - 1` of a split, as views on its arrays (no copy).
 *
 * @example const batch = sliceSplit('train', mnist, 0, 64); batch.size // 64
 * @param split A split of `dataset` or its name.
 * @param dataset The dataset, which fixes the row lengths.
 * @param start First sequence, included.
 * @param end Last sequence, excluded.
 * @returns A split of `end - start` sequences sharing memory with the original.
 * @throws RangeError unless 0 <= start <= end <= split.size are integers.
 */
export function sliceSplit(split: SplitName | Split, dataset: SequenceDataset, start: number, end: number): Split {
  const s = resolveSplit(split, dataset);
  checkNonNegativeInteger('start', start);
  checkNonNegativeInteger('end', end);
  if (start > end || end > s.size) throw new RangeError(`start and end must satisfy 0 <= start <= end <= ${s.size}, got start ${start}, end ${end}`);
  const len = rowLengths(dataset);
  return { x: s.x.subarray(start * len.x, end * len.x), y: s.y.subarray(start * len.y, end * len.y), size: end - start };
}

/**
 * Copies the chosen sequences of a split, in the given order, e.g. a shuffled mini-batch.
 *
 * @example const batch = gatherSplit('train', mnist, [5, 0, 17]); batch.size // 3
 * @param split A split of `dataset` or its name.
 * @param dataset The dataset, which fixes the row lengths.
 * @param indices Sequence indices; repeats are allowed.
 * @returns A new split with `indices.length` sequences.
 * @throws RangeError when an index is not an integer in [0, split.size).
 */
export function gatherSplit(split: SplitName | Split, dataset: SequenceDataset, indices: ArrayLike<number>): Split {
  const s = resolveSplit(split, dataset);
  const len = rowLengths(dataset);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i];
    if (!Number.isInteger(index) || index < 0 || index >= s.size) throw new RangeError(`indices must be integers in [0, ${s.size}), got ${index} at position ${i}`);
  }
  const x = new Float32Array(indices.length * len.x);
  const y = new Float32Array(indices.length * len.y);
  for (let i = 0; i < indices.length; i++) {
    x.set(s.x.subarray(indices[i] * len.x, (indices[i] + 1) * len.x), i * len.x);
    y.set(s.y.subarray(indices[i] * len.y, (indices[i] + 1) * len.y), i * len.y);
  }
  return { x, y, size: indices.length };
}
