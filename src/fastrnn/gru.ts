/**
 * A fused GRU over a whole sequence, with a hand-written backward pass.
 *
 * The maths is tfjs-layers' GRU (the reset-before variant, ONNX `linear_before_reset = 0`) with
 * `activation: 'tanh'` and `recurrentActivation: 'sigmoid'`, gate blocks z, r, h, zero initial state:
 *   [z r] = σ(x_t·W_zr + b_zr + h_{t-1}·U_zr),
 *   h̃ = tanh(x_t·W_h + b_h + (r ⊙ h_{t-1})·U_h),
 *   h_t = z ⊙ h_{t-1} + (1 − z) ⊙ h̃.
 * As in the fused LSTM: one input projection for all steps, the h̃ block's columns doubled so that
 * tanh = 2σ(2a) − 1, the step-independent factors of the backward recursion computed for all steps
 * before it, and the weight gradients formed from all steps at once.
 */
import * as tf from '@tensorflow/tfjs';
import type { FusedOptions } from './common';
import { blockScale, checkFusedInputs, projectInputs, columns, fromTimeMajor, inputGradient, runFused, previousStates, stepRows, sumRows, tanhFromDoubled, toTimeMajor, upstreamStep } from './common';

/** Gate blocks z, r, h: only the candidate block h goes through tanh. */
const DOUBLED = [false, false, true] as const;

/**
 * Runs a GRU layer over a batch of sequences in one fused op that has its own gradient.
 *
 * @example
 * const h = fusedGru(x, kernel, recurrentKernel, bias, { returnSequences: true }); // [batch, steps, units]
 * @param x Input [batch, steps, features].
 * @param kernel Input kernel [features, 3·units], gate blocks z, r, h (tfjs layout).
 * @param recurrentKernel Recurrent kernel [units, 3·units].
 * @param bias Bias [3·units], or null for a layer without bias.
 * @param options See {@link FusedOptions}.
 * @returns The states, [batch, steps, units] or [batch, units]; gradients flow to x, kernel,
 *   recurrentKernel and bias.
 * @throws RangeError when the shapes do not fit together.
 */
export function fusedGru(x: tf.Tensor3D, kernel: tf.Tensor2D, recurrentKernel: tf.Tensor2D, bias: tf.Tensor1D | null, options: FusedOptions = {}): tf.Tensor {
  const { batch, steps, units } = checkFusedInputs('fusedGru', x, kernel, recurrentKernel, bias, 3);
  const { returnSequences = false, inputGradient: withInputGradient = true, inference = false } = options;
  const forward = ([xIn, k, rk, b]: tf.Tensor[], save: tf.GradSaveFunc | null): tf.Tensor => {
    const scale = blockScale(units, DOUBLED);
    const { xs, k2, rk2, projected } = projectInputs(xIn, k, rk, b, scale);
    const projectedZr = columns(projected, 0, 2 * units);
    const projectedH = columns(projected, 2 * units, units);
    const rkZr = columns(rk2, 0, 2 * units);
    const rkH = columns(rk2, 2 * units, units);
    let h: tf.Tensor2D = tf.zeros([batch, units]);
    const gates: tf.Tensor2D[] = [];
    const candidates: tf.Tensor2D[] = [];
    const resetStates: tf.Tensor2D[] = [];
    const states: tf.Tensor2D[] = [];
    for (let t = 0; t < steps; t++) {
      const zr = tf.sigmoid(tf.add(stepRows(projectedZr, t, batch), tf.matMul(h, rkZr))) as tf.Tensor2D;
      const [z, r] = tf.split(zr, 2, 1);
      const rh = tf.mul(r, h) as tf.Tensor2D;
      const hh = tanhFromDoubled(tf.add(stepRows(projectedH, t, batch), tf.matMul(rh, rkH))) as tf.Tensor2D;
      h = tf.add(hh, tf.mul(z, tf.sub(h, hh))) as tf.Tensor2D;
      gates.push(zr);
      candidates.push(hh);
      resetStates.push(rh);
      states.push(h);
    }
    const all = save || returnSequences ? (tf.concat(states, 0) as tf.Tensor2D) : null;
    if (save && all) save([xs, k2, rkZr, rkH, scale, tf.concat(gates, 0), tf.concat(candidates, 0), tf.concat(resetStates, 0), all]);
    return returnSequences && all ? fromTimeMajor(all, steps, batch) : h;
  };
  const backward = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => gruBackward(dy, saved as tf.Tensor2D[], batch, steps, units, returnSequences, withInputGradient);
  return runFused(forward, backward, [x, kernel, recurrentKernel, bias ?? tf.zeros([3 * units])], inference);
}

