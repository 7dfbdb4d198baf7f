/**
 * Helpers for sweeps that compare compressed models of different sizes (structured pruning against
 * magnitude pruning, low-rank factorisation at several ranks): fixed data subsets so that a sweep
 * evaluates and fine-tunes every model on the same sequences, magnitude pruning to an exact number
 * of non-zero weights so that the two kinds of pruning are compared at equal parameters, and a
 * figure of a metric against any numeric setting (units kept, rank, parameters), and latency
 * measured in interleaved rounds so that models of a sweep are timed under the same conditions.
 */
import * as tf from '@tensorflow/tfjs';
import { sliceSplit } from '../data/split';
import type { SequenceDataset } from '../data/types';
import { countParameters } from '../metrics/counts';
import { measureLatency, quantileSorted } from '../metrics/latency';
import { globalUnstructured } from '../pruning/unstructured';
import { pruningStateOf, type PruningState } from '../pruning/state';
import { selectWeights, type WeightSelection } from '../pruning/selection';
import { axis, baseLayout, referenceLine } from '../plots/layout';
import { resolveMetric, type MetricSpec } from '../plots/metric';
import { techniqueLabel } from '../plots/palette';
import { groupBy, hoverText, numberField, stringField, TEXT_HOVER, toRecords } from '../plots/records';
import { groupColor, UNGROUPED } from '../plots/sparsity';
import type { Dash, Figure, ResultRecord, RowsInput, Trace } from '../plots/types';

export { subsetDataset } from '../data/subset';
export type { SubsetSizes } from '../data/subset';

/** Selected weights that are exactly 0 but not masked: magnitude pruning would pick them first. */
function unmaskedZeros(model: tf.LayersModel, selection: WeightSelection): number {
  const state = pruningStateOf(model);
  let zeros = 0;
  for (const ref of selectWeights(model, selection)) {
    const values = ref.variable.read().dataSync();
    const mask = state && !state.isRemoved ? state.maskOf(ref) : undefined;
    for (let i = 0; i < values.length; i++) if (values[i] === 0 && (!mask || mask[i] !== 0)) zeros++;
  }
  return zeros;
}

/**
 * Global magnitude pruning (prune.py's `global_unstructured`) down to an exact number of non-zero
 * parameters in the whole model, biases and unselected weights included. This is the unstructured
 * model "at the same parameter count" as a structurally pruned one: give it the structured model's
 * `countParams()`.
 *
 * @example
 * const small = removeUnits(model, { layer: 'rnn_0', keep: 32 }).model;
 * const state = pruneToParameterCount(twin, small.countParams()); // twin: a copy of model
 * countParameters(twin).total.nonZeros === small.countParams() // true
 * @param model The model, changed in place (its masks compose with any it already has).
 * @param parameters Non-zero parameters to leave, an integer.
 * @param selection Which weights may be pruned; by default kernels and recurrent kernels.
 * @returns The model's pruning state (pass it to `train` as a callback when fine-tuning).
 * @throws RangeError when `parameters` is not an integer between the non-zeros that cannot be
 *   pruned (biases, unselected weights) and the model's current non-zeros; nothing changes then.
 */
export function pruneToParameterCount(model: tf.LayersModel, parameters: number, selection: WeightSelection = {}): PruningState {
  if (!Number.isInteger(parameters)) throw new RangeError(`parameters must be an integer, got ${parameters}`);
  const current = countParameters(model).total.nonZeros;
  const selected = selectWeights(model, selection);
  let prunable = 0;
  for (const ref of selected) {
    const values = ref.variable.read().dataSync();
    for (let i = 0; i < values.length; i++) if (values[i] !== 0) prunable++;
  }
  const floor = current - prunable;
  if (parameters < floor || parameters > current) {
    throw new RangeError(`parameters must be in [${floor}, ${current}] (the non-zeros that cannot be pruned, and all non-zeros), got ${parameters}`);
  }
  // Magnitude order puts unmasked exact zeros first; they must be masked too to reach the count.
  const amount = current - parameters + unmaskedZeros(model, selection);
  return globalUnstructured(model, { amount, ...selection });
}

