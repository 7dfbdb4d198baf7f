/**
 * Fused recurrent layers for fast training: whole-sequence LSTM, GRU and SimpleRNN ops with
 * hand-written gradients, and {@link fastApply}, which runs a model's recurrent layers through them.
 */
export { fusedLstm } from './lstm';
export { fusedGru } from './gru';
export { fusedSimpleRnn } from './simple-rnn';
export { fastApply, fastPlan } from './apply';
export type { FastApplyOptions, FastLayerPlan, FastPlan } from './apply';
export type { FusedOptions } from './common';
