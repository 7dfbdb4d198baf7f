/**
 * Quantization-aware training of weights with stock tfjs layers.
 *
 * Each quantized weight gets a float32 SHADOW variable that receives the updates, while the
 * model's own variable always holds fakeQuant(shadow), the value the quantized model will use. The
 * forward pass therefore sees quantized weights; gradients are taken with respect to the model's
 * variables and applied unchanged to the shadows: the straight-through estimator, which treats
 * d fakeQuant(w) / dw as 1. Where a value is clipped (its code saturates) the gradient is zeroed, as
 * the gradient of TensorFlow's `fake_quant_with_min_max_vars` is, since moving it changes nothing.
 * Without the shadows the small updates of one step would be rounded away and training would stall.
 *
 * Two ways to drive it:
 * - as a callback of `train` (`callbacks: [qat]`): after each optimizer step, `onBatchEnd` moves
 *   the change the optimizer made to each quantized variable onto its shadow;
 * - by hand: `step(lossFn, optimizer)` (or `afterStep(grads, optimizer)`) does the whole update.
 */
import * as tf from '@tensorflow/tfjs';
import type { WeightRef } from '../core/index';
import { channelAxisFor, checkModel, quantizeWeight, resolveModelOptions, summarizeQuantization, weightName } from './model';
import type { QuantizeModelOptions, QuantizeModelReport } from './model';
import { quantizeTensor } from './quantize';
import type { QuantizedTensor } from './quantize';

/** Options of {@link createQatState}. */
export interface QatOptions extends QuantizeModelOptions {
  /**
   * Zero the gradient of values whose code saturates (clipped values), as TensorFlow's fake-quant
   * gradient does. Without clipping nothing saturates and this has no effect.
   * @default true
   */
  maskClipped?: boolean;
}

/** One quantized weight under training. */
export interface QatWeight {
  ref: WeightRef;
  /** The float weights that receive the updates; owned by the state until `export()` or `dispose()`. */
  shadow: tf.Variable;
}

/** Quantization-aware training of one model. */
export interface QatState {
  readonly model: tf.LayersModel;
  readonly options: QuantizeModelReport['options'];
  readonly weights: readonly QatWeight[];
  /** True once `export()` or `dispose()` ran. */
  readonly finished: boolean;
  /**
   * Writes fakeQuant(shadow) into the model's variables. Runs on creation and after every update,
   * so a caller only needs it after restoring shadows by hand.
   */
  beforeStep(): void;
  /**
   * Applies gradients taken with respect to the model's trainable variables (keyed by variable
   * name, as `optimizer.computeGradients` returns them): those of quantized weights go to their
   * shadows, the others to the variables themselves. Does not dispose `grads`. Give it the same
   * names in the same order every step, with an optimizer used for nothing else: tfjs optimizers
   * such as Adam keep their moments by position in that list.
   */
  afterStep(grads: tf.NamedTensorMap, optimizer: tf.Optimizer): void;
  /** One training step: gradients of `lossFn` (which runs the model), then `afterStep`. Returns the loss. */
  step(lossFn: () => tf.Scalar, optimizer: tf.Optimizer): number;
  /**
   * Training-callback hook: registers the shadows as part of the trained state (so early stopping
   * saves and restores them) and writes fakeQuant(shadow) into the model.
   */
  onTrainBegin(run: { stateVariables: tf.Variable[] }): void;
  /** Training-callback hook, after each optimizer step: moves each update onto the shadow. */
  onBatchEnd(): void;
  /** Training-callback hook: writes fakeQuant(shadow) again, after early stopping restored them. */
  onTrainEnd(): void;
  /** Writes the final quantized weights into the model, releases the shadows and reports the codes. */
  export(): QuantizeModelReport;
  /** Releases the shadows and leaves the model holding the last fake-quantized weights. */
  dispose(): void;
}

let shadowCounter = 0;

interface Slot extends QatWeight {
  /** Values last written into the model's variable. */
  written: Float32Array;
  /** 1 where the gradient passes, 0 where the code saturated; null when nothing saturated. */
  mask: Float32Array | null;
}

function saturationMask(values: ArrayLike<number>, q: QuantizedTensor): Float32Array | null {
  // A value is clipped when its unrounded code lies more than half a step outside [qmin, qmax].
  const axis = q.channelAxis;
  const inner = axis === null ? values.length : q.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channels = q.scales.length;
  const mask = new Float32Array(values.length);
  let clipped = false;
  for (let i = 0; i < values.length; i++) {
    const c = axis === null ? 0 : Math.floor(i / inner) % channels;
    const u = values[i] / q.scales[c] + q.zeroPoints[c];
    const inside = u >= q.qmin - 0.5 && u <= q.qmax + 0.5;
    mask[i] = inside ? 1 : 0;
    if (!inside) clipped = true;
  }
  return clipped ? mask : null;
}

function checkOptimizer(optimizer: unknown): asserts optimizer is tf.Optimizer {
  if (!(optimizer instanceof tf.Optimizer)) throw new TypeError(`optimizer must be a tf.Optimizer, got ${typeof optimizer}`);
}

