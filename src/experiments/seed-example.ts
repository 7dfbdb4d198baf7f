/**
 * The PyTorch example that closes the course's source text (section 4, 具体代码实例), ported to
 * TensorFlow.js as faithfully as TypeScript allows, its mistakes included, so that notebook 00 can
 * measure what each line really does before the library replaces it.
 *
 * PyTorch stores a layer's weight as [out, in] and TensorFlow.js as [in, out]; the ported pruning
 * works in PyTorch's layout, because the bug of its mask depends on which axis is the first one.
 */
import * as tf from '@tensorflow/tfjs';
import { roundHalfEven } from '../pruning/amount';
import { createRng } from '../utils/random';

/** The sizes the source text uses. */
export interface SeedExampleSizes {
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  outputSize: number;
  batchSize: number;
}

/** `input_size = 10, hidden_size = 20, num_layers = 1, output_size = 5, batch_size = 10`. */
export const SEED_EXAMPLE: Readonly<SeedExampleSizes> = { inputSize: 10, hiddenSize: 20, numLayers: 1, outputSize: 5, batchSize: 10 };

/** Layer names of {@link buildSeedRnn}, after the attributes of the PyTorch module. */
export const SEED_LAYERS = { rnn: 'rnn', fc: 'fc' } as const;

/** The parameters of the PyTorch module, in PyTorch's layout and names. */
export interface TorchRnnParameters {
  /** `rnn.weight_ih_l0`, [hiddenSize, inputSize]. */
  weightIh: Float32Array;
  /** `rnn.weight_hh_l0`, [hiddenSize, hiddenSize]. */
  weightHh: Float32Array;
  /** `rnn.bias_ih_l0`, [hiddenSize]. */
  biasIh: Float32Array;
  /** `rnn.bias_hh_l0`, [hiddenSize]. */
  biasHh: Float32Array;
  /** `fc.weight`, [outputSize, hiddenSize]. */
  fcWeight: Float32Array;
  /** `fc.bias`, [outputSize]. */
  fcBias: Float32Array;
}

/** Options of {@link buildSeedRnn} and {@link torchDefaultInit}. */
export interface SeedRnnOptions {
  /** @default 10 */
  inputSize?: number;
  /** @default 20 */
  hiddenSize?: number;
  /** @default 5 */
  outputSize?: number;
  /**
   * Sequence length; null accepts any length, as PyTorch's module does.
   * @default null
   */
  timeSteps?: number | null;
  /** @default 42 */
  seed?: number;
}

function checkSize(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  }
}

function uniform(rng: ReturnType<typeof createRng>, size: number, bound: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (2 * rng.next() - 1) * bound;
  return out;
}

/**
 * Draws the module's parameters the way PyTorch initialises them: every `nn.RNN` parameter from
 * U(-1/√hidden, 1/√hidden), and `nn.Linear` weight and bias from U(-1/√in, 1/√in) (what its
 * Kaiming-uniform default with a = √5 amounts to), from a seeded generator.
 *
 * @example torchDefaultInit({ seed: 1 }).fcWeight.length // 5 * 20
 * @param options Sizes and seed; see {@link SeedRnnOptions}.
 * @returns The parameters in PyTorch's layout.
 * @throws RangeError when a size is not a positive integer or the seed is not an integer.
 */
export function torchDefaultInit(options: SeedRnnOptions = {}): TorchRnnParameters {
  const { inputSize = SEED_EXAMPLE.inputSize, hiddenSize = SEED_EXAMPLE.hiddenSize, outputSize = SEED_EXAMPLE.outputSize, seed = 42 } = options;
  checkSize('inputSize', inputSize);
  checkSize('hiddenSize', hiddenSize);
  checkSize('outputSize', outputSize);
  const rng = createRng(seed);
  const k = 1 / Math.sqrt(hiddenSize);
  return {
    weightIh: uniform(rng, hiddenSize * inputSize, k),
    weightHh: uniform(rng, hiddenSize * hiddenSize, k),
    biasIh: uniform(rng, hiddenSize, k),
    biasHh: uniform(rng, hiddenSize, k),
    fcWeight: uniform(rng, outputSize * hiddenSize, k),
    fcBias: uniform(rng, outputSize, k),
  };
}

