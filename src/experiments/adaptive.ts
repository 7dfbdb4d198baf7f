/**
 * Adaptive compression, as notebook 08 does it: measure how much accuracy each part of a model
 * (one weight tensor: a layer's input kernel, recurrent kernel, ...) loses when only that part is
 * pruned or quantized, then choose a sparsity and a bit width per part so that the model gets as
 * small as possible while the predicted accuracy drop stays within a budget the user sets.
 *
 * The search is a documented greedy heuristic, not AMC's reinforcement-learning agent (He et al.,
 * 2018) nor HAQ's (Wang et al., 2019): both of those learn a policy from many evaluations of whole
 * configurations, which is what makes them expensive. Here one table of single-part measurements
 * predicts every configuration, under the assumption that the drops of different parts (and of
 * pruning and quantizing one part) add up. That assumption is checked by measuring the chosen
 * configuration, and {@link calibratedAllocation} tightens the budget when it does not hold.
 */
import * as tf from '@tensorflow/tfjs';
import type { WeightRole } from '../core/weights';
import { modelWeights } from '../core/weights';
import type { QuantizedCodes } from '../encoding/types';
import { computeMask } from '../pruning/mask';
import { quantizeTensor } from '../quantization/quantize';
import { losslessTensorStorage, toStorageCodes, type LosslessStorageOptions } from './comparison';

/** How one part is compressed: magnitude pruning, then (optionally) quantization. */
export interface PartSetting {
  /** Fraction of the part's weights set to 0, the smallest |w| first, in [0, 1). */
  sparsity: number;
  /** Bits per quantization code (symmetric, one scale per output column), or null for float32. */
  bits: number | null;
}

/** The setting that leaves a part as it is. */
export const UNCOMPRESSED: Readonly<PartSetting> = { sparsity: 0, bits: null };

/** One weight tensor of a model with a copy of its original values. */
export interface WeightPart {
  /** Manifest name, e.g. `rnn_0/recurrent_kernel`. */
  name: string;
  layerName: string;
  role: WeightRole;
  shape: number[];
  /** The original values (a copy, so that the part can be restored). */
  values: Float32Array;
}

/**
 * Copies the weights that adaptive compression may change: by default the kernels and recurrent
 * kernels of every layer (biases stay float32: they are few and shift every activation).
 *
 * @example const parts = weightParts(model); parts.map((p) => p.name) // ['rnn_0/kernel', 'rnn_0/recurrent_kernel', 'dense_out/kernel']
 * @param model A layers model.
 * @param roles Roles to include.
 * @returns One part per matching weight, in layer order.
 * @throws RangeError for an unknown role, or when no weight matches.
 */
export function weightParts(model: tf.LayersModel, roles: WeightRole[] = ['kernel', 'recurrentKernel']): WeightPart[] {
  const refs = modelWeights(model, { roles });
  if (refs.length === 0) throw new RangeError(`no weights match roles ${roles.join(', ')}`);
  return refs.map((ref) => ({
    name: ref.variable.originalName ?? ref.variable.name,
    layerName: ref.layerName,
    role: ref.role,
    shape: [...ref.shape],
    values: Float32Array.from(ref.variable.read().dataSync()),
  }));
}

/**
 * Checks a part setting.
 *
 * @example checkPartSetting({ sparsity: 0.5, bits: 4 })
 * @param setting The setting.
 * @param where Name used in the error message.
 * @throws TypeError when it is not an object; RangeError for a sparsity outside [0, 1) or bits
 *   that are neither null nor an integer in [2, 16].
 */
export function checkPartSetting(setting: unknown, where = 'setting'): asserts setting is PartSetting {
  if (setting === null || typeof setting !== 'object') throw new TypeError(`${where} must be an object { sparsity, bits }, got ${setting === null ? 'null' : typeof setting}`);
  const { sparsity, bits } = setting as PartSetting;
  if (typeof sparsity !== 'number' || !(sparsity >= 0 && sparsity < 1)) throw new RangeError(`${where}.sparsity must be in [0, 1), got ${String(sparsity)}`);
  if (bits !== null && !(Number.isInteger(bits) && bits >= 2 && bits <= 16)) throw new RangeError(`${where}.bits must be null (float32) or an integer in [2, 16], got ${String(bits)}`);
}

