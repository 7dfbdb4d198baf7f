/**
 * Building a model from a dataset and an architecture spec, and naming that pair stably.
 */
import * as tf from '@tensorflow/tfjs';
import type { SequenceDataset } from '../data/types';
import { checkNonNegativeInteger, checkOneOf, checkSeed, unitsList } from './checks';
import { buildClassifier, buildForecaster, buildLanguageModel } from './builders';
import type { CellType, ModelSpec } from './types';
import { CELL_TYPES, DEFAULT_EMBEDDING_DIM, DEFAULT_SEED } from './types';

/** A {@link ModelSpec} with every default filled in and `units` as a list. */
export interface ResolvedModelSpec {
  cell: CellType;
  units: number[];
  seed: number;
  /** Present for language models only. */
  embeddingDim?: number;
}

/**
 * Checks a spec and fills in its defaults for a dataset's task.
 *
 * @example resolveSpec({ cell: 'LSTM', units: 64 }, mnist) // { cell: 'LSTM', units: [64], seed: 42 }
 * @param spec The architecture.
 * @param dataset The dataset the model is for (its task decides whether `embeddingDim` applies).
 * @returns The completed spec.
 * @throws TypeError / RangeError as the builders do.
 */
export function resolveSpec(spec: ModelSpec, dataset: SequenceDataset): ResolvedModelSpec {
  if (spec === null || typeof spec !== 'object') throw new TypeError(`spec must be an object, got ${spec}`);
  checkOneOf('cell', spec.cell, CELL_TYPES);
  const units = unitsList(spec.units);
  const seed = spec.seed ?? DEFAULT_SEED;
  checkSeed('seed', seed);
  if (dataset.task !== 'language-model') return { cell: spec.cell, units, seed };
  const embeddingDim = spec.embeddingDim ?? DEFAULT_EMBEDDING_DIM;
  checkNonNegativeInteger('embeddingDim', embeddingDim);
  return { cell: spec.cell, units, seed, embeddingDim };
}

/**
 * Builds the model a dataset's task calls for, with its sizes taken from the dataset.
 *
 * @example const model = buildModelFor(dataset, { cell: 'GRU', units: [64, 64], seed: 1 });
 * @param dataset Any {@link SequenceDataset}.
 * @param spec The architecture.
 * @returns A classifier, language model or forecaster.
 * @throws TypeError / RangeError for a bad spec; RangeError for an unknown task.
 */
export function buildModelFor(dataset: SequenceDataset, spec: ModelSpec): tf.LayersModel {
  const r = resolveSpec(spec, dataset);
  switch (dataset.task) {
    case 'classification':
      return buildClassifier({ ...r, timeSteps: dataset.timeSteps, features: dataset.features, numClasses: dataset.numClasses });
    case 'language-model':
      return buildLanguageModel({ ...r, timeSteps: dataset.timeSteps, vocabSize: dataset.vocabSize });
    case 'forecasting':
      return buildForecaster({ ...r, timeSteps: dataset.timeSteps, features: dataset.features, horizon: dataset.horizon });
    default:
      throw new RangeError(`dataset.task must be one of classification, language-model, forecasting, got '${(dataset as { task: unknown }).task}'`);
  }
}

function safe(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9.-]+/g, '-');
}

/**
 * A short, stable, file-name-safe name for a dataset and architecture, used in cache folders,
 * tables and plots. Defaults are filled in first, so `{ units: 64 }` and `{ units: [64], seed: 42 }`
 * give the same key.
 *
 * @example specKey({ cell: 'LSTM', units: [128, 128] }, mnist) // 'mnist-rows_lstm_u128x128_s42'
 * @param spec The architecture.
 * @param dataset The dataset.
 * @returns The key.
 * @throws TypeError / RangeError for a bad spec.
 */
export function specKey(spec: ModelSpec, dataset: SequenceDataset): string {
  const r = resolveSpec(spec, dataset);
  const parts = [safe(dataset.name), r.cell.toLowerCase(), `u${r.units.join('x')}`];
  if (r.embeddingDim !== undefined) parts.push(r.embeddingDim === 0 ? 'onehot' : `e${r.embeddingDim}`);
  parts.push(`s${r.seed}`);
  return parts.join('_');
}
