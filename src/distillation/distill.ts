/**
 * Trains a student model to reproduce a frozen teacher's outputs.
 *
 * The loop is deliberately small and self-contained (Adam, seeded shuffling, one pass per epoch)
 * so that it reads as the algorithm: for every batch, compute the teacher's outputs (or read them
 * from a cache made once before training), compute the student's, and step the student's weights
 * down the gradient of the distillation loss. Only the student's variables are handed to the
 * optimizer, which is what keeps the teacher frozen. What is specific to distillation is the
 * target rows (teacher outputs) and the loss; a general training loop that accepts a target
 * source and a loss function can take over the rest.
 */
import * as tf from '@tensorflow/tfjs';
import { fastApply } from '../fastrnn/index';
import { deriveSeed, permutation } from '../utils/random';
import { checkHintonOptions, HintonLossOptions, hintonLoss, mseDistillationLoss } from './losses';
import { cacheOutputs, DistillData, forEachChunk, liveOutputs, RowSource, rowSource } from './rows';

/** Teacher outputs up to this size are cached when `cacheTeacher` is 'auto'. */
export const TEACHER_CACHE_LIMIT_BYTES = 256 * 1024 * 1024;

/** Which distillation loss to minimise. */
export type DistillLoss = 'mse' | 'hinton';

/** What {@link distill} reports after each epoch. */
export interface DistillEpochLogs {
  /** Mean training loss over the epoch's samples. */
  loss: number;
  /** The same loss on the validation data, when given. */
  valLoss?: number;
  /** Share of validation predictions whose arg-max is the label, when labels are given. */
  valAccuracy?: number;
}

/** Options of {@link distill}. */
export interface DistillOptions extends HintonLossOptions {
  /**
   * 'mse': the course text's Σ||f_s(x) − f_t(x)||² (any task); 'hinton': temperature-softened KL
   * plus hard-label cross-entropy (classifiers and language models, outputs must be logits).
   * @default 'mse'
   */
  loss?: DistillLoss;
  /** @default 5 */
  numEpochs?: number;
  /** @default 32 */
  batchSize?: number;
  /** Adam learning rate. @default 0.001 */
  learningRate?: number;
  /** Seed of the per-epoch shuffles. @default 42 */
  seed?: number;
  /**
   * Whether to compute the teacher's outputs once before training and keep them in memory
   * (true), compute them per batch (false), or cache when they take under
   * {@link TEACHER_CACHE_LIMIT_BYTES} ('auto').
   * @default 'auto'
   */
  cacheTeacher?: 'auto' | boolean;
  /** Data for `valLoss` (and `valAccuracy` when it has labels), evaluated after each epoch. */
  validationData?: DistillData;
  /** Called after each epoch; training waits for a returned promise. */
  onEpochEnd?: (epoch: number, logs: DistillEpochLogs) => void | Promise<void>;
  /**
   * Run recurrent layers as fused ops with hand-written gradients (`fastApply` from
   * `src/fastrnn`), as `train` does by default.
   * @default true
   */
  fastRecurrence?: boolean;
}

/** What {@link distill} returns. */
export interface DistillHistory {
  /** Mean training loss per epoch. */
  loss: number[];
  /** Validation loss per epoch, when validation data was given. */
  valLoss?: number[];
  /** Validation accuracy per epoch, when validation data had labels. */
  valAccuracy?: number[];
  /** Whether the teacher's outputs were cached. */
  teacherCached: boolean;
  /** Size the cache had or would have had, in bytes. */
  teacherOutputBytes: number;
}

interface Prepared {
  x: RowSource;
  labels?: RowSource;
  outputRowShape: number[];
}

