/**
 * A metric over repeated seeds: the mean of each setting with an error bar for the spread across
 * seeds, and the individual seeds as faint markers, so that a reader sees how much of a gap
 * between two settings is the luck of the seed.
 */
import { summarizeSeeds } from '../report/seeds';
import { axis, baseLayout } from './layout';
import { resolveMetric, type MetricSpec } from './metric';
import { categoricalColor, cellColor, normaliseCell, normaliseTechnique, techniqueColor, techniqueLabel, withAlpha } from './palette';
import { groupBy, hoverText, stringField, TEXT_HOVER, toRecords } from './records';
import type { Axis, Figure, ResultRecord, Trace } from './types';

/** One setting of one group measured over seeds. */
export interface SeedRow {
  /** The series the setting belongs to, e.g. a cell or a technique: one colour and one legend entry. */
  group: string;
  /** The setting: a number (temperature, sparsity) or a category name. */
  x: number | string;
  /** The metric, one value per seed. */
  values: readonly number[];
  /** The seeds, in the order of `values`, for the hover text. */
  seeds?: readonly number[];
}

/** Which spread the error bars show. */
export type SeedSpread = 'std' | 'standardError';

/** Options of {@link metricOverSeeds}. */
export interface MetricOverSeedsOptions {
  /**
   * The metric on the y axis (its label, unit and tick format).
   * @default 'accuracy'
   */
  metric?: string | MetricSpec;
  /**
   * Error bars: the sample standard deviation across seeds (how much one run varies) or the
   * standard error of the mean (how well the mean is known).
   * @default 'std'
   */
  spread?: SeedSpread;
  /**
   * x axis title.
   * @default 'setting'
   */
  xLabel?: string;
  /**
   * x axis type; `auto` is `linear` when every x is a number, else `category`. Categories are
   * drawn at 0, 1, 2, ... on a linear axis labelled with their names, so that groups can stand
   * side by side.
   * @default 'auto'
   */
  xType?: 'auto' | 'linear' | 'log' | 'category';
  /**
   * Draw every seed as a faint marker next to the mean.
   * @default true
   */
  showSeeds?: boolean;
  /**
   * Figure title.
   * @default '<metric label> over seeds (mean ± std)' or '(mean ± s.e.)'
   */
  title?: string;
}

/** plotly's error bar attributes, which {@link Trace} does not declare. */
interface ErrorBar {
  type: 'data';
  array: number[];
  visible: boolean;
  color?: string;
  thickness?: number;
  width?: number;
}

/** A scatter trace with error bars. */
interface SpreadTrace extends Trace {
  error_y?: ErrorBar;
}

/**
 * Distance between neighbouring groups at one category, in category widths. Groups are placed by
 * hand rather than with plotly's `scattermode: 'group'`, which pulls the y axis down to 0 and which
 * older plotly.js renderers (JupyterLab, VS Code) do not know.
 */
const GROUP_STEP = 0.2;
/** The widest spread of groups at one category, in category widths. */
const GROUP_SPAN = 0.6;

const SPREADS: readonly SeedSpread[] = ['std', 'standardError'];
const X_TYPES = ['auto', 'linear', 'log', 'category'] as const;

interface Point {
  group: string;
  x: number | string;
  values: number[];
  seeds: number[] | undefined;
  mean: number;
  std: number;
  standardError: number;
}

