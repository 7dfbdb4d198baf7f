/**
 * Comparisons over seeds: the fixed seeds a notebook repeats a run with, the mean and spread of
 * a metric over them, and verdicts ("A beats B", "T = 4 is best") that take the spread across
 * seeds into account, with the one-sentence prose a takeaway needs.
 *
 * The intervals are Student t intervals: paired (the i-th values of both arms share a seed, so
 * the seed-to-seed variation common to both cancels) or, for unpaired arms, Welch's. With 3 seeds
 * a paired comparison has 2 degrees of freedom and t = 4.303, so a difference must be more than
 * about four standard errors to count as clear; that is the honest price of few seeds.
 */
import { runConfig } from './config';

/** The most seeds {@link courseSeeds} hands out. */
export const MAX_SEEDS = 100;

/** Confidence levels for which the t table is stored. */
export const CONFIDENCE_LEVELS = [0.9, 0.95, 0.99] as const;

/** A confidence level of {@link CONFIDENCE_LEVELS}. */
export type ConfidenceLevel = (typeof CONFIDENCE_LEVELS)[number];

/**
 * Two-sided Student t critical values for degrees of freedom 1..30, and the normal value used
 * beyond 30 (where t differs from it by under 4%), to three decimals as printed in textbook tables.
 */
const T_TABLE: Readonly<Record<ConfidenceLevel, { t: readonly number[]; normal: number }>> = {
  0.9: {
    t: [6.314, 2.92, 2.353, 2.132, 2.015, 1.943, 1.895, 1.86, 1.833, 1.812, 1.796, 1.782, 1.771, 1.761, 1.753,
      1.746, 1.74, 1.734, 1.729, 1.725, 1.721, 1.717, 1.714, 1.711, 1.708, 1.706, 1.703, 1.701, 1.699, 1.697],
    normal: 1.645,
  },
  0.95: {
    t: [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
      2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042],
    normal: 1.96,
  },
  0.99: {
    t: [63.657, 9.925, 5.841, 4.604, 4.032, 3.707, 3.499, 3.355, 3.25, 3.169, 3.106, 3.055, 3.012, 2.977, 2.947,
      2.921, 2.898, 2.878, 2.861, 2.845, 2.831, 2.819, 2.807, 2.797, 2.787, 2.779, 2.771, 2.763, 2.756, 2.75],
    normal: 2.576,
  },
};

/**
 * The fixed seeds a notebook repeats a run with: `base, base + 1, ..., base + count - 1`.
 *
 * @example courseSeeds() // [42, 43, 44] unless RNNC_SEED is set
 * @param count How many seeds; 3 is the course's minimum for a comparison.
 * @param base The first seed.
 * @returns The seeds, in order.
 * @throws RangeError when `count` is not an integer in [1, 100] or `base` is not an integer (or the last seed is not a safe integer).
 */
export function courseSeeds(count = 3, base = runConfig().seed): number[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_SEEDS) throw new RangeError(`count must be an integer in [1, ${MAX_SEEDS}], got ${count}`);
  if (!Number.isSafeInteger(base) || !Number.isSafeInteger(base + count - 1)) {
    throw new RangeError(`base must be a safe integer (and base + count - 1 too), got ${base}`);
  }
  return Array.from({ length: count }, (_, i) => base + i);
}

/** Mean and spread of one metric over seeds. */
export interface SeedSummary {
  /** Number of values (seeds). */
  n: number;
  mean: number;
  /** Sample standard deviation (divisor n - 1); 0 when n = 1. */
  std: number;
  /** Standard error of the mean, std / √n. */
  standardError: number;
  min: number;
  max: number;
  /** A copy of the values, in the order given. */
  values: number[];
}

function checkValues(values: unknown, what: string, minLength: number): asserts values is readonly number[] {
  if (!Array.isArray(values)) throw new TypeError(`${what} must be an array of numbers, got ${values === null ? 'null' : typeof values}`);
  if (values.length < minLength) {
    throw new RangeError(`${what} must hold at least ${minLength} value${minLength === 1 ? '' : 's'} (one per seed), got ${values.length}`);
  }
  values.forEach((v, i) => {
    if (typeof v !== 'number') throw new TypeError(`${what}[${i}] must be a number, got ${JSON.stringify(v)}`);
    if (!Number.isFinite(v)) throw new RangeError(`${what}[${i}] must be finite, got ${v}`);
  });
}

