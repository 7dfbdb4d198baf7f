/**
 * A metric against the number of bits per weight: one line per quantization scheme and
 * granularity, the float16 and float32 models marked as reference points.
 */
import { axis, baseLayout, referenceLine } from './layout';
import { resolveMetric, type MetricSpec } from './metric';
import { palette, shade, techniqueColor, techniqueLabel } from './palette';
import { groupBy, hoverText, numberField, stringField, TEXT_HOVER, toRecords } from './records';
import type { Dash, Figure, ResultRecord, RowsInput, Shape, Trace } from './types';

/** Quantization schemes; `float` marks the float16/float32 reference rows. */
export const SCHEMES = ['symmetric', 'affine', 'float'] as const;

/** Granularities of the quantization scale. */
export const GRANULARITIES = ['per-tensor', 'per-channel'] as const;

/** The largest integer bit width the figure accepts. */
export const MAX_INTEGER_BITS = 16;

/** Options of {@link metricVsBits}. */
export interface MetricVsBitsOptions {
  /**
   * The metric on the y axis.
   * @default 'accuracy'
   */
  metric?: string | MetricSpec;
  /**
   * Figure title.
   * @default '<metric label> vs bits per weight'
   */
  title?: string;
}

type Scheme = (typeof SCHEMES)[number];
type Granularity = (typeof GRANULARITIES)[number];

interface Point {
  bits: number;
  value: number;
  scheme: Scheme;
  granularity: Granularity;
  technique: string;
  row: ResultRecord;
}

/** Symmetric darker, affine lighter: one hue per technique, told apart within it. */
const SCHEME_SHADE: Readonly<Record<Exclude<Scheme, 'float'>, number>> = { symmetric: -0.25, affine: 0.35 };
const GRANULARITY_DASH: Readonly<Record<Granularity, Dash>> = { 'per-tensor': 'solid', 'per-channel': 'dash' };
const GRANULARITY_SYMBOL: Readonly<Record<Granularity, string>> = { 'per-tensor': 'circle', 'per-channel': 'square' };
const FLOAT_STYLE: Readonly<Record<number, { color: string; symbol: string; name: string }>> = {
  32: { color: palette.format.float32, symbol: 'star', name: 'float32' },
  16: { color: palette.format.float16, symbol: 'diamond', name: 'float16' },
};

function readPoint(r: ResultRecord, i: number, metricKey: string): Point {
  const where = `rows[${i}]`;
  const bits = numberField(r, 'bits', where);
  const scheme = stringField(r, 'scheme', where) as Scheme;
  if (!SCHEMES.includes(scheme)) throw new RangeError(`${where}.scheme must be one of ${SCHEMES.join(', ')}, got ${JSON.stringify(scheme)}`);
  const granularity = stringField(r, 'granularity', where, 'per-tensor') as Granularity;
  if (!GRANULARITIES.includes(granularity)) {
    throw new RangeError(`${where}.granularity must be one of ${GRANULARITIES.join(', ')}, got ${JSON.stringify(granularity)}`);
  }
  if (scheme === 'float' && bits !== 16 && bits !== 32) throw new RangeError(`${where}.bits must be 16 or 32 for scheme 'float', got ${bits}`);
  if (scheme !== 'float' && (!Number.isInteger(bits) || bits < 1 || bits > MAX_INTEGER_BITS)) {
    throw new RangeError(`${where}.bits must be an integer in [1, ${MAX_INTEGER_BITS}] for scheme '${scheme}', got ${bits}`);
  }
  return { bits, value: numberField(r, metricKey, where), scheme, granularity, technique: stringField(r, 'technique', where, 'quantization'), row: r };
}

