/**
 * Loss or metric per epoch for several models, train solid and validation dashed, one colour
 * per model.
 */
import { axis, baseLayout } from './layout';
import { resolveMetric, type MetricSpec } from './metric';
import { categoricalColor, cellColor, techniqueColor } from './palette';
import { formatValue, TEXT_HOVER } from './records';
import type { Figure, Trace } from './types';

/**
 * Per-epoch values keyed by name, as in `tf.History.history` (`loss`, `val_loss`, `acc`, ...).
 * Typed loosely because tfjs types them `number | Tensor`; `fit` has made them numbers, and
 * anything else is rejected when the figure is built.
 */
export type HistoryValues = Record<string, ArrayLike<unknown>>;

/** One model's training history. */
export interface HistoryInput {
  /** Legend name of the model, e.g. `LSTM(64) 50% magnitude`. */
  name: string;
  /** The values per epoch, or the `tf.History` object that `model.fit` returned. */
  history: HistoryValues | { history: HistoryValues; epoch?: readonly number[] };
  /**
   * Epoch numbers for the x axis. tfjs's own `History.epoch` counts from 0; plots count passes
   * over the data, so the default is 1, 2, ..., n.
   * @default [1, ..., n]
   */
  epochs?: readonly number[];
  /** Technique, used for the colour when each model has a different one. */
  technique?: string;
  /** Cell type, used for the colour when each model has a different one (and no technique is given). */
  cell?: string;
  /** Explicit colour; wins over everything else. */
  color?: string;
  /** Settings listed in the hover text (units, sparsity, learningRate, ...). */
  settings?: Record<string, unknown>;
}

/** Options of {@link trainingCurves}. */
export interface TrainingCurvesOptions {
  /**
   * Which curve: a history key (`loss`, `acc`, `mae`, ...) or a full description.
   * @default 'loss'
   */
  metric?: string | MetricSpec;
  /**
   * Draw the `val_<key>` curves when present.
   * @default true
   */
  validation?: boolean;
  /**
   * Figure title.
   * @default '<metric label> per epoch'
   */
  title?: string;
}

function historyValues(h: HistoryInput, i: number): HistoryValues {
  const raw = h.history as { history?: unknown };
  const values = (raw && typeof raw === 'object' && 'history' in raw && typeof raw.history === 'object' ? raw.history : h.history) as unknown;
  if (typeof values !== 'object' || values === null) {
    throw new TypeError(`histories[${i}].history must be an object of per-epoch arrays or a tf.History, got ${values === null ? 'null' : typeof values}`);
  }
  return values as HistoryValues;
}

function series(values: HistoryValues, key: string, where: string): (number | null)[] {
  const v = values[key];
  if (v === undefined || typeof v !== 'object' || typeof v.length !== 'number') {
    throw new TypeError(`${where}.${key} must be an array of numbers, got ${v === undefined ? 'undefined (missing key; have ' + Object.keys(values).join(', ') + ')' : typeof v}`);
  }
  return Array.from(v, (x, e) => {
    if (typeof x !== 'number') throw new TypeError(`${where}.${key}[${e}] must be a number, got ${JSON.stringify(x)}`);
    // A diverged run's NaN is drawn as a gap rather than rejected: that plot is the one that explains it.
    return Number.isFinite(x) ? x : null;
  });
}

function allDistinct(colors: (string | undefined)[]): colors is string[] {
  return colors.every((c) => c !== undefined) && new Set(colors).size === colors.length;
}

/** Chooses colours so that each model gets its own: technique colours, else cell colours, else a cycle. */
function modelColors(histories: readonly HistoryInput[]): string[] {
  const byTechnique = histories.map((h) => (h.technique === undefined ? undefined : techniqueColor(h.technique)));
  const byCell = histories.map((h) => (h.cell === undefined ? undefined : cellColor(h.cell)));
  const fallback = allDistinct(byTechnique) ? byTechnique : allDistinct(byCell) ? byCell : histories.map((_, i) => categoricalColor(i));
  return histories.map((h, i) => h.color ?? fallback[i]);
}