/** Options of {@link metricVsSetting}. */
export interface MetricVsSettingOptions {
  /** Numeric field on the x axis, e.g. `units` or `rank`. */
  x: string;
  /**
   * x axis title, with the unit.
   * @default the field name
   */
  xLabel?: string;
  /**
   * The metric on the y axis: a known name or a full description (with `direction` for others).
   * @default 'accuracy'
   */
  metric?: string | MetricSpec;
  /**
   * y axis title, for quantities where "higher/lower is better" means nothing (singular values).
   * @default the metric's axis title, e.g. 'accuracy (% of sequences; higher is better)'
   */
  yLabel?: string;
  /**
   * Field whose values make the lines, coloured as in the other figures for `technique` and `cell`.
   * @default 'technique'
   */
  groupBy?: string;
  /**
   * Field whose values vary the dash within a group (first value solid, then dash, dot, ...),
   * e.g. `fineTuned`.
   * @default undefined (every line solid)
   */
  dashBy?: string;
  /**
   * Metric of the uncompressed model, drawn as a dotted horizontal line.
   * @default undefined (no line)
   */
  baseline?: number;
  /**
   * Label of the baseline line.
   * @default 'dense baseline'
   */
  baselineLabel?: string;
  /** @default false */
  logX?: boolean;
  /** @default false */
  logY?: boolean;
  /**
   * Figure title.
   * @default '<metric label> vs <x>'
   */
  title?: string;
}

const DASHES: readonly Dash[] = ['solid', 'dash', 'dot', 'dashdot', 'longdash'];

/**
 * Builds a figure of a metric against a numeric setting, one line per group (and per dash value),
 * points of a line sorted by x.
 *
 * @example
 * show(metricVsSetting(rows, { x: 'units', xLabel: 'units kept', dashBy: 'fineTuned', baseline: 0.98 }));
 * @param rows Records or a danfo DataFrame: `{ <x>, <metric>, <groupBy>?, <dashBy>?, ... }`.
 * @param options See {@link MetricVsSettingOptions}.
 * @returns The figure, one trace per (group, dash value) in order of first appearance.
 * @throws TypeError when rows are not records, or the x field or the metric is missing or not a number.
 * @throws RangeError when there are no rows, a value is not finite or not positive on a log axis,
 *   the baseline is not finite (or not positive on a log y axis), or the metric direction is invalid.
 */
export function metricVsSetting(rows: RowsInput, options: MetricVsSettingOptions): Figure {
  if (options === null || typeof options !== 'object' || typeof options.x !== 'string' || options.x === '') {
    throw new TypeError(`options.x must name a numeric field, got ${JSON.stringify(options?.x)}`);
  }
  const { x: xKey, metric = 'accuracy', groupBy: field = 'technique', dashBy, baseline, logX = false, logY = false } = options;
  const { xLabel = xKey, baselineLabel = 'dense baseline' } = options;
  const m = resolveMetric(metric);
  if (baseline !== undefined && !Number.isFinite(baseline)) throw new RangeError(`baseline must be a finite number, got ${baseline}`);
  const points = toRecords(rows).map((r, i) => {
    const where = `rows[${i}]`;
    const x = numberField(r, xKey, where);
    const y = numberField(r, m.key, where);
    if (logX && x <= 0) throw new RangeError(`${where}.${xKey} must be > 0 on a log axis, got ${x}`);
    if (logY && y <= 0) throw new RangeError(`${where}.${m.key} must be > 0 on a log axis, got ${y}`);
    const dash = dashBy === undefined ? '' : stringField(r, dashBy, where, UNGROUPED);
    return { x, y, group: stringField(r, field, where, UNGROUPED), dash, row: r };
  });
  const dashValues = [...new Set(points.map((p) => p.dash))];
  const groupIndex = [...new Set(points.map((p) => p.group))];
  const data: Trace[] = [];
  for (const members of groupBy(points, (p) => `${p.group}\u0000${p.dash}`).values()) {
    const { group, dash } = members[0];
    const sorted = members.slice().sort((a, b) => a.x - b.x);
    const color = groupColor(field, group, groupIndex.indexOf(group));
    const name = field === 'technique' ? techniqueLabel(group) : group;
    data.push({
      type: 'scatter',
      mode: 'lines+markers',
      name: dashBy === undefined ? name : `${name} (${dashBy}: ${dash})`,
      x: sorted.map((p) => p.x),
      y: sorted.map((p) => p.y),
      text: sorted.map((p) => hoverText(p.row as ResultRecord, [xKey, m.key])),
      hovertemplate: TEXT_HOVER,
      line: { color, width: 2, dash: DASHES[dashValues.indexOf(dash) % DASHES.length] },
      marker: { color, size: 7 },
    });
  }
  if (logY && baseline !== undefined && baseline <= 0) throw new RangeError(`baseline must be > 0 on a log axis, got ${baseline}`);
  const ref = baseline === undefined ? undefined : referenceLine(baseline, baselineLabel);
  // plotly.js places shapes in data units on a log axis, but annotations in log10 units.
  if (ref && logY) ref.annotation.y = Math.log10(baseline as number);
  return {
    data,
    layout: baseLayout(
      options.title ?? `${m.label} vs ${xLabel}`,
      axis(`${xLabel}${logX ? ' (log scale)' : ''}`, logX ? { type: 'log' } : {}),
      axis(options.yLabel ?? m.axisTitle, { ...(m.tickformat ? { tickformat: m.tickformat } : {}), ...(logY ? { type: 'log' as const } : {}) }),
      { legend: { title: { text: field } }, ...(ref ? { shapes: [ref.shape], annotations: [ref.annotation] } : {}) },
    ),
  };
}

