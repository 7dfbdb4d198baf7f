/**
 * Addresses the weights of recurrent and dense layers by role, the vocabulary every compression
 * technique in the library shares: the input kernel, the recurrent kernel and the bias are distinct
 * roles because they tolerate compression differently.
 */
import * as tf from '@tensorflow/tfjs';

/** Weight roles. `embeddings` belongs to an Embedding layer. */
export type WeightRole = 'kernel' | 'recurrentKernel' | 'bias' | 'embeddings';

/** All role names, for validation. */
export const WEIGHT_ROLES: readonly WeightRole[] = ['kernel', 'recurrentKernel', 'bias', 'embeddings'];

/** Cell types whose layers the library understands. */
export type CellType = 'SimpleRNN' | 'LSTM' | 'GRU';

/** Number of gates stacked along the last axis of a cell's kernels: units * gates columns. */
export const GATES: Record<CellType, number> = { SimpleRNN: 1, LSTM: 4, GRU: 3 };

/** Gate names in tfjs/Keras order. */
export const GATE_NAMES: Record<CellType, readonly string[]> = {
  SimpleRNN: ['h'],
  LSTM: ['i', 'f', 'c', 'o'],
  GRU: ['z', 'r', 'h'],
};

/** One weight of one layer, with its role. */
export interface WeightRef {
  layer: tf.layers.Layer;
  layerName: string;
  /** 'SimpleRNN' | 'LSTM' | 'GRU' | 'Dense' | 'Embedding' | other class name. */
  layerType: string;
  role: WeightRole;
  /** Index in `layer.getWeights()`. */
  index: number;
  variable: tf.LayerVariable;
  shape: number[];
}

const RECURRENT = new Set(['SimpleRNN', 'LSTM', 'GRU']);

/**
 * Whether a layer is one of the recurrent layers the library compresses.
 *
 * @example isRecurrent(model.getLayer('rnn_0')) // true
 * @param layer A tfjs layer.
 * @returns True for SimpleRNN, LSTM and GRU layers.
 */
export function isRecurrent(layer: tf.layers.Layer): boolean {
  return RECURRENT.has(layer.getClassName());
}

/**
 * Cell type of a recurrent layer.
 *
 * @example cellTypeOf(model.getLayer('rnn_0')) // 'LSTM'
 * @param layer A recurrent layer.
 * @returns Its cell type.
 * @throws TypeError when the layer is not SimpleRNN, LSTM or GRU.
 */
export function cellTypeOf(layer: tf.layers.Layer): CellType {
  const c = layer.getClassName();
  if (!RECURRENT.has(c)) {
    throw new TypeError(`layer must be SimpleRNN, LSTM or GRU, got ${c} ('${layer.name}')`);
  }
  return c as CellType;
}

function roleOf(layerType: string, weightName: string): WeightRole | undefined {
  const base = weightName.split('/').pop() ?? weightName;
  if (base.startsWith('recurrent_kernel')) return 'recurrentKernel';
  if (base.startsWith('kernel')) return 'kernel';
  if (base.startsWith('bias')) return 'bias';
  if (base.startsWith('embeddings')) return 'embeddings';
  void layerType;
  return undefined;
}

/**
 * Lists the weights of a layer with their roles. TimeDistributed and Bidirectional wrappers are
 * looked through to their inner layer.
 *
 * @example layerWeights(model.getLayer('rnn_0')).map((w) => w.role) // ['kernel', 'recurrentKernel', 'bias']
 * @param layer A tfjs layer.
 * @returns One entry per weight whose role is known.
 */
export function layerWeights(layer: tf.layers.Layer): WeightRef[] {
  const inner = (layer as unknown as { layer?: tf.layers.Layer }).layer ?? layer;
  const layerType = inner.getClassName();
  return layer.weights.flatMap((variable, index) => {
    const role = roleOf(layerType, variable.originalName ?? variable.name);
    if (!role) return [];
    return [{ layer, layerName: layer.name, layerType, role, index, variable, shape: variable.shape.map((d) => d ?? 0) }];
  });
}

/**
 * Lists every weight of a model with its role, optionally filtered by layer names and roles.
 *
 * @example modelWeights(model, { roles: ['recurrentKernel'] })
 * @param model A layers model.
 * @param filter Layers (by name) and roles to keep; all when omitted.
 * @returns The matching weights, in layer order.
 * @throws RangeError when a layer name or role does not exist.
 */
export function modelWeights(
  model: tf.LayersModel,
  filter: { layers?: string[]; roles?: WeightRole[] } = {},
): WeightRef[] {
  const names = model.layers.map((l) => l.name);
  for (const n of filter.layers ?? []) {
    if (!names.includes(n)) throw new RangeError(`layer must be one of ${names.join(', ')}, got '${n}'`);
  }
  for (const r of filter.roles ?? []) {
    if (!WEIGHT_ROLES.includes(r)) throw new RangeError(`role must be one of ${WEIGHT_ROLES.join(', ')}, got '${r}'`);
  }
  return model.layers
    .filter((l) => !filter.layers || filter.layers.includes(l.name))
    .flatMap(layerWeights)
    .filter((w) => !filter.roles || filter.roles.includes(w.role));
}
