/**
 * A fused LSTM over a whole sequence, with a hand-written backward pass.
 *
 * The maths is tfjs-layers' LSTM with `activation: 'tanh'` and `recurrentActivation: 'sigmoid'`,
 * gate blocks i, f, c, o, zero initial state:
 *   z_t = x_t·W + h_{t-1}·U + b,  [i f g o] = [σ σ tanh σ](z_t),
 *   c_t = f ⊙ c_{t-1} + i ⊙ g,    h_t = o ⊙ tanh(c_t).
 * What changes is how it is computed:
 * - the input projection x_t·W + b of all steps is one [T·B, F]·[F, 4U] product;
 * - each step runs one product and one sigmoid over all four blocks (the candidate block's columns
 *   are doubled so that tanh = 2σ(2a) − 1), then a few element-wise ops;
 * - the backward pass (tf.customGrad) walks the steps once, carrying dh and dc, and forms the
 *   weight gradients at the end from all steps at once: dW = Xᵀ·dZ and dU = Hᵀ·dZ are one product
 *   each instead of T.
 * Every quantity of the backward recursion that does not depend on dh or dc is computed for all
 * steps at once before the loop, so each step of it runs one product and five element-wise ops.
 */
import * as tf from '@tensorflow/tfjs';
import type { FusedOptions } from './common';
import { blockScale, checkFusedInputs, projectInputs, inputGradient, runFused, columns, fromTimeMajor, previousStates, stepRows, sumRows, tanhFromDoubled, toTimeMajor, upstreamStep } from './common';

/** Gate blocks i, f, c, o: only the candidate block c goes through tanh. */
const DOUBLED = [false, false, true, false] as const;

/**
 * Runs an LSTM layer over a batch of sequences in one fused op that has its own gradient.
 *
 * @example
 * const h = fusedLstm(x, kernel, recurrentKernel, bias, false); // [batch, units]
 * @param x Input [batch, steps, features].
 * @param kernel Input kernel [features, 4·units], gate blocks i, f, c, o (tfjs layout).
 * @param recurrentKernel Recurrent kernel [units, 4·units].
 * @param bias Bias [4·units], or null for a layer without bias.
 * @param options See {@link FusedOptions}.
 * @returns The states, [batch, steps, units] or [batch, units]; gradients flow to x, kernel,
 *   recurrentKernel and bias.
 * @throws RangeError when the shapes do not fit together.
 */
export function fusedLstm(x: tf.Tensor3D, kernel: tf.Tensor2D, recurrentKernel: tf.Tensor2D, bias: tf.Tensor1D | null, options: FusedOptions = {}): tf.Tensor {
  const { batch, steps, units } = checkFusedInputs('fusedLstm', x, kernel, recurrentKernel, bias, 4);
  const { returnSequences = false, inputGradient: withInputGradient = true, inference = false } = options;
  const forward = ([xIn, k, rk, b]: tf.Tensor[], save: tf.GradSaveFunc | null): tf.Tensor => {
    const scale = blockScale(units, DOUBLED);
    const { xs, k2, rk2, projected } = projectInputs(xIn, k, rk, b, scale);
    let h: tf.Tensor2D = tf.zeros([batch, units]);
    let c: tf.Tensor2D = tf.zeros([batch, units]);
    const gates: tf.Tensor2D[] = [];
    const cells: tf.Tensor2D[] = [];
    const tanhCells: tf.Tensor2D[] = [];
    const states: tf.Tensor2D[] = [];
    for (let t = 0; t < steps; t++) {
      const s = tf.sigmoid(tf.add(stepRows(projected, t, batch), tf.matMul(h, rk2))) as tf.Tensor2D;
      const [i, f, sc, o] = tf.split(s, 4, 1);
      const g = tf.sub(tf.mul(sc, 2), 1);
      c = tf.add(tf.mul(f, c), tf.mul(i, g)) as tf.Tensor2D;
      const tc = tanhFromDoubled(tf.mul(c, 2)) as tf.Tensor2D;
      h = tf.mul(o, tc) as tf.Tensor2D;
      gates.push(s);
      cells.push(c);
      tanhCells.push(tc);
      states.push(h);
    }
    const all = save || returnSequences ? (tf.concat(states, 0) as tf.Tensor2D) : null;
    if (save && all) save([xs, k2, rk2, scale, tf.concat(gates, 0), tf.concat(cells, 0), tf.concat(tanhCells, 0), all]);
    return returnSequences && all ? fromTimeMajor(all, steps, batch) : h;
  };
  const backward = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => lstmBackward(dy, saved as tf.Tensor2D[], batch, steps, units, returnSequences, withInputGradient);
  return runFused(forward, backward, [x, kernel, recurrentKernel, bias ?? tf.zeros([4 * units])], inference);
}