/**
 * Starts quantization-aware training: creates the shadows and puts fake-quantized weights into the
 * model.
 *
 * @example
 * const qat = createQatState(model, { bits: 4, granularity: 'per-channel' });
 * const optimizer = tf.train.adam(1e-3);
 * for (const [x, y] of batches) qat.step(() => tf.losses.meanSquaredError(y, model.apply(x) as tf.Tensor) as tf.Scalar, optimizer);
 * const report = qat.export();
 * @param model A layers model; its selected weights are replaced by fake-quantized ones at once.
 * @param options See {@link QatOptions}.
 * @returns The training state; call `export()` or `dispose()` to release its shadows.
 * @throws TypeError when model is not a layers model; RangeError for invalid options (the model is then untouched).
 */
export function createQatState(model: tf.LayersModel, options: QatOptions = {}): QatState {
  checkModel(model);
  const { resolved, refs } = resolveModelOptions(model, options);
  const { maskClipped = true } = options;
  const slots: Slot[] = refs.map((ref) => {
    shadowCounter += 1;
    // The shadow starts on the variable's data (reference-counted, no copy); writes to either
    // variable replace its data rather than mutate it, so they never see each other's updates.
    const shadow = tf.variable(ref.variable.read(), true, `${weightName(ref)}/qat_shadow_${shadowCounter}`);
    return { ref, shadow, written: new Float32Array(0), mask: null };
  });
  const byVariable = new Map(slots.map((s) => [s.ref.variable.name, s]));
  let finished = false;

  const assertActive = (): void => {
    if (finished) throw new Error('this QAT state has been exported or disposed; create a new one');
  };

  const beforeStep = (): void => {
    assertActive();
    for (const slot of slots) {
      const values = slot.shadow.dataSync();
      const q = quantizeTensor(values, slot.ref.shape, { ...options, channelAxis: channelAxisFor(slot.ref, options) });
      slot.written = q.dequantize();
      slot.mask = maskClipped ? saturationMask(values, q) : null;
      const t = tf.tensor(slot.written, slot.ref.shape, 'float32');
      slot.ref.variable.write(t);
      t.dispose();
    }
  };

  const afterStep = (grads: tf.NamedTensorMap, optimizer: tf.Optimizer): void => {
    assertActive();
    checkOptimizer(optimizer);
    const routed: tf.NamedTensorMap = {};
    const created: tf.Tensor[] = [];
    for (const [name, grad] of Object.entries(grads)) {
      const slot = byVariable.get(name);
      if (!slot) {
        routed[name] = grad;
      } else if (slot.mask) {
        const mask = slot.mask;
        const masked = tf.tidy(() => tf.mul(grad, tf.tensor(mask, slot.ref.shape, 'float32')));
        created.push(masked);
        routed[slot.shadow.name] = masked;
      } else {
        routed[slot.shadow.name] = grad;
      }
    }
    optimizer.applyGradients(routed);
    tf.dispose(created);
    beforeStep();
  };

  const step = (lossFn: () => tf.Scalar, optimizer: tf.Optimizer): number => {
    assertActive();
    checkOptimizer(optimizer);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = optimizer.computeGradients(lossFn, vars);
    try {
      afterStep(grads, optimizer);
      return value.dataSync()[0];
    } finally {
      value.dispose();
      tf.dispose(grads);
    }
  };

  const onBatchEnd = (): void => {
    assertActive();
    for (const slot of slots) {
      const now = slot.ref.variable.read().dataSync();
      const shadow = slot.shadow.dataSync();
      const next = new Float32Array(shadow.length);
      for (let i = 0; i < next.length; i++) {
        const delta = now[i] - slot.written[i];
        next[i] = shadow[i] + (slot.mask ? slot.mask[i] * delta : delta);
      }
      const t = tf.tensor(next, slot.ref.shape, 'float32');
      slot.shadow.assign(t);
      t.dispose();
    }
    beforeStep();
  };

  const onTrainBegin = (run: { stateVariables: tf.Variable[] }): void => {
    assertActive();
    for (const slot of slots) if (!run.stateVariables.includes(slot.shadow)) run.stateVariables.push(slot.shadow);
    beforeStep();
  };

  const onTrainEnd = (): void => {
    if (!finished) beforeStep();
  };

  const release = (): void => {
    for (const slot of slots) slot.shadow.dispose();
    finished = true;
  };

  const exportWeights = (): QuantizeModelReport => {
    assertActive();
    const reports = slots.map((slot) => quantizeWeight(slot.ref, slot.shadow.dataSync(), options));
    for (const r of reports) {
      const slot = slots.find((s) => weightName(s.ref) === r.name) as Slot;
      const t = tf.tensor(r.quantized.dequantize(), r.shape, 'float32');
      slot.ref.variable.write(t);
      t.dispose();
    }
    release();
    return summarizeQuantization(model, reports, resolved);
  };

  const dispose = (): void => {
    if (!finished) release();
  };

  beforeStep();
  return {
    model,
    options: resolved,
    weights: slots,
    get finished() {
      return finished;
    },
    beforeStep,
    afterStep,
    step,
    onTrainBegin,
    onBatchEnd,
    onTrainEnd,
    export: exportWeights,
    dispose,
  };
}
