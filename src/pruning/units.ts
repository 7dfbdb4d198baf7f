/**
 * Where a hidden unit of a recurrent layer lives among the weights. Unit j of a layer with G gates
 * and `units` = u owns:
 * - column g*u + j of the input kernel, for every gate g (what flows into it from the input);
 * - column g*u + j of the recurrent kernel, for every gate g (what flows into it from the state);
 * - row j of the recurrent kernel, all G*u columns (what it sends to every unit at the next step);
 * - entry g*u + j of the bias, for every gate g;
 * - row j of the kernel of each layer that reads this layer's output (the next recurrent layer, or
 *   the next Dense / TimeDistributed(Dense), looking through Dropout-like layers).
 * Entry (j, g*u + j) of the recurrent kernel is both in row j and in column g*u + j; it is listed once.
 */
import * as tf from '@tensorflow/tfjs';
import { cellTypeOf, GATES, layerWeights, type CellType, type WeightRef } from '../core/index';

/** Layers that pass features through unchanged in number, so the next layer's rows still match units. */
export const PASSTHROUGH_LAYERS: readonly string[] = [
  'Dropout',
  'Activation',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
  'SpatialDropout1D',
];

/** The weights that belong to the units of one recurrent layer. */
export interface UnitLayout {
  layer: tf.layers.Layer;
  cellType: CellType;
  units: number;
  gates: number;
  kernel: WeightRef;
  recurrentKernel: WeightRef;
  /** Absent when the layer has `useBias: false`. */
  bias?: WeightRef;
  /** Kernels of the layers that read this layer's output; row j belongs to unit j. */
  consumerKernels: WeightRef[];
}

/** Entries of one weight that belong to a unit, as flat row-major indices. */
export interface UnitEntries {
  ref: WeightRef;
  indices: number[];
}

interface Graph {
  consumers: Map<string, string[]>;
  outputs: Set<string>;
}

type LayerConfig = { name?: string; className: string; config: { name: string }; inboundNodes?: unknown[][] };

function graphOf(model: tf.LayersModel): Graph {
  const consumers = new Map<string, string[]>();
  const outputs = new Set<string>();
  const link = (from: string, to: string): void => {
    consumers.set(from, [...(consumers.get(from) ?? []), to]);
  };
  if (model instanceof tf.Sequential) {
    const names = model.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name);
    names.forEach((n, i) => (i + 1 < names.length ? link(n, names[i + 1]) : outputs.add(n)));
    return { consumers, outputs };
  }
  const config = model.getConfig() as unknown as { layers: LayerConfig[]; outputLayers: [string, number, number][] };
  for (const layer of config.layers) {
    const name = layer.name ?? layer.config.name;
    for (const node of layer.inboundNodes ?? []) {
      for (const inbound of node as [string, ...unknown[]][]) link(inbound[0], name);
    }
  }
  for (const [name] of config.outputLayers) outputs.add(name);
  return { consumers, outputs };
}

function isSupportedConsumer(layer: tf.layers.Layer): boolean {
  const cls = layer.getClassName();
  if (['SimpleRNN', 'LSTM', 'GRU', 'Dense'].includes(cls)) return true;
  const inner = (layer as unknown as { layer?: tf.layers.Layer }).layer;
  return cls === 'TimeDistributed' && inner?.getClassName() === 'Dense';
}

function consumersOf(model: tf.LayersModel, layerName: string): tf.layers.Layer[] {
  const graph = graphOf(model);
  const found = new Map<string, tf.layers.Layer>();
  const visit = (name: string, via: string[]): void => {
    if (graph.outputs.has(name)) {
      const path = via.length ? ` (through ${via.join(', ')})` : '';
      throw new RangeError(
        `units of '${layerName}' can be removed only when another layer reads them, got a model output${path}`,
      );
    }
    for (const next of graph.consumers.get(name) ?? []) {
      const layer = model.getLayer(next);
      const cls = layer.getClassName();
      if (PASSTHROUGH_LAYERS.includes(cls)) visit(next, [...via, `'${next}'`]);
      else if (isSupportedConsumer(layer)) found.set(next, layer);
      else {
        throw new TypeError(
          `the layer reading '${layerName}' must be SimpleRNN, LSTM, GRU, Dense or TimeDistributed(Dense) ` +
            `(optionally after ${PASSTHROUGH_LAYERS.join('/')}), got ${cls} ('${next}')`,
        );
      }
    }
  };
  visit(layerName, []);
  return [...found.values()];
}

