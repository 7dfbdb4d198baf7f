/**
 * Shapes shared by every data loader. Arrays are plain typed arrays in row-major order so that
 * datasets can be cached, sliced and checked without holding tensors; models turn them into
 * tensors batch by batch (see `toTensors`).
 */

/** The three tasks the course covers. */
export type TaskKind = 'classification' | 'language-model' | 'forecasting';

/** One split (train, validation or test) of a sequence dataset. */
export interface Split {
  /** Inputs, `size * timeSteps * features` values (for the language model, `size * timeSteps` character ids). */
  x: Float32Array;
  /**
   * Targets.
   * - classification: `size` class indices;
   * - language-model: `size * timeSteps` next-character ids;
   * - forecasting: `size * horizon` normalised target values.
   */
  y: Float32Array;
  /** Number of sequences. */
  size: number;
}

/** Fields every dataset has. */
export interface DatasetBase {
  task: TaskKind;
  /** Short name, e.g. `mnist-rows`, used in cache keys, tables and plots. */
  name: string;
  /** Sequence length. */
  timeSteps: number;
  /** Features per step (for the language model: 1, the character id). */
  features: number;
  train: Split;
  validation: Split;
  test: Split;
  /** Seed that produced the split. */
  seed: number;
  /** Where the data came from: package, version, file(s). */
  source: string;
}

/** Row-wise MNIST and similar: one label per sequence. */
export interface ClassificationDataset extends DatasetBase {
  task: 'classification';
  numClasses: number;
  classNames: string[];
}

/** Character-level language modelling: predict the next character at every step. */
export interface LanguageModelDataset extends DatasetBase {
  task: 'language-model';
  /** `vocab[id]` is the character with that id. */
  vocab: string[];
  vocabSize: number;
  /** Cross-entropy in nats of a unigram model fitted on the training characters, scored on the test targets: the baseline a model must beat. */
  unigramCrossEntropy: number;
}

/** Multistep-ahead forecasting of a real series. */
export interface ForecastingDataset extends DatasetBase {
  task: 'forecasting';
  /** Number of future steps predicted. */
  horizon: number;
  /** Names of the input features in order. */
  featureNames: string[];
  /** Name of the predicted column. */
  targetName: string;
  /** Unit of the target in original units, e.g. `°C`. */
  targetUnit: string;
  /** Normalisation fitted on the training split only: x_norm = (x - mean) / std, per feature. */
  featureMean: number[];
  featureStd: number[];
  /** The target's normalisation, to report errors in original units. */
  targetMean: number;
  targetStd: number;
}

export type SequenceDataset = ClassificationDataset | LanguageModelDataset | ForecastingDataset;