/**
 * Compresses one part's original values: prunes the smallest magnitudes to the sparsity, then
 * quantizes what is left with one symmetric scale per output column (zeros stay exactly 0).
 *
 * @example const { values, codes } = compressPart(part, { sparsity: 0.8, bits: 4 });
 * @param part The part, with its original values.
 * @param setting Sparsity and bits.
 * @returns The new values and, when quantized, their storage codes.
 * @throws TypeError / RangeError for a bad setting.
 */
export function compressPart(part: WeightPart, setting: PartSetting): { values: Float32Array; codes?: QuantizedCodes } {
  checkPartSetting(setting);
  let values = part.values;
  if (setting.sparsity > 0) {
    const mask = computeMask(values, setting.sparsity);
    values = values.map((v, i) => (mask[i] ? v : 0));
  }
  if (setting.bits === null) return { values: values === part.values ? Float32Array.from(values) : values };
  const q = quantizeTensor(values, part.shape, { bits: setting.bits, granularity: 'per-channel' });
  return { values: q.dequantize(), codes: toStorageCodes(q) };
}

/**
 * Writes compressed values into a model in place: parts named in `settings` get their compressed
 * original values, every other part its original values. Call it again with `{}` to restore.
 *
 * @example const codes = applyPartSettings(work, parts, { 'rnn_0/kernel': { sparsity: 0.5, bits: 4 } });
 * @param model The model the parts came from (or a copy with the same weight names).
 * @param parts From {@link weightParts}.
 * @param settings Settings by part name.
 * @returns Storage codes of the quantized parts, by part name.
 * @throws RangeError for a setting that names no part, a bad setting, or a part missing from the
 *   model; nothing is written then.
 */
export function applyPartSettings(model: tf.LayersModel, parts: readonly WeightPart[], settings: Readonly<Record<string, PartSetting>>): Record<string, QuantizedCodes> {
  const names = new Set(parts.map((p) => p.name));
  for (const [name, s] of Object.entries(settings)) {
    if (!names.has(name)) throw new RangeError(`settings must name parts (${[...names].join(', ')}), got '${name}'`);
    checkPartSetting(s, `settings['${name}']`);
  }
  const byName = new Map(model.weights.map((w) => [w.originalName ?? w.name, w]));
  for (const p of parts) if (!byName.has(p.name)) throw new RangeError(`model must have a weight named '${p.name}', got none`);
  const codes: Record<string, QuantizedCodes> = {};
  const written = parts.map((p) => {
    const s = settings[p.name];
    if (!s) return { p, values: p.values };
    const c = compressPart(p, s);
    if (c.codes) codes[p.name] = c.codes;
    return { p, values: c.values };
  });
  for (const { p, values } of written) {
    const t = tf.tensor(values, p.shape, 'float32');
    byName.get(p.name)?.write(t);
    t.dispose();
  }
  return codes;
}

/** One sensitivity measurement: a single part compressed, everything else original. */
export interface SensitivityRow {
  part: string;
  layer: string;
  role: WeightRole;
  /** Which knob was turned. */
  kind: 'sparsity' | 'bits';
  /** The sparsity or the number of bits. */
  setting: number;
  /** Short label, e.g. `80% pruned` or `4 bits`. */
  label: string;
  /** The metric with this part compressed. */
  metric: number;
  /** Baseline metric minus this one (positive: worse, for a higher-is-better metric). */
  drop: number;
}

/** Options of {@link measureSensitivity}. */
export interface SensitivityOptions {
  /** Sparsities to try, each in (0, 1). */
  sparsities: number[];
  /** Bit widths to try, each an integer in [2, 16]. */
  bits: number[];
  /** The metric of the model as it is now (higher is better), e.g. validation accuracy. */
  measure: (model: tf.LayersModel) => number;
}

/**
 * Sensitivity analysis (as in Distiller's `sensitivity_analysis` and the first step of HAQ and
 * AMC): for each part and each setting, compresses that part alone, measures the metric, and
 * restores the part. The model is changed only while measuring.
 *
 * @example const rows = measureSensitivity(work, parts, { sparsities: [0.5, 0.8], bits: [4, 2], measure: (m) => evaluate(m, val, 'validation').accuracy });
 * @param model The model (its parts' weights are overwritten and restored).
 * @param parts From {@link weightParts}.
 * @param options Settings to try and the metric.
 * @returns One row per part and setting, parts in order, sparsities before bits.
 * @throws RangeError for a sparsity outside (0, 1) or bits outside [2, 16]; TypeError when measure is not a function.
 */