/**
 * Finds the weights that belong to the units of a recurrent layer.
 *
 * @example unitLayout(model, 'rnn_0').consumerKernels[0].layerName // 'dense'
 * @param model The model.
 * @param layerName Name of a SimpleRNN, LSTM or GRU layer.
 * @returns Its layout.
 * @throws RangeError for an unknown layer name, a layer with `returnState`, or a layer whose output
 *   is a model output; TypeError (naming the class) for a layer that is not recurrent, or one read
 *   by a layer type whose weights cannot be shrunk.
 */
export function unitLayout(model: tf.LayersModel, layerName: string): UnitLayout {
  if (typeof layerName !== 'string') throw new TypeError(`layer must be a layer name, got ${typeof layerName}`);
  const names = model.layers.map((l) => l.name);
  if (!names.includes(layerName)) throw new RangeError(`layer must be one of ${names.join(', ')}, got '${layerName}'`);
  const layer = model.getLayer(layerName);
  const cellType = cellTypeOf(layer);
  if ((layer.getConfig() as { returnState?: boolean }).returnState) {
    throw new RangeError(`layer '${layerName}' must have returnState: false to remove units, got true`);
  }
  const refs = layerWeights(layer);
  const byRole = (role: WeightRef['role']): WeightRef | undefined => refs.find((r) => r.role === role);
  const kernel = byRole('kernel');
  const recurrentKernel = byRole('recurrentKernel');
  if (!kernel || !recurrentKernel) throw new RangeError(`layer '${layerName}' must be built (have weights), got none`);
  const gates = GATES[cellType];
  const units = recurrentKernel.shape[0];
  const consumerKernels = consumersOf(model, layerName).map((l) => {
    const k = layerWeights(l).find((r) => r.role === 'kernel');
    if (!k) throw new RangeError(`layer '${l.name}' must have a kernel, got none`);
    return k;
  });
  return { layer, cellType, units, gates, kernel, recurrentKernel, bias: byRole('bias'), consumerKernels };
}

/**
 * The entries of every weight that belong to one unit (see the module comment), each listed once.
 *
 * @example unitEntries(unitLayout(model, 'rnn_0'), 2).map((e) => e.indices.length)
 * @param layout The layer's unit layout.
 * @param unit Unit index in [0, units).
 * @returns One entry list per weight, flat row-major indices.
 */
export function unitEntries(layout: UnitLayout, unit: number): UnitEntries[] {
  const { units, gates, kernel, recurrentKernel, bias, consumerKernels } = layout;
  const width = units * gates;
  const columns = (rows: number): number[] => {
    const out: number[] = [];
    for (let r = 0; r < rows; r++) for (let g = 0; g < gates; g++) out.push(r * width + g * units + unit);
    return out;
  };
  const recurrent = new Set(columns(units));
  for (let c = 0; c < width; c++) recurrent.add(unit * width + c);
  const entries: UnitEntries[] = [
    { ref: kernel, indices: columns(kernel.shape[0]) },
    { ref: recurrentKernel, indices: [...recurrent].sort((a, b) => a - b) },
  ];
  if (bias) entries.push({ ref: bias, indices: Array.from({ length: gates }, (_, g) => g * units + unit) });
  for (const ref of consumerKernels) {
    const cols = ref.shape[1];
    entries.push({ ref, indices: Array.from({ length: cols }, (_, c) => unit * cols + c) });
  }
  return entries;
}

/**
 * Column indices of the kept units in a gate-stacked weight: for each gate block, the kept units.
 *
 * @example gateColumns([0, 2], 3, 4) // [0, 2, 3, 5, 6, 8, 9, 11] (LSTM of 3 units, 4 gates)
 * @param keep Kept unit indices, increasing.
 * @param units Units before removal.
 * @param gates Gate blocks.
 * @returns The columns to gather.
 */
export function gateColumns(keep: number[], units: number, gates: number): number[] {
  const cols: number[] = [];
  for (let g = 0; g < gates; g++) for (const j of keep) cols.push(g * units + j);
  return cols;
}