/**
 * Transposes a row-major matrix: a TensorFlow.js kernel [in, out] becomes PyTorch's weight
 * [out, in], and back.
 *
 * @example transposeMatrix([1, 2, 3, 4, 5, 6], [2, 3]) // Float32Array [1, 4, 2, 5, 3, 6]
 * @param values Row-major values.
 * @param shape [rows, cols] of `values`.
 * @returns The transposed values, [cols, rows].
 * @throws RangeError when the shape does not match the number of values.
 */
export function transposeMatrix(values: ArrayLike<number>, shape: readonly [number, number]): Float32Array {
  const [rows, cols] = shape;
  if (rows * cols !== values.length) throw new RangeError(`shape [${rows}, ${cols}] must hold ${values.length} values, got ${rows * cols}`);
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}

/**
 * Builds the source text's `RNN` module in TensorFlow.js: a SimpleRNN (tanh) that returns every
 * step, then a Dense layer applied to every step's output, as `nn.RNN(batch_first=True)` followed
 * by `nn.Linear` does. Weights come from {@link torchDefaultInit}; PyTorch's two biases are
 * summed into the single bias of tfjs, which computes the same function.
 *
 * @example const model = buildSeedRnn(); (model.predict(tf.zeros([10, 7, 10])) as tf.Tensor).shape // [10, 7, 5]
 * @param options Sizes, sequence length and seed; see {@link SeedRnnOptions}.
 * @returns The model (caller disposes), layers `rnn` and `fc`.
 * @throws RangeError when a size is not a positive integer.
 */
export function buildSeedRnn(options: SeedRnnOptions = {}): tf.LayersModel {
  const { inputSize = SEED_EXAMPLE.inputSize, hiddenSize = SEED_EXAMPLE.hiddenSize, outputSize = SEED_EXAMPLE.outputSize, timeSteps = null } = options;
  if (timeSteps !== null) checkSize('timeSteps', timeSteps);
  const p = torchDefaultInit(options);
  const input = tf.input({ shape: [timeSteps, inputSize], name: 'x' });
  const rnn = tf.layers.simpleRNN({ units: hiddenSize, returnSequences: true, activation: 'tanh', name: SEED_LAYERS.rnn });
  const fc = tf.layers.dense({ units: outputSize, name: SEED_LAYERS.fc });
  const output = fc.apply(rnn.apply(input)) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output, name: 'seed_rnn' });
  const bias = p.biasIh.map((b, i) => b + p.biasHh[i]);
  tf.tidy(() => {
    rnn.setWeights([
      tf.tensor2d(transposeMatrix(p.weightIh, [hiddenSize, inputSize]), [inputSize, hiddenSize]),
      tf.tensor2d(transposeMatrix(p.weightHh, [hiddenSize, hiddenSize]), [hiddenSize, hiddenSize]),
      tf.tensor1d(bias),
    ]);
    fc.setWeights([tf.tensor2d(transposeMatrix(p.fcWeight, [outputSize, hiddenSize]), [hiddenSize, outputSize]), tf.tensor1d(p.fcBias)]);
  });
  return model;
}

