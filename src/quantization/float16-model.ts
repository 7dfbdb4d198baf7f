/**
 * Half-precision copies of models: the cheapest compression, every selected weight rounded to the
 * nearest IEEE binary16 value (relative error at most 2^-11), with stock tfjs layers computing in
 * float32 on the rounded values.
 */
import * as tf from '@tensorflow/tfjs';
import type { WeightRole } from '../core/index';
import { roundToFloat16 } from './float16';
import type { Float16Overflow } from './float16';
import { cloneModel } from '../models/clone';
import { checkModel, selectQuantizableWeights, weightName } from './model';
import type { QuantizableWeightSelection } from './model';

/** Options of {@link quantizeModelFloat16}. */
export interface Float16ModelOptions extends QuantizableWeightSelection {
  /**
   * See {@link Float16Options.overflow}.
   * @default 'infinity'
   */
  overflow?: Float16Overflow;
}

/** Outcome of one weight rounded to float16. */
export interface Float16WeightReport {
  name: string;
  role: WeightRole;
  shape: number[];
  maxAbsError: number;
  /** Largest |error| / |original| over non-zero originals. */
  maxRelError: number;
}

/** Roles rounded to float16 by default: all of them, biases included, since the relative error is the same for every value. */
export const DEFAULT_FLOAT16_ROLES: readonly WeightRole[] = ['kernel', 'recurrentKernel', 'bias', 'embeddings'];

/**
 * A copy of a model whose selected weights are rounded to half precision.
 *
 * @example const { model: half } = quantizeModelFloat16(model);
 * @param model A layers model.
 * @param options See {@link Float16ModelOptions}.
 * @returns The copy (owned by the caller) and per-weight errors.
 * @throws TypeError when model is not a layers model; RangeError for unknown roles, layers or overflow mode.
 */
export function quantizeModelFloat16(
  model: tf.LayersModel,
  options: Float16ModelOptions = {},
): { model: tf.LayersModel; report: Float16WeightReport[] } {
  checkModel(model);
  const { roles = [...DEFAULT_FLOAT16_ROLES], layers, overflow = 'infinity' } = options;
  const refs = selectQuantizableWeights(model, { roles, layers });
  const rounded = refs.map((ref) => {
    const original = ref.variable.read().dataSync() as Float32Array;
    return { ref, original, values: roundToFloat16(original, { overflow }) };
  });
  const copy = cloneModel(model);
  const byName = new Map(copy.weights.map((w) => [w.originalName ?? w.name, w]));
  const report = rounded.map(({ ref, original, values }) => {
    const t = tf.tensor(values, ref.shape, 'float32');
    byName.get(weightName(ref))?.write(t);
    t.dispose();
    let maxAbs = 0;
    let maxRel = 0;
    for (let i = 0; i < values.length; i++) {
      const e = Math.abs(values[i] - original[i]);
      maxAbs = Math.max(maxAbs, e);
      if (original[i] !== 0) maxRel = Math.max(maxRel, e / Math.abs(original[i]));
    }
    return { name: weightName(ref), role: ref.role, shape: ref.shape, maxAbsError: maxAbs, maxRelError: maxRel };
  });
  return { model: copy, report };
}
