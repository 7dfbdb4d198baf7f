/**
 * Builds a low-rank copy of a model: chosen recurrent layers become {@link LowRankRNN} layers and
 * chosen Dense layers become two Dense layers, through the model's serialised config, so Sequential
 * and functional models are handled alike and the original is never touched.
 */
import * as tf from '@tensorflow/tfjs';
import { layerWeights } from '../core/weights';
import { LowRankFactors } from './factor';
import { LowRankRNNArgs } from './lowrank-rnn';
import { matrixToTensor } from './matrix';
import { FactoredMatrixReport, FactorizeOptions, LayerPlan, planFactorization } from './plan';

type Config = tf.serialization.ConfigDict;
/** A layer entry of a model config: `{ className, config }`, plus `name` and `inboundNodes` in functional models. */
interface LayerEntry {
  className: string;
  config: Config;
  name?: string;
  inboundNodes?: unknown[];
}

/** Per-layer outcome of {@link factorizeModel}. */
export interface FactoredLayerReport {
  /** Name of the original layer (kept by the replacement). */
  layer: string;
  /** 'SimpleRNN' | 'LSTM' | 'GRU' | 'Dense'. */
  layerType: string;
  /** Parameters of the original layer. */
  paramsBefore: number;
  /** Parameters of its replacement (both layers for a split Dense). */
  paramsAfter: number;
  /** One entry per factorised kernel. */
  matrices: FactoredMatrixReport[];
  /** What did not carry over, e.g. dropout. */
  notes: string[];
}

/** Result of {@link factorizeModel}. */
export interface FactorizeResult {
  /** The new model; the caller owns it and disposes it. */
  model: tf.LayersModel;
  layers: FactoredLayerReport[];
  paramsBefore: number;
  paramsAfter: number;
}

const BASE_FIELDS = ['name', 'trainable', 'batchInputShape', 'batchSize', 'dtype', 'inputDType'];

function pick(config: Config, fields: string[]): Config {
  return Object.fromEntries(fields.filter((f) => config[f] !== undefined).map((f) => [f, config[f]]));
}

function recurrentConfig(plan: LayerPlan, config: Config): Config {
  const args: LowRankRNNArgs = {
    ...(pick(config, BASE_FIELDS) as Partial<LowRankRNNArgs>),
    cellType: plan.kind as LowRankRNNArgs['cellType'],
    units: config.units as number,
    kernelRank: plan.factors.kernel?.rank ?? null,
    recurrentRank: plan.factors.recurrentKernel?.rank ?? null,
    activation: config.activation as string,
    useBias: config.useBias as boolean,
    returnSequences: config.returnSequences as boolean,
    returnState: config.returnState as boolean,
    goBackwards: config.goBackwards as boolean,
    stateful: config.stateful as boolean,
    unroll: config.unroll as boolean,
  };
  // SimpleRNN has no gates and so no recurrentActivation.
  if (config.recurrentActivation !== undefined) args.recurrentActivation = config.recurrentActivation as string;
  return args as unknown as Config;
}

/** The two Dense configs that replace one: A (no bias, linear) then B (original activation and bias). */
function denseConfigs(plan: LayerPlan, entry: LayerEntry, aName: string): [LayerEntry, LayerEntry] {
  const rank = (plan.factors.kernel as LowRankFactors).rank;
  const dense = (c: Config, name: string): Config => ({
    ...pick(c, ['trainable', 'dtype', 'batchInputShape']),
    name,
    units: rank,
    activation: 'linear',
    useBias: false,
  });
  const copy = JSON.parse(JSON.stringify(entry.config)) as Config;
  if (!plan.timeDistributed) {
    const { batchInputShape, ...rest } = copy;
    void batchInputShape;
    return [{ className: 'Dense', config: dense(copy, aName) }, { className: 'Dense', config: rest }];
  }
  const inner = copy.layer as { className: string; config: Config };
  const { batchInputShape, ...outer } = copy;
  void batchInputShape;
  const a: Config = {
    ...pick(copy, ['trainable', 'batchInputShape']),
    name: aName,
    layer: { className: 'Dense', config: dense(inner.config, `${inner.config.name as string}_a`) },
  };
  return [{ className: 'TimeDistributed', config: a }, { className: 'TimeDistributed', config: outer }];
}

function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

