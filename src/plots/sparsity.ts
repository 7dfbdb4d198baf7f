/**
 * A metric against sparsity, one line per cell type, scope or technique: the figure every
 * pruning notebook ends with.
 */
import { axis, baseLayout, referenceLine } from './layout';
import { resolveMetric, type MetricSpec } from './metric';
import { categoricalColor, cellColor, techniqueColor, techniqueLabel } from './palette';
import { groupBy, hoverText, numberField, stringField, TEXT_HOVER, toRecords } from './records';
import type { Figure, ResultRecord, RowsInput, Trace } from './types';

/** Options of {@link metricVsSparsity}. */
export interface MetricVsSparsityOptions {
  /**
   * The metric on the y axis: a known name (`accuracy`, `perplexity`, `mae`, ...) or a full
   * description, which must give the direction for other names.
   * @default 'accuracy'
   */
  metric?: string | MetricSpec;
  /**
   * Field whose values make the lines: `cell`, `scope`, `technique` or any other field. `cell`
   * and `technique` use the shared colours; other fields use the categorical cycle.
   * @default 'cell'
   */
  groupBy?: string;
  /**
   * Metric of the dense model, drawn as a dotted horizontal line.
   * @default undefined (no line)
   */
  baseline?: number;
  /**
   * Figure title.
   * @default '<metric label> vs sparsity'
   */
  title?: string;
}

/** Name of the line that rows without the grouping field go to. */
export const UNGROUPED = 'all rows';

/**
 * The colour of a group value, shared with the other builders for cells and techniques.
 *
 * @example groupColor('cell', 'LSTM', 0) === palette.cell.LSTM
 * @param field The grouping field.
 * @param value The group's value.
 * @param index The group's position, for fields without fixed colours.
 * @returns A colour.
 */
export function groupColor(field: string, value: string, index: number): string {
  if (field === 'cell') return cellColor(value);
  if (field === 'technique') return techniqueColor(value);
  return categoricalColor(index);
}

/**
 * Builds a metric-vs-sparsity figure.
 *
 * Each row is one point: `{ sparsity, <metric>, cell?, scope?, technique?, ...settings }`.
 * Sparsity is a fraction in [0, 1] (shown as a percentage); points of a line are sorted by it.
 * Average repeated seeds before plotting if one point per setting is wanted.
 *
 * @example
 * metricVsSparsity([
 *   { cell: 'LSTM', sparsity: 0, accuracy: 0.97 },
 *   { cell: 'LSTM', sparsity: 0.5, accuracy: 0.96 },
 * ], { metric: 'accuracy' })
 * @param rows Records or a danfo DataFrame.
 * @param options See {@link MetricVsSparsityOptions}.
 * @returns The figure, one trace per group in order of first appearance.
 * @throws TypeError when rows are not records, or `sparsity` / the metric is missing or not a number.
 * @throws RangeError when there are no rows, a sparsity is outside [0, 1], or the metric direction is invalid.
 */
export function metricVsSparsity(rows: RowsInput, options: MetricVsSparsityOptions = {}): Figure {
  const { metric = 'accuracy', groupBy: field = 'cell', baseline } = options;
  const m = resolveMetric(metric);
  const records = toRecords(rows);
  const points = records.map((r, i) => {
    const where = `rows[${i}]`;
    const sparsity = numberField(r, 'sparsity', where);
    if (sparsity < 0 || sparsity > 1) throw new RangeError(`${where}.sparsity must be in [0, 1], got ${sparsity}`);
    return { sparsity, value: numberField(r, m.key, where), group: stringField(r, field, where, UNGROUPED), row: r };
  });
  if (baseline !== undefined && !Number.isFinite(baseline)) throw new RangeError(`baseline must be a finite number, got ${baseline}`);
  const data: Trace[] = [];
  let g = 0;
  for (const [group, members] of groupBy(points, (p) => p.group)) {
    const sorted = members.slice().sort((a, b) => a.sparsity - b.sparsity);
    const color = groupColor(field, group, g++);
    data.push({
      type: 'scatter',
      mode: 'lines+markers',
      name: field === 'technique' ? techniqueLabel(group) : group,
      x: sorted.map((p) => p.sparsity),
      y: sorted.map((p) => p.value),
      text: sorted.map((p) => hoverText(p.row as ResultRecord, ['sparsity', m.key])),
      hovertemplate: TEXT_HOVER,
      line: { color, width: 2 },
      marker: { color, size: 7 },
    });
  }
  const ref = baseline === undefined ? undefined : referenceLine(baseline, 'dense baseline');
  return {
    data,
    layout: baseLayout(
      options.title ?? `${m.label} vs sparsity`,
      axis('sparsity (% of weights set to zero)', { tickformat: '.0%', range: [-0.03, 1.03] }),
      axis(m.axisTitle, m.tickformat ? { tickformat: m.tickformat } : {}),
      { legend: { title: { text: field } }, ...(ref ? { shapes: [ref.shape], annotations: [ref.annotation] } : {}) },
    ),
  };
}
