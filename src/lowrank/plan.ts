/**
 * Decides what {@link factorizeModel} will do before it builds anything: which layers, which of
 * their kernels, at what rank, and what each truncation costs. Every argument error is raised
 * here, so a rejected call leaves no half-built model behind.
 */
import * as tf from '@tensorflow/tfjs';
import { CellType, isRecurrent, cellTypeOf, layerWeights } from '../core/weights';
import { breakEvenRank, checkRankChoice, factorizeMatrix, LowRankFactors, RankChoice } from './factor';
import { LOW_RANK_ACTIVATIONS } from './lowrank-rnn';
import { matrixFromTensor } from './matrix';

/** Kernels a factorisation can target. */
export type FactorRole = 'kernel' | 'recurrentKernel';

const FACTOR_ROLES: readonly FactorRole[] = ['kernel', 'recurrentKernel'];

/** Options of {@link factorizeModel}: a rank choice plus what to factorise. */
export interface FactorizeOptions extends RankChoice {
  /**
   * Names of the layers to factorise: SimpleRNN, LSTM, GRU, Dense or TimeDistributed(Dense).
   * @default every SimpleRNN, LSTM and GRU layer of the model
   */
  layers?: string[];
  /**
   * Which kernels of a recurrent layer to factorise (a Dense layer has only `kernel`).
   * @default ['kernel', 'recurrentKernel']
   */
  roles?: FactorRole[];
}

/** What factorising one kernel cost and saved. */
export interface FactoredMatrixReport {
  role: FactorRole;
  /** `[m, n]` of the original kernel. */
  shape: [number, number];
  rank: number;
  /** min(m, n): the rank that reproduces the kernel exactly. */
  maxRank: number;
  /** Largest rank that still saves parameters, see `breakEvenRank`. */
  breakEvenRank: number;
  /** m·n. */
  paramsBefore: number;
  /** rank·(m + n). */
  paramsAfter: number;
  /** ||W - A·B||_F / ||W||_F. */
  relativeError: number;
  /** Share of Σσ² kept. */
  energyKept: number;
}

/** One layer to replace. */
export interface LayerPlan {
  layer: tf.layers.Layer;
  /** 'SimpleRNN' | 'LSTM' | 'GRU' | 'Dense'. */
  kind: CellType | 'Dense';
  /** Whether a Dense layer sits inside TimeDistributed. */
  timeDistributed: boolean;
  factors: Partial<Record<FactorRole, LowRankFactors>>;
  matrices: FactoredMatrixReport[];
  notes: string[];
}

function kindOf(layer: tf.layers.Layer): { kind: CellType | 'Dense'; timeDistributed: boolean } | undefined {
  if (isRecurrent(layer)) return { kind: cellTypeOf(layer), timeDistributed: false };
  const cls = layer.getClassName();
  if (cls === 'Dense') return { kind: 'Dense', timeDistributed: false };
  const inner = (layer as unknown as { layer?: tf.layers.Layer }).layer;
  if (cls === 'TimeDistributed' && inner?.getClassName() === 'Dense') return { kind: 'Dense', timeDistributed: true };
  return undefined;
}

function describeKind(layer: tf.layers.Layer): string {
  const inner = (layer as unknown as { layer?: tf.layers.Layer }).layer;
  return inner ? `${layer.getClassName()}(${inner.getClassName()})` : layer.getClassName();
}

/**
 * Validates the options and computes every factorisation.
 *
 * @example const plans = planFactorization(model, { rank: 4 });
 * @param model The model; it is not modified.
 * @param options See {@link FactorizeOptions}.
 * @returns One plan per layer to replace, in model order.
 * @throws TypeError when a named layer cannot be factorised, the model has no recurrent layer and
 *   none is named, or neither/both of rank and energy are given.
 * @throws RangeError for an unknown layer name or role, a rank outside [1, min(m, n)], an energy
 *   outside (0, 1], or an activation the low-rank layer does not implement.
 */