/** Mean and sample variance; two passes, so that values near a large mean keep their digits. */
function meanAndVariance(values: readonly number[]): { mean: number; variance: number } {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = n < 2 ? 0 : values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return { mean, variance };
}

/**
 * Summarizes one metric measured over several seeds.
 *
 * @example summarizeSeeds([1, 2, 3]) // { n: 3, mean: 2, std: 1, standardError: 0.577..., min: 1, max: 3, values: [1, 2, 3] }
 * @param values One value per seed.
 * @returns The summary.
 * @throws TypeError when `values` is not an array of numbers.
 * @throws RangeError when `values` is empty or holds a NaN or infinite value.
 */
export function summarizeSeeds(values: readonly number[]): SeedSummary {
  checkValues(values, 'values', 1);
  const n = values.length;
  const { mean, variance } = meanAndVariance(values);
  const std = Math.sqrt(variance);
  return { n, mean, std, standardError: std / Math.sqrt(n), min: Math.min(...values), max: Math.max(...values), values: values.slice() };
}

function checkConfidence(confidence: unknown): asserts confidence is ConfidenceLevel {
  if (!(CONFIDENCE_LEVELS as readonly unknown[]).includes(confidence)) {
    throw new RangeError(`confidence must be one of ${CONFIDENCE_LEVELS.join(', ')}, got ${confidence}`);
  }
}

/**
 * The two-sided Student t critical value from the stored table. A fractional df (Welch) is rounded
 * down, which gives the larger value and so the more cautious interval; beyond 30 the normal value
 * is used.
 *
 * @example tCritical(2) // 4.303
 * @param df Degrees of freedom, at least 1.
 * @param confidence Confidence level.
 * @returns The critical value.
 * @throws RangeError when `df` is below 1 or not a number, or `confidence` is not one of {@link CONFIDENCE_LEVELS}.
 */
export function tCritical(df: number, confidence: ConfidenceLevel = 0.95): number {
  if (typeof df !== 'number' || !(df >= 1)) throw new RangeError(`df must be a number >= 1, got ${df}`);
  checkConfidence(confidence);
  const { t, normal } = T_TABLE[confidence];
  const k = Math.floor(df);
  return k <= t.length ? t[k - 1] : normal;
}

/** What a comparison concludes. */
export type SeedVerdict = 'a better' | 'b better' | 'no clear difference';

/** Options of {@link compareOverSeeds} and {@link bestOverSeeds}. */
export interface CompareOverSeedsOptions {
  /**
   * Whether a higher value is better (accuracy) or a lower one (loss, MAE, perplexity).
   * @default true
   */
  higherIsBetter?: boolean;
  /**
   * Whether the i-th values of both arms come from the same seed (paired t interval on the
   * differences) or not (Welch's interval).
   * @default true when both arms have the same length
   */
  paired?: boolean;
  /**
   * Confidence level of the interval.
   * @default 0.95
   */
  confidence?: ConfidenceLevel;
}

/** The result of {@link compareOverSeeds}. */
export interface SeedComparison {
  /** Summary of arm a over its seeds. */
  a: SeedSummary;
  /** Summary of arm b over its seeds. */
  b: SeedSummary;
  paired: boolean;
  higherIsBetter: boolean;
  confidence: ConfidenceLevel;
  /** mean(a) - mean(b), whichever direction is better. */
  difference: number;
  /** Standard error of `difference`. */
  standardError: number;
  /** Degrees of freedom: n - 1 when paired, Welch–Satterthwaite (usually fractional) otherwise. */
  df: number;
  /** The t critical value the interval uses. */
  tCritical: number;
  /** `difference ± tCritical · standardError`. */
  interval: [number, number];
  /** `a better` or `b better` when the interval excludes 0, else `no clear difference`. */
  verdict: SeedVerdict;
}