/** Gradients [dx, dkernel, drecurrentKernel, dbias] from the saved forward quantities. */
function gruBackward(dy: tf.Tensor, saved: tf.Tensor2D[], batch: number, steps: number, units: number, returnSequences: boolean, withInputGradient: boolean): tf.Tensor[] {
  const [xs, k2, rkZr, rkH, scale, gates, candidates, resetStates, states] = saved;
  const z = columns(gates, 0, units);
  const r = columns(gates, units, units);
  const hPrev = previousStates(states, batch);
  // Per step, with dh the gradient reaching h_t:
  //   da (doubled h̃ pre-activation) = dh ⊙ (1 − z) ⊙ (1 − h̃²)/2,
  //   dz' = dh ⊙ (h_{t-1} − h̃) ⊙ z(1 − z),  dr' = d(r⊙h) ⊙ h_{t-1} ⊙ r(1 − r).
  const fromDhToA = tf.mul(tf.sub(1, z), tf.mul(tf.sub(1, tf.square(candidates)), 0.5)) as tf.Tensor2D;
  const fromDhToZ = tf.mul(tf.sub(hPrev, candidates), tf.mul(z, tf.sub(1, z))) as tf.Tensor2D;
  const fromDrhToR = tf.mul(hPrev, tf.mul(r, tf.sub(1, r))) as tf.Tensor2D;
  const rkHT = tf.transpose(rkH) as tf.Tensor2D;
  const rkZrT = tf.transpose(rkZr) as tf.Tensor2D;
  const dyTime = returnSequences ? toTimeMajor(dy as tf.Tensor3D) : null;
  const dyLast = returnSequences ? null : (dy as tf.Tensor2D);
  let dh: tf.Tensor2D | null = null;
  const dA: tf.Tensor2D[] = new Array(steps);
  const dZr: tf.Tensor2D[] = new Array(steps);
  for (let t = steps - 1; t >= 0; t--) {
    const up = upstreamStep(dyTime, dyLast, t, steps, batch);
    const dhT = dh && up ? tf.add(dh, up) : (dh ?? up ?? tf.zeros([batch, units]));
    dA[t] = tf.mul(dhT, stepRows(fromDhToA, t, batch)) as tf.Tensor2D;
    const dRh = tf.matMul(dA[t], rkHT);
    dZr[t] = tf.concat([tf.mul(dhT, stepRows(fromDhToZ, t, batch)), tf.mul(dRh, stepRows(fromDrhToR, t, batch))], 1) as tf.Tensor2D;
    if (t > 0) {
      dh = tf.add(tf.add(tf.mul(dhT, stepRows(z, t, batch)), tf.mul(dRh, stepRows(r, t, batch))), tf.matMul(dZr[t], rkZrT)) as tf.Tensor2D;
    }
  }
  const dZrAll = tf.concat(dZr, 0) as tf.Tensor2D;
  const dAAll = tf.concat(dA, 0) as tf.Tensor2D;
  const dZ = tf.concat([dZrAll, dAAll], 1) as tf.Tensor2D;
  const dRk = tf.concat([tf.matMul(tf.transpose(hPrev), dZrAll), tf.matMul(tf.transpose(resetStates), dAAll)], 1);
  return [
    inputGradient(withInputGradient, dZ, k2, steps, batch),
    tf.mul(tf.matMul(tf.transpose(xs), dZ), scale),
    tf.mul(dRk, scale),
    tf.mul(sumRows(dZ), scale),
  ];
}
