/**
 * Removing hidden units for real: the model is rebuilt from its own config with fewer `units` in
 * the chosen recurrent layers, and the weights of the kept units are copied across every gate
 * block, together with the matching rows of the next layer's kernel. The result has fewer
 * parameters, runs faster and serialises smaller. Its accuracy usually drops a little; fine-tune it
 * with the training loop afterwards (compile it first: the new model is not compiled).
 *
 * When removal leaves the outputs exactly unchanged: a unit j can be dropped without any effect if
 * nothing else ever sees its output h_j, that is if its outgoing weights are all 0: row j of the
 * recurrent kernel (all gates) and row j of the next layer's kernel. With zero initial states it is
 * also enough that h_j stays 0 forever, which happens when its candidate path is dead:
 * - SimpleRNN: input-kernel column j, recurrent-kernel column j and bias j are 0, and the
 *   activation has act(0) = 0 (tanh, relu, linear), so h_j = act(0) = 0;
 * - LSTM: the cell-gate (c) columns and bias of unit j are 0, so g_j = tanh(0) = 0, c_j stays 0
 *   and h_j = o_j tanh(c_j) = 0, whatever the i, f and o gates do;
 * - GRU (reset-before, as in tfjs): the candidate (h) columns and bias of unit j are 0, so
 *   hh_j = tanh(0) = 0 and h_j = z_j h_j(t-1) + (1 - z_j) 0 stays 0.
 * `lnStructured` zeroes all of a unit's weights, which satisfies both conditions.
 */
import * as tf from '@tensorflow/tfjs';
import { layerWeights } from '../core/index';
import { rebuildFromConfig } from '../models/clone';
import { amountToCount, checkAmount } from './amount';
import { smallestMagnitudes } from './mask';
import { checkNorm, scoresOf, type UnitNorm } from './structured';
import { gateColumns, unitLayout, type UnitLayout } from './units';

/** Options of {@link removeUnits}: give exactly one of `keep`, `amount`, `units`. */
export interface RemoveUnitsOptions {
  /** Name of the SimpleRNN, LSTM or GRU layer. */
  layer: string;
  /** Number of units to keep, the highest-scoring ones. */
  keep?: number;
  /** Units to remove, the lowest-scoring ones: a fraction in [0, 1) or an integer count >= 1. */
  amount?: number;
  /** Indices of the units to remove. */
  units?: number[];
  /**
   * Norm for scoring (used with `keep` and `amount`).
   * @default 2
   */
  norm?: UnitNorm;
}

/** Options of {@link pruneUnitsByScore}. */
export interface PruneUnitsOptions {
  /** Names of the recurrent layers to shrink. */
  layers: string[];
  /** Units to remove from each layer: a fraction in [0, 1) or an integer count >= 1. */
  amount: number;
  /** @default 2 */
  norm?: UnitNorm;
}

