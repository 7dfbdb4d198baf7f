/**
 * Standardisation (z-scores) fitted on training data, and its inverse for reporting in original
 * units.
 */
import { ForecastingDataset } from './types';

/** Mean and standard deviation of one column. */
export interface Standardization {
  mean: number;
  std: number;
}

/**
 * Mean and population standard deviation (divide by n) of values; a constant column gets std 1 so
 * that standardising it yields zeros instead of NaN.
 *
 * @example fitStandardization([1, 2, 3, 4]) // { mean: 2.5, std: 1.118... } (variance 1.25)
 * @param values The values, e.g. one feature over the training period.
 * @returns Mean and standard deviation.
 * @throws RangeError when there are no values or one is not finite.
 */
export function fitStandardization(values: ArrayLike<number>): Standardization {
  if (values.length === 0) throw new RangeError('values must not be empty, got 0 values');
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`values must be finite, got ${values[i]} at index ${i}`);
    sum += values[i];
  }
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i] - mean) ** 2;
  const std = Math.sqrt(squares / values.length);
  return { mean, std: std > 0 ? std : 1 };
}

/**
 * Turns normalised forecasts or targets back into the target's units (e.g. °C):
 * `value * targetStd + targetMean`.
 *
 * @example denormalizeTarget(weather.test.y, weather) // test targets in °C
 * @param values Normalised values.
 * @param dataset The dataset whose training statistics normalised them.
 * @returns A new array in original units.
 */
export function denormalizeTarget(values: ArrayLike<number>, dataset: Pick<ForecastingDataset, 'targetMean' | 'targetStd'>): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] * dataset.targetStd + dataset.targetMean;
  return out;
}
