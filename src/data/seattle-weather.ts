/**
 * Daily Seattle weather 2012-2015 (NOAA, packaged by vega-datasets): forecast the maximum
 * temperature of the next days from a window of past days.
 */
import * as fs from 'fs';
import * as path from 'path';
import { checkBoolean, checkOpenFraction, checkPositiveInteger, checkSeed, checkString } from './checks';
import { parseCsv } from './csv';
import { fitStandardization } from './normalize';
import { packageDir, packageVersion } from './package-dir';
import { SplitName } from './split';
import { ForecastingDataset, Split } from './types';

/** Options of {@link loadSeattleWeather}. */
export interface SeattleWeatherOptions {
  /** Past days in one input sequence. @default 30 */
  window?: number;
  /** Future days of `temp_max` predicted. @default 1 */
  horizon?: number;
  /** Add sin and cos of the day of the year as two more features. @default true */
  seasonalFeatures?: boolean;
  /** Share of the days, from the start, in the training period. @default 0.7 */
  trainFraction?: number;
  /** Share of the days in the validation period that follows it; test is the rest. @default 0.15 */
  validationFraction?: number;
  /**
   * Recorded in the dataset for uniformity; the split is chronological, so no randomness is used.
   * @default 42
   */
  seed?: number;
  /** CSV file with columns date, precipitation, temp_max, temp_min, wind. @default seattle-weather.csv of vega-datasets */
  csvPath?: string;
}

/** The forecasting dataset plus the calendar dates behind each split. */
export interface SeattleWeatherDataset extends ForecastingDataset {
  /** First and last date (ISO) of each period; every day of a sample lies inside its period. */
  splitDates: Record<SplitName, [string, string]>;
  /** For each sample, the date of its first predicted day, e.g. for plotting forecasts. */
  targetDates: Record<SplitName, string[]>;
}

/** Columns read as input features, in order. */
export const WEATHER_COLUMNS = ['precipitation', 'temp_max', 'temp_min', 'wind'] as const;
const TARGET = 'temp_max';
const DAY_MS = 86_400_000;

function parseDay(value: string, where: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const ms = match ? Date.UTC(+match[1], +match[2] - 1, +match[3]) : NaN;
  if (!match || new Date(ms).getUTCDate() !== +match[3]) throw new Error(`${where}: date must be a valid YYYY-MM-DD day, got ${JSON.stringify(value)}`);
  return ms;
}

function seasonal(ms: number): [number, number] {
  const year = new Date(ms).getUTCFullYear();
  const start = Date.UTC(year, 0, 1);
  const length = (Date.UTC(year + 1, 0, 1) - start) / DAY_MS;
  const angle = (2 * Math.PI * Math.round((ms - start) / DAY_MS)) / length;
  return [Math.sin(angle), Math.cos(angle)];
}

interface Table {
  dates: string[];
  /** `values[day * numFeatures + f]`, raw units. */
  values: Float64Array;
  numFeatures: number;
}