/**
 * Builds a figure of training curves.
 *
 * Colours: when every model has a different technique, the technique colours (same as the other
 * figures); else, when every model has a different cell type, the cell colours; else one colour
 * per model from the categorical cycle. Non-finite values (a diverged run) are drawn as gaps.
 *
 * @example
 * const h = await model.fit(xs, ys, { epochs: 5, validationSplit: 0.1 });
 * show(trainingCurves([{ name: 'LSTM(64)', history: h, cell: 'LSTM' }], { metric: 'acc' }));
 * @param histories One entry per model.
 * @param options See {@link TrainingCurvesOptions}.
 * @returns The figure: per model a train trace, then a validation trace when present.
 * @throws TypeError when `histories` is not an array, or a history lacks the metric or holds non-numbers.
 * @throws RangeError when `histories` is empty, a validation or `epochs` array differs in length from the training array, or the metric direction is invalid.
 */
export function trainingCurves(histories: readonly HistoryInput[], options: TrainingCurvesOptions = {}): Figure {
  const { metric = 'loss', validation = true } = options;
  if (!Array.isArray(histories)) throw new TypeError(`histories must be an array, got ${typeof histories}`);
  if (histories.length === 0) throw new RangeError('histories must not be empty, got 0 histories');
  const m = resolveMetric(metric);
  histories.forEach((h, i) => {
    if (typeof h !== 'object' || h === null || typeof h.name !== 'string') {
      throw new TypeError(`histories[${i}] must be { name: string, history }, got ${JSON.stringify(h)}`);
    }
  });
  const colors = modelColors(histories);
  const data: Trace[] = [];
  histories.forEach((h, i) => {
    const where = `histories[${i}].history`;
    const values = historyValues(h, i);
    const train = series(values, m.key, where);
    const valKey = `val_${m.key}`;
    const val = validation && values[valKey] !== undefined ? series(values, valKey, where) : undefined;
    if (val && val.length !== train.length) {
      throw new RangeError(`${where}.${valKey} must have one value per epoch like ${m.key} (${train.length}), got ${val.length}`);
    }
    const epochs: number[] = h.epochs ? [...h.epochs] : train.map((_, e) => e + 1);
    if (epochs.length !== train.length) {
      throw new RangeError(`histories[${i}].epochs must have one entry per value of ${m.key} (${train.length}), got ${epochs.length}`);
    }
    const settings = Object.entries(h.settings ?? {}).map(([k, v]) => `<br>${k}: ${formatValue(v)}`).join('');
    const hover = (split: string, ys: (number | null)[]): string[] =>
      ys.map((y, e) => `${h.name} (${split})<br>epoch: ${epochs[e]}<br>${m.key}: ${y === null ? 'not finite' : formatValue(y)}${settings}`);
    const common = { type: 'scatter' as const, mode: 'lines+markers' as const, x: epochs, legendgroup: `model-${i}`, hovertemplate: TEXT_HOVER };
    data.push({ ...common, name: `${h.name} (train)`, y: train, text: hover('train', train), line: { color: colors[i], dash: 'solid', width: 2 }, marker: { color: colors[i], size: 5 } });
    if (val) {
      data.push({ ...common, name: `${h.name} (validation)`, y: val, text: hover('validation', val), line: { color: colors[i], dash: 'dash', width: 2 }, marker: { color: colors[i], size: 5, symbol: 'circle-open' } });
    }
  });
  const title = options.title ?? `${m.label} per epoch`;
  const longest = Math.max(...data.map((t) => (t.x as number[]).length));
  // One tick per epoch while that stays readable; plotly would otherwise label epoch 1.5.
  const xaxis = axis('epoch (passes over the training set)', longest <= 20 ? { dtick: 1 } : {});
  return { data, layout: baseLayout(title, xaxis, axis(m.axisTitle, m.tickformat ? { tickformat: m.tickformat } : {})) };
}
