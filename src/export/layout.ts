/**
 * From the tfjs/Keras weight layout to ONNX's. tfjs keeps a kernel as [input, gates·units] with the
 * gate blocks side by side in the order i, f, c, o (LSTM) or z, r, h (GRU), and one bias of
 * gates·units. ONNX's `RNN`, `LSTM` and `GRU` operators take the transpose, [gates·units, input],
 * with LSTM gates in the order i, o, f, c, and two biases (input and recurrent) that are summed.
 * GRU keeps z, r, h; tfjs's GRU applies the reset gate before the recurrent product, which is
 * ONNX's `linear_before_reset = 0`, and its single bias goes wholly into the input bias.
 */
import type { CellType } from '../core/weights';
import { GATES } from '../core/weights';

/**
 * For each gate block of ONNX, the tfjs gate block it takes: LSTM i, o, f, c from tfjs i, f, c, o.
 */
export const ONNX_GATE_ORDER: Readonly<Record<CellType, readonly number[]>> = {
  SimpleRNN: [0],
  LSTM: [0, 3, 1, 2],
  GRU: [0, 1, 2],
};

/**
 * The column permutation that puts tfjs gate blocks in ONNX order: column `k` of the result is
 * column `perm[k]` of the tfjs matrix.
 *
 * @example onnxGateColumns('LSTM', 1) // [0, 3, 1, 2]
 * @param cell Cell type.
 * @param units Units per gate block.
 * @returns The permutation, length gates·units.
 */
export function onnxGateColumns(cell: CellType, units: number): Int32Array {
  const order = ONNX_GATE_ORDER[cell];
  const perm = new Int32Array(order.length * units);
  order.forEach((block, k) => {
    for (let j = 0; j < units; j++) perm[k * units + j] = block * units + j;
  });
  return perm;
}

/**
 * Reorders the columns of a row-major matrix.
 *
 * @example permuteColumns(Float32Array.of(1, 2, 3, 4), 2, Int32Array.of(1, 0)) // [2, 1, 4, 3]
 * @param values Row-major [rows, perm.length] values.
 * @param rows Number of rows.
 * @param perm Column `k` of the result is column `perm[k]` of the input.
 * @returns A new matrix of the same shape.
 */
export function permuteColumns<T extends Float32Array | Int8Array>(values: T, rows: number, perm: Int32Array): T {
  const cols = perm.length;
  const out = new (values.constructor as { new (n: number): T })(values.length);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) out[r * cols + k] = values[r * cols + perm[k]];
  }
  return out;
}

/**
 * Transposes a row-major matrix.
 *
 * @example transpose2d(Float32Array.of(1, 2, 3, 4, 5, 6), 2, 3) // [1, 4, 2, 5, 3, 6]
 * @param values Row-major [rows, cols] values.
 * @param rows Number of rows.
 * @param cols Number of columns.
 * @returns The [cols, rows] transpose.
 */
export function transpose2d<T extends Float32Array | Int8Array>(values: T, rows: number, cols: number): T {
  const out = new (values.constructor as { new (n: number): T })(values.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  }
  return out;
}

/** tfjs weights of one recurrent layer, row-major. */
export interface TfjsRecurrentWeights {
  cell: CellType;
  units: number;
  inputDim: number;
  /** [inputDim, gates·units]. */
  kernel: Float32Array;
  /** [units, gates·units]. */
  recurrentKernel: Float32Array;
  /** [gates·units], or null without bias. */
  bias: Float32Array | null;
}

/** The `W`, `R`, `B` inputs of ONNX's recurrent operators (one direction). */
export interface OnnxRecurrentWeights {
  /** [1, gates·units, inputDim]. */
  W: Float32Array;
  /** [1, gates·units, units]. */
  R: Float32Array;
  /** [1, 2·gates·units]: input bias then recurrent bias (zeros). */
  B: Float32Array;
}

/**
 * Converts one recurrent layer's tfjs weights to the inputs of ONNX's `RNN`, `LSTM` or `GRU`.
 *
 * @example
 * const { W, R, B } = onnxRecurrentWeights({ cell: 'LSTM', units: 8, inputDim: 4, kernel, recurrentKernel, bias });
 * @param weights See {@link TfjsRecurrentWeights}.
 * @returns W, R and B in ONNX layout and gate order.
 * @throws RangeError when an array's length does not match the sizes.
 */
export function onnxRecurrentWeights(weights: TfjsRecurrentWeights): OnnxRecurrentWeights {
  const { cell, units, inputDim, kernel, recurrentKernel, bias } = weights;
  const width = GATES[cell] * units;
  if (kernel.length !== inputDim * width) throw new RangeError(`kernel must hold ${inputDim}x${width} values, got ${kernel.length}`);
  if (recurrentKernel.length !== units * width) throw new RangeError(`recurrentKernel must hold ${units}x${width} values, got ${recurrentKernel.length}`);
  if (bias && bias.length !== width) throw new RangeError(`bias must hold ${width} values, got ${bias.length}`);
  const perm = onnxGateColumns(cell, units);
  const W = transpose2d(permuteColumns(kernel, inputDim, perm), inputDim, width);
  const R = transpose2d(permuteColumns(recurrentKernel, units, perm), units, width);
  const B = new Float32Array(2 * width);
  if (bias) B.set(permuteColumns(bias, 1, perm), 0);
  return { W, R, B };
}
