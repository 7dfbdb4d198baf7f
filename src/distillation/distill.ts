/**
 * Distillation is training with another loss: the student runs through the course's one training
 * loop (`train`), on the same datasets and with the same callbacks (early stopping, pruning, QAT),
 * and only the loss differs. The teacher's outputs for the training split are computed once before
 * training (or per batch when they would not fit in memory), and only the student's variables are
 * handed to the optimizer, which is what keeps the teacher frozen. Validation, and so early
 * stopping, uses the task's own loss and metric on the validation split: the student is judged on
 * the labels, not on how well it copies the teacher.
 */
import * as tf from '@tensorflow/tfjs';
import type { SequenceDataset } from '../data/types';
import { checkModelFitsDataset, makeBatch } from '../training/batches';
import { resolveTrainSettings } from '../training/options';
import { train } from '../training/train';
import type { History, TrainOptions } from '../training/types';
import { checkHintonOptions, type HintonLossOptions, hintonLoss, mseDistillationLoss } from './losses';

/** Teacher outputs up to this size are cached when `cacheTeacher` is 'auto'. */
export const TEACHER_CACHE_LIMIT_BYTES = 256 * 1024 * 1024;

/** Which distillation loss to minimize. */
export type DistillLoss = 'mse' | 'hinton';

/** Options of {@link distill}: those of `train` (but its loss), plus the distillation loss. */
export interface DistillOptions extends Omit<TrainOptions, 'lossFn' | 'trainableVariables'>, HintonLossOptions {
  /**
   * 'mse': the course text's Σ||f_s(x) − f_t(x)||² (any task); 'hinton': temperature-softened KL
   * plus hard-label cross-entropy (classifiers and language models, outputs must be logits).
   * @default 'mse'
   */
  loss?: DistillLoss;
  /**
   * Whether to compute the teacher's outputs on the training split once before training and keep
   * them in memory (true), compute them per batch (false), or cache them when they take under
   * {@link TEACHER_CACHE_LIMIT_BYTES} ('auto').
   * @default 'auto'
   */
  cacheTeacher?: 'auto' | boolean;
}

/** What {@link distill} returns: the training history, and how the teacher's outputs were kept. */
export interface DistillHistory extends History {
  /** Whether the teacher's outputs were cached. */
  teacherCached: boolean;
  /** Size the cache had or would have had, in bytes. */
  teacherOutputBytes: number;
}

