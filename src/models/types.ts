/**
 * Names and option types shared by the model builders.
 */

import type { CellType } from '../core/weights';

/** Recurrent cell kinds, named as the tfjs/Keras layer classes (defined with the weight roles). */
export type { CellType };

/** The accepted cell kinds, in the order the course introduces them. */
export const CELL_TYPES: readonly CellType[] = ['SimpleRNN', 'LSTM', 'GRU'];

/** Default seed of every builder. */
export const DEFAULT_SEED = 42;

/** Default embedding width of the language model. */
export const DEFAULT_EMBEDDING_DIM = 32;

/**
 * Stable layer names. Compression code finds layers by these names, so they never change:
 * recurrent layers are `rnn_0`, `rnn_1`, ... from input to output.
 */
export const LAYER_NAMES = {
  input: 'input',
  embedding: 'embedding',
  oneHot: 'one_hot',
  output: 'dense_out',
  recurrent: (index: number): string => `rnn_${index}`,
} as const;

/** What every builder needs to know about the recurrent part. */
export interface RecurrentSpec {
  /** Cell kind. */
  cell: CellType;
  /** Width of the recurrent layer, or one width per stacked layer (input side first). */
  units: number | number[];
  /**
   * Seed of the weight initialisers; each weight gets its own seed derived from this one and its
   * name, so adding a layer does not change the others' initial weights.
   * @default 42
   */
  seed?: number;
}

/** Options of `buildClassifier`. */
export interface ClassifierOptions extends RecurrentSpec {
  /** Sequence length. */
  timeSteps: number;
  /** Features per step. */
  features: number;
  /** Number of classes (width of the logits). */
  numClasses: number;
}

/** Options of `buildLanguageModel`. */
export interface LanguageModelOptions extends RecurrentSpec {
  /** Number of distinct characters. */
  vocabSize: number;
  /** Sequence length. */
  timeSteps: number;
  /**
   * Width of the learned character embedding; 0 feeds one-hot vectors instead (a frozen identity
   * embedding named `one_hot`).
   * @default 32
   */
  embeddingDim?: number;
}

/** Options of `buildForecaster`. */
export interface ForecasterOptions extends RecurrentSpec {
  /** Sequence length. */
  timeSteps: number;
  /** Features per step. */
  features: number;
  /** Number of future values predicted. */
  horizon: number;
}

/**
 * A model architecture independent of the dataset: `buildModelFor` fills in the sizes
 * (time steps, features, classes, vocabulary, horizon) from the dataset.
 */
export interface ModelSpec extends RecurrentSpec {
  /**
   * Embedding width, language models only (0 means one-hot).
   * @default 32
   */
  embeddingDim?: number;
}
