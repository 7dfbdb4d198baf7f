/**
 * Size (or latency) against a metric for every compressed model, with the Pareto frontier: the
 * models that no other model beats on both axes at once.
 */
import { axis, baseLayout } from './layout';
import { isBetter, resolveMetric, type MetricDirection, type MetricSpec } from './metric';
import { normaliseTechnique, palette, techniqueColor, techniqueLabel } from './palette';
import { groupBy, hoverText, numberField, stringField, TEXT_HOVER, toRecords } from './records';
import type { Figure, RowsInput, Trace } from './types';

/** A point of a trade-off: `x` is a cost (smaller is better), `y` a metric. */
export interface ParetoPoint {
  x: number;
  y: number;
}

/**
 * Finds the Pareto-optimal points when `x` is a cost to minimise and `y` a metric to maximise
 * (`higher`) or minimise (`lower`). A point is on the frontier when no other point is at least
 * as good on both axes and strictly better on one; identical points are all on it.
 *
 * @example paretoFrontier([{ x: 1, y: 0.8 }, { x: 2, y: 0.7 }, { x: 3, y: 0.9 }], 'higher') // [0, 2]
 * @param points The points.
 * @param direction Whether a higher or a lower `y` is better.
 * @returns Indices of the frontier points, by increasing `x` (ties by index).
 * @throws TypeError when `points` is not an array.
 * @throws RangeError when a coordinate is not finite or the direction is not `higher` / `lower`.
 */
export function paretoFrontier(points: readonly ParetoPoint[], direction: MetricDirection): number[] {
  if (!Array.isArray(points)) throw new TypeError(`points must be an array, got ${typeof points}`);
  if (direction !== 'higher' && direction !== 'lower') throw new RangeError(`direction must be 'higher' or 'lower', got ${JSON.stringify(direction)}`);
  points.forEach((p, i) => {
    if (!Number.isFinite(p?.x) || !Number.isFinite(p?.y)) throw new RangeError(`points[${i}] must have finite x and y, got ${JSON.stringify(p)}`);
  });
  const sign = direction === 'higher' ? -1 : 1;
  // By cost, then best metric first: a point is optimal iff it beats everything cheaper.
  const order = points.map((_, i) => i).sort((a, b) => points[a].x - points[b].x || sign * (points[a].y - points[b].y) || a - b);
  const frontier: number[] = [];
  let best: number | undefined;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end < order.length && points[order[end]].x === points[order[start]].x) end++;
    const groupBest = points[order[start]].y;
    if (best === undefined || isBetter(groupBest, best, direction)) {
      for (let k = start; k < end && points[order[k]].y === groupBest; k++) frontier.push(order[k]);
      best = groupBest;
    }
    start = end;
  }
  return frontier;
}

/** Names and units of the cost fields the course records, for the x axis title. */
export const COST_AXES: Readonly<Record<string, { label: string; unit: string }>> = {
  bytes: { label: 'model size', unit: 'bytes' },
  latencyMs: { label: 'latency', unit: 'ms per sequence' },
};

/** Options of {@link paretoPlot}. */
export interface ParetoPlotOptions {
  /**
   * The metric on the y axis.
   * @default 'accuracy'
   */
  metric?: string | MetricSpec;
  /**
   * The cost field on the x axis (smaller is better).
   * @default 'bytes'
   */
  x?: string;
  /**
   * x axis title.
   * @default from {@link COST_AXES}, e.g. 'model size (bytes, log scale)', else the field name
   */
  xLabel?: string;
  /**
   * Logarithmic x axis.
   * @default true for `bytes`, false otherwise
   */
  logX?: boolean;
  /**
   * Figure title.
   * @default '<metric label> vs <x>: Pareto frontier'
   */
  title?: string;
}