function checkMatrix(values: ArrayLike<number>, shape: readonly number[]): [number, number] {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new TypeError(`values must be an array or typed array of numbers, got ${values === null ? 'null' : typeof values}`);
  }
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RangeError(`shape must be [rows, cols] of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (shape[0] * shape[1] !== values.length) throw new RangeError(`shape [${shape.join(', ')}] must hold ${values.length} values, got ${shape[0] * shape[1]}`);
  return [shape[0], shape[1]];
}

/**
 * `torch.nonzero` of a matrix: the [row, column] of every non-zero entry, in row-major order,
 * as a [k, 2] index tensor flattened.
 *
 * @example nonzeroIndices([0, 3, 5, 0], [2, 2]) // Int32Array [0, 1, 1, 0]
 * @param values Row-major values.
 * @param shape [rows, cols].
 * @returns 2k integers: row0, col0, row1, col1, ...
 * @throws TypeError / RangeError when the values are not an array or do not fit the shape.
 */
export function nonzeroIndices(values: ArrayLike<number>, shape: readonly [number, number]): Int32Array {
  const [rows, cols] = checkMatrix(values, shape);
  const out: number[] = [];
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (values[r * cols + c] !== 0) out.push(r, c);
  return Int32Array.from(out);
}

/**
 * PyTorch's `mask[index] = value` when `index` is an integer tensor of any shape and `mask` a
 * matrix: every integer in `index` names a ROW (advanced indexing on the first dimension), and
 * the whole row is set. An index outside the rows fails as PyTorch's IndexError does, before
 * anything is written.
 *
 * @example const m = new Float32Array(6); indexPutRows(m, [3, 2], [0, 2], 1); // rows 0 and 2 set: [1,1,0,0,1,1]
 * @param mask Row-major matrix, changed in place.
 * @param shape [rows, cols].
 * @param index The integers used as the index (e.g. the flattened output of {@link nonzeroIndices}).
 * @param value Value written.
 * @throws RangeError `index i is out of bounds for dimension 0 with size rows` (PyTorch's message).
 */
export function indexPutRows(mask: Float32Array, shape: readonly [number, number], index: ArrayLike<number>, value: number): void {
  const [rows, cols] = checkMatrix(mask, shape);
  for (let i = 0; i < index.length; i++) {
    const r = index[i];
    if (!Number.isInteger(r) || r >= rows || r < -rows) throw new RangeError(`index ${r} is out of bounds for dimension 0 with size ${rows}`);
  }
  for (let i = 0; i < index.length; i++) {
    const r = index[i] < 0 ? index[i] + rows : index[i];
    mask.fill(value, r * cols, (r + 1) * cols);
  }
}

/** What the body of the source text's `prune_weights` computes for one weight. */
export interface SeedPruneMask {
  /** `mask`, row-major like the weight. */
  mask: Float32Array;
  /** `threshold = pruning_factor * abs_val.max()`: computed, never used. */
  threshold: number;
  /** Rows of `sorted_idx = torch.nonzero(abs_val).squeeze()`: one per non-zero weight. */
  indexRows: number;
}

/**
 * The body of the source text's `prune_weights` for one weight in PyTorch's [out, in] layout:
 * `sorted_idx = nonzero(|w|)`, `threshold = pruning_factor * max|w|` (unused), a zero mask, then
 * `mask[sorted_idx] = 1`, which sets whole rows (see {@link indexPutRows}).
 *
 * @example seedPruneMask(new Float32Array(400).fill(0.1), [20, 20], 0.1).mask.every((m) => m === 1) // true
 * @param weight The weight, [out, in] row-major.
 * @param shape [out, in].
 * @param pruningFactor `pruning_factor`.
 * @returns The mask, the threshold and the number of index rows.
 * @throws RangeError as {@link indexPutRows} when a column index exceeds the rows, e.g. for the
 *   example's `fc.weight` [5, 20]; TypeError / RangeError for mismatched shapes.
 */
export function seedPruneMask(weight: ArrayLike<number>, shape: readonly [number, number], pruningFactor: number): SeedPruneMask {
  const [rows, cols] = checkMatrix(weight, shape);
  let max = 0;
  for (let i = 0; i < weight.length; i++) max = Math.max(max, Math.abs(weight[i]));
  const sortedIdx = nonzeroIndices(weight, [rows, cols]);
  const threshold = pruningFactor * max;
  const mask = new Float32Array(weight.length);
  indexPutRows(mask, [rows, cols], sortedIdx, 1);
  return { mask, threshold, indexRows: sortedIdx.length / 2 };
}

/**
 * The body of the source text's `quantize_weights`: `torch.round(w / 2 ** bits)`, rounding half to
 * even as `torch.round` does, and no scale to multiply back.
 *
 * @example seedQuantize([3.9, 4, 4.1, -12, 20], 3) // Float32Array [0, 0, 1, -2, 2]
 * @param values Weights.
 * @param bits `bits`.
 * @returns The rounded values.
 * @throws RangeError when bits is not an integer >= 0.
 */
export function seedQuantize(values: ArrayLike<number>, bits: number): Float32Array {
  if (!Number.isInteger(bits) || bits < 0) throw new RangeError(`bits must be an integer >= 0, got ${bits}`);
  const divisor = 2 ** bits;
  return Float32Array.from(values, (w) => roundHalfEven(w / divisor));
}

function denseLayers(model: tf.LayersModel): tf.layers.Layer[] {
  if (!(model instanceof tf.LayersModel)) throw new TypeError(`model must be a tf.LayersModel, got ${typeof model}`);
  // `isinstance(module, nn.Linear)`: only Dense layers, never the recurrent one.
  return model.layers.filter((l) => l.getClassName() === 'Dense');
}

function kernelInTorchLayout(layer: tf.layers.Layer): { weight: Float32Array; shape: [number, number] } {
  const kernel = layer.getWeights()[0];
  const [inSize, outSize] = kernel.shape as [number, number];
  return { weight: transposeMatrix(kernel.dataSync(), [inSize, outSize]), shape: [outSize, inSize] };
}

function writeKernel(layer: tf.layers.Layer, torchWeight: Float32Array, shape: [number, number]): void {
  const [outSize, inSize] = shape;
  const [, bias] = layer.getWeights();
  tf.tidy(() => layer.setWeights([tf.tensor2d(transposeMatrix(torchWeight, shape), [inSize, outSize]), bias]));
}

/**
 * The source text's `prune_weights(model, pruning_factor)` with `.data()` read as `.data` (the
 * only reading under which it runs): for every Dense layer, `weight = weight * mask` with the mask
 * of {@link seedPruneMask}. All masks are computed before any weight is written, so a failing
 * layer leaves the model unchanged.
 *
 * @example seedPruneWeights(buildSeedRnn({ outputSize: 20 }), 0.1) // runs; the mask keeps everything
 * @param model A model; only its Dense kernels are touched.
 * @param pruningFactor `pruning_factor`.
 * @returns One entry per Dense layer: its name, threshold and the fraction of weights the mask zeroed.
 * @throws TypeError when model is not a layers model; RangeError from {@link indexPutRows} when
 *   a Dense layer has fewer outputs than inputs (the source text's own `fc`: 5 < 20).
 */
export function seedPruneWeights(model: tf.LayersModel, pruningFactor: number): { layer: string; threshold: number; sparsity: number }[] {
  const plans = denseLayers(model).map((layer) => {
    const { weight, shape } = kernelInTorchLayout(layer);
    return { layer, weight, shape, ...seedPruneMask(weight, shape, pruningFactor) };
  });
  return plans.map(({ layer, weight, shape, mask, threshold }) => {
    const pruned = weight.map((w, i) => w * mask[i]);
    writeKernel(layer, pruned, shape);
    return { layer: layer.name, threshold, sparsity: mask.reduce((n, m) => n + (m === 0 ? 1 : 0), 0) / mask.length };
  });
}

/**
 * The source text's `quantize_weights(model, bits)` with `.data()` read as `.data`: every Dense
 * kernel becomes `round(w / 2 ** bits)`; biases and the recurrent layer are left as they are.
 *
 * @example seedQuantizeWeights(model, 3) // every |w| <= 4 becomes 0
 * @param model A model; only its Dense kernels are touched.
 * @param bits `bits`.
 * @returns One entry per Dense layer: its name and the fraction of its kernel that is now 0.
 * @throws TypeError when model is not a layers model; RangeError for a bad bits.
 */
export function seedQuantizeWeights(model: tf.LayersModel, bits: number): { layer: string; zeroFraction: number }[] {
  if (!Number.isInteger(bits) || bits < 0) throw new RangeError(`bits must be an integer >= 0, got ${bits}`);
  return denseLayers(model).map((layer) => {
    const { weight, shape } = kernelInTorchLayout(layer);
    const q = seedQuantize(weight, bits);
    writeKernel(layer, q, shape);
    return { layer: layer.name, zeroFraction: q.reduce((n, v) => n + (v === 0 ? 1 : 0), 0) / q.length };
  });
}

/**
 * The values a per-tensor quantizer can produce, scale · (q − zeroPoint) for every code q, for
 * drawing as levels on a weight histogram.
 *
 * @example quantizationLevels({ scales: [0.1], zeroPoints: [0], qmin: -3, qmax: 3 }) // [-0.3, -0.2, ..., 0.3] (float32)
 * @param q A per-tensor quantized tensor (or its scale, zero point and code range).
 * @returns The levels, increasing.
 * @throws RangeError when there is not exactly one scale (per-channel tensors have a grid per channel).
 */
export function quantizationLevels(q: { scales: ArrayLike<number>; zeroPoints: ArrayLike<number>; qmin: number; qmax: number }): number[] {
  if (q.scales.length !== 1) throw new RangeError(`levels need a per-tensor quantizer with one scale, got ${q.scales.length} scales`);
  const scale = q.scales[0];
  const zero = q.zeroPoints[0] ?? 0;
  const levels: number[] = [];
  for (let code = q.qmin; code <= q.qmax; code++) levels.push(Math.fround(scale * (code - zero)));
  return levels;
}