function readRow(r: ResultRecord, i: number): Point {
  const where = `rows[${i}]`;
  const group = stringField(r, 'group', where);
  const x = r.x;
  if (typeof x !== 'number' && typeof x !== 'string') {
    throw new TypeError(`${where}.x must be a number or a string, got ${x === undefined ? 'undefined (missing field)' : JSON.stringify(x)}`);
  }
  if (typeof x === 'number' && !Number.isFinite(x)) throw new RangeError(`${where}.x must be finite, got ${x}`);
  if (!Array.isArray(r.values)) throw new TypeError(`${where}.values must be an array of numbers (one per seed), got ${JSON.stringify(r.values)}`);
  let s;
  try {
    s = summarizeSeeds(r.values as number[]);
  } catch (e) {
    // Name the row, so that a bad value in a long table can be found.
    if (e instanceof RangeError) throw new RangeError(`${where}.${e.message}`);
    if (e instanceof TypeError) throw new TypeError(`${where}.${e.message}`);
    throw e;
  }
  const seeds = r.seeds;
  if (seeds !== undefined) {
    if (!Array.isArray(seeds) || !seeds.every((v) => Number.isInteger(v))) throw new TypeError(`${where}.seeds must be an array of integers, got ${JSON.stringify(seeds)}`);
    if (seeds.length !== s.n) throw new RangeError(`${where}.seeds must hold one seed per value (${s.n}), got ${seeds.length}`);
  }
  return { group, x, values: s.values, seeds: seeds as number[] | undefined, mean: s.mean, std: s.std, standardError: s.standardError };
}

/** Cells and techniques keep their course colours; any other grouping uses the categorical cycle. */
function colorsFor(groups: readonly string[]): { color: (group: string, index: number) => string; label: (group: string) => string } {
  if (groups.every((g) => normaliseCell(g))) return { color: (g) => cellColor(g), label: (g) => g };
  if (groups.every((g) => normaliseTechnique(g))) return { color: (g) => techniqueColor(g), label: (g) => techniqueLabel(g) };
  return { color: (_, i) => categoricalColor(i), label: (g) => g };
}

/**
 * Builds a figure of a metric's mean over seeds with its spread.
 *
 * Each row is one setting of one group: `{ group, x, values: [one per seed], seeds? }`. Each group
 * gets a trace of its means with error bars (the sample standard deviation by default) and, unless
 * `showSeeds` is false, a trace of its individual seeds as faint markers. On a numeric x axis the
 * means are joined by a line and sorted by x; with categories (strings, or `xType: 'category'`) the
 * categories keep the order of the rows and the groups stand side by side at each one, the category
 * drawn at position 0, 1, 2, ... of a linear axis labelled with its name.
 *
 * @example
 * metricOverSeeds([
 *   { group: 'LSTM', x: 1, values: [0.91, 0.92, 0.90], seeds: [42, 43, 44] },
 *   { group: 'LSTM', x: 4, values: [0.95, 0.96, 0.95], seeds: [42, 43, 44] },
 * ], { metric: 'accuracy', xLabel: 'temperature T' })
 * @param rows One record per (group, x).
 * @param options See {@link MetricOverSeedsOptions}.
 * @returns The figure: one seeds trace per group (drawn underneath), then one mean trace per group, groups in order of first appearance.
 * @throws TypeError when rows are not records, or `group`, `x`, `values` or `seeds` has the wrong type.
 * @throws RangeError when there are no rows, an x or a value is not finite, a row has no values, `seeds` has the wrong length, a (group, x) pair repeats, an option is invalid, or a log axis gets a non-positive or non-numeric x.
 */
