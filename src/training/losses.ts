/**
 * Task losses computed from logits, the per-batch metric sums, and gradient clipping.
 */
import * as tf from '@tensorflow/tfjs';
import type { SequenceDataset, TaskKind } from '../data/types';
import type { MetricName } from './types';

/**
 * Mean cross-entropy between integer labels and logits, in nats, with the softmax folded in
 * (log-softmax is stable for large logits where softmax-then-log is not). The project's one
 * cross-entropy: training, evaluation and distillation all use it, labels first as in tf.losses.
 *
 * @example sparseSoftmaxCrossEntropy(tf.tensor1d([1], 'int32'), tf.tensor2d([[0, 0]])) // ln 2
 * @param labels Integer class ids, one per prediction, any layout (`[batch]`, `[batch, steps]`).
 * @param logits Logits `[..., numClasses]`.
 * @returns A scalar: the mean over all label positions.
 * @throws RangeError when the number of labels differs from the number of predictions.
 */
export function sparseSoftmaxCrossEntropy(labels: tf.Tensor, logits: tf.Tensor): tf.Scalar {
  const numClasses = logits.shape[logits.rank - 1];
  if (labels.size * numClasses !== logits.size) {
    throw new RangeError(`labels must have one entry per prediction (${logits.size / numClasses} for logits [${logits.shape.join(', ')}]), got ${labels.size}`);
  }
  return tf.tidy(() => {
    const flatLogits = logits.reshape([-1, numClasses]);
    const flatLabels = labels.reshape([-1]).toInt();
    const logProb = tf.logSoftmax(flatLogits);
    const picked = tf.sum(tf.mul(tf.oneHot(flatLabels, numClasses), logProb), -1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}

/**
 * Mean squared error over every value.
 *
 * @example meanSquaredError(tf.tensor1d([0, 0]), tf.tensor1d([1, 3])) // (1 + 9) / 2 = 5
 * @param yTrue Targets.
 * @param yPred Predictions of the same shape.
 * @returns A scalar.
 */
export function meanSquaredError(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(yPred, yTrue)) as tf.Scalar);
}

/**
 * The loss training minimises by default: softmax cross-entropy from logits for classification
 * and language modelling, mean squared error (normalised units) for forecasting.
 *
 * @example const loss = taskLoss('classification', labels, logits);
 * @param task The dataset's task.
 * @param yTrue Targets as `makeBatch` builds them.
 * @param yPred The model's outputs.
 * @returns A scalar.
 */
export function taskLoss(task: TaskKind, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return task === 'forecasting' ? meanSquaredError(yTrue, yPred) : sparseSoftmaxCrossEntropy(yTrue, yPred);
}

/**
 * The per-epoch metric reported for a task in the training history.
 *
 * @example metricNameOf('language-model') // 'bitsPerChar'
 * @param task The dataset's task.
 * @returns `accuracy`, `bitsPerChar` or `mae`.
 */
export function metricNameOf(task: TaskKind): MetricName {
  return task === 'classification' ? 'accuracy' : task === 'language-model' ? 'bitsPerChar' : 'mae';
}

/**
 * The sum over a batch that the task's metric is the mean of: correct predictions
 * (classification), cross-entropy in nats over all characters (language model), absolute
 * error in normalised units over all values (forecasting).
 *
 * @example metricSum('classification', labels, logits) // number of correct predictions
 * @param task The dataset's task.
 * @param yTrue Targets.
 * @param yPred Model outputs.
 * @returns A scalar the caller owns.
 */
export function metricSum(task: TaskKind, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    if (task === 'classification') {
      return tf.sum(tf.equal(tf.argMax(yPred, -1), yTrue.toInt()).toFloat()) as tf.Scalar;
    }
    if (task === 'language-model') {
      const numClasses = yPred.shape[yPred.rank - 1];
      const logProb = tf.logSoftmax(yPred.reshape([-1, numClasses]));
      return tf.neg(tf.sum(tf.mul(tf.oneHot(yTrue.reshape([-1]).toInt(), numClasses), logProb))) as tf.Scalar;
    }
    return tf.sum(tf.abs(tf.sub(yPred, yTrue))) as tf.Scalar;
  });
}

/**
 * Turns a metric sum over `n` sequences into the metric: accuracy, bits per character, or MAE in
 * the target's original units.
 *
 * @example finishMetric(classificationDataset, 45, 50) // 0.9
 * @param dataset The dataset.
 * @param sum The accumulated {@link metricSum}.
 * @param n Number of sequences summed over.
 * @returns The metric.
 */
export function finishMetric(dataset: SequenceDataset, sum: number, n: number): number {
  switch (dataset.task) {
    case 'classification':
      return sum / n;
    case 'language-model':
      return sum / (n * dataset.timeSteps) / Math.LN2;
    case 'forecasting':
      return (sum / (n * dataset.horizon)) * dataset.targetStd;
  }
}

/**
 * Scales gradients so that their global L2 norm, sqrt(sum over all of g^2), is at most `clipNorm`;
 * gradients already within the bound are returned unchanged in value.
 *
 * @example const clipped = clipByGlobalNorm(grads, 5);
 * @param grads Gradients by variable name.
 * @param clipNorm The bound, > 0.
 * @returns New tensors the caller owns, under the same names.
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, clipNorm: number): tf.NamedTensorMap {
  return tf.tidy(() => {
    const names = Object.keys(grads);
    const squares = names.map((n) => tf.sum(tf.square(grads[n])));
    const norm = tf.sqrt(tf.addN(squares));
    const scale = tf.div(clipNorm, tf.maximum(norm, clipNorm));
    const out: tf.NamedTensorMap = {};
    for (const n of names) out[n] = tf.mul(grads[n], scale);
    return out;
  });
}
