/**
 * Low-rank factorisation of recurrent and dense kernels: a plain-TypeScript SVD, rank selection by
 * count or energy, a recurrent layer with factored kernels, and a model-level rewrite.
 */
export * from './matrix';
export * from './svd';
export * from './factor';
export * from './lowrank-rnn';
export * from './plan';
export * from './factorize-model';
export * from './macs';
