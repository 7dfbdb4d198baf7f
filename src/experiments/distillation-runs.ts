/**
 * Helpers for comparing distilled students with a student trained alone under one budget: the
 * same leading slice of the data for every student, the "gap closed" summary, and validation
 * curves for runs that only report validation numbers (`distill` logs no training accuracy).
 */
import type { SequenceDataset, Split } from '../data/types';
import { resolveMetric, type MetricDirection, type MetricSpec } from '../plots/metric';
import { trainingCurves } from '../plots/training-curves';
import type { Figure } from '../plots/types';

export { subsetDataset } from '../data/subset';
export type { SubsetSizes } from '../data/subset';

/** The three scores {@link gapClosed} compares, in the same metric. */
export interface GapScores {
  /** The distilled student's score. */
  distilled: number;
  /** The same student architecture trained alone on the labels. */
  alone: number;
  /** The teacher's score. */
  teacher: number;
}

/**
 * Share of the teacher-student gap that distillation closed:
 * (distilled − alone) / (teacher − alone). 1 means the distilled student matches the teacher,
 * 0 that it is no better than the student trained alone, a negative value that distillation
 * hurt. The formula reads the same for a metric where lower is better (bits per character, MAE),
 * because numerator and denominator change sign together.
 *
 * @example gapClosed({ distilled: 0.9, alone: 0.8, teacher: 0.98 }) // (0.9 − 0.8) / (0.98 − 0.8) = 0.556
 * @param scores The three scores.
 * @param direction Whether a higher (accuracy) or lower (bits per character) score is better.
 * @returns The share, or NaN when the teacher is not strictly better than the student alone (there
 *   is no gap to close, so no share of it is meaningful).
 * @throws TypeError when `scores` is not an object or a score is not a number.
 * @throws RangeError when a score is not finite or the direction is not 'higher' or 'lower'.
 */
export function gapClosed(scores: GapScores, direction: MetricDirection = 'higher'): number {
  if (scores === null || typeof scores !== 'object') throw new TypeError(`scores must be an object, got ${scores === null ? 'null' : typeof scores}`);
  if (direction !== 'higher' && direction !== 'lower') throw new RangeError(`direction must be 'higher' or 'lower', got ${JSON.stringify(direction)}`);
  for (const key of ['distilled', 'alone', 'teacher'] as const) {
    const v = scores[key];
    if (typeof v !== 'number') throw new TypeError(`scores.${key} must be a number, got ${typeof v}`);
    if (!Number.isFinite(v)) throw new RangeError(`scores.${key} must be finite, got ${v}`);
  }
  const { distilled, alone, teacher } = scores;
  const teacherBetter = direction === 'higher' ? teacher > alone : teacher < alone;
  if (!teacherBetter) return NaN;
  const share = (distilled - alone) / (teacher - alone);
  // 0 / negative is −0, which tables print as "-0".
  return share === 0 ? 0 : share;
}

/** One curve of {@link validationCurves}. */
export interface ValidationSeries {
  /** Legend name, e.g. `SimpleRNN(16) Hinton T=4`. */
  name: string;
  /** The validation metric after each epoch. */
  values: readonly number[];
  /** Cell type, for the colour (see `trainingCurves`). */
  cell?: string;
  /** Technique, for the colour (see `trainingCurves`). */
  technique?: string;
  /** Explicit colour. */
  color?: string;
  /** Settings listed in the hover text. */
  settings?: Record<string, unknown>;
}

/** Options of {@link validationCurves}. */
export interface ValidationCurvesOptions {
  /**
   * The metric the values are.
   * @default { key: 'accuracy', unit: '% of validation sequences' }
   */
  metric?: string | MetricSpec;
  /**
   * Figure title.
   * @default 'validation <metric label> per epoch'
   */
  title?: string;
}

/**
 * Draws per-epoch validation values of several runs, one line per run, labelled as validation.
 * `trainingCurves` needs a training series and names every series it draws "(train)"; runs of
 * `distill` report validation numbers only, so this builds the figure from the validation values
 * and labels the lines and hover texts "(validation)".
 *
 * @example show(validationCurves([{ name: 'GRU(16) alone', values: [0.61, 0.74, 0.8] }]));
 * @param series One entry per run.
 * @param options See {@link ValidationCurvesOptions}.
 * @returns The figure, one trace per run in the given order.
 * @throws TypeError when `series` is not an array or values are not numbers.
 * @throws RangeError when `series` is empty or the metric is invalid.
 */
export function validationCurves(series: readonly ValidationSeries[], options: ValidationCurvesOptions = {}): Figure {
  if (!Array.isArray(series)) throw new TypeError(`series must be an array, got ${typeof series}`);
  const { metric = { key: 'accuracy', unit: '% of validation sequences' } } = options;
  const m = resolveMetric(metric);
  const figure = trainingCurves(
    series.map((s) => ({
      name: s.name,
      history: { [m.key]: s.values },
      cell: s.cell,
      technique: s.technique,
      color: s.color,
      settings: s.settings,
    })),
    { metric: { key: m.key, label: m.label, unit: m.unit, direction: m.direction, tickformat: m.tickformat }, validation: false, title: options.title ?? `validation ${m.label} per epoch` },
  );
  const relabel = (text: string): string => text.replace(' (train)', ' (validation)');
  figure.data = figure.data.map((trace) => ({
    ...trace,
    name: trace.name === undefined ? undefined : relabel(trace.name),
    text: Array.isArray(trace.text) ? (trace.text as string[]).map(relabel) : trace.text,
  }));
  return figure;
}
