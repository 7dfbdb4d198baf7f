/**
 * Training: a deterministic, hookable loop; task losses and metrics; batched evaluation; and a
 * cache of trained models.
 */
export * from './types';
export { train } from './train';
export { evaluate } from './evaluate';
export type { ClassificationMetrics, LanguageModelMetrics, ForecastingMetrics, Metrics, EvaluateOptions } from './evaluate';
export { sparseSoftmaxCrossEntropy, meanSquaredError, taskLoss, clipByGlobalNorm, metricNameOf } from './losses';
export { makeBatch, checkModelFitsDataset, checkDatasetShapes, targetsPerSequence } from './batches';
export { resolveTrainSettings, DEFAULT_LM_CLIP_NORM } from './options';
export type { ResolvedTrainSettings } from './options';
export { formatEpochLine } from './progress';
export { trainOrLoad, cacheKey, CACHE_FORMAT_VERSION, RETRAIN_ENV_VAR, DEFAULT_MODEL_CACHE_DIR } from './cache';
export type { CacheOptions, CacheableTrainOptions, TrainOrLoadResult } from './cache';
export { ensureSegmentSumKernel } from './segment-sum-kernel';
export { earlyStopping, resolveEarlyStopping, checkCallbacks } from './callbacks';
export type { TrainingCallback, TrainingRun, EarlyStopping, EarlyStoppingOptions, MonitorName } from './callbacks';
export { cachedRun, cachedModelRun, runCacheKey, RUN_CACHE_FORMAT_VERSION, DEFAULT_RUN_CACHE_DIR } from './run-cache';
export type { RunCacheOptions, RunKeyParts, CachedRun, CachedModelRun } from './run-cache';
export { codeFingerprint, TRAINING_CODE_AREAS, PRESENTATION_AREAS } from './code-fingerprint';