export function planFactorization(model: tf.LayersModel, options: FactorizeOptions): LayerPlan[] {
  const { layers, roles = ['kernel', 'recurrentKernel'], rank, energy } = options;
  const choice: RankChoice = rank === undefined ? { energy } : { rank };
  if (rank !== undefined && energy !== undefined) checkRankChoice({ rank, energy });
  checkRankChoice(choice);
  if (!Array.isArray(roles) || roles.length === 0) {
    throw new RangeError(`roles must be a non-empty subset of ${FACTOR_ROLES.join(', ')}, got ${JSON.stringify(roles)}`);
  }
  for (const r of roles) {
    if (!FACTOR_ROLES.includes(r)) throw new RangeError(`roles must be a subset of ${FACTOR_ROLES.join(', ')}, got '${r}'`);
  }
  const names = model.layers.map((l) => l.name);
  for (const n of layers ?? []) {
    if (!names.includes(n)) throw new RangeError(`layer must be one of ${names.join(', ')}, got '${n}'`);
  }
  const chosen = layers ? model.layers.filter((l) => layers.includes(l.name)) : model.layers.filter(isRecurrent);
  if (chosen.length === 0) throw new TypeError(`model '${model.name}' has no SimpleRNN, LSTM or GRU layer to factorise; name Dense layers in options.layers`);

  return chosen.map((layer) => {
    const found = kindOf(layer);
    if (!found) {
      throw new TypeError(`layer must be SimpleRNN, LSTM, GRU, Dense or TimeDistributed(Dense) to be factorised, got ${describeKind(layer)} ('${layer.name}')`);
    }
    const config = layer.getConfig();
    const notes: string[] = [];
    if (found.kind !== 'Dense') {
      for (const field of ['activation', 'recurrentActivation'] as const) {
        const value = config[field] as string | undefined;
        if (value !== undefined && !(LOW_RANK_ACTIVATIONS as readonly string[]).includes(value)) {
          throw new RangeError(`${field} of '${layer.name}' must be one of ${LOW_RANK_ACTIVATIONS.join(', ')} to be factorised, got '${value}'`);
        }
      }
      for (const field of ['dropout', 'recurrentDropout'] as const) {
        if (Number(config[field] ?? 0) > 0) notes.push(`${field} ${config[field]} dropped: the low-rank layer has no dropout`);
      }
    }
    const layerRoles = found.kind === 'Dense' ? (['kernel'] as FactorRole[]) : roles;
    if (found.kind === 'Dense' && !roles.includes('kernel')) {
      throw new RangeError(`roles must include 'kernel' to factorise Dense layer '${layer.name}', got ${JSON.stringify(roles)}`);
    }
    const weights = layerWeights(layer);
    const factors: LayerPlan['factors'] = {};
    const matrices: FactoredMatrixReport[] = [];
    for (const role of layerRoles) {
      const ref = weights.find((w) => w.role === role);
      if (!ref) throw new TypeError(`layer '${layer.name}' has no ${role} to factorise`);
      const [m, n] = ref.shape;
      const what = `the ${role} of '${layer.name}' [${m}, ${n}]`;
      const f = factorizeMatrix(matrixFromTensor(ref.variable.read()), choice, what);
      factors[role] = f;
      matrices.push({
        role,
        shape: [m, n],
        rank: f.rank,
        maxRank: Math.min(m, n),
        breakEvenRank: breakEvenRank(m, n),
        paramsBefore: m * n,
        paramsAfter: f.rank * (m + n),
        relativeError: f.relativeError,
        energyKept: f.energyKept,
      });
    }
    if (found.kind === 'Dense' && layer.inboundNodes.length > 1) {
      throw new TypeError(`Dense layer '${layer.name}' is called ${layer.inboundNodes.length} times; only a layer called once can be split in two`);
    }
    return { layer, kind: found.kind, timeDistributed: found.timeDistributed, factors, matrices, notes };
  });
}
