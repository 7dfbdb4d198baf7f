/**
 * Looking inside a model: which layers are recurrent, and how many weights each one holds.
 */
import * as tf from '@tensorflow/tfjs';

const RECURRENT_CLASSES = new Set(['SimpleRNN', 'LSTM', 'GRU', 'RNN']);

/** One weight tensor of a layer. */
export interface WeightDescription {
  /** Name as saved, e.g. `rnn_0/recurrent_kernel`. */
  name: string;
  shape: number[];
  size: number;
  trainable: boolean;
}

/** One row of {@link describeModel}. */
export interface LayerDescription {
  name: string;
  /** tfjs class name, e.g. `LSTM`, `Dense`, `Embedding`. */
  className: string;
  /** Whether the layer is recurrent (see {@link isRecurrentLayer}). */
  recurrent: boolean;
  /** Output shape, batch dimension as null. */
  outputShape: (number | null)[] | (number | null)[][];
  /** All parameters of the layer. */
  params: number;
  /** Parameters that training updates. */
  trainableParams: number;
  weights: WeightDescription[];
}

/** What {@link describeModel} returns. */
export interface ModelDescription {
  name: string;
  layers: LayerDescription[];
  totalParams: number;
  trainableParams: number;
}

/**
 * Whether a layer is a recurrent layer (SimpleRNN, LSTM, GRU or a generic RNN).
 *
 * @example isRecurrentLayer(model.getLayer('rnn_0')) // true
 * @param layer Any layer.
 * @returns True for recurrent layers.
 */
export function isRecurrentLayer(layer: tf.layers.Layer): boolean {
  return RECURRENT_CLASSES.has(layer.getClassName());
}

/**
 * The recurrent layers of a model, input side first.
 *
 * @example recurrentLayers(model).map((l) => l.name) // ['rnn_0', 'rnn_1']
 * @param model Any layers model.
 * @returns The recurrent layers in model order.
 */
export function recurrentLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.filter(isRecurrentLayer);
}

function weightSize(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Per-layer parameter counts and weight shapes.
 *
 * @example describeModel(model).layers.map((l) => [l.name, l.params])
 * @param model Any layers model.
 * @returns One row per layer and the totals.
 */
export function describeModel(model: tf.LayersModel): ModelDescription {
  const layers = model.layers.map((layer): LayerDescription => {
    const weights = layer.weights.map((w) => ({
      name: w.originalName,
      shape: [...w.shape] as number[],
      size: weightSize(w.shape as number[]),
      trainable: w.trainable,
    }));
    return {
      name: layer.name,
      className: layer.getClassName(),
      recurrent: isRecurrentLayer(layer),
      outputShape: layer.outputShape as LayerDescription['outputShape'],
      params: weights.reduce((s, w) => s + w.size, 0),
      trainableParams: weights.filter((w) => w.trainable).reduce((s, w) => s + w.size, 0),
      weights,
    };
  });
  return {
    name: model.name,
    layers,
    totalParams: layers.reduce((s, l) => s + l.params, 0),
    trainableParams: layers.reduce((s, l) => s + l.trainableParams, 0),
  };
}

/** Options of {@link countParams}. */
export interface CountParamsOptions {
  /**
   * Count only weights that training updates (leaves out e.g. the frozen `one_hot` table).
   * @default false
   */
  trainableOnly?: boolean;
}

/**
 * Number of parameters (weight values) in a model.
 *
 * @example countParams(buildClassifier({ cell: 'SimpleRNN', units: 4, timeSteps: 3, features: 2, numClasses: 2 })) // 38
 * @param model Any layers model.
 * @param options See {@link CountParamsOptions}.
 * @returns The count.
 */
export function countParams(model: tf.LayersModel, options: CountParamsOptions = {}): number {
  const { trainableOnly = false } = options;
  const weights = trainableOnly ? model.trainableWeights : model.weights;
  return weights.reduce((s, w) => s + weightSize(w.shape as number[]), 0);
}

/**
 * Bytes the weights take as float32 (4 bytes per parameter, all weights): the size of the
 * uncompressed model that compression is measured against.
 *
 * @example modelSizeBytes(model) / 1024 // KiB
 * @param model Any layers model.
 * @returns 4 * countParams(model).
 */
export function modelSizeBytes(model: tf.LayersModel): number {
  return 4 * countParams(model);
}