export function metricOverSeeds(rows: readonly SeedRow[], options: MetricOverSeedsOptions = {}): Figure {
  const { metric = 'accuracy', spread = 'std', xLabel = 'setting', xType = 'auto', showSeeds = true } = options;
  const m = resolveMetric(metric);
  if (!SPREADS.includes(spread)) throw new RangeError(`spread must be one of ${SPREADS.join(', ')}, got ${JSON.stringify(spread)}`);
  if (!X_TYPES.includes(xType)) throw new RangeError(`xType must be one of ${X_TYPES.join(', ')}, got ${JSON.stringify(xType)}`);
  if (typeof xLabel !== 'string') throw new TypeError(`xLabel must be a string, got ${typeof xLabel}`);
  if (typeof showSeeds !== 'boolean') throw new TypeError(`showSeeds must be a boolean, got ${JSON.stringify(showSeeds)}`);
  const points = toRecords(rows as unknown as ResultRecord[]).map(readRow);
  const allNumeric = points.every((p) => typeof p.x === 'number');
  const type = xType === 'auto' ? (allNumeric ? 'linear' : 'category') : xType;
  if (type !== 'category' && !allNumeric) throw new RangeError(`xType '${type}' needs every x to be a number, got ${JSON.stringify(points.find((p) => typeof p.x !== 'number')?.x)}`);
  if (type === 'log' && points.some((p) => (p.x as number) <= 0)) throw new RangeError(`xType 'log' needs every x to be positive, got ${points.find((p) => (p.x as number) <= 0)?.x}`);
  const categorical = type === 'category';
  const seen = new Set<string>();
  points.forEach((p, i) => {
    const key = JSON.stringify([p.group, categorical ? String(p.x) : p.x]);
    if (seen.has(key)) throw new RangeError(`rows[${i}] repeats group ${JSON.stringify(p.group)} at x = ${JSON.stringify(p.x)}; put all seeds of a setting in one row`);
    seen.add(key);
  });
  const spreadName = spread === 'std' ? 'std' : 's.e.';
  const groups = groupBy(points, (p) => p.group);
  const colors = colorsFor([...groups.keys()]);
  const categories = categorical ? [...new Set(points.map((p) => String(p.x)))] : [];
  const step = groups.size > 1 ? Math.min(GROUP_STEP, GROUP_SPAN / (groups.size - 1)) : 0;
  const seedTraces: Trace[] = [];
  const meanTraces: Trace[] = [];
  let g = 0;
  for (const [group, members] of groups) {
    const offset = (g - (groups.size - 1) / 2) * step;
    const position = (p: Point): number | string => (categorical ? categories.indexOf(String(p.x)) + offset : p.x);
    const sorted = categorical ? members : members.slice().sort((a, b) => (a.x as number) - (b.x as number));
    const color = colors.color(group, g++);
    const name = colors.label(group);
    const seedsTrace: SpreadTrace = {
      type: 'scatter',
      mode: 'markers',
      name: `${name} (seeds)`,
      x: sorted.flatMap((p) => p.values.map(() => position(p))),
      y: sorted.flatMap((p) => p.values),
      text: sorted.flatMap((p) => p.values.map((v, k) => hoverText({ [xLabel]: p.x, [p.seeds ? 'seed' : 'run']: p.seeds ? p.seeds[k] : k + 1, [m.key]: v }))),
      hovertemplate: TEXT_HOVER,
      marker: { color: withAlpha(color, 0.35), size: 6 },
      legendgroup: group,
      showlegend: false,
    };
    const meanTrace: SpreadTrace = {
      type: 'scatter',
      mode: categorical ? 'markers' : 'lines+markers',
      name,
      x: sorted.map(position),
      y: sorted.map((p) => p.mean),
      error_y: { type: 'data', array: sorted.map((p) => (spread === 'std' ? p.std : p.standardError)), visible: true, color, thickness: 1.5, width: 6 },
      text: sorted.map((p) => hoverText({
        [xLabel]: p.x,
        [`mean ${m.key}`]: p.mean,
        std: p.std,
        's.e.': p.standardError,
        seeds: p.seeds ? p.seeds.join(', ') : p.values.length,
      })),
      hovertemplate: TEXT_HOVER,
      line: { color, width: 2 },
      marker: { color, size: 9 },
      legendgroup: group,
    };
    if (showSeeds) seedTraces.push(seedsTrace);
    meanTraces.push(meanTrace);
  }
  // Categories sit at 0, 1, 2, ... on a linear axis labelled with their names, so that groups can be offset.
  const xAxis: Axis = categorical
    ? axis(xLabel, { type: 'linear', tickvals: categories.map((_, i) => i), ticktext: categories, range: [-0.5, categories.length - 0.5] })
    : axis(xLabel, { type });
  const layout = baseLayout(
    options.title ?? `${m.label} over seeds (mean ± ${spreadName})`,
    xAxis,
    axis(`mean ${m.axisTitle}`, m.tickformat ? { tickformat: m.tickformat } : {}),
    { legend: { title: { text: 'group' } } },
  );
  return { data: [...seedTraces, ...meanTraces], layout };
}
