/**
 * Recurrent models for the course: builders on stock tfjs-layers, inspection helpers, batched
 * inference, and file saving/loading in the standard tfjs format.
 */
export * from './types';
export { buildClassifier, buildLanguageModel, buildForecaster } from './builders';
export { buildModelFor, specKey, resolveSpec } from './spec';
export type { ResolvedModelSpec } from './spec';
export { recurrentLayer } from './recurrent';
export { orthogonalMatrix, seededOrthogonal } from './orthogonal';
export type { RecurrentLayerOptions } from './recurrent';
export * from './inspect';
export * from './predict';
export * from './io';
export * from './clone';
