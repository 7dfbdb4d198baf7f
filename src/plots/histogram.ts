/**
 * Weight distributions before and after compression, overlaid, with the quantization levels
 * drawn as vertical lines so that one sees how the weights snap to them.
 */
import { axis, baseLayout } from './layout';
import { palette, techniqueColor } from './palette';
import type { Figure, Trace } from './types';

/** Counts of values per bin. */
export interface HistogramBins {
  /** `bins + 1` bin edges, increasing; bin k is [edges[k], edges[k+1]), the last bin also holds its right edge. */
  edges: number[];
  /** Count per bin. */
  counts: number[];
  /** Values outside the range, not counted in any bin. */
  outside: number;
}

/** Options of {@link histogramBins}. */
export interface HistogramBinsOptions {
  /**
   * Number of equal-width bins.
   * @default 60
   */
  bins?: number;
  /**
   * [low, high] range of the bins.
   * @default [min, max] of the values, widened by 0.5 on each side when they are all equal
   */
  range?: readonly [number, number];
}

function checkValues(values: ArrayLike<number>, what: string): void {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new TypeError(`${what} must be an array or typed array of numbers (use tensor.dataSync() for a tensor), got ${values === null ? 'null' : typeof values}`);
  }
  if (values.length === 0) throw new RangeError(`${what} must not be empty, got 0 values`);
  for (let i = 0; i < values.length; i++) {
    if (typeof values[i] !== 'number') throw new TypeError(`${what}[${i}] must be a number, got ${JSON.stringify(values[i])}`);
    if (!Number.isFinite(values[i])) throw new RangeError(`${what}[${i}] must be finite, got ${values[i]}`);
  }
}

function extent(arrays: readonly ArrayLike<number>[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      if (a[i] < lo) lo = a[i];
      if (a[i] > hi) hi = a[i];
    }
  }
  return lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
}

function checkBinOptions(bins: number, range: readonly [number, number] | undefined): void {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  if (range !== undefined && !(Array.isArray(range) && range.length === 2 && Number.isFinite(range[0]) && Number.isFinite(range[1]) && range[0] < range[1])) {
    throw new RangeError(`range must be [low, high] with finite low < high, got ${JSON.stringify(range)}`);
  }
}

function countBins(values: ArrayLike<number>, bins: number, lo: number, hi: number): HistogramBins {
  const edges = Array.from({ length: bins + 1 }, (_, k) => (k === bins ? hi : lo + ((hi - lo) * k) / bins));
  const counts = new Array<number>(bins).fill(0);
  let outside = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo || v > hi) {
      outside++;
      continue;
    }
    // The top edge belongs to the last bin, as in numpy.histogram.
    const k = Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins));
    counts[k]++;
  }
  return { edges, counts, outside };
}

/**
 * Counts values in equal-width bins.
 *
 * @example histogramBins([0, 0.1, 0.5, 1], { bins: 2 }) // { edges: [0, 0.5, 1], counts: [2, 2], outside: 0 }
 * @param values The values.
 * @param options See {@link HistogramBinsOptions}.
 * @returns Edges, counts and the number of values outside the range.
 * @throws TypeError when `values` is not an array of numbers.
 * @throws RangeError when `values` is empty or holds a non-finite value, `bins` is not a positive integer, or `range` is not increasing.
 */
export function histogramBins(values: ArrayLike<number>, options: HistogramBinsOptions = {}): HistogramBins {
  const { bins = 60, range } = options;
  checkValues(values, 'values');
  checkBinOptions(bins, range);
  const [lo, hi] = range ?? extent([values]);
  return countBins(values, bins, lo, hi);
}

/** Options of {@link weightHistogram}. */
export interface WeightHistogramOptions extends HistogramBinsOptions {
  /**
   * Quantization levels (the dequantized values a weight can take), drawn as vertical lines.
   * @default undefined (no lines)
   */
  levels?: ArrayLike<number>;
  /**
   * Leave exact zeros out of both histograms: after pruning they form one bar that dwarfs the
   * rest. The legend still states the fraction of zeros.
   * @default false
   */
  dropZeros?: boolean;
  /**
   * Legend name of the first distribution.
   * @default 'before'
   */
  beforeLabel?: string;
  /**
   * Legend name of the second distribution.
   * @default 'after'
   */
  afterLabel?: string;
  /**
   * Technique whose colour the second distribution takes.
   * @default 'quantization' when levels are given, else 'magnitude-pruning'
   */
  technique?: string;
  /**
   * Figure title.
   * @default 'weight distribution'
   */
  title?: string;
}

