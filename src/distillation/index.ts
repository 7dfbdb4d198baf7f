/**
 * Knowledge distillation: a small student learns to reproduce a large teacher's outputs, by the
 * course text's squared-error objective or by Hinton et al.'s softened-softmax objective.
 */
export * from './losses';
export * from './rows';
export * from './distill';
export * from './compare';