/**
 * Builds a trade-off figure with its Pareto frontier.
 *
 * Each row is one model: `{ technique, <x>, <metric>, name?, ...settings }`. Points are coloured by
 * technique; the dense baseline (technique `baseline`) is a large star; the frontier is a staircase
 * line through the optimal points (a step holds the best metric reachable within that cost).
 *
 * @example
 * paretoPlot([
 *   { technique: 'baseline', bytes: 400_000, accuracy: 0.97 },
 *   { technique: 'quantization', bytes: 100_000, accuracy: 0.968 },
 * ])
 * @param rows Records or a danfo DataFrame.
 * @param options See {@link ParetoPlotOptions}.
 * @returns The figure: the frontier line first, then one marker trace per technique, the baseline last.
 * @throws TypeError when rows are not records or a field has the wrong type.
 * @throws RangeError when there are no rows, a cost is not positive on a log axis, or the metric direction is invalid.
 */
export function paretoPlot(rows: RowsInput, options: ParetoPlotOptions = {}): Figure {
  const { metric = 'accuracy', x: xKey = 'bytes' } = options;
  const { logX = xKey === 'bytes' } = options;
  const known = COST_AXES[xKey];
  const scale = logX ? 'log scale' : '';
  const { xLabel = known ? `${known.label} (${[known.unit, scale].filter(Boolean).join(', ')})` : `${xKey}${logX ? ` (${scale})` : ''}` } = options;
  const m = resolveMetric(metric);
  const points = toRecords(rows).map((r, i) => {
    const where = `rows[${i}]`;
    const x = numberField(r, xKey, where);
    if (logX && x <= 0) throw new RangeError(`${where}.${xKey} must be > 0 on a log axis, got ${x}`);
    if (x < 0) throw new RangeError(`${where}.${xKey} must be >= 0, got ${x}`);
    return { x, y: numberField(r, m.key, where), technique: stringField(r, 'technique', where, 'other'), row: r };
  });
  const onFrontier = new Set(paretoFrontier(points, m.direction));
  const hover = (i: number): string => `${hoverText(points[i].row, ['name', 'technique', xKey, m.key])}<br>on Pareto frontier: ${onFrontier.has(i) ? 'yes' : 'no'}`;
  const front = [...onFrontier];
  const data: Trace[] = [
    {
      type: 'scatter',
      mode: 'lines',
      name: 'Pareto frontier',
      x: front.map((i) => points[i].x),
      y: front.map((i) => points[i].y),
      line: { color: palette.neutral, width: 1.5, shape: 'hv' },
      hoverinfo: 'skip',
    },
  ];
  const indexed = points.map((p, i) => ({ ...p, i }));
  const isBaseline = (t: string): boolean => normaliseTechnique(t) === 'baseline';
  const groups = groupBy(indexed, (p) => (isBaseline(p.technique) ? 'baseline' : techniqueLabel(p.technique)));
  for (const [label, members] of groups) {
    if (label === 'baseline') continue;
    const color = techniqueColor(members[0].technique);
    data.push({
      type: 'scatter',
      mode: 'markers',
      name: label,
      x: members.map((p) => p.x),
      y: members.map((p) => p.y),
      text: members.map((p) => hover(p.i)),
      hovertemplate: TEXT_HOVER,
      marker: { color, size: 9, line: { color: '#ffffff', width: 1 } },
    });
  }
  const base = groups.get('baseline');
  if (base) {
    data.push({
      type: 'scatter',
      mode: 'markers',
      name: techniqueLabel('baseline'),
      x: base.map((p) => p.x),
      y: base.map((p) => p.y),
      text: base.map((p) => hover(p.i)),
      hovertemplate: TEXT_HOVER,
      marker: { color: palette.technique.baseline, symbol: 'star', size: 16, line: { color: '#ffffff', width: 1 } },
    });
  }
  return {
    data,
    layout: baseLayout(
      options.title ?? `${m.label} vs ${xKey}: Pareto frontier`,
      // SI-formatted labels on every log tick: plotly otherwise labels the ticks inside a decade
      // with a bare leading digit ("2" for 20k), which reads as a wrong size.
      axis(xLabel, logX ? { type: 'log', tickformat: '~s' } : {}),
      axis(m.axisTitle, m.tickformat ? { tickformat: m.tickformat } : {}),
      { legend: { title: { text: 'technique' } } },
    ),
  };
}
