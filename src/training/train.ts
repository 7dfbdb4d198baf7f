/**
 * The training loop. It is our own rather than `model.fit` so that it is deterministic (seeded
 * shuffles, batches built from the typed arrays in a fixed order) and extensible through callbacks
 * (`./callbacks`): pruning re-applies its masks after every optimizer step, quantization-aware
 * training moves each update onto its float shadows, early stopping ends the run and restores the
 * best weights, and all of them combine in one call.
 */
import * as tf from '@tensorflow/tfjs';
import type { SequenceDataset } from '../data/types';
import { fastApply } from '../fastrnn/index';
import { deriveSeed, permutation } from '../utils/random';
import { checkDatasetShapes, checkModelFitsDataset, makeBatch } from './batches';
import { evaluateSplit } from './evaluate';
import { checkCallbacks, type TrainingCallback, type TrainingRun } from './callbacks';
import { clipByGlobalNorm, finishMetric, metricNameOf, metricSum, taskLoss } from './losses';
import { resolveTrainSettings } from './options';
import { progressReporter } from './progress';
import { ensureSegmentSumKernel } from './segment-sum-kernel';
import type { BatchLogs, EpochLogs, History, TrainOptions } from './types';

function now(): number {
  return performance.now() / 1000;
}

/**
 * Trains a model on a dataset's training split, validating after each epoch.
 *
 * Each epoch visits the training sequences in the order `permutation(n, deriveSeed(seed,
 * 'shuffle-epoch-<k>'))`, in batches of `batchSize` (the last one smaller), takes one optimizer
 * step per batch on the task loss (softmax cross-entropy from logits, or MSE for forecasting) or
 * on `lossFn`, optionally after clipping the gradients' global norm, then calls every callback's
 * `onBatchEnd`. The same seed, model and data give bit-identical weights on a given back end.
 *
 * @example
 * const stop = earlyStopping({ patience: 3 });
 * const history = await train(model, dataset, { numEpochs: 30, batchSize: 64, learningRate: 2e-3, callbacks: [stop] });
 * console.log(history.epochs.at(-1)?.valMetric, stop.bestEpoch);
 * @param model A model whose shapes fit the dataset (see `buildModelFor`); updated in place.
 * @param dataset The dataset.
 * @param options See {@link TrainOptions}.
 * @returns The per-epoch history.
 * @throws TypeError / RangeError for bad options or callbacks, a malformed dataset, a model that
 *   does not fit the dataset, or no trainable variables; nothing is changed then.
 */
export async function train(model: tf.LayersModel, dataset: SequenceDataset, options: TrainOptions = {}): Promise<History> {
  const settings = resolveTrainSettings(dataset, options);
  checkDatasetShapes(dataset);
  checkModelFitsDataset(model, dataset);
  const { numEpochs, batchSize, learningRate, clipNorm, seed, shuffle, validationBatchSize, fastRecurrence } = settings;
  const { lossFn } = options;
  const callbacks: TrainingCallback[] = options.callbacks ?? [];
  checkCallbacks(callbacks);
  const n = dataset.train.size;
  if (n === 0) throw new RangeError('dataset.train must hold at least one sequence, got size 0');
  const variables = (options.trainableVariables ?? model.trainableWeights.map((w) => w.read() as tf.Variable)).filter((v) => v.trainable);
  if (variables.length === 0) throw new RangeError('train needs at least one trainable variable, got 0');

  ensureSegmentSumKernel();
  const report = progressReporter(options.progress ?? 'auto');
  const metricName = metricNameOf(dataset.task);
  const validate = dataset.validation.size > 0;
  const ownsOptimizer = options.optimizer === undefined;
  const optimizer = options.optimizer ?? tf.train.adam(learningRate);
  const extra = variables.filter((v) => !model.weights.some((w) => w.read() === v));

  const history: History = { epochs: [], totalSeconds: 0, metricName, stoppedEarly: false };
  let step = 0;
  const run: TrainingRun = {
    model,
    dataset,
    numEpochs,
    variables,
    stateVariables: [...model.weights.map((w) => w.read() as tf.Variable), ...extra],
    history,
    get step() {
      return step;
    },
    stopTraining: false,
  };
  let bestLoss = Infinity;
  const start = now();
  let begun = 0;
  try {
    for (const cb of callbacks) {
      begun++;
      await cb.onTrainBegin?.(run);
    }
    for (let epoch = 0; epoch < numEpochs && !run.stopTraining; epoch++) {
      const epochStart = now();
      const order = shuffle ? permutation(n, deriveSeed(seed, `shuffle-epoch-${epoch}`)) : Int32Array.from({ length: n }, (_, i) => i);
      let lossSum = 0;
      let metricTotal = 0;
      for (let batch = 0, first = 0; first < n; batch++, first += batchSize) {
        const indices = order.subarray(first, Math.min(n, first + batchSize));
        const { x, y } = makeBatch(dataset, dataset.train, indices);
        let pred: tf.Tensor | undefined;
        let loss: number;
        let part: number;
        try {
          const { value, grads } = tf.variableGrads(() => {
            const out = fastRecurrence ? fastApply(model, x, { training: true, inputGradient: false }) : (model.apply(x, { training: true }) as tf.Tensor);
            // Kept past the gradient tape's scope for the batch metric; disposed below.
            pred = tf.keep(out);
            return lossFn ? lossFn(y, out, { x, indices, epoch, step }) : taskLoss(dataset.task, y, out);
          }, variables);
          const applied = clipNorm === null ? grads : clipByGlobalNorm(grads, clipNorm);
          optimizer.applyGradients(applied);
          const stats = tf.tidy(() => tf.stack([value, metricSum(dataset.task, y, pred as tf.Tensor)]));
          [loss, part] = stats.dataSync();
          tf.dispose([value, stats, ...Object.values(grads)]);
          if (applied !== grads) tf.dispose(Object.values(applied));
        } finally {
          tf.dispose([x, y]);
          if (pred) pred.dispose();
        }
        lossSum += loss * indices.length;
        metricTotal += part;
        const batchLogs: BatchLogs = { epoch, batch, step, loss, size: indices.length };
        step++;
        for (const cb of callbacks) await cb.onBatchEnd?.(batchLogs, run);
      }
      const val = validate ? evaluateSplit(model, dataset, 'validation', validationBatchSize) : { loss: NaN, metric: NaN };
      const logs: EpochLogs = {
        epoch,
        loss: lossSum / n,
        valLoss: val.loss,
        metric: finishMetric(dataset, metricTotal, n),
        valMetric: val.metric,
        seconds: now() - epochStart,
      };
      history.epochs.push(logs);
      if (validate && val.loss < bestLoss) {
        bestLoss = val.loss;
        history.bestEpoch = epoch;
      }
      const elapsed = now() - start;
      report({ ...logs, numEpochs, metricName, elapsedSeconds: elapsed, etaSeconds: (elapsed / (epoch + 1)) * (numEpochs - epoch - 1) });
      for (const cb of callbacks) await cb.onEpochEnd?.(logs, run);
      if (run.stopTraining && epoch < numEpochs - 1) history.stoppedEarly = true;
    }
  } finally {
    // Reverse order, like nested finally blocks; only the callbacks whose onTrainBegin ran.
    try {
      for (let i = begun - 1; i >= 0; i--) await callbacks[i].onTrainEnd?.(run);
    } finally {
      if (ownsOptimizer) optimizer.dispose();
    }
  }
  history.steps = step;
  history.totalSeconds = now() - start;
  return history;
}
