/**
 * Pruning: unstructured (threshold, magnitude, global), masks that survive training, tfmot-style
 * schedules for gradual pruning, and structured pruning that removes whole recurrent units.
 */
export * from './amount';
export * from './mask';
export * from './selection';
export * from './state';
export * from './unstructured';
export * from './measure';
export * from './schedules';
export * from './gradual';
export * from './units';
export * from './structured';
export * from './remove-units';
