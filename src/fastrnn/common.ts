/**
 * Layout helpers shared by the fused recurrent layers.
 *
 * The fused layers work time-major on 2-D matrices: a batch-major sequence [B, T, F] becomes
 * [T·B, F], so that step t is the contiguous row block [t·B, (t+1)·B). Row blocks are cheap to
 * slice, and one product with a [T·B, F] matrix replaces T small ones.
 *
 * tanh is computed as 2·σ(2a) − 1, with the factor 2 folded into the weight columns of the blocks
 * that use it ("doubled" blocks). On the wasm back end tf.tanh is about 16x slower than tf.sigmoid,
 * and folding lets one sigmoid cover all gate blocks of a step at once.
 */
import * as tf from '@tensorflow/tfjs';

/** Options of the fused layers. */
export interface FusedOptions {
  /**
   * Return every state [batch, steps, units] rather than the last one [batch, units].
   * @default false
   */
  returnSequences?: boolean;
  /**
   * Compute the gradient with respect to x. A first layer fed with data does not need it; without
   * it the backward pass skips one [T·B, G·U]·[G·U, F] product and returns zeros for x.
   * @default true
   */
  inputGradient?: boolean;
  /**
   * For evaluation and prediction: run a plain forward pass, without the custom-gradient wrapper
   * and without gathering what only the hand-written backward pass needs. It stays differentiable
   * through tfjs's own gradients of each op, only more slowly.
   * @default false
   */
  inference?: boolean;
}

/** [B, T, F] → [T·B, F]. */
export function toTimeMajor(x: tf.Tensor3D): tf.Tensor2D {
  const [b, t, f] = x.shape;
  return tf.reshape(tf.transpose(x, [1, 0, 2]), [t * b, f]);
}

/** [T·B, F] → [B, T, F]. */
export function fromTimeMajor(m: tf.Tensor2D, steps: number, batch: number): tf.Tensor3D {
  return tf.transpose(tf.reshape(m, [steps, batch, m.shape[1]]), [1, 0, 2]);
}

/** Rows [t·B, (t+1)·B) of a time-major matrix. */
export function stepRows(m: tf.Tensor2D, t: number, batch: number): tf.Tensor2D {
  return tf.slice(m, [t * batch, 0], [batch, m.shape[1]]);
}

/** Columns [from, from + width) of a matrix. */
export function columns(m: tf.Tensor2D, from: number, width: number): tf.Tensor2D {
  return tf.slice(m, [0, from], [m.shape[0], width]);
}

/**
 * Per-column factors of a gate-blocked weight: 2 for the doubled blocks, 1 elsewhere.
 * @param units Width of one gate block.
 * @param doubled One flag per gate block, in the layer's gate order.
 */
export function blockScale(units: number, doubled: readonly boolean[]): tf.Tensor1D {
  const scale = new Float32Array(units * doubled.length).fill(1);
  doubled.forEach((d, k) => {
    if (d) scale.fill(2, k * units, (k + 1) * units);
  });
  return tf.tensor1d(scale);
}

/** What every fused forward pass starts from. */
export interface Projection {
  /** x time-major, [T·B, F]. */
  xs: tf.Tensor2D;
  /** kernel ⊙ scale. */
  k2: tf.Tensor2D;
  /** recurrentKernel ⊙ scale. */
  rk2: tf.Tensor2D;
  /** xs·k2 + bias ⊙ scale: the input projection of all steps, [T·B, G·U]. */
  projected: tf.Tensor2D;
}

/**
 * Scales the weights' columns (folding in the factor 2 of the tanh blocks) and projects the inputs
 * of all steps in one product.
 */
export function projectInputs(x: tf.Tensor, kernel: tf.Tensor, recurrentKernel: tf.Tensor, bias: tf.Tensor, scale: tf.Tensor1D | number): Projection {
  const xs = toTimeMajor(x as tf.Tensor3D);
  const k2 = tf.mul(kernel, scale) as tf.Tensor2D;
  const rk2 = tf.mul(recurrentKernel, scale) as tf.Tensor2D;
  return { xs, k2, rk2, projected: tf.add(tf.matMul(xs, k2), tf.mul(bias, scale)) as tf.Tensor2D };
}