/** Gradients [dx, dkernel, drecurrentKernel, dbias] from the saved forward quantities. */
function lstmBackward(dy: tf.Tensor, saved: tf.Tensor2D[], batch: number, steps: number, units: number, returnSequences: boolean, withInputGradient: boolean): tf.Tensor[] {
  const [xs, k2, rk2, scale, gates, cells, tanhCells, states] = saved;
  const i = columns(gates, 0, units);
  const f = columns(gates, units, units);
  const g = tf.sub(tf.mul(columns(gates, 2 * units, units), 2), 1);
  const o = columns(gates, 3 * units, units);
  // dc_t += dh_t ⊙ o ⊙ (1 − tanh²c_t)
  const dcFromDh = tf.mul(o, tf.sub(1, tf.square(tanhCells))) as tf.Tensor2D;
  // Gradient of the loss w.r.t. the (doubled) pre-activations, per unit of [dc dc dc dh]:
  // ∂s/∂z = s(1 − s), and ∂/∂s of [i f s_c o] is [dc·g, dc·c_{t-1}, 2·dc·i, dh·tanh c_t].
  const factors = tf.mul(
    tf.concat([g, previousStates(cells, batch), tf.mul(i, 2), tanhCells], 1),
    tf.mul(gates, tf.sub(1, gates)),
  ) as tf.Tensor2D;
  const rkT = tf.transpose(rk2) as tf.Tensor2D;
  const dyTime = returnSequences ? toTimeMajor(dy as tf.Tensor3D) : null;
  const dyLast = returnSequences ? null : (dy as tf.Tensor2D);
  let dh: tf.Tensor2D | null = null;
  let dc: tf.Tensor2D | null = null;
  const dz: tf.Tensor2D[] = new Array(steps);
  for (let t = steps - 1; t >= 0; t--) {
    const up = upstreamStep(dyTime, dyLast, t, steps, batch);
    const dhT = dh && up ? tf.add(dh, up) : (dh ?? up ?? tf.zeros([batch, units]));
    const dcFromH = tf.mul(dhT, stepRows(dcFromDh, t, batch));
    const dcT = dc ? tf.add(dc, dcFromH) : dcFromH;
    dz[t] = tf.mul(tf.concat([dcT, dcT, dcT, dhT], 1), stepRows(factors, t, batch)) as tf.Tensor2D;
    if (t > 0) {
      dh = tf.matMul(dz[t], rkT) as tf.Tensor2D;
      dc = tf.mul(dcT, stepRows(f, t, batch)) as tf.Tensor2D;
    }
  }
  const dZ = tf.concat(dz, 0) as tf.Tensor2D;
  return [
    inputGradient(withInputGradient, dZ, k2, steps, batch),
    tf.mul(tf.matMul(tf.transpose(xs), dZ), scale),
    tf.mul(tf.matMul(tf.transpose(previousStates(states, batch)), dZ), scale),
    tf.mul(sumRows(dZ), scale),
  ];
}
