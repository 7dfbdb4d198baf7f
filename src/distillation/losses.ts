/**
 * Distillation losses as pure tensor functions.
 *
 * - {@link mseDistillationLoss}: the course text's objective, min over θ_s of Σ_x ||f_s(x) − f_t(x)||²,
 *   usable for every task (class logits, per-step logits, forecasts).
 * - {@link hintonLoss}: Hinton, Vinyals & Dean (2015), "Distilling the Knowledge in a Neural
 *   Network": soft targets at temperature T, scaled by T² so that their gradients keep the same
 *   magnitude as T changes, mixed with the ordinary cross-entropy on hard labels.
 *
 * Logits may be `[batch, classes]` (classifier) or `[batch, timeSteps, vocab]` (language model); the
 * softmax is over the last axis and every leading position counts as one prediction.
 */
import * as tf from '@tensorflow/tfjs';
import { sparseSoftmaxCrossEntropy } from '../training/losses';

/** Options of {@link hintonLoss}. */
export interface HintonLossOptions {
  /**
   * Softmax temperature T > 0 for the soft targets; higher T exposes more of the teacher's
   * ranking of wrong classes.
   * @default 4
   */
  temperature?: number;
  /**
   * Weight of the soft (teacher) term; the hard-label cross-entropy gets 1 − alpha. Hinton et al.
   * found a small weight on the hard term works best, hence the default.
   * @default 0.9
   */
  alpha?: number;
}

function shapeText(t: tf.Tensor): string {
  return `[${t.shape.join(', ')}]`;
}

function checkSameShape(student: tf.Tensor, teacher: tf.Tensor): void {
  if (student.rank !== teacher.rank || student.shape.some((d, i) => d !== teacher.shape[i])) {
    throw new RangeError(`student output shape ${shapeText(student)} must equal teacher output shape ${shapeText(teacher)}`);
  }
}

/**
 * Checks a temperature and an alpha.
 *
 * @example checkHintonOptions(4, 0.9)
 * @param temperature Must be finite and > 0.
 * @param alpha Must be in [0, 1].
 * @throws RangeError when either is out of range.
 */
export function checkHintonOptions(temperature: number, alpha: number): void {
  if (!(Number.isFinite(temperature) && temperature > 0)) throw new RangeError(`temperature must be a finite number > 0, got ${temperature}`);
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`alpha must be in [0, 1], got ${alpha}`);
}

/**
 * The course text's distillation loss: squared L2 distance between student and teacher outputs.
 * Reduction: the squared differences are summed over every axis but the first (classes, or time
 * steps and vocabulary, or forecast horizon) and averaged over the batch, i.e.
 * (1/B) Σ_b ||f_s(x_b) − f_t(x_b)||². Averaging over the batch keeps the loss independent of the
 * batch size; the sum over outputs is the seed's ||·||².
 *
 * @example mseDistillationLoss(tf.tensor2d([[1, 2]]), tf.tensor2d([[0, 0]])) // 5 = 1² + 2²
 * @param studentOutputs `[batch, ...]`.
 * @param teacherOutputs Same shape.
 * @returns A scalar.
 * @throws RangeError when the shapes differ (the message names both).
 */
export function mseDistillationLoss(studentOutputs: tf.Tensor, teacherOutputs: tf.Tensor): tf.Scalar {
  checkSameShape(studentOutputs, teacherOutputs);
  return tf.tidy(() => {
    const sq = tf.square(tf.sub(studentOutputs, teacherOutputs));
    const perSample = sq.rank > 1 ? tf.sum(sq, Array.from({ length: sq.rank - 1 }, (_, i) => i + 1)) : sq;
    return tf.mean(perSample) as tf.Scalar;
  });
}

/**
 * KL(softmax(t/T) ‖ softmax(s/T)) averaged over predictions (rows of the last axis), without the T²
 * factor.
 *
 * @example softTargetKl(tf.tensor2d([[0, 2]]), tf.tensor2d([[2, 0]]), 2) // 0.4621 (see tests)
 * @param studentLogits `[..., classes]`.
 * @param teacherLogits Same shape.
 * @param temperature T > 0.
 * @returns A scalar, >= 0.
 * @throws RangeError when the shapes differ or T is not a finite number > 0.
 */
export function softTargetKl(studentLogits: tf.Tensor, teacherLogits: tf.Tensor, temperature: number): tf.Scalar {
  checkSameShape(studentLogits, teacherLogits);
  checkHintonOptions(temperature, 0);
  return tf.tidy(() => {
    const logPt = tf.logSoftmax(tf.div(teacherLogits, temperature));
    const logPs = tf.logSoftmax(tf.div(studentLogits, temperature));
    const perPrediction = tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs)), -1);
    return tf.mean(perPrediction) as tf.Scalar;
  });
}

/**
 * Hinton et al.'s distillation loss:
 * alpha · T² · KL(softmax(t/T) ‖ softmax(s/T)) + (1 − alpha) · CE(labels, softmax(s)).
 * alpha weights the soft, teacher term; the hard term uses temperature 1.
 *
 * @example hintonLoss(studentLogits, teacherLogits, labels, { temperature: 4, alpha: 0.9 })
 * @param studentLogits `[batch, classes]` or `[batch, timeSteps, vocab]`.
 * @param teacherLogits Same shape.
 * @param labels Class indices, one per prediction; may be null only when alpha = 1.
 * @param options See {@link HintonLossOptions}.
 * @returns A scalar.
 * @throws RangeError when shapes differ, T <= 0, alpha is outside [0, 1] or the label count is wrong.
 * @throws TypeError when labels are missing and alpha < 1.
 */
export function hintonLoss(
  studentLogits: tf.Tensor,
  teacherLogits: tf.Tensor,
  labels: tf.Tensor | null,
  options: HintonLossOptions = {},
): tf.Scalar {
  const { temperature = 4, alpha = 0.9 } = options;
  checkHintonOptions(temperature, alpha);
  checkSameShape(studentLogits, teacherLogits);
  if (alpha < 1 && !labels) throw new TypeError(`labels are required when alpha < 1 (the hard-label term has weight ${1 - alpha}), got ${labels}`);
  return tf.tidy(() => {
    const terms: tf.Tensor[] = [];
    if (alpha > 0) terms.push(tf.mul(alpha * temperature * temperature, softTargetKl(studentLogits, teacherLogits, temperature)));
    if (alpha < 1) terms.push(tf.mul(1 - alpha, sparseSoftmaxCrossEntropy(labels as tf.Tensor, studentLogits)));
    return (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Scalar;
  });
}