/** A smaller model and which units it kept. */
export interface UnitRemoval {
  /** The new model (not compiled); the original is untouched. */
  model: tf.LayersModel;
  /** Per layer, the original indices of the units kept, in order. */
  kept: Record<string, number[]>;
  /** Per layer, the original indices of the units removed. */
  removed: Record<string, number[]>;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** The units kept when the `count` lowest-scoring ones go, ties removing the lowest index first. */
function keepByScore(layout: UnitLayout, count: number, norm: UnitNorm): number[] {
  const gone = new Set(smallestMagnitudes(scoresOf(layout, norm), range(layout.units), count));
  return range(layout.units).filter((j) => !gone.has(j));
}

function checkIndices(units: unknown, layout: UnitLayout, name: string): number[] {
  if (!Array.isArray(units)) throw new TypeError(`units must be an array of unit indices, got ${typeof units}`);
  const seen = new Set<number>();
  for (const u of units) {
    if (!Number.isInteger(u) || u < 0 || u >= layout.units) {
      throw new RangeError(`units must be integers in [0, ${layout.units - 1}], got ${u}`);
    }
    if (seen.has(u)) throw new RangeError(`units must not repeat an index, got ${u} twice`);
    seen.add(u);
  }
  if (seen.size >= layout.units) {
    throw new RangeError(`units must leave at least one of the ${layout.units} units of '${name}', got ${seen.size} to remove`);
  }
  return range(layout.units).filter((j) => !seen.has(j));
}

function keptUnits(layout: UnitLayout, options: RemoveUnitsOptions): number[] {
  const { keep, amount, units, norm = 2, layer } = options;
  const given = (['keep', 'amount', 'units'] as const).filter((k) => options[k] !== undefined);
  if (given.length !== 1) {
    throw new TypeError(`removeUnits needs exactly one of keep, amount, units, got ${given.length ? given.join(', ') : 'none'}`);
  }
  checkNorm(norm);
  if (units !== undefined) return checkIndices(units, layout, layer);
  if (keep !== undefined) {
    if (!Number.isInteger(keep) || keep < 1 || keep > layout.units) {
      throw new RangeError(`keep must be an integer in [1, ${layout.units}], got ${keep}`);
    }
    return keepByScore(layout, layout.units - keep, norm);
  }
  return keepByScore(layout, removalCount(amount, layout, layer), norm);
}

function removalCount(amount: unknown, layout: UnitLayout, layer: string): number {
  checkAmount(amount);
  const count = amountToCount(amount, layout.units, 'amount', `units of '${layer}'`);
  if (count >= layout.units) {
    throw new RangeError(`amount must leave at least one of the ${layout.units} units of '${layer}', got ${amount}`);
  }
  return count;
}

function rebuiltFromConfig(model: tf.LayersModel, units: Map<string, number>): tf.LayersModel {
  const config = structuredClone(model.getConfig()) as unknown as {
    layers: { name?: string; config: { name: string; units?: number } }[];
  };
  for (const layer of config.layers) {
    const n = units.get(layer.name ?? layer.config.name);
    if (n !== undefined) layer.config.units = n;
  }
  // Every weight is overwritten below, so initialisers need not run.
  return rebuildFromConfig(model, config);
}

function copyWeights(source: tf.LayersModel, target: tf.LayersModel, layouts: Map<string, UnitLayout>, kept: Map<string, number[]>): void {
  const rowsOf = new Map<string, number[]>();
  for (const [name, layout] of layouts) {
    for (const ref of layout.consumerKernels) {
      if (rowsOf.has(ref.layerName)) throw new TypeError(`layer '${ref.layerName}' must read one recurrent layer, got several`);
      rowsOf.set(ref.layerName, kept.get(name) as number[]);
    }
  }
  const gather = (w: tf.Tensor, idx: number[], axis: number): tf.Tensor => tf.gather(w, tf.tensor1d(idx, 'int32'), axis);
  tf.tidy(() => {
    for (const layer of source.layers) {
      if (layer.weights.length === 0) continue;
      const roles = new Map(layerWeights(layer).map((r) => [r.index, r.role]));
      const layout = layouts.get(layer.name);
      const keep = kept.get(layer.name);
      const rows = rowsOf.get(layer.name);
      const values = layer.weights.map((v, i) => {
        let w: tf.Tensor = v.read();
        const role = roles.get(i);
        if (rows && role === 'kernel') w = gather(w, rows, 0);
        if (layout && keep) {
          const cols = gateColumns(keep, layout.units, layout.gates);
          if (role === 'recurrentKernel') w = gather(w, keep, 0);
          if (role === 'kernel' || role === 'recurrentKernel') w = gather(w, cols, 1);
          if (role === 'bias') w = gather(w, cols, 0);
        }
        return w;
      });
      target.getLayer(layer.name).setWeights(values);
    }
  });
}

function shrink(model: tf.LayersModel, kept: Map<string, number[]>, layouts: Map<string, UnitLayout>): UnitRemoval {
  const units = new Map([...kept].map(([name, k]) => [name, k.length]));
  const rebuilt = rebuiltFromConfig(model, units);
  try {
    copyWeights(model, rebuilt, layouts, kept);
  } catch (err) {
    rebuilt.dispose();
    throw err;
  }
  const result: UnitRemoval = { model: rebuilt, kept: {}, removed: {} };
  for (const [name, k] of kept) {
    const keepSet = new Set(k);
    result.kept[name] = [...k];
    result.removed[name] = range((layouts.get(name) as UnitLayout).units).filter((j) => !keepSet.has(j));
  }
  return result;
}

/**
 * Removes hidden units from a recurrent layer, returning a genuinely smaller model: same
 * architecture with fewer `units`, kept units' weights copied across every gate, the next layer's
 * input shrunk to match. Works for tf.sequential and functional models of SimpleRNN, LSTM, GRU,
 * Dense, TimeDistributed(Dense), Embedding and Dropout-like layers, stacked layers included.
 * Units chosen by score (`keep`, `amount`) go lowest score first, lowest index first among equals.
 *
 * @example const { model: small, removed } = removeUnits(model, { layer: 'rnn_0', amount: 0.25 });
 * @param model The model; it is not changed.
 * @param options Layer and exactly one of keep / amount / units; see {@link RemoveUnitsOptions}.
 * @returns The new model and the kept and removed unit indices.
 * @throws TypeError for a non-recurrent layer (naming its class), an unsupported next layer, or not
 *   exactly one of keep / amount / units; RangeError for an unknown layer, keep outside [1, units],
 *   an amount or index list that would remove every unit, bad indices, or a layer whose output is
 *   the model's output.
 */
export function removeUnits(model: tf.LayersModel, options: RemoveUnitsOptions): UnitRemoval {
  const layout = unitLayout(model, options.layer);
  const keep = keptUnits(layout, options);
  return shrink(model, new Map([[options.layer, keep]]), new Map([[options.layer, layout]]));
}

/**
 * Removes the lowest-scoring units of several recurrent layers at once (scores computed on the
 * original model), in one rebuild.
 *
 * @example const { model: small } = pruneUnitsByScore(model, { layers: ['rnn_0', 'rnn_1'], amount: 0.5 });
 * @param model The model; it is not changed.
 * @param options Layers, amount per layer and norm; see {@link PruneUnitsOptions}.
 * @returns The new model and the kept and removed unit indices per layer.
 * @throws As {@link removeUnits}; TypeError when `layers` is not a non-empty array of names.
 */
export function pruneUnitsByScore(model: tf.LayersModel, options: PruneUnitsOptions): UnitRemoval {
  const { layers, amount, norm = 2 } = options;
  if (!Array.isArray(layers) || layers.length === 0 || layers.some((l) => typeof l !== 'string')) {
    throw new TypeError(`layers must be a non-empty array of layer names, got ${JSON.stringify(layers)}`);
  }
  if (new Set(layers).size !== layers.length) throw new RangeError(`layers must not repeat a name, got ${layers.join(', ')}`);
  checkAmount(amount);
  checkNorm(norm);
  const layouts = new Map(layers.map((name) => [name, unitLayout(model, name)]));
  const kept = new Map(
    layers.map((name) => {
      const layout = layouts.get(name) as UnitLayout;
      return [name, keepByScore(layout, removalCount(amount, layout, name), norm)];
    }),
  );
  return shrink(model, kept, layouts);
}