/** Sum over rows as a product with a row of ones: the wasm Sum kernel transposes first, and is slower. */
export function sumRows(m: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(tf.matMul(tf.ones([1, m.shape[0]]), m), [m.shape[1]]);
}

/** tanh(a) when the factor 2 is already folded into a: 2·σ(a) − 1. */
export function tanhFromDoubled(a: tf.Tensor): tf.Tensor {
  return tf.sub(tf.mul(tf.sigmoid(a), 2), 1);
}

/** The states h_{-1} … h_{T-2} (zero initial state) from h_0 … h_{T-1}, time-major. */
export function previousStates(states: tf.Tensor2D, batch: number): tf.Tensor2D {
  const [rows, units] = states.shape;
  if (rows === batch) return tf.zeros([batch, units]);
  return tf.concat([tf.zeros([batch, units]), tf.slice(states, [0, 0], [rows - batch, units])], 0);
}

/**
 * Upstream gradient of one step: the whole [B, U] gradient for the last step of a layer that
 * returns only its last state, the step's rows for one that returns sequences.
 */
export function upstreamStep(dyTimeMajor: tf.Tensor2D | null, dyLast: tf.Tensor2D | null, t: number, steps: number, batch: number): tf.Tensor2D | null {
  if (dyTimeMajor) return stepRows(dyTimeMajor, t, batch);
  return t === steps - 1 ? dyLast : null;
}

/** Shapes a fused layer checks before running. */
export function checkFusedInputs(name: string, x: tf.Tensor, kernel: tf.Tensor, recurrentKernel: tf.Tensor, bias: tf.Tensor | null, gates: number): { batch: number; steps: number; features: number; units: number } {
  if (x.rank !== 3) throw new RangeError(`${name}: x must be [batch, steps, features], got shape [${x.shape}]`);
  const [batch, steps, features] = x.shape;
  if (steps < 1) throw new RangeError(`${name}: x must have at least one time step, got shape [${x.shape}]`);
  if (recurrentKernel.rank !== 2 || recurrentKernel.shape[1] !== gates * recurrentKernel.shape[0]) {
    throw new RangeError(`${name}: recurrentKernel must be [units, ${gates}·units], got shape [${recurrentKernel.shape}]`);
  }
  const units = recurrentKernel.shape[0];
  if (kernel.rank !== 2 || kernel.shape[0] !== features || kernel.shape[1] !== gates * units) {
    throw new RangeError(`${name}: kernel must be [${features}, ${gates * units}] for x [${x.shape}] and ${units} units, got shape [${kernel.shape}]`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== gates * units)) {
    throw new RangeError(`${name}: bias must be [${gates * units}], got shape [${bias.shape}]`);
  }
  return { batch, steps, features, units };
}

/** dL/dx [B, T, F] from the pre-activation gradients dZ [T·B, G·U] and the (scaled) kernel, or zeros. */
export function inputGradient(wanted: boolean, dZ: tf.Tensor2D, kernel: tf.Tensor2D, steps: number, batch: number): tf.Tensor3D {
  if (!wanted) return tf.zeros([batch, steps, kernel.shape[0]]);
  return fromTimeMajor(tf.matMul(dZ, tf.transpose(kernel)), steps, batch);
}

/**
 * Runs a fused forward pass either for inference or as a custom-gradient op.
 * @param forward The forward pass: with `save` it hands the backward pass its tensors.
 * @param backward The backward pass from `dy` and the saved tensors.
 * @param inputs x, kernel, recurrent kernel, bias.
 * @param inference Skip the gradient wrapper.
 */
export function runFused(
  forward: (inputs: tf.Tensor[], save: tf.GradSaveFunc | null) => tf.Tensor,
  backward: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[],
  inputs: tf.Tensor[],
  inference: boolean,
): tf.Tensor {
  if (inference) return tf.tidy(() => forward(inputs, null));
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const value = forward(args.slice(0, inputs.length) as tf.Tensor[], args[inputs.length] as tf.GradSaveFunc);
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => backward(dy, saved)) };
  });
  return op(...inputs);
}
