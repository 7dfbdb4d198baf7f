/**
 * The three model families of the course, all `input -> rnn_0 .. rnn_k -> dense_out`:
 * a sequence classifier, a character language model and a multistep forecaster.
 *
 * Every model outputs LOGITS (or raw forecasts): `dense_out` is linear. Losses are computed from
 * logits (softmax cross-entropy from logits is numerically stable), and distillation needs the
 * logits themselves to soften them with a temperature. Use `predictProba` for probabilities.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../utils/random';
import { checkNonNegativeInteger, checkOneOf, checkPositiveInteger, checkSeed, unitsList } from './checks';
import { outputLayer, stackRecurrent } from './recurrent';
import type { ClassifierOptions, ForecasterOptions, LanguageModelOptions, RecurrentSpec } from './types';
import { CELL_TYPES, DEFAULT_EMBEDDING_DIM, DEFAULT_SEED, LAYER_NAMES } from './types';

function checkRecurrentSpec(spec: RecurrentSpec): { units: number[]; seed: number } {
  if (spec === null || typeof spec !== 'object') throw new TypeError(`options must be an object, got ${spec}`);
  checkOneOf('cell', spec.cell, CELL_TYPES);
  const units = unitsList(spec.units);
  const seed = spec.seed ?? DEFAULT_SEED;
  checkSeed('seed', seed);
  return { units, seed };
}

/**
 * Builds a sequence classifier: `[batch, timeSteps, features]` -> recurrent stack (last state) ->
 * `dense_out` logits `[batch, numClasses]`.
 *
 * @example
 * const model = buildClassifier({ cell: 'LSTM', units: 128, timeSteps: 28, features: 28, numClasses: 10 });
 * @param options See {@link ClassifierOptions}.
 * @returns An uncompiled `tf.LayersModel` with layers `input`, `rnn_0`.., `dense_out`.
 * @throws TypeError for a non-numeric size or a non-string cell.
 * @throws RangeError for an unknown cell, a size that is not a positive integer, or a non-integer seed.
 */
export function buildClassifier(options: ClassifierOptions): tf.LayersModel {
  const { units, seed } = checkRecurrentSpec(options);
  const { cell, timeSteps, features, numClasses } = options;
  checkPositiveInteger('timeSteps', timeSteps);
  checkPositiveInteger('features', features);
  checkPositiveInteger('numClasses', numClasses);
  const input = tf.input({ shape: [timeSteps, features], name: LAYER_NAMES.input });
  const state = stackRecurrent(input, cell, units, false, seed);
  const logits = outputLayer(numClasses, seed).apply(state) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: `${cell.toLowerCase()}_classifier` });
}

/**
 * Builds a character language model: ids `[batch, timeSteps]` (int32) -> `embedding` (or a frozen
 * one-hot table `one_hot` when `embeddingDim` is 0) -> recurrent stack returning every step ->
 * `dense_out` logits `[batch, timeSteps, vocabSize]`.
 *
 * `dense_out` is a plain Dense layer applied to the 3-D sequence: it acts on the last axis, which
 * is exactly `TimeDistributed(Dense)`, in one matrix product instead of one per step.
 *
 * @example
 * const model = buildLanguageModel({ cell: 'GRU', units: 256, vocabSize: 64, timeSteps: 100 });
 * @param options See {@link LanguageModelOptions}.
 * @returns An uncompiled `tf.LayersModel`.
 * @throws TypeError for a non-numeric size or a non-string cell.
 * @throws RangeError for an unknown cell, a size that is not a positive integer, a negative
 *   embeddingDim, or a non-integer seed.
 */
export function buildLanguageModel(options: LanguageModelOptions): tf.LayersModel {
  const { units, seed } = checkRecurrentSpec(options);
  const { cell, vocabSize, timeSteps, embeddingDim = DEFAULT_EMBEDDING_DIM } = options;
  checkPositiveInteger('vocabSize', vocabSize);
  checkPositiveInteger('timeSteps', timeSteps);
  checkNonNegativeInteger('embeddingDim', embeddingDim);
  const input = tf.input({ shape: [timeSteps], dtype: 'int32', name: LAYER_NAMES.input });
  // One-hot input is an identity embedding that never trains: a stock layer, so the saved
  // model still loads with plain tf.loadLayersModel.
  const embedding = embeddingDim === 0
    ? tf.layers.embedding({
      inputDim: vocabSize,
      outputDim: vocabSize,
      name: LAYER_NAMES.oneHot,
      embeddingsInitializer: 'identity',
      trainable: false,
    })
    : tf.layers.embedding({
      inputDim: vocabSize,
      outputDim: embeddingDim,
      name: LAYER_NAMES.embedding,
      embeddingsInitializer: tf.initializers.randomUniform({
        minval: -0.05,
        maxval: 0.05,
        seed: deriveSeed(seed, `${LAYER_NAMES.embedding}/embeddings`),
      }),
    });
  const embedded = embedding.apply(input) as tf.SymbolicTensor;
  const states = stackRecurrent(embedded, cell, units, true, seed);
  const logits = outputLayer(vocabSize, seed).apply(states) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: `${cell.toLowerCase()}_language_model` });
}

/**
 * Builds a multistep forecaster: `[batch, timeSteps, features]` -> recurrent stack (last state) ->
 * linear `dense_out` `[batch, horizon]` (normalised target values).
 *
 * @example
 * const model = buildForecaster({ cell: 'GRU', units: 32, timeSteps: 30, features: 4, horizon: 7 });
 * @param options See {@link ForecasterOptions}.
 * @returns An uncompiled `tf.LayersModel`.
 * @throws TypeError for a non-numeric size or a non-string cell.
 * @throws RangeError for an unknown cell, a size that is not a positive integer, or a non-integer seed.
 */
export function buildForecaster(options: ForecasterOptions): tf.LayersModel {
  const { units, seed } = checkRecurrentSpec(options);
  const { cell, timeSteps, features, horizon } = options;
  checkPositiveInteger('timeSteps', timeSteps);
  checkPositiveInteger('features', features);
  checkPositiveInteger('horizon', horizon);
  const input = tf.input({ shape: [timeSteps, features], name: LAYER_NAMES.input });
  const state = stackRecurrent(input, cell, units, false, seed);
  const forecast = outputLayer(horizon, seed).apply(state) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: forecast, name: `${cell.toLowerCase()}_forecaster` });
}
