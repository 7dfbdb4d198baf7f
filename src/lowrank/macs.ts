/**
 * Multiply-accumulates of a low-rank recurrent layer, registered with the metrics area so that
 * `countMacs` reports factorised models: per step, x·A·B costs m·r + r·n instead of m·n.
 */
import { matrixProductMacs, registerMacCounter, type MacCounter } from '../metrics/macs';
import { LowRankRNN } from './lowrank-rnn';

/**
 * Cost of one LowRankRNN layer: every two-dimensional weight (factors, or a kernel left whole) is
 * one matrix product per time step.
 *
 * @example registerMacCounter('LowRankRNN', lowRankMacCounter);
 * @param layer A LowRankRNN layer.
 * @param context Sequence length.
 * @returns Dense and non-zero MACs per step, and steps per sequence.
 */
export const lowRankMacCounter: MacCounter = (layer, context) => {
  let macs = 0;
  let nonZeros = 0;
  for (const w of layer.weights) {
    if (w.shape.length !== 2) continue;
    const c = matrixProductMacs(w);
    macs += c.macs;
    nonZeros += c.nonZeros;
  }
  return { macsPerCall: macs, effectiveMacsIfSparsePerCall: nonZeros, callsPerSequence: context.timeSteps };
};

registerMacCounter(LowRankRNN.className, lowRankMacCounter);
