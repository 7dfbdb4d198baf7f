/**
 * Honest measurements of a compressed model: parameter counts and sparsity, multiply-accumulates
 * (dense, and as if kernels were sparse), latency, and a one-row summary that adds storage sizes.
 */
export * from './counts';
export * from './macs';
export * from './latency';
export * from './summary';