function resolveCompareOptions(lengthA: number, lengthB: number, options: CompareOverSeedsOptions): Required<CompareOverSeedsOptions> {
  if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object, got ${options === null ? 'null' : typeof options}`);
  const { higherIsBetter = true, paired = lengthA === lengthB, confidence = 0.95 } = options;
  if (typeof higherIsBetter !== 'boolean') throw new TypeError(`higherIsBetter must be a boolean, got ${JSON.stringify(higherIsBetter)}`);
  if (typeof paired !== 'boolean') throw new TypeError(`paired must be a boolean, got ${JSON.stringify(paired)}`);
  checkConfidence(confidence);
  if (paired && lengthA !== lengthB) {
    throw new RangeError(`paired arms must have the same length (one value per shared seed), got ${lengthA} and ${lengthB}`);
  }
  return { higherIsBetter, paired, confidence };
}

/**
 * Compares two settings measured over seeds, with a t interval for the difference of their means.
 *
 * @example
 * // Accuracy of two models trained with seeds 42, 43, 44 (same seed, same position):
 * const c = compareOverSeeds([0.962, 0.958, 0.965], [0.948, 0.950, 0.951]);
 * c.verdict // 'a better'
 * @param a Values of the first setting, one per seed.
 * @param b Values of the second setting, one per seed.
 * @param options See {@link CompareOverSeedsOptions}.
 * @returns The difference, its standard error and interval, and the verdict.
 * @throws TypeError when an arm is not an array of numbers or an option has the wrong type.
 * @throws RangeError when an arm has fewer than 2 values or a non-finite one, paired arms differ in length, or `confidence` is not supported.
 */
export function compareOverSeeds(a: readonly number[], b: readonly number[], options: CompareOverSeedsOptions = {}): SeedComparison {
  checkValues(a, 'a', 2);
  checkValues(b, 'b', 2);
  const { higherIsBetter, paired, confidence } = resolveCompareOptions(a.length, b.length, options);
  const sa = summarizeSeeds(a);
  const sb = summarizeSeeds(b);
  let standardError: number;
  let df: number;
  if (paired) {
    const d = meanAndVariance(a.map((v, i) => v - b[i]));
    standardError = Math.sqrt(d.variance / a.length);
    df = a.length - 1;
  } else {
    const va = sa.std ** 2 / sa.n;
    const vb = sb.std ** 2 / sb.n;
    standardError = Math.sqrt(va + vb);
    // With no spread in either arm Welch's df is 0/0; any df gives the same zero-width interval.
    df = va + vb === 0 ? sa.n + sb.n - 2 : (va + vb) ** 2 / (va ** 2 / (sa.n - 1) + vb ** 2 / (sb.n - 1));
  }
  const difference = sa.mean - sb.mean;
  const t = tCritical(df, confidence);
  const interval: [number, number] = [difference - t * standardError, difference + t * standardError];
  let verdict: SeedVerdict = 'no clear difference';
  if (interval[0] > 0) verdict = higherIsBetter ? 'a better' : 'b better';
  else if (interval[1] < 0) verdict = higherIsBetter ? 'b better' : 'a better';
  return { a: sa, b: sb, paired, higherIsBetter, confidence, difference, standardError, df, tCritical: t, interval, verdict };
}

/** The result of {@link bestOverSeeds}. */
export interface BestOverSeeds {
  /** Name of the setting with the best mean. */
  best: string;
  /** Name of the setting with the second-best mean. */
  runnerUp: string;
  /** All names, best mean first. */
  ranking: string[];
  /** Summary of every setting. */
  summaries: Record<string, SeedSummary>;
  /** `compareOverSeeds(arms[best], arms[runnerUp])`. */
  comparison: SeedComparison;
  /** Whether the best is clearly better than the runner-up (the comparison's verdict is `a better`). */
  clear: boolean;
}

/**
 * Finds the setting with the best mean over seeds and says whether it clearly beats the runner-up.
 *
 * @example
 * const r = bestOverSeeds({ 'T = 1': [0.91, 0.92, 0.90], 'T = 4': [0.95, 0.96, 0.95], 'T = 8': [0.93, 0.93, 0.92] });
 * r.best // 'T = 4'; r.clear tells whether it clearly beats 'T = 8'
 * @param arms Values of each setting, one per seed (equal lengths are compared paired by default).
 * @param options See {@link CompareOverSeedsOptions}.
 * @returns The best setting, the ranking and the comparison with the runner-up; ties in the mean keep the order of `arms`.
 * @throws TypeError when `arms` is not a record of number arrays or an option has the wrong type.
 * @throws RangeError when there are fewer than 2 settings, or an arm is invalid for {@link compareOverSeeds}.
 */
export function bestOverSeeds(arms: Readonly<Record<string, readonly number[]>>, options: CompareOverSeedsOptions = {}): BestOverSeeds {
  if (typeof arms !== 'object' || arms === null || Array.isArray(arms)) {
    throw new TypeError(`arms must be a record of { name: values }, got ${arms === null ? 'null' : Array.isArray(arms) ? 'array' : typeof arms}`);
  }
  const names = Object.keys(arms);
  if (names.length < 2) throw new RangeError(`arms must hold at least 2 settings to pick a best one, got ${names.length}`);
  for (const name of names) checkValues(arms[name], `arms[${JSON.stringify(name)}]`, 2);
  // Every pair is checked up front, so that a bad option fails the same way whichever pair is runner-up.
  for (const name of names) resolveCompareOptions(arms[names[0]].length, arms[name].length, options);
  const summaries = Object.fromEntries(names.map((name) => [name, summarizeSeeds(arms[name])]));
  const higherIsBetter = options.higherIsBetter ?? true;
  const sign = higherIsBetter ? 1 : -1;
  // Array.prototype.sort is stable, so equal means keep the order of `arms`.
  const ranking = names.slice().sort((x, y) => sign * (summaries[y].mean - summaries[x].mean));
  const [best, runnerUp] = ranking;
  const comparison = compareOverSeeds(arms[best], arms[runnerUp], options);
  return { best, runnerUp, ranking, summaries, comparison, clear: comparison.verdict === 'a better' };
}

/** How numbers are written in the prose. */
export type ValueFormat = 'points' | 'percent' | 'plain';

/** Options of {@link describeComparison} and {@link describeBest}. */
export interface DescribeOptions {
  /**
   * The seeds the values came from, listed in the sentence.
   * @default undefined (only their count is given)
   */
  seeds?: readonly number[];
  /**
   * `points`: the values are fractions (accuracy 0.962) and differences are written in percentage
   * points (`1.6 points`); `percent`: fractions written with a % sign (`1.6%`); `plain`: the
   * numbers as they are, followed by `unit`.
   * @default 'plain'
   */
  format?: ValueFormat;
  /**
   * Unit written after plain numbers, e.g. `°C` or `bits per character`.
   * @default none
   */
  unit?: string;
  /**
   * Decimal places.
   * @default 1 for `points` and `percent`, 3 for `plain`
   */
  digits?: number;
}

const FORMATS: readonly ValueFormat[] = ['points', 'percent', 'plain'];

interface Writer {
  num: (v: number) => string;
  suffix: string;
}

function writer(options: DescribeOptions): Writer {
  if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object, got ${options === null ? 'null' : typeof options}`);
  const { format = 'plain', unit } = options;
  if (!FORMATS.includes(format)) throw new RangeError(`format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  if (unit !== undefined && typeof unit !== 'string') throw new TypeError(`unit must be a string, got ${typeof unit}`);
  const digits = options.digits ?? (format === 'plain' ? 3 : 1);
  if (!Number.isInteger(digits) || digits < 0 || digits > 10) throw new RangeError(`digits must be an integer in [0, 10], got ${digits}`);
  const scale = format === 'plain' ? 1 : 100;
  const num = (v: number): string => {
    const s = (v * scale).toFixed(digits);
    // A value that rounds to zero reads as 0.0, not -0.0.
    return Number(s) === 0 ? s.replace(/^-/, '') : s;
  };
  const suffix = format === 'points' ? ' points' : format === 'percent' ? '%' : unit ? ` ${unit}` : '';
  return { num, suffix };
}

function checkName(name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string' || name.trim() === '') throw new TypeError(`${what} must be a non-empty string, got ${JSON.stringify(name)}`);
}

function checkSeeds(seeds: unknown, c: SeedComparison): void {
  if (seeds === undefined) return;
  if (!Array.isArray(seeds) || !seeds.every((s) => Number.isInteger(s))) throw new TypeError(`seeds must be an array of integers, got ${JSON.stringify(seeds)}`);
  const expected = Math.max(c.a.n, c.b.n);
  if (seeds.length !== expected) throw new RangeError(`seeds must list one seed per value (${expected}), got ${seeds.length}`);
}

/**
 * The part in brackets: what ± means, over which seeds, and the interval of the leader's gain.
 * `gain` is the improvement of the leader over the other, in the better direction.
 */
function bracket(c: SeedComparison, gain: { mean: number; interval: [number, number] }, w: Writer, seeds: readonly number[] | undefined): string {
  const count = c.paired ? `${c.a.n} seeds` : `${c.a.n} and ${c.b.n} seeds, unpaired`;
  const list = seeds ? `: ${seeds.join(', ')}` : '';
  const [lo, hi] = gain.interval;
  const includesZero = c.verdict === 'no clear difference' ? ', which includes 0' : '';
  return `(mean ± s.e. over ${count}${list}; ${Math.round(c.confidence * 100)}% interval ${w.num(lo)} to ${w.num(hi)}${includesZero})`;
}

/** The leader (a unless b's mean is better) and its gain over the other. */
function leaderGain(c: SeedComparison): { aLeads: boolean; mean: number; interval: [number, number] } {
  const sign = c.higherIsBetter ? 1 : -1;
  const aLeads = sign * c.difference >= 0;
  const s = aLeads ? sign : -sign;
  const [lo, hi] = c.interval;
  // Flipping the sign of the difference flips the interval end for end.
  return { aLeads, mean: s * c.difference, interval: s > 0 ? [lo, hi] : [-hi, -lo] };
}

/**
 * One sentence for a takeaway, stating the verdict of {@link compareOverSeeds} with its spread.
 *
 * @example
 * const c = compareOverSeeds([0.962, 0.958, 0.965], [0.948, 0.950, 0.951]);
 * describeComparison(c, 'large sparse LSTM', 'small dense LSTM', { format: 'points', seeds: [42, 43, 44] })
 * // 'large sparse LSTM is better than small dense LSTM by 1.2 ± 0.2 points (mean ± s.e. over 3 seeds: 42, 43, 44; 95% interval 0.3 to 2.1).'
 * @param comparison A result of {@link compareOverSeeds}.
 * @param nameA What arm a is called in the prose.
 * @param nameB What arm b is called in the prose.
 * @param options See {@link DescribeOptions}.
 * @returns The sentence, ending with a full stop.
 * @throws TypeError when a name is empty, `seeds` is not a list of integers, or `unit` is not a string.
 * @throws RangeError when `seeds` has the wrong length, or `format` or `digits` is invalid.
 */
export function describeComparison(comparison: SeedComparison, nameA: string, nameB: string, options: DescribeOptions = {}): string {
  checkName(nameA, 'nameA');
  checkName(nameB, 'nameB');
  const w = writer(options);
  checkSeeds(options.seeds, comparison);
  const gain = leaderGain(comparison);
  const [leader, other] = gain.aLeads ? [nameA, nameB] : [nameB, nameA];
  const amount = `${w.num(gain.mean)} ± ${w.num(comparison.standardError)}${w.suffix}`;
  const detail = bracket(comparison, gain, w, options.seeds);
  if (comparison.verdict !== 'no clear difference') return `${leader} is better than ${other} by ${amount} ${detail}.`;
  if (gain.mean === 0) return `No clear difference between ${nameA} and ${nameB}: the means differ by ${amount} ${detail}.`;
  return `No clear difference between ${nameA} and ${nameB}: ${leader} is ahead by ${amount} ${detail}.`;
}

/**
 * One sentence for a takeaway such as "T = 4 is best", from a result of {@link bestOverSeeds}.
 *
 * @example
 * const r = bestOverSeeds({ 'T = 1': [0.91, 0.92, 0.90], 'T = 4': [0.95, 0.96, 0.95], 'T = 8': [0.93, 0.93, 0.92] });
 * describeBest(r, { format: 'points', seeds: [42, 43, 44] })
 * // 'T = 4 is best, ahead of the runner-up T = 8 by 2.7 ± 0.3 points (mean ± s.e. over 3 seeds: 42, 43, 44; 95% interval 1.2 to 4.1).'
 * @param result A result of {@link bestOverSeeds}.
 * @param options See {@link DescribeOptions}.
 * @returns The sentence, ending with a full stop.
 * @throws TypeError when `seeds` is not a list of integers or `unit` is not a string.
 * @throws RangeError when `seeds` has the wrong length, or `format` or `digits` is invalid.
 */
export function describeBest(result: BestOverSeeds, options: DescribeOptions = {}): string {
  const w = writer(options);
  const c = result.comparison;
  checkSeeds(options.seeds, c);
  const gain = leaderGain(c);
  const amount = `${w.num(gain.mean)} ± ${w.num(c.standardError)}${w.suffix}`;
  const detail = bracket(c, gain, w, options.seeds);
  if (result.clear) return `${result.best} is best, ahead of the runner-up ${result.runnerUp} by ${amount} ${detail}.`;
  return `${result.best} has the best mean, but it is not clearly better than the runner-up ${result.runnerUp}: ahead by ${amount} ${detail}.`;
}