export function measureSensitivity(model: tf.LayersModel, parts: readonly WeightPart[], options: SensitivityOptions): SensitivityRow[] {
  const { sparsities, bits, measure } = options;
  if (typeof measure !== 'function') throw new TypeError(`measure must be a function of the model, got ${typeof measure}`);
  for (const s of sparsities) if (!(s > 0 && s < 1)) throw new RangeError(`sparsities must be in (0, 1), got ${s}`);
  for (const b of bits) checkPartSetting({ sparsity: 0, bits: b }, 'bits');
  applyPartSettings(model, parts, {});
  const base = measure(model);
  const rows: SensitivityRow[] = [];
  try {
    for (const p of parts) {
      const trials = [
        ...sparsities.map((s) => ({ kind: 'sparsity' as const, setting: s, label: `${Math.round(100 * s)}% pruned`, part: { sparsity: s, bits: null } })),
        ...bits.map((b) => ({ kind: 'bits' as const, setting: b, label: `${b} bits`, part: { sparsity: 0, bits: b } })),
      ];
      for (const t of trials) {
        applyPartSettings(model, parts, { [p.name]: t.part });
        const metric = measure(model);
        rows.push({ part: p.name, layer: p.layerName, role: p.role, kind: t.kind, setting: t.setting, label: t.label, metric, drop: base - metric });
      }
    }
  } finally {
    applyPartSettings(model, parts, {});
  }
  return rows;
}

/** What the search knows about one part. */
export interface PartChoices {
  part: string;
  /** Sparsity levels, mildest first; the first is normally 0. */
  sparsities: number[];
  /** Bit levels, mildest first; null is float32. */
  bits: (number | null)[];
  /** Measured drop with only this part at each sparsity level (bits at their mildest). */
  sparsityDrops: number[];
  /** Measured drop with only this part at each bit level (sparsity at its mildest). */
  bitsDrops: number[];
  /** Real bytes of the part at `sparsities[i]` and `bits[j]`: `bytes[i][j]`. */
  bytes: number[][];
}

/**
 * Builds the search table of each part: the drops from a sensitivity table (0 for the uncompressed
 * levels) and the real bytes of every (sparsity, bits) combination, from the smallest exact
 * encoding of the compressed tensor (see `losslessTensorStorage`).
 *
 * @example const choices = partChoices(parts, rows, { sparsities: [0, 0.5, 0.8], bits: [null, 8, 4] });
 * @param parts From {@link weightParts}.
 * @param rows From {@link measureSensitivity}; must cover every non-zero sparsity and every bit width.
 * @param levels The levels, mildest first: sparsity 0 and bits null mean "unchanged".
 * @param options CSR gap bits for the sizes.
 * @returns One entry per part.
 * @throws RangeError when a level was not measured for some part.
 */
export function partChoices(
  parts: readonly WeightPart[],
  rows: readonly SensitivityRow[],
  levels: { sparsities: number[]; bits: (number | null)[] },
  options: LosslessStorageOptions = {},
): PartChoices[] {
  const dropOf = (part: string, kind: 'sparsity' | 'bits', setting: number): number => {
    const row = rows.find((r) => r.part === part && r.kind === kind && r.setting === setting);
    if (!row) throw new RangeError(`the sensitivity rows must include ${part} at ${kind} ${setting}, got none`);
    return row.drop;
  };
  return parts.map((p) => ({
    part: p.name,
    sparsities: [...levels.sparsities],
    bits: [...levels.bits],
    sparsityDrops: levels.sparsities.map((s) => (s === 0 ? 0 : dropOf(p.name, 'sparsity', s))),
    bitsDrops: levels.bits.map((b) => (b === null ? 0 : dropOf(p.name, 'bits', b))),
    bytes: levels.sparsities.map((sparsity) =>
      levels.bits.map((bits) => {
        const c = compressPart(p, { sparsity, bits });
        return losslessTensorStorage(c.values, p.shape, c.codes, options).bytes;
      }),
    ),
  }));
}

/** One move of the greedy search. */
export interface AllocationStep {
  part: string;
  kind: 'sparsity' | 'bits';
  /** The new level's value. */
  to: number | null;
  bytesSaved: number;
  /** Increase of the predicted drop (0 for a free move). */
  dropAdded: number;
  /** Predicted drop after the move. */
  predictedDrop: number;
  /** Total bytes of the parts after the move. */
  bytes: number;
}

/** A configuration found by {@link greedyAllocation}. */
export interface Allocation {
  settings: Record<string, PartSetting>;
  /** Sum of the parts' predicted drops. */
  predictedDrop: number;
  /** Sum of the parts' bytes. */
  bytes: number;
  /** Bytes of the parts before any move. */
  startBytes: number;
  steps: AllocationStep[];
}

