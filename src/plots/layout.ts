/**
 * Layout defaults shared by the builders, so that every figure of the course has the same look:
 * white background, light grid, legend on the right, hover on the nearest point.
 */
import { palette } from './palette';
import type { Annotation, Axis, Layout, PlotConfig, Shape } from './types';

/** Height in pixels of figures unless a builder option says otherwise. */
export const DEFAULT_HEIGHT = 420;

/**
 * An axis with a title and automatic margins.
 *
 * @example axis('sparsity (% of weights set to zero)', { tickformat: '.0%' })
 * @param title Axis title, including the unit.
 * @param extra Other axis attributes.
 * @returns The axis.
 */
export function axis(title: string, extra: Omit<Axis, 'title'> = {}): Axis {
  return { title: { text: title }, automargin: true, zeroline: false, ...extra };
}

/**
 * A layout with the course defaults.
 *
 * @example baseLayout('accuracy vs sparsity', axis('sparsity'), axis('accuracy'), { barmode: 'group' })
 * @param title Figure title.
 * @param xaxis The x axis.
 * @param yaxis The y axis.
 * @param extra Other layout attributes (they win over the defaults).
 * @returns The layout.
 */
export function baseLayout(title: string, xaxis: Axis, yaxis: Axis, extra: Omit<Layout, 'title' | 'xaxis' | 'yaxis'> = {}): Layout {
  return {
    title: { text: title },
    xaxis,
    yaxis,
    hovermode: 'closest',
    height: DEFAULT_HEIGHT,
    margin: { l: 70, r: 30, t: 60, b: 60 },
    font: { family: 'Helvetica, Arial, sans-serif', size: 13 },
    plot_bgcolor: '#ffffff',
    paper_bgcolor: '#ffffff',
    ...extra,
  };
}

/** The plotly config used by `show` and the HTML writers when a figure has none. */
export const DEFAULT_CONFIG: PlotConfig = {
  responsive: true,
  displaylogo: false,
  toImageButtonOptions: { format: 'svg' },
};

/**
 * A dotted horizontal line with a label at the right end, for a reference value.
 *
 * @example const { shape, annotation } = referenceLine(0.97, 'dense baseline');
 * @param y The value.
 * @param label The label.
 * @returns The shape and its annotation.
 */
export function referenceLine(y: number, label: string): { shape: Shape; annotation: Annotation } {
  return {
    shape: { type: 'line', xref: 'paper', yref: 'y', x0: 0, x1: 1, y0: y, y1: y, line: { color: palette.neutral, dash: 'dot', width: 1.5 } },
    annotation: { text: label, x: 1, y, xref: 'paper', yref: 'y', showarrow: false, xanchor: 'right', yanchor: 'bottom', font: { size: 11, color: palette.neutral } },
  };
}
