/**
 * How close a student is to its teacher, the quantity distillation drives down.
 */
import * as tf from '@tensorflow/tfjs';
import { DistillData, forEachChunk, rowSource } from './rows';

/** Options of {@link compareWithTeacher}. */
export interface CompareOptions {
  /** Samples per forward pass. @default 256 */
  batchSize?: number;
}

/** Result of {@link compareWithTeacher}. */
export interface TeacherGap {
  /** (1/N) Σ_x ||f_s(x) − f_t(x)||², the course text's distillation loss averaged over samples. */
  mse: number;
  /**
   * Share of predictions (samples, or samples x steps) where student and teacher pick the same
   * class; null for single-output regressions.
   */
  agreement: number | null;
}

/**
 * Measures how far a student's outputs are from a teacher's on some inputs.
 *
 * @example const { mse, agreement } = await compareWithTeacher(student, teacher, { x: test.x });
 * @param student A model.
 * @param teacher A model with the same output shape.
 * @param data Inputs (labels, if any, are ignored).
 * @param options See {@link CompareOptions}.
 * @returns Mean squared distance and arg-max agreement.
 * @throws RangeError when the output shapes differ (the message names both), batchSize is not a
 *   positive integer, or typed-array inputs meet a model input shape with free dimensions.
 */
export async function compareWithTeacher(
  student: tf.LayersModel,
  teacher: tf.LayersModel,
  data: DistillData,
  options: CompareOptions = {},
): Promise<TeacherGap> {
  const { batchSize = 256 } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const sampleShape = teacher.inputs[0].shape.slice(1);
  if (!(data.x instanceof tf.Tensor) && sampleShape.some((d) => d === null)) {
    throw new RangeError(`data.x as a typed array needs a model input shape without free dimensions, got [null, ${sampleShape.join(', ')}]; pass a tensor instead`);
  }
  const x = rowSource(data.x, sampleShape as number[], 'data.x');
  let squared = 0;
  let agree = 0;
  let predictions = 0;
  let classes = 0;
  await forEachChunk(teacher, x, batchSize, async (t, start) => {
    const indices = Int32Array.from({ length: t.shape[0] }, (_, k) => start + k);
    const input = x.take(indices);
    const s = tf.tidy(() => student.predict(input) as tf.Tensor);
    input.dispose();
    try {
      if (s.rank !== t.rank || s.shape.some((d, i) => d !== t.shape[i])) {
        throw new RangeError(`student output shape [${s.shape.join(', ')}] must equal teacher output shape [${t.shape.join(', ')}]`);
      }
      classes = t.shape[t.rank - 1];
      const [sq, same] = tf.tidy(() => [
        tf.sum(tf.square(tf.sub(s, t))),
        tf.sum(tf.cast(tf.equal(tf.argMax(s, -1), tf.argMax(t, -1)), 'float32')),
      ]);
      squared += (await sq.data())[0];
      agree += (await same.data())[0];
      predictions += t.size / classes;
      tf.dispose([sq, same]);
    } finally {
      s.dispose();
    }
  });
  return { mse: squared / x.size, agreement: classes > 1 ? agree / predictions : null };
}