function checkChoices(choices: readonly PartChoices[]): void {
  if (!Array.isArray(choices) || choices.length === 0) throw new RangeError(`choices must be a non-empty array, got ${Array.isArray(choices) ? 0 : typeof choices}`);
  for (const c of choices) {
    const ns = c.sparsities.length;
    const nb = c.bits.length;
    if (ns === 0 || nb === 0) throw new RangeError(`part '${c.part}' must have at least one sparsity and one bit level`);
    if (c.sparsityDrops.length !== ns || c.bitsDrops.length !== nb) throw new RangeError(`part '${c.part}' must have one drop per level, got ${c.sparsityDrops.length}/${ns} and ${c.bitsDrops.length}/${nb}`);
    if (c.bytes.length !== ns || c.bytes.some((r: number[]) => r.length !== nb)) throw new RangeError(`part '${c.part}' must have bytes[${ns}][${nb}]`);
  }
}

/**
 * Greedy allocation of sparsity and bits per part under an accuracy budget.
 *
 * Prediction: a configuration's drop is the sum over parts of the measured drop at its sparsity
 * level plus the measured drop at its bit level (negative measurements, i.e. noise that looks like
 * an improvement, count as 0). Its size is the sum of the parts' measured bytes.
 *
 * Search: start with every part at its mildest levels. At each step consider every move of one
 * part to any harsher level on one axis (sparsity or bits) that saves bytes and keeps the predicted
 * drop within `maxDrop`. Take a free move (no added drop) that saves the most bytes if there is
 * one; otherwise the move with the most bytes saved per unit of added drop. Ties go to the larger
 * saving, then the earlier part, then sparsity before bits. Stop when no move is allowed. Each
 * step saves bytes, so the search ends after at most (levels per part) x (parts) steps.
 *
 * @example
 * const a = greedyAllocation(choices, { maxDrop: 0.01 });
 * a.settings['rnn_0/recurrent_kernel'] // { sparsity: 0.5, bits: 4 }
 * @param choices From {@link partChoices}, or hand-made.
 * @param options `maxDrop`: the largest predicted drop accepted (a fraction, 0.01 = one point).
 * @returns The settings, their predicted drop and bytes, and the moves made.
 * @throws RangeError for an empty or inconsistent table or a negative maxDrop.
 */
export function greedyAllocation(choices: readonly PartChoices[], options: { maxDrop: number }): Allocation {
  const { maxDrop } = options;
  if (!(typeof maxDrop === 'number' && maxDrop >= 0)) throw new RangeError(`maxDrop must be a number >= 0, got ${String(maxDrop)}`);
  checkChoices(choices);
  const at = choices.map(() => ({ s: 0, b: 0 }));
  const dropOf = (k: number): number => Math.max(0, choices[k].sparsityDrops[at[k].s]) + Math.max(0, choices[k].bitsDrops[at[k].b]);
  const bytesOf = (k: number): number => choices[k].bytes[at[k].s][at[k].b];
  const total = (f: (k: number) => number): number => choices.reduce((a, _, k) => a + f(k), 0);
  const startBytes = total(bytesOf);
  const steps: AllocationStep[] = [];
  for (;;) {
    const drop = total(dropOf);
    const bytes = total(bytesOf);
    let best: { k: number; kind: 'sparsity' | 'bits'; level: number; saved: number; added: number } | undefined;
    const better = (c: NonNullable<typeof best>): boolean => {
      if (!best) return true;
      const free = c.added <= 0;
      const bestFree = best.added <= 0;
      if (free !== bestFree) return free;
      if (free) return c.saved > best.saved;
      const r = c.saved / c.added;
      const rb = best.saved / best.added;
      return r > rb || (r === rb && c.saved > best.saved);
    };
    choices.forEach((c, k) => {
      const here = dropOf(k);
      const tryMove = (kind: 'sparsity' | 'bits', level: number): void => {
        const old = { ...at[k] };
        if (kind === 'sparsity') at[k].s = level;
        else at[k].b = level;
        const saved = c.bytes[old.s][old.b] - bytesOf(k);
        const added = dropOf(k) - here;
        at[k] = old;
        if (saved <= 0 || drop + added > maxDrop + 1e-12) return;
        const cand = { k, kind, level, saved, added };
        if (better(cand)) best = cand;
      };
      for (let s = at[k].s + 1; s < c.sparsities.length; s++) tryMove('sparsity', s);
      for (let b = at[k].b + 1; b < c.bits.length; b++) tryMove('bits', b);
    });
    if (!best) break;
    const move = best as { k: number; kind: 'sparsity' | 'bits'; level: number; saved: number; added: number };
    if (move.kind === 'sparsity') at[move.k].s = move.level;
    else at[move.k].b = move.level;
    steps.push({
      part: choices[move.k].part,
      kind: move.kind,
      to: move.kind === 'sparsity' ? choices[move.k].sparsities[move.level] : choices[move.k].bits[move.level],
      bytesSaved: move.saved,
      dropAdded: Math.max(0, move.added),
      predictedDrop: total(dropOf),
      bytes: bytes - move.saved,
    });
  }
  const settings: Record<string, PartSetting> = {};
  choices.forEach((c, k) => {
    settings[c.part] = { sparsity: c.sparsities[at[k].s], bits: c.bits[at[k].b] };
  });
  return { settings, predictedDrop: total(dropOf), bytes: total(bytesOf), startBytes, steps };
}

