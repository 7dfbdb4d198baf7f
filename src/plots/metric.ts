/**
 * What a plotted metric is: where it sits in a row, what it is called on an axis, its unit, and
 * whether higher or lower is better (which decides the Pareto frontier and the axis note).
 */

/** Whether a larger or a smaller value of a metric is better. */
export type MetricDirection = 'higher' | 'lower';

/** Description of a metric, given to the builders by name or in full. */
export interface MetricSpec {
  /** Field name in the rows (or in a training history). */
  key: string;
  /**
   * Axis label.
   * @default the known label for `key`, else `key`
   */
  label?: string;
  /**
   * Unit shown in the axis title, e.g. `°C`.
   * @default the known unit for `key`, else none
   */
  unit?: string;
  /**
   * Whether higher or lower is better.
   * @default the known direction for `key`; required for other keys
   */
  direction?: MetricDirection;
  /**
   * d3 format for tick labels, e.g. `.0%` when the values are fractions.
   * @default the known format for `key`, else plotly's automatic format
   */
  tickformat?: string;
}

/** A metric with every field filled in. */
export interface ResolvedMetric {
  key: string;
  label: string;
  unit: string;
  direction: MetricDirection;
  tickformat?: string;
  /** `label (unit; higher is better)`. */
  axisTitle: string;
}

type Known = Omit<ResolvedMetric, 'key' | 'axisTitle'>;

/** Metrics whose meaning the course fixes; keys as they appear in rows and tfjs histories. */
export const KNOWN_METRICS: Readonly<Record<string, Known>> = {
  accuracy: { label: 'accuracy', unit: '% of sequences', direction: 'higher', tickformat: '.1%' },
  acc: { label: 'accuracy', unit: '% of sequences', direction: 'higher', tickformat: '.1%' },
  loss: { label: 'loss', unit: 'training objective', direction: 'lower' },
  crossEntropy: { label: 'cross-entropy', unit: 'nats per character', direction: 'lower' },
  bitsPerChar: { label: 'bits per character', unit: 'bits', direction: 'lower' },
  perplexity: { label: 'perplexity', unit: 'per character', direction: 'lower' },
  mae: { label: 'MAE', unit: 'target units', direction: 'lower' },
  rmse: { label: 'RMSE', unit: 'target units', direction: 'lower' },
  mse: { label: 'MSE', unit: 'squared target units', direction: 'lower' },
};

const DIRECTIONS: readonly MetricDirection[] = ['higher', 'lower'];

/**
 * Fills in a metric description from the known metrics.
 *
 * @example resolveMetric({ key: 'mae', unit: '°C' }).axisTitle // 'MAE (°C; lower is better)'
 * @param metric A key of {@link KNOWN_METRICS}, or a {@link MetricSpec}.
 * @returns The full description.
 * @throws TypeError when `metric` is neither a string nor an object with a string `key`.
 * @throws RangeError when the direction is not `higher` or `lower`, or is missing for an unknown metric.
 */
export function resolveMetric(metric: string | MetricSpec): ResolvedMetric {
  const spec: MetricSpec = typeof metric === 'string' ? { key: metric } : metric;
  if (typeof spec !== 'object' || spec === null || typeof spec.key !== 'string' || spec.key === '') {
    throw new TypeError(`metric must be a metric name or { key, direction, ... }, got ${JSON.stringify(metric)}`);
  }
  const known = KNOWN_METRICS[spec.key];
  const direction = spec.direction ?? known?.direction;
  if (direction === undefined) {
    throw new RangeError(`metric "${spec.key}" is not a known metric, so its direction must be given as 'higher' or 'lower', got undefined`);
  }
  if (!DIRECTIONS.includes(direction)) {
    throw new RangeError(`metric direction must be 'higher' or 'lower', got ${JSON.stringify(direction)}`);
  }
  const label = spec.label ?? known?.label ?? spec.key;
  const unit = spec.unit ?? known?.unit ?? '';
  const tickformat = spec.tickformat ?? known?.tickformat;
  const note = `${direction} is better`;
  return { key: spec.key, label, unit, direction, tickformat, axisTitle: `${label} (${unit ? `${unit}; ` : ''}${note})` };
}

/**
 * Whether metric value `a` is strictly better than `b`.
 *
 * @example isBetter(3.1, 3.4, 'lower') // true: a lower perplexity
 * @param a A value.
 * @param b Another value.
 * @param direction Which way is better.
 * @returns `a > b` for `higher`, `a < b` for `lower`.
 */
export function isBetter(a: number, b: number, direction: MetricDirection): boolean {
  return direction === 'higher' ? a > b : a < b;
}
