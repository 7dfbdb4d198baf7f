/**
 * Deployment: export of recurrent models to ONNX (float32 or int8 weights) and running them in
 * ONNX Runtime, with latency measured the same way as for tfjs.
 */
export * from './export-onnx';
export { planExport, EXPORTABLE_LAYERS, EXPORTABLE_ACTIVATIONS } from './plan';
export type { ExportPlan, ExportActivation, InputStep, EmbeddingStep, RecurrentStep, DenseStep, ActivationStep } from './plan';
export { ONNX_GATE_ORDER, onnxGateColumns, onnxRecurrentWeights, permuteColumns, transpose2d } from './layout';
export type { TfjsRecurrentWeights, OnnxRecurrentWeights } from './layout';
export type { Int8Compute } from './emit-context';
export * from './runtime';
export * from './inspect';
