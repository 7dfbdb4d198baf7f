/**
 * Smaller views of a dataset: the first sequences of each split. Loaders shuffle with the seed
 * before splitting, so the first n sequences are a seeded random sample.
 */
import { sliceSplit, SPLIT_NAMES } from './split';
import type { SequenceDataset } from './types';

/** How many sequences to keep from each split; a split not named is kept whole. */
export interface SubsetSizes {
  /** Training sequences to keep (the first ones). */
  train?: number;
  /** Validation sequences to keep; 0 turns off validation in `train`. */
  validation?: number;
  /** Test sequences to keep. */
  test?: number;
}

/**
 * A dataset whose splits hold only their first sequences, as views on the original arrays (no
 * copy). A split asked for more sequences than it has is kept whole, so one setting works in quick
 * mode and at full size; read `subset.test.size` for the number actually used.
 *
 * @example
 * const small = subsetDataset(mnist, { train: 2048, validation: 0, test: 1000 });
 * await train(model, small, { numEpochs: 1 }); // 2048 sequences, no validation pass
 * @param dataset The dataset; it is not changed.
 * @param sizes Sequences to keep per split, non-negative integers.
 * @returns A dataset with the same fields and smaller splits.
 * @throws TypeError when sizes is not an object or a size is not a number.
 * @throws RangeError when a size is not a non-negative integer or names an unknown split.
 */
export function subsetDataset<D extends SequenceDataset>(dataset: D, sizes: SubsetSizes): D {
  if (sizes === null || typeof sizes !== 'object') throw new TypeError(`sizes must be an object, got ${sizes === null ? 'null' : typeof sizes}`);
  for (const key of Object.keys(sizes)) {
    if (!(SPLIT_NAMES as readonly string[]).includes(key)) throw new RangeError(`sizes must name train, validation or test, got '${key}'`);
  }
  for (const name of SPLIT_NAMES) {
    const n = sizes[name];
    if (n !== undefined && typeof n !== 'number') throw new TypeError(`sizes.${name} must be a number, got ${typeof n}`);
    if (n !== undefined && (!Number.isInteger(n) || n < 0)) throw new RangeError(`sizes.${name} must be a non-negative integer, got ${n}`);
  }
  const out = { ...dataset };
  for (const name of SPLIT_NAMES) {
    const n = sizes[name];
    if (n !== undefined) out[name] = sliceSplit(name, dataset, 0, Math.min(n, dataset[name].size));
  }
  return out;
}