/**
 * Builds a metric-vs-bits figure.
 *
 * Each row is one model: `{ bits, scheme: 'symmetric' | 'affine' | 'float', granularity?:
 * 'per-tensor' | 'per-channel', technique?: 'quantization' | 'qat', <metric>, ...settings }`.
 * Lines: one per (technique, scheme, granularity), coloured by technique (symmetric darker,
 * affine lighter), dashed for per-channel. Rows with scheme `float` (bits 16 or 32) are drawn
 * as labelled markers, and float32 also as a dotted horizontal reference line. The x axis is
 * logarithmic so that 2..8 bits are not squeezed against 16 and 32.
 *
 * @example
 * metricVsBits([
 *   { bits: 32, scheme: 'float', accuracy: 0.97 },
 *   { bits: 8, scheme: 'symmetric', granularity: 'per-channel', accuracy: 0.969 },
 *   { bits: 4, scheme: 'symmetric', granularity: 'per-channel', accuracy: 0.95 },
 * ])
 * @param rows Records or a danfo DataFrame.
 * @param options See {@link MetricVsBitsOptions}.
 * @returns The figure: the quantized lines first, then one trace per float reference.
 * @throws TypeError when rows are not records or a field has the wrong type.
 * @throws RangeError when there are no rows, a scheme, granularity or bit width is invalid, or the metric direction is invalid.
 */
export function metricVsBits(rows: RowsInput, options: MetricVsBitsOptions = {}): Figure {
  const { metric = 'accuracy' } = options;
  const m = resolveMetric(metric);
  const points = toRecords(rows).map((r, i) => readPoint(r, i, m.key));
  const quantized = points.filter((p) => p.scheme !== 'float');
  const manyTechniques = new Set(quantized.map((p) => techniqueLabel(p.technique))).size > 1;
  const data: Trace[] = [];
  for (const members of groupBy(quantized, (p) => `${techniqueLabel(p.technique)}|${p.scheme}|${p.granularity}`).values()) {
    const { technique, scheme, granularity } = members[0];
    const sorted = members.slice().sort((a, b) => a.bits - b.bits);
    const color = shade(techniqueColor(technique), SCHEME_SHADE[scheme as Exclude<Scheme, 'float'>]);
    data.push({
      type: 'scatter',
      mode: 'lines+markers',
      name: `${manyTechniques ? `${techniqueLabel(technique)}: ` : ''}${scheme}, ${granularity}`,
      x: sorted.map((p) => p.bits),
      y: sorted.map((p) => p.value),
      text: sorted.map((p) => hoverText(p.row, ['bits', 'scheme', 'granularity', m.key])),
      hovertemplate: TEXT_HOVER,
      line: { color, dash: GRANULARITY_DASH[granularity], width: 2 },
      marker: { color, symbol: GRANULARITY_SYMBOL[granularity], size: 8 },
    });
  }
  const shapes: Shape[] = [];
  for (const [bits, members] of groupBy(points.filter((p) => p.scheme === 'float'), (p) => String(p.bits))) {
    const style = FLOAT_STYLE[Number(bits)];
    data.push({
      type: 'scatter',
      mode: 'markers+text',
      name: style.name,
      x: members.map((p) => p.bits),
      y: members.map((p) => p.value),
      text: members.map(() => style.name),
      textposition: 'top center',
      hovertext: members.map((p) => hoverText(p.row, ['bits', 'scheme', m.key])),
      hovertemplate: '%{hovertext}<extra>%{fullData.name}</extra>',
      marker: { color: style.color, symbol: style.symbol, size: 14, line: { color: '#ffffff', width: 1 } },
    });
    // The marker already carries the label, so the line goes without its annotation.
    if (style.name === 'float32') for (const p of members) shapes.push(referenceLine(p.value, 'float32').shape);
  }
  const ticks = [...new Set(points.map((p) => p.bits))].sort((a, b) => a - b);
  return {
    data,
    layout: baseLayout(
      options.title ?? `${m.label} vs bits per weight`,
      axis('bits per weight (log scale)', { type: 'log', tickvals: ticks, ticktext: ticks.map(String) }),
      axis(m.axisTitle, m.tickformat ? { tickformat: m.tickformat } : {}),
      { shapes, legend: { title: { text: 'scheme, granularity' } } },
    ),
  };
}