/**
 * Replaces the chosen layers of a model by low-rank versions, leaving the original untouched.
 *
 * A recurrent layer becomes a {@link LowRankRNN} whose kernels (input, recurrent or both) are
 * stored as products A·B of truncated-SVD factors; a Dense layer becomes a Dense layer `<name>_a`
 * (rank units, no bias, linear) followed by a Dense layer that keeps the original name, activation
 * and bias, so references to the layer by name still hold. With `rank` equal to min(m, n) the new
 * model computes the same function as the original (to float32 rounding).
 *
 * @example
 * const { model: small, layers } = factorizeModel(model, { energy: 0.9 });
 * layers.forEach((l) => console.log(l.layer, l.paramsBefore, '->', l.paramsAfter));
 * @param model A Sequential or functional model; not modified.
 * @param options Which layers and kernels, and the rank or energy. See {@link FactorizeOptions}.
 * @returns The new model (owned by the caller) and a per-layer report.
 * @throws TypeError / RangeError as `planFactorization`: a layer that cannot be factorised, an
 *   unknown layer or role, neither or both of rank and energy, a rank outside [1, min(m, n)], an
 *   energy outside (0, 1].
 */
export function factorizeModel(model: tf.LayersModel, options: FactorizeOptions): FactorizeResult {
  const plans = planFactorization(model, options);
  const byName = new Map(plans.map((p) => [p.layer.name, p]));
  const sequential = model instanceof tf.Sequential;
  const config = JSON.parse(JSON.stringify(model.getConfig())) as { layers: LayerEntry[] } & Config;
  const taken = new Set(model.layers.map((l) => l.name));
  const denseA = new Map<string, string>();
  const entries: LayerEntry[] = [];
  for (const entry of config.layers) {
    const name = (entry.name ?? entry.config.name) as string;
    const plan = byName.get(name);
    if (!plan) {
      entries.push(entry);
    } else if (plan.kind !== 'Dense') {
      entries.push({ ...entry, className: 'LowRankRNN', config: recurrentConfig(plan, entry.config) });
    } else {
      const aName = uniqueName(`${name}_a`, taken);
      denseA.set(name, aName);
      const [a, b] = denseConfigs(plan, entry, aName);
      if (sequential) {
        entries.push(a, b);
      } else {
        entries.push({ ...a, name: aName, inboundNodes: entry.inboundNodes }, { ...b, name, inboundNodes: [[[aName, 0, 0, {}]]] });
      }
    }
  }
  config.layers = entries;
  const built = sequential
    ? tf.Sequential.fromConfig(tf.Sequential, config, {}, true)
    : tf.LayersModel.fromConfig(tf.LayersModel, config, {}, true);
  const result = built as tf.LayersModel;

  for (const layer of result.layers) {
    const plan = byName.get(layer.name);
    if (plan) continue;
    const original = model.layers.find((l) => l.name === layer.name);
    if (original && original.weights.length > 0) layer.setWeights(original.getWeights());
  }
  const reports = plans.map((plan) => {
    const name = plan.layer.name;
    const target = result.getLayer(name);
    let paramsAfter: number;
    if (plan.kind === 'Dense') {
      const a = result.getLayer(denseA.get(name) as string);
      setFactored(a, [(plan.factors.kernel as LowRankFactors).a]);
      const bias = plan.layer.getWeights().slice(1);
      setFactored(target, [(plan.factors.kernel as LowRankFactors).b], bias);
      paramsAfter = a.countParams() + target.countParams();
    } else {
      setRecurrent(target, plan);
      paramsAfter = target.countParams();
    }
    return {
      layer: name,
      layerType: plan.kind,
      paramsBefore: plan.layer.countParams(),
      paramsAfter,
      matrices: plan.matrices,
      notes: plan.notes,
    };
  });
  return { model: result, layers: reports, paramsBefore: model.countParams(), paramsAfter: result.countParams() };
}

/** Sets factor matrices (converted here and freed after) followed by tensors owned elsewhere. */
function setFactored(layer: tf.layers.Layer, matrices: LowRankFactors['a'][], rest: tf.Tensor[] = []): void {
  const made = matrices.map(matrixToTensor);
  try {
    layer.setWeights([...made, ...rest]);
  } finally {
    tf.dispose(made);
  }
}

function setRecurrent(layer: tf.layers.Layer, plan: LayerPlan): void {
  const byRole = new Map<string, tf.Tensor>(layerWeights(plan.layer).map((w) => [w.role, w.variable.read()]));
  const made: tf.Tensor[] = [];
  const values: tf.Tensor[] = [];
  for (const role of ['kernel', 'recurrentKernel'] as const) {
    const f = plan.factors[role];
    if (f) {
      const pair = [matrixToTensor(f.a), matrixToTensor(f.b)];
      made.push(...pair);
      values.push(...pair);
    } else {
      values.push(byRole.get(role) as tf.Tensor);
    }
  }
  const bias = byRole.get('bias');
  if (bias) values.push(bias);
  try {
    layer.setWeights(values);
  } finally {
    tf.dispose(made);
  }
}
