/**
 * rnn-compression-course: compressing SimpleRNN, LSTM and GRU networks with TensorFlow.js.
 * Each area re-exports its public names; in notebooks import an area's index file directly
 * (`import { l1Unstructured } from "./src/pruning/index"`), because tslab resolves files, not folders.
 */
export * from './backend/index';
export * from './core/index';
export * from './data/index';
export * from './models/index';
export * from './training/index';
export * from './pruning/index';
export * from './quantization/index';
export * from './distillation/index';
export * from './lowrank/index';
export * from './fastrnn/index';
export * from './metrics/index';
export * from './encoding/index';
export * from './export/index';
export * from './plots/index';
export * from './report/index';
export * from './experiments/index';
export * from './utils/index';
