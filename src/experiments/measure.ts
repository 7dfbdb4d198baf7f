/**
 * Small measurements the notebooks report for every model: the real size of its saved files and
 * its training history in the form the plots take.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as tf from '@tensorflow/tfjs';
import { saveModel } from '../models/io';
import type { History } from '../training/types';

/**
 * Saves a model in the standard tfjs format (model.json + weights) to a temporary folder and
 * returns the real sizes of the files in bytes.
 *
 * @example const { total } = await savedModelBytes(model);
 * @param model A layers model.
 * @returns Bytes of model.json, of the weight file(s), and their sum.
 * @throws Error when saving fails.
 */
export async function savedModelBytes(model: tf.LayersModel): Promise<{ modelJson: number; weights: number; total: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rnnc-size-'));
  try {
    await saveModel(model, dir);
    let modelJson = 0;
    let weights = 0;
    for (const f of fs.readdirSync(dir)) {
      const size = fs.statSync(path.join(dir, f)).size;
      if (f === 'model.json') modelJson += size;
      else weights += size;
    }
    return { modelJson, weights, total: modelJson + weights };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Converts a training history into the per-key arrays the plot module draws
 * (`loss`, `val_loss`, and the task metric with its `val_` twin).
 *
 * @example trainingCurves([{ name: 'LSTM', history: historyValues(h) }], { metric: 'accuracy' })
 * @param history A history returned by `train` or `trainOrLoad`.
 * @returns Arrays keyed by metric name.
 */
export function historyValues(history: History): Record<string, number[]> {
  const m = history.metricName;
  return {
    loss: history.epochs.map((e) => e.loss),
    val_loss: history.epochs.map((e) => e.valLoss ?? NaN),
    [m]: history.epochs.map((e) => e.metric ?? NaN),
    [`val_${m}`]: history.epochs.map((e) => e.valMetric ?? NaN),
  };
}

/**
 * Mean absolute error, in the target's original units, of the persistence forecast "tomorrow's
 * value equals today's", the reference any forecaster must beat.
 *
 * @example persistenceMae(weather, 'test') // about 2 °C for daily maximum temperature
 * @param dataset A forecasting dataset whose target is also one of its input features.
 * @param split Which split.
 * @returns The MAE in original units.
 * @throws RangeError when the target is not among the input features.
 */
export function persistenceMae(
  dataset: { featureNames: string[]; targetName: string; featureMean: number[]; featureStd: number[]; targetMean: number; targetStd: number; timeSteps: number; features: number; horizon: number; train: { x: Float32Array; y: Float32Array; size: number }; validation: { x: Float32Array; y: Float32Array; size: number }; test: { x: Float32Array; y: Float32Array; size: number } },
  split: 'train' | 'validation' | 'test' = 'test',
): number {
  const j = dataset.featureNames.indexOf(dataset.targetName);
  if (j < 0) throw new RangeError(`the target '${dataset.targetName}' must be one of the input features ${dataset.featureNames.join(', ')}`);
  const s = dataset[split];
  const { timeSteps: T, features: F, horizon: H } = dataset;
  let sum = 0;
  for (let i = 0; i < s.size; i++) {
    const last = s.x[(i * T + (T - 1)) * F + j] * dataset.featureStd[j] + dataset.featureMean[j];
    for (let h = 0; h < H; h++) {
      const target = s.y[i * H + h] * dataset.targetStd + dataset.targetMean;
      sum += Math.abs(target - last);
    }
  }
  return sum / (s.size * H);
}
