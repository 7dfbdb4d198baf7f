/**
 * The subset of plotly.js's figure schema that the builders produce. Declared here rather than
 * taken from plotly.js's own typings so that building a figure needs no browser types, and so
 * that a typo in an attribute name is a compile error rather than a silently ignored key.
 */

/** Dash patterns of a line. */
export type Dash = 'solid' | 'dash' | 'dot' | 'dashdot' | 'longdash';

/** Line drawing attributes. */
export interface LineStyle {
  color?: string;
  dash?: Dash;
  width?: number;
  /** `hv` draws a staircase: horizontal first, then vertical. */
  shape?: 'linear' | 'hv' | 'vh' | 'spline';
}

/** Marker drawing attributes. */
export interface MarkerStyle {
  color?: string | string[];
  /** plotly symbol name, e.g. `circle`, `square`, `star`, `diamond`, `line-ns`. */
  symbol?: string | string[];
  size?: number | number[];
  opacity?: number;
  line?: { color?: string; width?: number };
}

/** One axis title. */
export interface Title {
  text: string;
}

/** One trace of a figure. Only the attributes the builders use are declared. */
export interface Trace {
  type: 'scatter' | 'bar' | 'heatmap';
  name?: string;
  x?: (number | string | null)[];
  y?: (number | string | null)[];
  /** Heatmap values, `z[row][column]`; `null` leaves a cell empty. */
  z?: (number | null)[][];
  mode?: 'lines' | 'markers' | 'lines+markers' | 'markers+text' | 'lines+markers+text';
  line?: LineStyle;
  marker?: MarkerStyle;
  /** Hover (and, with a `texttemplate` or a `+text` mode, label) text per point or per cell. */
  text?: string | string[] | string[][];
  /** Hover text when `text` is used for labels drawn on the plot. */
  hovertext?: string[];
  textposition?: 'top center' | 'bottom center' | 'middle right' | 'middle left' | 'outside' | 'auto' | 'none';
  texttemplate?: string;
  hovertemplate?: string;
  hoverinfo?: 'skip' | 'text' | 'all' | 'none';
  legendgroup?: string;
  showlegend?: boolean;
  opacity?: number;
  /** Bar widths in x units (histograms set it to the bin width). */
  width?: number | number[];
  offsetgroup?: string;
  colorscale?: [number, string][];
  zmid?: number;
  zmin?: number;
  zmax?: number;
  colorbar?: { title?: Title };
  xgap?: number;
  ygap?: number;
}

/** One axis. */
export interface Axis {
  title?: Title;
  type?: 'linear' | 'log' | 'category';
  /** d3 format of tick labels, e.g. `.0%` for fractions shown as percentages. */
  tickformat?: string;
  tickvals?: number[];
  ticktext?: string[];
  range?: number[];
  autorange?: boolean | 'reversed';
  rangemode?: 'normal' | 'tozero' | 'nonnegative';
  zeroline?: boolean;
  dtick?: number;
  automargin?: boolean;
}

/** A shape drawn on the plot, used for reference lines. */
export interface Shape {
  type: 'line' | 'rect';
  xref: 'x' | 'paper';
  yref: 'y' | 'paper';
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  line?: LineStyle;
}

/** A text annotation. */
export interface Annotation {
  text: string;
  x: number | string;
  y: number | string;
  xref?: 'x' | 'paper';
  yref?: 'y' | 'paper';
  showarrow?: boolean;
  xanchor?: 'left' | 'center' | 'right';
  yanchor?: 'top' | 'middle' | 'bottom';
  font?: { size?: number; color?: string };
}

/** Figure-wide layout. */
export interface Layout {
  title?: Title;
  xaxis?: Axis;
  yaxis?: Axis;
  barmode?: 'group' | 'overlay' | 'stack';
  bargap?: number;
  hovermode?: 'closest' | 'x' | 'x unified' | false;
  legend?: { title?: Title; orientation?: 'h' | 'v'; traceorder?: 'normal' | 'grouped' };
  shapes?: Shape[];
  annotations?: Annotation[];
  height?: number;
  width?: number;
  margin?: { l?: number; r?: number; t?: number; b?: number };
  font?: { family?: string; size?: number };
  plot_bgcolor?: string;
  paper_bgcolor?: string;
}

/** plotly.js `config` (third argument of `Plotly.newPlot`). */
export interface PlotConfig {
  responsive?: boolean;
  displaylogo?: boolean;
  scrollZoom?: boolean;
  toImageButtonOptions?: { format?: 'png' | 'svg'; filename?: string; scale?: number };
}

/** A plotly figure: what every builder returns, what `show` and the writers accept. */
export interface Figure {
  data: Trace[];
  layout: Layout;
  config?: PlotConfig;
}

/** A result row: a flat record of settings and measurements. */
export type ResultRecord = Record<string, unknown>;

/**
 * The parts of a danfo `DataFrame` the builders read, so that the plots module does not have to
 * load danfo (and with it a second copy of tfjs) to accept one.
 */
export interface DataFrameLike {
  columns: string[];
  values: unknown[] | unknown[][];
}

/** Rows given either as plain records or as a danfo DataFrame. */
export type RowsInput<T extends ResultRecord = ResultRecord> = readonly T[] | DataFrameLike;
