/**
 * Quantization: uniform integer codes with per-tensor or per-channel scales, float16, post-training
 * quantization of models, quantization-aware training, and saving in the tfjs weights format.
 */
export * from './options';
export { roundHalfAwayFromZero, absPercentile, MSE_CLIP_CANDIDATES } from './range';
export type { ChannelParams } from './range';
export * from './quantize';
export * from './float16';
export * from './tensor';
export * from './model';
export * from './float16-model';
export * from './qat';
export * from './bitpack';
export * from './sidecar';
export * from './tfjs-format';
export * from './files';
