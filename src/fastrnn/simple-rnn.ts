/**
 * A fused SimpleRNN over a whole sequence, with a hand-written backward pass.
 *
 * The maths is tfjs-layers' SimpleRNN with `activation: 'tanh'`, zero initial state:
 *   h_t = tanh(x_t·W + h_{t-1}·U + b).
 * One input projection for all steps; the factor 2 of tanh = 2σ(2a) − 1 folded into the weights;
 * the backward pass carries dh through the steps and forms dW, dU and db from all steps at once.
 */
import * as tf from '@tensorflow/tfjs';
import type { FusedOptions } from './common';
import { checkFusedInputs, projectInputs, fromTimeMajor, inputGradient, runFused, previousStates, stepRows, sumRows, tanhFromDoubled, toTimeMajor, upstreamStep } from './common';

/**
 * Runs a SimpleRNN layer over a batch of sequences in one fused op that has its own gradient.
 *
 * @example
 * const h = fusedSimpleRnn(x, kernel, recurrentKernel, bias); // [batch, units]
 * @param x Input [batch, steps, features].
 * @param kernel Input kernel [features, units].
 * @param recurrentKernel Recurrent kernel [units, units].
 * @param bias Bias [units], or null for a layer without bias.
 * @param options See {@link FusedOptions}.
 * @returns The states, [batch, steps, units] or [batch, units]; gradients flow to x, kernel,
 *   recurrentKernel and bias.
 * @throws RangeError when the shapes do not fit together.
 */
export function fusedSimpleRnn(x: tf.Tensor3D, kernel: tf.Tensor2D, recurrentKernel: tf.Tensor2D, bias: tf.Tensor1D | null, options: FusedOptions = {}): tf.Tensor {
  const { batch, steps, units } = checkFusedInputs('fusedSimpleRnn', x, kernel, recurrentKernel, bias, 1);
  const { returnSequences = false, inputGradient: withInputGradient = true, inference = false } = options;
  const forward = ([xIn, k, rk, b]: tf.Tensor[], save: tf.GradSaveFunc | null): tf.Tensor => {
    const { xs, k2, rk2, projected } = projectInputs(xIn, k, rk, b, 2);
    let h: tf.Tensor2D = tf.zeros([batch, units]);
    const states: tf.Tensor2D[] = [];
    for (let t = 0; t < steps; t++) {
      h = tanhFromDoubled(tf.add(stepRows(projected, t, batch), tf.matMul(h, rk2))) as tf.Tensor2D;
      states.push(h);
    }
    const all = save || returnSequences ? (tf.concat(states, 0) as tf.Tensor2D) : null;
    if (save && all) save([xs, k2, rk2, all]);
    return returnSequences && all ? fromTimeMajor(all, steps, batch) : h;
  };
  const backward = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => simpleRnnBackward(dy, saved as tf.Tensor2D[], batch, steps, units, returnSequences, withInputGradient);
  return runFused(forward, backward, [x, kernel, recurrentKernel, bias ?? tf.zeros([units])], inference);
}

/** Gradients [dx, dkernel, drecurrentKernel, dbias] from the saved forward quantities. */
function simpleRnnBackward(dy: tf.Tensor, saved: tf.Tensor2D[], batch: number, steps: number, units: number, returnSequences: boolean, withInputGradient: boolean): tf.Tensor[] {
  const [xs, k2, rk2, states] = saved;
  // d(doubled pre-activation) = dh ⊙ (1 − h²)/2
  const fromDh = tf.mul(tf.sub(1, tf.square(states)), 0.5) as tf.Tensor2D;
  const rkT = tf.transpose(rk2) as tf.Tensor2D;
  const dyTime = returnSequences ? toTimeMajor(dy as tf.Tensor3D) : null;
  const dyLast = returnSequences ? null : (dy as tf.Tensor2D);
  let dh: tf.Tensor2D | null = null;
  const dA: tf.Tensor2D[] = new Array(steps);
  for (let t = steps - 1; t >= 0; t--) {
    const up = upstreamStep(dyTime, dyLast, t, steps, batch);
    const dhT = dh && up ? tf.add(dh, up) : (dh ?? up ?? tf.zeros([batch, units]));
    dA[t] = tf.mul(dhT, stepRows(fromDh, t, batch)) as tf.Tensor2D;
    if (t > 0) dh = tf.matMul(dA[t], rkT) as tf.Tensor2D;
  }
  const dZ = tf.concat(dA, 0) as tf.Tensor2D;
  return [
    inputGradient(withInputGradient, dZ, k2, steps, batch),
    tf.mul(tf.matMul(tf.transpose(xs), dZ), 2),
    tf.mul(tf.matMul(tf.transpose(previousStates(states, batch)), dZ), 2),
    tf.mul(sumRows(dZ), 2),
  ];
}
