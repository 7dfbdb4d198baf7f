/**
 * A recurrent layer whose input and recurrent kernels may each be stored as a product of two thin
 * matrices, W ≈ A·B. Each step computes x·A·B and h·C·D instead of x·W and h·U, so with rank r
 * below m·n/(m + n) the layer has fewer parameters and each step fewer multiply-adds.
 *
 * The gate maths is that of the stock tfjs cells, term for term: gate order i, f, c, o (LSTM) and
 * z, r, h (GRU, reset applied before the recurrent product, tfjs's only GRU), the configured
 * `activation` and `recurrentActivation`, and the bias added where the stock cell adds it. With
 * full-rank factors the layer therefore reproduces SimpleRNN, LSTM or GRU outputs. Masking,
 * `returnSequences`, `returnState`, `goBackwards` and `stateful` come from tfjs's `RNN` base
 * class. Dropout is not supported: the layer targets inference and fine-tuning after
 * compression.
 *
 * The input projection is computed step by step, as the stock cells do, so that timing
 * comparisons with them measure the rank and nothing else.
 */
import * as tf from '@tensorflow/tfjs';
import { CellType, GATES } from '../core/weights';
import { deriveSeed } from '../utils/random';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Kwargs = Parameters<tf.layers.Layer['call']>[1];
type ActivationName = 'tanh' | 'sigmoid' | 'hardSigmoid' | 'relu' | 'linear';

const ACTIVATIONS: Record<ActivationName, (x: tf.Tensor) => tf.Tensor> = {
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  // Same definition as tfjs-layers' hardSigmoid: clip(0.2·x + 0.5, 0, 1).
  hardSigmoid: (x) => tf.clipByValue(tf.add(0.5, tf.mul(0.2, x)), 0, 1),
  relu: (x) => tf.relu(x),
  linear: (x) => x,
};

/** Names of the activations the layer accepts. */
export const LOW_RANK_ACTIVATIONS = Object.keys(ACTIVATIONS) as readonly ActivationName[];

/** Arguments of {@link LowRankRNN} (and of its serialised config). */
export interface LowRankRNNArgs extends LayerArgs {
  /** The cell whose maths the layer follows. */
  cellType: CellType;
  /** Number of units (size of h). */
  units: number;
  /**
   * Rank of the input-kernel factors, or null to keep the input kernel as one matrix.
   * @default null
   */
  kernelRank?: number | null;
  /**
   * Rank of the recurrent-kernel factors, or null to keep the recurrent kernel as one matrix.
   * @default null
   */
  recurrentRank?: number | null;
  /**
   * Activation of the candidate state and output.
   * @default 'tanh'
   */
  activation?: string;
  /**
   * Activation of the gates (LSTM, GRU); tfjs's own default is `hardSigmoid`.
   * @default 'hardSigmoid'
   */
  recurrentActivation?: string;
  /**
   * Whether the layer has a bias.
   * @default true
   */
  useBias?: boolean;
  /**
   * Seed of the Glorot-uniform initialisation, used only when weights are not set afterwards.
   * @default 42
   */
  seed?: number;
  /** @default false */
  returnSequences?: boolean;
  /** @default false */
  returnState?: boolean;
  /** @default false */
  goBackwards?: boolean;
  /** @default false */
  stateful?: boolean;
  /** Ignored, as by every tfjs recurrent layer. @default false */
  unroll?: boolean;
}

function activationOf(name: string, field: string): (x: tf.Tensor) => tf.Tensor {
  if (!(name in ACTIVATIONS)) {
    throw new RangeError(`${field} must be one of ${LOW_RANK_ACTIVATIONS.join(', ')}, got '${name}'`);
  }
  return ACTIVATIONS[name as ActivationName];
}