function positiveInteger(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

function shapeText(shape: (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : d)).join(', ')}]`;
}

function singleInputOutput(model: tf.LayersModel, role: string): void {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new TypeError(`${role} must have one input and one output, got ${model.inputs.length} inputs and ${model.outputs.length} outputs`);
  }
}

/** Checks both models and returns the shape of one output row, probing with one sample. */
function checkModels(student: tf.LayersModel, teacher: tf.LayersModel, x: RowSource): number[] {
  if (student === teacher) throw new TypeError('student and teacher must be different models, got the same model twice');
  singleInputOutput(student, 'student');
  singleInputOutput(teacher, 'teacher');
  const teacherIds = new Set(teacher.weights.map((w) => w.id));
  const shared = student.trainableWeights.find((w) => teacherIds.has(w.id));
  if (shared) throw new TypeError(`student and teacher must not share weights (the teacher is frozen), got shared weight '${shared.name}'`);
  const s = student.outputs[0].shape;
  const t = teacher.outputs[0].shape;
  const clash = s.length !== t.length || s.some((d, i) => d !== null && t[i] !== null && d !== t[i]);
  if (clash) throw new RangeError(`student output shape ${shapeText(s)} must equal teacher output shape ${shapeText(t)}`);
  return tf.tidy(() => {
    const probe = x.take(Int32Array.of(0));
    const so = (student.predict(probe) as tf.Tensor).shape;
    const to = (teacher.predict(probe) as tf.Tensor).shape;
    if (so.length !== to.length || so.some((d, i) => d !== to[i])) {
      throw new RangeError(`student output shape ${shapeText(so)} must equal teacher output shape ${shapeText(to)}`);
    }
    return to.slice(1);
  });
}

function labelRows(y: DistillData['y'], size: number, outputRowShape: number[], name: string): RowSource {
  const classes = outputRowShape[outputRowShape.length - 1];
  const perSample = outputRowShape.slice(0, -1).reduce((p, d) => p * d, 1);
  const raw = y instanceof tf.Tensor ? y.dataSync() : (y as ArrayLike<number>);
  if (raw.length !== size * perSample) {
    throw new RangeError(`${name} must have ${size * perSample} labels (${perSample} per sample for outputs ${shapeText([null, ...outputRowShape])}), got ${raw.length}`);
  }
  for (let i = 0; i < raw.length; i++) {
    if (!Number.isInteger(raw[i]) || raw[i] < 0 || raw[i] >= classes) {
      throw new RangeError(`${name} must be class indices in [0, ${classes}), got ${raw[i]} at index ${i}`);
    }
  }
  return rowSource(Int32Array.from(raw), perSample === 1 ? [] : outputRowShape.slice(0, -1), name, 'int32');
}

function prepare(data: DistillData, sampleShape: (number | null)[], name: string): RowSource {
  if (!(data.x instanceof tf.Tensor) && sampleShape.some((d) => d === null)) {
    throw new RangeError(`${name}.x as a typed array needs a model input shape without free dimensions, got ${shapeText([null, ...sampleShape])}; pass a tensor instead`);
  }
  const x = rowSource(data.x, sampleShape as number[], `${name}.x`);
  if (x.size === 0) throw new RangeError(`${name} must hold at least one sample, got 0`);
  return x;
}

/**
 * Distils a teacher into a student: trains the student to match the teacher's outputs.
 *
 * @example
 * const history = await distill(student, teacher, { x: train.x, y: train.y }, {
 *   loss: 'hinton', temperature: 4, alpha: 0.9, numEpochs: 5, batchSize: 64, learningRate: 1e-3,
 * });
 * @param student Model to train, logits out (any cell type or size). Its weights change.
 * @param teacher Frozen model with the same output shape; never updated.
 * @param data Training inputs, and labels for 'hinton' with alpha < 1.
 * @param options See {@link DistillOptions}.
 * @returns Loss per epoch, validation metrics, and whether the teacher was cached.
 * @throws TypeError when a model has several inputs or outputs, student and teacher are the same
 *   model or share weights, or labels are missing where needed.
 * @throws RangeError for a bad option value, output shapes that differ (the message names both),
 *   or labels of the wrong count or outside [0, classes).
 */
export async function distill(
  student: tf.LayersModel,
  teacher: tf.LayersModel,
  data: DistillData,
  options: DistillOptions = {},
): Promise<DistillHistory> {
  const {
    loss = 'mse', temperature = 4, alpha = 0.9, numEpochs = 5, batchSize = 32, learningRate = 0.001,
    seed = 42, cacheTeacher = 'auto', validationData, onEpochEnd, fastRecurrence = true,
  } = options;
  if (typeof fastRecurrence !== 'boolean') throw new TypeError(`fastRecurrence must be a boolean, got ${typeof fastRecurrence}`);
  if (loss !== 'mse' && loss !== 'hinton') throw new RangeError(`loss must be 'mse' or 'hinton', got '${loss}'`);
  checkHintonOptions(temperature, alpha);
  positiveInteger(numEpochs, 'numEpochs');
  positiveInteger(batchSize, 'batchSize');
  if (!(Number.isFinite(learningRate) && learningRate > 0)) throw new RangeError(`learningRate must be a finite number > 0, got ${learningRate}`);
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  if (cacheTeacher !== 'auto' && typeof cacheTeacher !== 'boolean') throw new RangeError(`cacheTeacher must be 'auto', true or false, got ${String(cacheTeacher)}`);

  const sampleShape = teacher.inputs[0].shape.slice(1);
  const x = prepare(data, sampleShape, 'data');
  const outputRowShape = checkModels(student, teacher, x);
  const needLabels = loss === 'hinton' && alpha < 1;
  if (needLabels && data.y === undefined) throw new TypeError(`data.y (labels) is required by the 'hinton' loss when alpha < 1, got alpha ${alpha} and no labels`);
  const train: Prepared = { x, outputRowShape, labels: needLabels ? labelRows(data.y, x.size, outputRowShape, 'data.y') : undefined };
  let val: Prepared | undefined;
  if (validationData) {
    const vx = prepare(validationData, sampleShape, 'validationData');
    if (needLabels && validationData.y === undefined) throw new TypeError(`validationData.y (labels) is required by the 'hinton' loss when alpha < 1`);
    val = { x: vx, outputRowShape, labels: validationData.y === undefined ? undefined : labelRows(validationData.y, vx.size, outputRowShape, 'validationData.y') };
  }

  const rowBytes = outputRowShape.reduce((p, d) => p * d, 1) * 4;
  const teacherOutputBytes = rowBytes * (x.size + (val?.x.size ?? 0));
  const cached = cacheTeacher === 'auto' ? teacherOutputBytes < TEACHER_CACHE_LIMIT_BYTES : cacheTeacher;
  const chunk = Math.max(batchSize, 256);
  const targets = cached ? await cacheOutputs(teacher, x, outputRowShape, chunk) : liveOutputs(teacher, x, outputRowShape);
  const valTargets = val && (cached ? await cacheOutputs(teacher, val.x, outputRowShape, chunk) : liveOutputs(teacher, val.x, outputRowShape));

  const lossOf = (s: tf.Tensor, t: tf.Tensor, y: tf.Tensor | null): tf.Scalar =>
    loss === 'mse' ? mseDistillationLoss(s, t) : hintonLoss(s, t, y, { temperature, alpha });
  const history: DistillHistory = { loss: [], teacherCached: cached, teacherOutputBytes };
  if (val) history.valLoss = [];
  if (val?.labels) history.valAccuracy = [];
  const optimizer = tf.train.adam(learningRate);
  const variables = student.trainableWeights.map((w) => w.read() as tf.Variable);
  try {
    for (let epoch = 0; epoch < numEpochs; epoch++) {
      const order = permutation(x.size, deriveSeed(seed, `distill-epoch-${epoch}`));
      let total = 0;
      for (let start = 0; start < x.size; start += batchSize) {
        const indices = order.subarray(start, Math.min(x.size, start + batchSize));
        const batch = [x.take(indices), targets.take(indices), train.labels ? train.labels.take(indices) : null] as const;
        try {
          const cost = optimizer.minimize(
            () => lossOf(fastRecurrence ? fastApply(student, batch[0], { training: true, inputGradient: false }) : (student.apply(batch[0], { training: true }) as tf.Tensor), batch[1], batch[2]),
            true,
            variables,
          ) as tf.Scalar;
          total += (await cost.data())[0] * indices.length;
          cost.dispose();
        } finally {
          tf.dispose(batch.filter((t): t is tf.Tensor => t !== null));
        }
      }
      const logs: DistillEpochLogs = { loss: total / x.size };
      if (val && valTargets) Object.assign(logs, await evaluateStudent(student, val, valTargets, lossOf, chunk));
      history.loss.push(logs.loss);
      if (logs.valLoss !== undefined) history.valLoss?.push(logs.valLoss);
      if (logs.valAccuracy !== undefined) history.valAccuracy?.push(logs.valAccuracy);
      await onEpochEnd?.(epoch, logs);
    }
  } finally {
    optimizer.dispose();
  }
  return history;
}

async function evaluateStudent(
  student: tf.LayersModel,
  val: Prepared,
  targets: RowSource,
  lossOf: (s: tf.Tensor, t: tf.Tensor, y: tf.Tensor | null) => tf.Scalar,
  chunk: number,
): Promise<{ valLoss: number; valAccuracy?: number }> {
  let lossSum = 0;
  let correct = 0;
  let predictions = 0;
  await forEachChunk(student, val.x, chunk, async (out, start) => {
    const indices = Int32Array.from({ length: out.shape[0] }, (_, k) => start + k);
    const t = targets.take(indices);
    const y = val.labels ? val.labels.take(indices) : null;
    const [l, hits] = tf.tidy(() => {
      const lossValue = lossOf(out, t, y);
      const hitsValue = y ? tf.sum(tf.cast(tf.equal(tf.argMax(out, -1), tf.reshape(y, out.shape.slice(0, -1))), 'float32')) : tf.scalar(0);
      return [lossValue, hitsValue];
    });
    lossSum += (await l.data())[0] * indices.length;
    correct += (await hits.data())[0];
    predictions += out.size / out.shape[out.rank - 1];
    tf.dispose([t, y, l, hits].filter((v): v is tf.Tensor => v !== null));
  });
  const result: { valLoss: number; valAccuracy?: number } = { valLoss: lossSum / val.x.size };
  if (val.labels) result.valAccuracy = correct / predictions;
  return result;
}