function readTable(file: string, seasonalFeatures: boolean): Table {
  const name = path.basename(file);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${name}: cannot read CSV file ${file}: ${(err as Error).message}`);
  }
  const { header, rows, lines } = parseCsv(text, name);
  const columns = ['date', ...WEATHER_COLUMNS].map((column) => {
    const at = header.indexOf(column);
    if (at < 0) throw new Error(`${name}: header must contain the column ${column}, got ${header.join(',')}`);
    return at;
  });
  if (rows.length === 0) throw new Error(`${name}: CSV must hold at least one data row, got none`);
  const numFeatures = WEATHER_COLUMNS.length + (seasonalFeatures ? 2 : 0);
  const values = new Float64Array(rows.length * numFeatures);
  const dates: string[] = [];
  let previous = NaN;
  rows.forEach((row, day) => {
    const where = `${name} line ${lines[day]}`;
    const date = row[columns[0]].trim();
    const ms = parseDay(date, where);
    if (day > 0 && ms !== previous + DAY_MS) {
      throw new Error(`${where}: dates must follow each other day by day, got ${date} after ${dates[day - 1]}`);
    }
    previous = ms;
    dates.push(date);
    WEATHER_COLUMNS.forEach((column, f) => {
      const raw = row[columns[f + 1]].trim();
      const value = raw === '' ? NaN : Number(raw);
      if (!Number.isFinite(value)) throw new Error(`${where}: ${column} must be a finite number, got ${JSON.stringify(raw)}`);
      values[day * numFeatures + f] = value;
    });
    if (seasonalFeatures) values.set(seasonal(ms), day * numFeatures + WEATHER_COLUMNS.length);
  });
  return { dates, values, numFeatures };
}

/**
 * Loads the Seattle weather forecasting task. Sample t has as input the `window` days before day
 * t (features precipitation mm, temp_max °C, temp_min °C, wind m/s, and optionally sin/cos of the
 * day of the year) and as target `temp_max` of days t..t+horizon-1.
 *
 * The days are split chronologically: the first `trainFraction` form the training period, the
 * next `validationFraction` the validation period, the rest the test period. Every day of a
 * sample (inputs and targets) lies inside one period, so no sample crosses a boundary. Feature
 * and target means and standard deviations are fitted on the training period only and applied to
 * all splits. Samples stay in date order.
 *
 * @example
 * const weather = loadSeattleWeather({ window: 30, horizon: 1 });
 * weather.features // 6
 * denormalizeTarget(weather.test.y, weather) // test targets in °C
 * @param options See {@link SeattleWeatherOptions}.
 * @returns The dataset with the dates of each split.
 * @throws TypeError/RangeError for a bad option (window and horizon positive integers, fractions
 *   in (0, 1) summing to less than 1, every period long enough for one sample).
 * @throws Error naming the file and line for a missing column, a bad number or date, or a gap in
 *   the dates.
 */
export function loadSeattleWeather(options: SeattleWeatherOptions = {}): SeattleWeatherDataset {
  const { window = 30, horizon = 1, seasonalFeatures = true, trainFraction = 0.7, validationFraction = 0.15, seed = 42 } = options;
  checkPositiveInteger('window', window);
  checkPositiveInteger('horizon', horizon);
  checkBoolean('seasonalFeatures', seasonalFeatures);
  checkOpenFraction('trainFraction', trainFraction);
  checkOpenFraction('validationFraction', validationFraction);
  if (trainFraction + validationFraction >= 1) {
    throw new RangeError(`trainFraction + validationFraction must be below 1, got ${trainFraction} + ${validationFraction}`);
  }
  checkSeed(seed);
  if (options.csvPath !== undefined) checkString('csvPath', options.csvPath);
  const csvPath = options.csvPath ?? path.join(packageDir('vega-datasets'), 'data', 'seattle-weather.csv');

  const { dates, values, numFeatures } = readTable(csvPath, seasonalFeatures);
  const numDays = dates.length;
  const trainEnd = Math.round(numDays * trainFraction);
  const validationEnd = Math.round(numDays * (trainFraction + validationFraction));
  const periods: Record<SplitName, [number, number]> = { train: [0, trainEnd], validation: [trainEnd, validationEnd], test: [validationEnd, numDays] };
  for (const [name, [start, end]] of Object.entries(periods)) {
    if (window + horizon > end - start) {
      throw new RangeError(`window + horizon must be at most ${end - start} (the days in the ${name} period), got ${window} + ${horizon}`);
    }
  }

  const column = (f: number): Float64Array => Float64Array.from({ length: trainEnd }, (_, day) => values[day * numFeatures + f]);
  const stats = Array.from({ length: numFeatures }, (_, f) => fitStandardization(column(f)));
  const target = stats[WEATHER_COLUMNS.indexOf(TARGET)];

  const makeSplit = ([start, end]: [number, number]): { split: Split; targetDates: string[] } => {
    const size = end - start - window - horizon + 1;
    const x = new Float32Array(size * window * numFeatures);
    const y = new Float32Array(size * horizon);
    const targetDates: string[] = [];
    for (let i = 0; i < size; i++) {
      const t = start + window + i;
      for (let step = 0; step < window; step++) {
        for (let f = 0; f < numFeatures; f++) {
          x[(i * window + step) * numFeatures + f] = (values[(t - window + step) * numFeatures + f] - stats[f].mean) / stats[f].std;
        }
      }
      for (let h = 0; h < horizon; h++) {
        y[i * horizon + h] = (values[(t + h) * numFeatures + WEATHER_COLUMNS.indexOf(TARGET)] - target.mean) / target.std;
      }
      targetDates.push(dates[t]);
    }
    return { split: { x, y, size }, targetDates };
  };
  const train = makeSplit(periods.train);
  const validation = makeSplit(periods.validation);
  const test = makeSplit(periods.test);
  const featureNames = [...WEATHER_COLUMNS, ...(seasonalFeatures ? ['day_of_year_sin', 'day_of_year_cos'] : [])];
  const source = options.csvPath === undefined ? `vega-datasets@${packageVersion('vega-datasets')} (data/seattle-weather.csv, NOAA)` : csvPath;
  return {
    task: 'forecasting',
    name: 'seattle-weather',
    timeSteps: window,
    features: numFeatures,
    horizon,
    featureNames,
    targetName: TARGET,
    targetUnit: '°C',
    featureMean: stats.map((s) => s.mean),
    featureStd: stats.map((s) => s.std),
    targetMean: target.mean,
    targetStd: target.std,
    train: train.split,
    validation: validation.split,
    test: test.split,
    seed,
    source,
    splitDates: {
      train: [dates[0], dates[trainEnd - 1]],
      validation: [dates[trainEnd], dates[validationEnd - 1]],
      test: [dates[validationEnd], dates[numDays - 1]],
    },
    targetDates: { train: train.targetDates, validation: validation.targetDates, test: test.targetDates },
  };
}
