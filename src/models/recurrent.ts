/**
 * The recurrent layers every builder stacks, made from stock tfjs-layers so that weights keep the
 * standard tfjs/Keras layout: `kernel` [inputDim, g*units], `recurrent_kernel` [units, g*units] and
 * `bias` [g*units], with gate blocks in the order i, f, c, o (LSTM, g = 4) and z, r, h (GRU, g = 3,
 * the reset-before variant: ONNX `linear_before_reset = 0`); SimpleRNN has g = 1.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../utils/random';
import { seededOrthogonal } from './orthogonal';
import type { CellType } from './types';
import { LAYER_NAMES } from './types';

/** Options of {@link recurrentLayer}. */
export interface RecurrentLayerOptions {
  /** Cell kind. */
  cell: CellType;
  /** Width of the layer. */
  units: number;
  /** Position in the stack: the layer is named `rnn_<index>`. */
  index: number;
  /** Whether the layer returns the whole sequence of states rather than the last one. */
  returnSequences: boolean;
  /** Base seed; the kernel and recurrent kernel get seeds derived from it and their names. */
  seed: number;
}

/**
 * Creates one recurrent layer with seeded initialisers.
 *
 * Gates use `recurrentActivation: 'sigmoid'`. tfjs-layers defaults to `hardSigmoid` (the old Keras
 * default), which PyTorch, ONNX and current Keras do not use; with the logistic sigmoid a trained
 * layer computes the same function after export to those, given the same weights.
 * Biases start at 0; {@link stackRecurrent} then sets LSTM forget-gate biases to 1.
 *
 * @example const layer = recurrentLayer({ cell: 'GRU', units: 64, index: 0, returnSequences: false, seed: 42 });
 * @param options See {@link RecurrentLayerOptions}; checked by the public builders.
 * @returns The unbuilt layer, named `rnn_<index>`.
 */
export function recurrentLayer(options: RecurrentLayerOptions): tf.layers.Layer {
  const { cell, units, index, returnSequences, seed } = options;
  const name = LAYER_NAMES.recurrent(index);
  const common = {
    units,
    name,
    returnSequences,
    kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, `${name}/kernel`) }),
    recurrentInitializer: seededOrthogonal(deriveSeed(seed, `${name}/recurrent_kernel`)),
    biasInitializer: 'zeros' as const,
  };
  switch (cell) {
    case 'SimpleRNN':
      return tf.layers.simpleRNN({ ...common, activation: 'tanh' });
    case 'LSTM':
      return tf.layers.lstm({ ...common, activation: 'tanh', recurrentActivation: 'sigmoid' });
    case 'GRU':
      return tf.layers.gru({ ...common, activation: 'tanh', recurrentActivation: 'sigmoid' });
  }
}

/**
 * Applies a stack of recurrent layers to a symbolic input.
 *
 * @example const top = stackRecurrent(tf.input({ shape: [28, 28] }), 'LSTM', [64, 64], false, 42);
 * @param input The symbolic tensor fed to `rnn_0`.
 * @param cell Cell kind.
 * @param units One width per layer.
 * @param lastReturnsSequences Whether the top layer returns every step (language model) or only
 *   the last state (classifier, forecaster); lower layers always return every step.
 * @param seed Base seed.
 * @returns The top layer's symbolic output.
 */
export function stackRecurrent(
  input: tf.SymbolicTensor,
  cell: CellType,
  units: number[],
  lastReturnsSequences: boolean,
  seed: number,
): tf.SymbolicTensor {
  let x = input;
  units.forEach((u, index) => {
    const returnSequences = index < units.length - 1 || lastReturnsSequences;
    const layer = recurrentLayer({ cell, units: u, index, returnSequences, seed });
    x = layer.apply(x) as tf.SymbolicTensor;
    if (cell === 'LSTM') setForgetBias(layer, u, 1);
  });
  return x;
}

/**
 * Sets the forget-gate block (the second of i, f, c, o) of a built LSTM layer's bias, leaving the
 * rest at 0. A forget bias of 1 (Jozefowicz et al., 2015; Keras's `unit_forget_bias` default)
 * keeps the cell state, and its gradient, flowing early in training. It is set here rather than
 * with tfjs's `unitForgetBias` option because that option's initialiser leaks four tensors on
 * every build and every load of the saved model.
 */
function setForgetBias(layer: tf.layers.Layer, units: number, value: number): void {
  const bias = new Float32Array(4 * units);
  bias.fill(value, units, 2 * units);
  const variable = layer.weights.find((w) => w.originalName.endsWith('/bias'));
  if (!variable) throw new Error(`LSTM layer ${layer.name} has no bias`);
  tf.tidy(() => {
    variable.write(tf.tensor1d(bias));
  });
}

/**
 * The linear output layer `dense_out` with a seeded Glorot-uniform kernel and zero bias. It has no
 * activation: models output logits (or raw forecasts), and losses work from logits.
 *
 * @example const logits = outputLayer(10, 42).apply(state);
 * @param units Output width.
 * @param seed Base seed.
 * @returns The unbuilt layer.
 */
export function outputLayer(units: number, seed: number): tf.layers.Layer {
  return tf.layers.dense({
    units,
    name: LAYER_NAMES.output,
    activation: 'linear',
    kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, `${LAYER_NAMES.output}/kernel`) }),
    biasInitializer: 'zeros',
  });
}
