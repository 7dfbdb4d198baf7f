/**
 * Row access for distillation: inputs, labels and cached teacher outputs are all "rows" that a
 * seeded permutation gathers into batches. Typed arrays stay on the JavaScript heap and only one
 * batch at a time becomes a tensor; tensors passed in by the caller are gathered from directly.
 */
import * as tf from '@tensorflow/tfjs';

/** A dataset for distillation. Teacher outputs are the targets, so labels are optional. */
export interface DistillData {
  /**
   * Inputs, `[size, ...sampleShape]`: a tensor (not disposed by the library) or row-major values
   * whose sample shape is read from the teacher's input shape.
   */
  x: tf.Tensor | Float32Array;
  /**
   * Class indices, one per prediction: `size` for a classifier, `size * timeSteps` for a language
   * model. Needed by the 'hinton' loss when alpha < 1, and for validation accuracy. Forecasting
   * data has none.
   */
  y?: tf.Tensor | Float32Array | Int32Array;
}

/** Rows that can be gathered by index. */
export interface RowSource {
  /** Number of rows. */
  size: number;
  /** Shape of one row. */
  rowShape: number[];
  /**
   * Gathers rows into a new tensor `[indices.length, ...rowShape]` owned by the caller.
   */
  take(indices: Int32Array): tf.Tensor;
}

function product(dims: number[]): number {
  return dims.reduce((p, d) => p * d, 1);
}

/**
 * Wraps a tensor or row-major values as rows.
 *
 * @example rowSource(new Float32Array(12), [2, 3]).size // 2
 * @param values A tensor `[size, ...rowShape]` (its own shape wins) or row-major values.
 * @param rowShape Shape of one row, used for typed arrays.
 * @param name How to name the values in error messages.
 * @param dtype Tensor type of the batches built from typed arrays.
 * @returns The row source.
 * @throws RangeError when the values do not split into whole rows.
 */
export function rowSource(
  values: tf.Tensor | Float32Array | Int32Array,
  rowShape: number[],
  name: string,
  dtype: 'float32' | 'int32' = 'float32',
): RowSource {
  if (values instanceof tf.Tensor) {
    if (values.rank < 1) throw new RangeError(`${name} must have a leading sample axis, got a scalar`);
    const shape = values.shape.slice(1);
    return {
      size: values.shape[0],
      rowShape: shape,
      take: (indices) => tf.tidy(() => tf.gather(values, tf.tensor1d(indices, 'int32'))),
    };
  }
  const width = product(rowShape);
  if (width === 0 || values.length % width !== 0) {
    throw new RangeError(`${name} must hold whole rows of ${width} values ([${rowShape.join(', ')}]), got ${values.length} values`);
  }
  return {
    size: values.length / width,
    rowShape,
    take: (indices) => {
      const out = dtype === 'int32' ? new Int32Array(indices.length * width) : new Float32Array(indices.length * width);
      indices.forEach((row, k) => out.set(values.subarray(row * width, (row + 1) * width), k * width));
      return tf.tensor(out, [indices.length, ...rowShape], dtype);
    },
  };
}

/**
 * Runs a model over rows in contiguous chunks and calls back with each chunk's output.
 *
 * @example await forEachChunk(model, rows, 256, (out, start) => buffer.set(out.dataSync(), start * width));
 * @param model The model (inference mode).
 * @param rows The inputs.
 * @param chunkSize Rows per call.
 * @param visit Receives the output tensor (disposed after the call) and the first row index.
 * @returns Resolves when every chunk is done.
 */
export async function forEachChunk(
  model: tf.LayersModel,
  rows: RowSource,
  chunkSize: number,
  visit: (output: tf.Tensor, start: number) => void | Promise<void>,
): Promise<void> {
  for (let start = 0; start < rows.size; start += chunkSize) {
    const end = Math.min(rows.size, start + chunkSize);
    const indices = Int32Array.from({ length: end - start }, (_, k) => start + k);
    const x = rows.take(indices);
    const out = tf.tidy(() => model.predict(x) as tf.Tensor);
    x.dispose();
    try {
      await visit(out, start);
    } finally {
      out.dispose();
    }
  }
}

/**
 * Computes a model's outputs for every row once and keeps them as a float32 typed array.
 *
 * @example const cached = await cacheOutputs(teacher, rows, [10], 256);
 * @param model The model.
 * @param rows Its inputs.
 * @param outputRowShape Shape of one output row.
 * @param chunkSize Rows per forward pass.
 * @returns The outputs as rows.
 */
export async function cacheOutputs(model: tf.LayersModel, rows: RowSource, outputRowShape: number[], chunkSize: number): Promise<RowSource> {
  const width = product(outputRowShape);
  const buffer = new Float32Array(rows.size * width);
  await forEachChunk(model, rows, chunkSize, async (out, start) => {
    buffer.set(await out.data() as Float32Array, start * width);
  });
  return rowSource(buffer, outputRowShape, 'teacher outputs');
}

/**
 * A model's outputs computed on demand, batch by batch, for data too large to cache.
 *
 * @example const onTheFly = liveOutputs(teacher, rows, [10]);
 * @param model The model.
 * @param rows Its inputs.
 * @param outputRowShape Shape of one output row.
 * @returns Rows whose `take` runs the model on the gathered inputs.
 */
export function liveOutputs(model: tf.LayersModel, rows: RowSource, outputRowShape: number[]): RowSource {
  return {
    size: rows.size,
    rowShape: outputRowShape,
    take: (indices) => tf.tidy(() => model.predict(rows.take(indices)) as tf.Tensor),
  };
}