function shapeText(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : d)).join(', ')}]`;
}

function checkModels(student: tf.LayersModel, teacher: tf.LayersModel, dataset: SequenceDataset): number[] {
  if (!(student instanceof tf.LayersModel)) throw new TypeError(`student must be a tf.LayersModel, got ${String(student)}`);
  if (!(teacher instanceof tf.LayersModel)) throw new TypeError(`teacher must be a tf.LayersModel, got ${String(teacher)}`);
  if (student === teacher) throw new TypeError('student and teacher must be different models, got the same model twice');
  for (const [role, model] of [['student', student], ['teacher', teacher]] as const) {
    if (model.inputs.length !== 1 || model.outputs.length !== 1) {
      throw new TypeError(`${role} must have one input and one output, got ${model.inputs.length} inputs and ${model.outputs.length} outputs`);
    }
  }
  const teacherIds = new Set(teacher.weights.map((w) => w.id));
  const shared = student.trainableWeights.find((w) => teacherIds.has(w.id));
  if (shared) throw new TypeError(`student and teacher must not share weights (the teacher is frozen), got shared weight '${shared.name}'`);
  checkModelFitsDataset(student, dataset);
  checkModelFitsDataset(teacher, dataset);
  const s = student.outputs[0].shape;
  const t = teacher.outputs[0].shape;
  const clash = s.length !== t.length || s.some((d, i) => d !== null && t[i] !== null && d !== t[i]);
  if (clash) throw new RangeError(`student output shape ${shapeText(s)} must equal teacher output shape ${shapeText(t)}`);
  return tf.tidy(() => {
    const { x } = makeBatch(dataset, dataset.train, [0]);
    const so = (student.predict(x) as tf.Tensor).shape;
    const to = (teacher.predict(x) as tf.Tensor).shape;
    if (so.length !== to.length || so.some((d, i) => d !== to[i])) {
      throw new RangeError(`student output shape ${shapeText(so)} must equal teacher output shape ${shapeText(to)}`);
    }
    return to.slice(1);
  });
}

/** The teacher's outputs for every training sequence, one row after the other. */
function teacherOutputs(teacher: tf.LayersModel, dataset: SequenceDataset, rowSize: number, chunk: number): Float32Array {
  const n = dataset.train.size;
  const rows = new Float32Array(n * rowSize);
  for (let first = 0; first < n; first += chunk) {
    const indices = Int32Array.from({ length: Math.min(chunk, n - first) }, (_, k) => first + k);
    const values = tf.tidy(() => {
      const { x } = makeBatch(dataset, dataset.train, indices);
      return (teacher.predict(x) as tf.Tensor).dataSync();
    });
    rows.set(values, first * rowSize);
  }
  return rows;
}

function gatherRows(rows: Float32Array, indices: Int32Array, rowShape: number[]): tf.Tensor {
  const rowSize = rowShape.reduce((p, d) => p * d, 1);
  const out = new Float32Array(indices.length * rowSize);
  indices.forEach((i, k) => out.set(rows.subarray(i * rowSize, (i + 1) * rowSize), k * rowSize));
  return tf.tensor(out, [indices.length, ...rowShape], 'float32');
}

/**
 * Distills a teacher into a student: trains the student with `train` on a loss that pulls its
 * outputs toward the teacher's.
 *
 * @example
 * const stop = earlyStopping({ patience: 2 });
 * const history = await distill(student, teacher, mnist, {
 *   loss: 'hinton', temperature: 4, alpha: 0.9, numEpochs: 20, batchSize: 64, learningRate: 2e-3, callbacks: [stop],
 * });
 * @param student Model to train, logits out (any cell type or size). Its weights change.
 * @param teacher Frozen model with the same output shape; never updated.
 * @param dataset The dataset; its training labels are used by 'hinton' when alpha < 1.
 * @param options See {@link DistillOptions}; every option of `train` but `lossFn` and
 *   `trainableVariables` applies.
 * @returns The training history (`loss` is the distillation loss; `valLoss` and `valMetric` are
 *   the task's), and whether the teacher's outputs were cached.
 * @throws TypeError when a model has several inputs or outputs, student and teacher are the same
 *   model or share weights; RangeError for a bad option value, a model that does not fit the
 *   dataset, output shapes that differ (the message names both), or 'hinton' on a forecasting task.
 *   Nothing is trained then.
 */
export async function distill(
  student: tf.LayersModel,
  teacher: tf.LayersModel,
  dataset: SequenceDataset,
  options: DistillOptions = {},
): Promise<DistillHistory> {
  if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object, got ${String(options)}`);
  const { loss = 'mse', temperature = 4, alpha = 0.9, cacheTeacher = 'auto', ...trainOptions } = options;
  for (const name of ['lossFn', 'trainableVariables']) {
    if ((options as Record<string, unknown>)[name] !== undefined) throw new TypeError(`distill sets ${name} itself, got one in options`);
  }
  if (loss !== 'mse' && loss !== 'hinton') throw new RangeError(`loss must be 'mse' or 'hinton', got '${String(loss)}'`);
  checkHintonOptions(temperature, alpha);
  if (cacheTeacher !== 'auto' && typeof cacheTeacher !== 'boolean') throw new RangeError(`cacheTeacher must be 'auto', true or false, got ${String(cacheTeacher)}`);
  if (loss === 'hinton' && dataset?.task === 'forecasting') throw new RangeError("loss 'hinton' needs logits (a classification or language-model task), got task 'forecasting'");
  const settings = resolveTrainSettings(dataset, trainOptions);
  const rowShape = checkModels(student, teacher, dataset);

  const rowSize = rowShape.reduce((p, d) => p * d, 1);
  const teacherOutputBytes = rowSize * 4 * dataset.train.size;
  const cached = cacheTeacher === 'auto' ? teacherOutputBytes < TEACHER_CACHE_LIMIT_BYTES : cacheTeacher;
  const rows = cached ? teacherOutputs(teacher, dataset, rowSize, Math.max(settings.batchSize, 256)) : null;
  const hardLabels = loss === 'hinton' && alpha < 1;

  const history = await train(student, dataset, {
    ...trainOptions,
    trainableVariables: student.trainableWeights.map((w) => w.read() as tf.Variable),
    lossFn: (yTrue, yPred, batch) => {
      const target = rows ? gatherRows(rows, batch.indices, rowShape) : (teacher.apply(batch.x, { training: false }) as tf.Tensor);
      if (loss === 'mse') return mseDistillationLoss(yPred, target);
      return hintonLoss(yPred, target, hardLabels ? yTrue : null, { temperature, alpha });
    },
  });
  return { ...history, teacherCached: cached, teacherOutputBytes };
}