/** One round of {@link calibratedAllocation}. */
export interface CalibrationRound {
  /** The budget the greedy search was given this round. */
  budget: number;
  allocation: Allocation;
  /** The drop measured with the allocation applied. */
  measuredDrop: number;
  /** Whether the measured drop is within the user's `maxDrop`. */
  accepted: boolean;
}

/** Options of {@link calibratedAllocation}. */
export interface CalibrationOptions {
  /** The user's budget: the largest measured drop accepted. */
  maxDrop: number;
  /** Applies settings to the model and returns the measured drop. */
  measureDrop: (settings: Record<string, PartSetting>) => number | Promise<number>;
  /**
   * Rounds at most.
   * @default 4
   */
  maxRounds?: number;
  /**
   * Factor applied to the search budget after a round whose measured drop exceeded `maxDrop`.
   * @default 0.5
   */
  shrink?: number;
}

/**
 * The greedy search closed by measurement: search with the user's budget, measure the chosen
 * configuration for real, and while the measured drop exceeds the budget (the drops did not add
 * up), search again with a smaller budget. Stops at the first accepted configuration, after
 * `maxRounds`, or when shrinking no longer changes the configuration.
 *
 * @example
 * const { final, rounds } = await calibratedAllocation(choices, { maxDrop: 0.01, measureDrop: (s) => base - accuracyWith(s) });
 * @param choices From {@link partChoices}.
 * @param options Budget, measurement, rounds and shrink factor.
 * @returns Every round, and the final one: the accepted round, else the last.
 * @throws RangeError for a bad budget, maxRounds below 1 or shrink outside (0, 1); TypeError when
 *   measureDrop is not a function.
 */
export async function calibratedAllocation(
  choices: readonly PartChoices[],
  options: CalibrationOptions,
): Promise<{ final: CalibrationRound; rounds: CalibrationRound[] }> {
  const { maxDrop, measureDrop, maxRounds = 4, shrink = 0.5 } = options;
  if (typeof measureDrop !== 'function') throw new TypeError(`measureDrop must be a function of the settings, got ${typeof measureDrop}`);
  if (!(typeof maxDrop === 'number' && maxDrop >= 0)) throw new RangeError(`maxDrop must be a number >= 0, got ${String(maxDrop)}`);
  if (!(Number.isInteger(maxRounds) && maxRounds >= 1)) throw new RangeError(`maxRounds must be an integer >= 1, got ${maxRounds}`);
  if (!(shrink > 0 && shrink < 1)) throw new RangeError(`shrink must be in (0, 1), got ${shrink}`);
  checkChoices(choices);
  const rounds: CalibrationRound[] = [];
  let budget = maxDrop;
  while (rounds.length < maxRounds && budget >= 1e-9) {
    const allocation = greedyAllocation(choices, { maxDrop: budget });
    const previous = rounds[rounds.length - 1];
    // A smaller budget that changes nothing needs no new measurement: shrink again.
    if (previous && JSON.stringify(previous.allocation.settings) === JSON.stringify(allocation.settings)) {
      budget *= shrink;
      continue;
    }
    const measuredDrop = await measureDrop(allocation.settings);
    const accepted = measuredDrop <= maxDrop + 1e-12;
    rounds.push({ budget, allocation, measuredDrop, accepted });
    if (accepted) break;
    budget *= shrink;
  }
  const final = rounds.find((x) => x.accepted) ?? rounds[rounds.length - 1];
  return { final, rounds };
}