function checkRank(value: number | null | undefined, field: string): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${field} must be a positive integer or null, got ${value}`);
  return value;
}

/** A kernel stored whole or as two factors. */
interface Projection {
  whole?: tf.LayerVariable;
  left?: tf.LayerVariable;
  right?: tf.LayerVariable;
}

function project(x: tf.Tensor, p: Projection): tf.Tensor {
  if (p.whole) return tf.matMul(x as tf.Tensor2D, p.whole.read() as tf.Tensor2D);
  return tf.matMul(tf.matMul(x as tf.Tensor2D, (p.left as tf.LayerVariable).read() as tf.Tensor2D), (p.right as tf.LayerVariable).read() as tf.Tensor2D);
}

/**
 * The per-step cell of {@link LowRankRNN}. It is built by the layer; use the layer.
 */
export class LowRankRNNCell extends tf.layers.RNNCell {
  /** @nocollapse */
  static className = 'LowRankRNNCell';
  readonly cellType: CellType;
  readonly units: number;
  readonly kernelRank: number | null;
  readonly recurrentRank: number | null;
  readonly activationName: string;
  readonly recurrentActivationName: string;
  readonly useBias: boolean;
  readonly seed: number;
  stateSize: number | number[];
  private readonly activation: (x: tf.Tensor) => tf.Tensor;
  private readonly recurrentActivation: (x: tf.Tensor) => tf.Tensor;
  private kernel: Projection = {};
  private recurrent: Projection = {};
  private bias: tf.LayerVariable | null = null;

  constructor(args: LowRankRNNArgs) {
    super(args);
    // Saved configs pass through tfjs's snake_case conversion ('SimpleRNN' -> 'simple_rnn' ->
    // 'simpleRnn'), so the cell type is matched without case or underscores.
    const key = String(args.cellType).replace(/_/g, '').toLowerCase();
    const cellType = (Object.keys(GATES) as CellType[]).find((c) => c.toLowerCase() === key);
    if (!cellType) {
      throw new RangeError(`cellType must be one of ${Object.keys(GATES).join(', ')}, got '${args.cellType}'`);
    }
    if (!Number.isInteger(args.units) || args.units < 1) throw new RangeError(`units must be a positive integer, got ${args.units}`);
    this.cellType = cellType;
    this.units = args.units;
    this.kernelRank = checkRank(args.kernelRank, 'kernelRank');
    this.recurrentRank = checkRank(args.recurrentRank, 'recurrentRank');
    this.activationName = args.activation ?? 'tanh';
    this.recurrentActivationName = args.recurrentActivation ?? 'hardSigmoid';
    this.activation = activationOf(this.activationName, 'activation');
    this.recurrentActivation = activationOf(this.recurrentActivationName, 'recurrentActivation');
    this.useBias = args.useBias ?? true;
    this.seed = args.seed ?? 42;
    this.stateSize = this.cellType === 'LSTM' ? [this.units, this.units] : this.units;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inputDim = shape[shape.length - 1] as number;
    const width = this.units * GATES[this.cellType];
    const init = (label: string) => tf.initializers.glorotUniform({ seed: deriveSeed(this.seed, label) });
    const add = (name: string, dims: number[]) =>
      this.addWeight(name, dims, 'float32', name === 'bias' ? tf.initializers.zeros() : init(name), undefined, true);
    this.kernel = this.kernelRank === null
      ? { whole: add('kernel', [inputDim, width]) }
      : { left: add('kernel_a', [inputDim, this.kernelRank]), right: add('kernel_b', [this.kernelRank, width]) };
    this.recurrent = this.recurrentRank === null
      ? { whole: add('recurrent_kernel', [this.units, width]) }
      : { left: add('recurrent_kernel_a', [this.units, this.recurrentRank]), right: add('recurrent_kernel_b', [this.recurrentRank, width]) };
    this.bias = this.useBias ? add('bias', [width]) : null;
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor[] {
    void kwargs;
    return tf.tidy(() => {
      const [x, hPrev, cPrev] = inputs as tf.Tensor[];
      const xw = project(x, this.kernel);
      switch (this.cellType) {
        case 'SimpleRNN': {
          const pre = this.bias ? tf.add(xw, this.bias.read()) : xw;
          const h = this.activation(tf.add(pre, project(hPrev, this.recurrent)));
          return [h, h];
        }
        case 'LSTM': {
          let z = tf.add(xw, project(hPrev, this.recurrent));
          if (this.bias) z = tf.add(z, this.bias.read());
          const [zi, zf, zc, zo] = tf.split(z, 4, 1);
          const i = this.recurrentActivation(zi);
          const f = this.recurrentActivation(zf);
          const c = tf.add(tf.mul(f, cPrev), tf.mul(i, this.activation(zc)));
          const o = this.recurrentActivation(zo);
          const h = tf.mul(o, this.activation(c));
          return [h, h, c];
        }
        case 'GRU':
          return this.gruStep(this.bias ? tf.add(xw, this.bias.read()) : xw, hPrev);
      }
    });
  }

  /** GRU step, reset-before: h̃ = act(x·W_h + b_h + (r ⊙ h)·U_h). */
  private gruStep(xw: tf.Tensor, hPrev: tf.Tensor): tf.Tensor[] {
    const u = this.units;
    const [xz, xr, xh] = tf.split(xw, 3, 1);
    let recZR: tf.Tensor;
    let recH: (rh: tf.Tensor) => tf.Tensor;
    if (this.recurrent.whole) {
      const [u1, u2] = tf.split(this.recurrent.whole.read(), [2 * u, u], 1);
      recZR = tf.matMul(hPrev as tf.Tensor2D, u1 as tf.Tensor2D);
      recH = (rh) => tf.matMul(rh as tf.Tensor2D, u2 as tf.Tensor2D);
    } else {
      const left = (this.recurrent.left as tf.LayerVariable).read() as tf.Tensor2D;
      const [d1, d2] = tf.split((this.recurrent.right as tf.LayerVariable).read(), [2 * u, u], 1) as tf.Tensor2D[];
      recZR = tf.matMul(tf.matMul(hPrev as tf.Tensor2D, left), d1);
      recH = (rh) => tf.matMul(tf.matMul(rh as tf.Tensor2D, left), d2);
    }
    const [rz, rr] = tf.split(recZR, 2, 1);
    const z = this.recurrentActivation(tf.add(xz, rz));
    const r = this.recurrentActivation(tf.add(xr, rr));
    const hh = this.activation(tf.add(xh, recH(tf.mul(r, hPrev))));
    const h = tf.add(tf.mul(z, hPrev), tf.mul(tf.sub(1, z), hh));
    return [h, h];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      cellType: this.cellType,
      units: this.units,
      kernelRank: this.kernelRank,
      recurrentRank: this.recurrentRank,
      activation: this.activationName,
      recurrentActivation: this.recurrentActivationName,
      useBias: this.useBias,
      seed: this.seed,
    };
  }
}

/**
 * Recurrent layer (SimpleRNN, LSTM or GRU maths) with optionally low-rank input and recurrent
 * kernels. Registered with tfjs serialisation, so models containing it save and load.
 */
export class LowRankRNN extends tf.RNN {
  /** @nocollapse */
  static override className = 'LowRankRNN';
  declare readonly cell: LowRankRNNCell;

  constructor(args: LowRankRNNArgs) {
    const cell = new LowRankRNNCell(args);
    super({ ...args, cell } as ConstructorParameters<typeof tf.RNN>[0]);
  }

  /** The cell type whose maths the layer follows. */
  get cellType(): CellType {
    return this.cell.cellType;
  }

  /** Rank of the input-kernel factors, or null when the kernel is whole. */
  get kernelRank(): number | null {
    return this.cell.kernelRank;
  }

  /** Rank of the recurrent-kernel factors, or null when the kernel is whole. */
  get recurrentRank(): number | null {
    return this.cell.recurrentRank;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const mask = kwargs?.['mask'] ?? null;
    const training = kwargs?.['training'] ?? null;
    const initialState = kwargs?.['initialState'] ?? null;
    return super.call(inputs, { mask, training, initialState });
  }

  /** @nocollapse */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config);
  }
}

tf.serialization.registerClass(LowRankRNNCell);
tf.serialization.registerClass(LowRankRNN);

/**
 * Creates a {@link LowRankRNN} layer.
 *
 * @example
 * const layer = lowRankRNN({ cellType: 'LSTM', units: 64, kernelRank: 8, recurrentRank: 16,
 *   recurrentActivation: 'sigmoid', inputShape: [28, 28] });
 * @param args See {@link LowRankRNNArgs}.
 * @returns The layer.
 * @throws RangeError for an unknown cell type or activation, or a rank or units that is not a
 *   positive integer.
 */
export function lowRankRNN(args: LowRankRNNArgs): LowRankRNN {
  return new LowRankRNN(args);
}