/** Options of {@link compareLatency}. */
export interface CompareLatencyOptions {
  /**
   * Rounds over all models; each round times every model once with `measureLatency`.
   * @default 3
   */
  rounds?: number;
  /**
   * Timed runs per model and round.
   * @default 5
   */
  repeats?: number;
  /**
   * Untimed runs per model before the first round.
   * @default 2
   */
  warmup?: number;
}

/** Latency of one model in a {@link compareLatency} run, in milliseconds. */
export interface ComparedLatency {
  /** Median over the rounds of each round's median. */
  medianMs: number;
  /** Each round's median, in round order. */
  roundsMs: number[];
}

/**
 * Measures several models' latency on the same input in interleaved rounds (every model once per
 * round, the order rotated from round to round), so that a slow spell of a shared machine or a
 * back end still warming up affects all models alike instead of whichever was timed first. Each
 * timing is `measureLatency`'s median; the result is the median over rounds.
 *
 * @example
 * const lat = compareLatency({ dense: model, small }, xs, { rounds: 3, repeats: 5 });
 * lat.dense.medianMs / lat.small.medianMs // speed-up
 * @param models Models by name; they are not changed.
 * @param input A batch every model accepts; not disposed.
 * @param options See {@link CompareLatencyOptions}.
 * @returns One entry per model, by the same names.
 * @throws TypeError when `models` is empty or holds something that is not a layers model.
 * @throws RangeError when rounds or repeats is not a positive integer, or warmup a non-negative one.
 */
export function compareLatency(models: Record<string, tf.LayersModel>, input: tf.Tensor | tf.Tensor[], options: CompareLatencyOptions = {}): Record<string, ComparedLatency> {
  const { rounds = 3, repeats = 5, warmup = 2 } = options;
  const names = Object.keys(models ?? {});
  if (names.length === 0) throw new TypeError('models must map at least one name to a tf.LayersModel, got none');
  for (const name of names) {
    if (!(models[name] instanceof tf.LayersModel)) throw new TypeError(`models.${name} must be a tf.LayersModel, got ${typeof models[name]}`);
  }
  for (const [key, value, min] of [['rounds', rounds, 1], ['repeats', repeats, 1], ['warmup', warmup, 0]] as const) {
    if (!Number.isInteger(value) || value < min) throw new RangeError(`${key} must be an integer >= ${min}, got ${value}`);
  }
  for (const name of names) if (warmup > 0) measureLatency(models[name], input, { repeats: warmup, warmup: 0 });
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length];
      times[name].push(measureLatency(models[name], input, { repeats, warmup: 0 }).medianMs);
    }
  }
  return Object.fromEntries(
    names.map((n) => [n, { medianMs: quantileSorted([...times[n]].sort((a, b) => a - b), 0.5), roundsMs: times[n] }]),
  );
}