function zeroFraction(values: ArrayLike<number>): number {
  let z = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === 0) z++;
  return z / values.length;
}

/** A fraction as a percentage with one decimal, or two significant digits below 0.1% so that it never reads 0.0%. */
function percent(fraction: number): string {
  const p = fraction * 100;
  return `${p < 0.1 ? p.toPrecision(2) : p.toFixed(1)}%`;
}

function withoutZeros(values: ArrayLike<number>): number[] {
  return Array.from(values).filter((v) => v !== 0);
}

function barTrace(name: string, hist: HistogramBins, color: string): Trace {
  const { edges, counts } = hist;
  const last = counts.length - 1;
  return {
    type: 'bar',
    name,
    x: counts.map((_, k) => (edges[k] + edges[k + 1]) / 2),
    y: counts,
    width: edges[1] - edges[0],
    // hovertext, not text: plotly writes a bar's text inside the bar.
    hovertext: counts.map((c, k) => `${name}<br>[${edges[k]}, ${edges[k + 1]}${k === last ? ']' : ')'}: ${c} weights`),
    hovertemplate: '%{hovertext}<extra></extra>',
    marker: { color, line: { color, width: 0 } },
    opacity: 0.55,
  };
}

/**
 * Builds overlaid histograms of weights before and after pruning or quantization.
 *
 * Both histograms share the same bins (over the union of both ranges and the levels), so bars line
 * up. With `levels`, a vertical line is drawn at each level: a quantized tensor's histogram should
 * be spikes exactly on those lines.
 *
 * @example
 * const w = layer.getWeights()[0].dataSync();
 * const q = quantized.getWeights()[0].dataSync();
 * show(weightHistogram(w, q, { levels: scheme.levels, afterLabel: '4-bit symmetric' }));
 * @param before Weights before compression (array or typed array).
 * @param after Weights after compression, or `null` for one histogram.
 * @param options See {@link WeightHistogramOptions}.
 * @returns The figure: the before bars, the after bars, then the levels trace when given.
 * @throws TypeError when the weights or levels are not arrays of numbers.
 * @throws RangeError when an array is empty, holds a non-finite value, every value is dropped as zero, or `bins`/`range` is invalid.
 */
export function weightHistogram(before: ArrayLike<number>, after: ArrayLike<number> | null, options: WeightHistogramOptions = {}): Figure {
  const { bins = 60, range, levels, dropZeros = false, beforeLabel = 'before', afterLabel = 'after' } = options;
  const { technique = levels ? 'quantization' : 'magnitude-pruning', title = 'weight distribution' } = options;
  checkValues(before, 'before');
  if (after !== null) checkValues(after, 'after');
  if (levels !== undefined) checkValues(levels, 'levels');
  checkBinOptions(bins, range);
  const sets = after === null ? [before] : [before, after];
  const zeros = sets.map(zeroFraction);
  const kept = dropZeros ? sets.map(withoutZeros) : sets;
  kept.forEach((k, i) => {
    if (k.length === 0) throw new RangeError(`${i === 0 ? 'before' : 'after'} has only zeros, so nothing is left with dropZeros, got ${sets[i].length} zeros`);
  });
  const [lo, hi] = range ?? extent(levels ? [...kept, levels] : kept);
  const hists = kept.map((v) => countBins(v, bins, lo, hi));
  const label = (name: string, i: number): string => (zeros[i] > 0 ? `${name} (${percent(zeros[i])} zeros${dropZeros ? ', not drawn' : ''})` : name);
  const data: Trace[] = [barTrace(label(beforeLabel, 0), hists[0], palette.technique.baseline)];
  if (after !== null) data.push(barTrace(label(afterLabel, 1), hists[1], techniqueColor(technique)));
  if (levels) {
    const top = Math.max(1, ...hists.flatMap((h) => h.counts));
    const xs: (number | null)[] = [];
    const ys: (number | null)[] = [];
    const text: string[] = [];
    for (let i = 0; i < levels.length; i++) {
      // One trace of segments separated by gaps: one legend entry toggles every level.
      xs.push(levels[i], levels[i], null);
      ys.push(0, top, null);
      const t = `level ${i}: ${levels[i]}`;
      text.push(t, t, '');
    }
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: `quantization levels (${levels.length})`,
      x: xs,
      y: ys,
      text,
      hovertemplate: '%{text}<extra></extra>',
      line: { color: palette.neutral, width: 1, dash: 'dot' },
    });
  }
  return {
    data,
    layout: baseLayout(title, axis('weight value'), axis('count (weights per bin)'), { barmode: 'overlay', bargap: 0 }),
  };
}
