/**
 * Pruning schedules with the names and semantics of TensorFlow Model Optimization
 * (`tfmot.sparsity.keras.ConstantSparsity`, `PolynomialDecay`). A schedule says at which training
 * steps the masks are recomputed (`shouldPrune`) and to what sparsity (`sparsityAt`).
 *
 * Pruning happens at steps where `(step - beginStep) % frequency == 0` inside [beginStep, endStep],
 * and also at `endStep` itself (tfmot does not add that step; here it makes the final sparsity
 * reached even when the span is not a multiple of the frequency).
 */
import { checkSparsity } from './unstructured';

/** What a gradual pruning hook needs from a schedule. */
export interface PruningSchedule {
  /** Target sparsity at a step, in [0, 1). */
  sparsityAt(step: number): number;
  /** Whether masks are recomputed at that step. */
  shouldPrune(step: number): boolean;
}

/** Options of {@link ConstantSparsity}. */
export interface ConstantSparsityOptions {
  /** Sparsity to prune to, in [0, 1). */
  targetSparsity: number;
  /** First step at which to prune, >= 0. */
  beginStep: number;
  /**
   * Last step at which to prune; -1 for no end.
   * @default -1
   */
  endStep?: number;
  /**
   * Prune every `frequency` steps.
   * @default 100
   */
  frequency?: number;
}

/** Options of {@link PolynomialDecay}. */
export interface PolynomialDecayOptions {
  /** Sparsity at `beginStep`, in [0, 1). */
  initialSparsity: number;
  /** Sparsity from `endStep` on, in [0, 1). */
  finalSparsity: number;
  /** Step at which pruning starts, >= 0. */
  beginStep: number;
  /** Step at which the final sparsity is reached, > beginStep. */
  endStep: number;
  /**
   * Exponent of the decay; Zhu & Gupta (2017) use 3.
   * @default 3
   */
  power?: number;
  /**
   * Prune every `frequency` steps.
   * @default 100
   */
  frequency?: number;
}

function checkStep(value: unknown, name: string, allowMinusOne = false): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${typeof value}`);
  const ok = Number.isInteger(value) && (value >= 0 || (allowMinusOne && value === -1));
  if (!ok) throw new RangeError(`${name} must be an integer >= 0${allowMinusOne ? ' or -1' : ''}, got ${value}`);
}

function checkStepArg(step: unknown): asserts step is number {
  if (typeof step !== 'number' || !Number.isFinite(step)) throw new RangeError(`step must be a finite number, got ${String(step)}`);
}

function checkFrequency(frequency: unknown): asserts frequency is number {
  if (typeof frequency !== 'number' || !Number.isInteger(frequency) || frequency < 1) {
    throw new RangeError(`frequency must be an integer >= 1, got ${String(frequency)}`);
  }
}

function isPruningStep(step: number, beginStep: number, endStep: number, frequency: number): boolean {
  const inRange = step >= beginStep && (endStep === -1 || step <= endStep);
  return inRange && ((step - beginStep) % frequency === 0 || step === endStep);
}

/** Prunes to one fixed sparsity on schedule (tfmot's `ConstantSparsity`). */
export class ConstantSparsity implements PruningSchedule {
  readonly targetSparsity: number;
  readonly beginStep: number;
  readonly endStep: number;
  readonly frequency: number;

  /**
   * @param options See {@link ConstantSparsityOptions}.
   * @throws TypeError / RangeError for a sparsity outside [0, 1), a negative or non-integer step, an
   *   endStep below beginStep (other than -1), or a frequency below 1.
   */
  constructor(options: ConstantSparsityOptions) {
    const { targetSparsity, beginStep, endStep = -1, frequency = 100 } = options;
    checkSparsity(targetSparsity, 'targetSparsity');
    checkStep(beginStep, 'beginStep');
    checkStep(endStep, 'endStep', true);
    if (endStep !== -1 && endStep < beginStep) {
      throw new RangeError(`endStep must be -1 or >= beginStep (${beginStep}), got ${endStep}`);
    }
    checkFrequency(frequency);
    this.targetSparsity = targetSparsity;
    this.beginStep = beginStep;
    this.endStep = endStep;
    this.frequency = frequency;
  }

  /**
   * The target sparsity, whatever the step.
   *
   * @example new ConstantSparsity({ targetSparsity: 0.5, beginStep: 0 }).sparsityAt(7) // 0.5
   * @param step Training step.
   * @returns targetSparsity.
   * @throws RangeError when the step is not a finite number.
   */
  sparsityAt(step: number): number {
    checkStepArg(step);
    return this.targetSparsity;
  }

  /**
   * Whether to prune at a step.
   *
   * @example new ConstantSparsity({ targetSparsity: 0.5, beginStep: 10, frequency: 5 }).shouldPrune(15) // true
   * @param step Training step.
   * @returns True inside [beginStep, endStep] every `frequency` steps, and at endStep.
   * @throws RangeError when the step is not a finite number.
   */
  shouldPrune(step: number): boolean {
    checkStepArg(step);
    return isPruningStep(step, this.beginStep, this.endStep, this.frequency);
  }
}

/**
 * Sparsity rising from an initial to a final value along Zhu & Gupta's (2017) polynomial,
 * s_t = s_f + (s_i - s_f) (1 - (t - t_0) / (n Δt))^3, where n Δt = endStep - beginStep
 * (tfmot's `PolynomialDecay`).
 */
export class PolynomialDecay implements PruningSchedule {
  readonly initialSparsity: number;
  readonly finalSparsity: number;
  readonly beginStep: number;
  readonly endStep: number;
  readonly power: number;
  readonly frequency: number;

  /**
   * @param options See {@link PolynomialDecayOptions}.
   * @throws TypeError / RangeError for sparsities outside [0, 1), a negative or non-integer step,
   *   endStep <= beginStep, a power that is not a positive finite number, or a frequency below 1.
   */
  constructor(options: PolynomialDecayOptions) {
    const { initialSparsity, finalSparsity, beginStep, endStep, power = 3, frequency = 100 } = options;
    checkSparsity(initialSparsity, 'initialSparsity');
    checkSparsity(finalSparsity, 'finalSparsity');
    checkStep(beginStep, 'beginStep');
    checkStep(endStep, 'endStep');
    if (endStep <= beginStep) throw new RangeError(`endStep must be > beginStep (${beginStep}), got ${endStep}`);
    if (typeof power !== 'number' || !Number.isFinite(power) || power <= 0) {
      throw new RangeError(`power must be a finite number > 0, got ${String(power)}`);
    }
    checkFrequency(frequency);
    this.initialSparsity = initialSparsity;
    this.finalSparsity = finalSparsity;
    this.beginStep = beginStep;
    this.endStep = endStep;
    this.power = power;
    this.frequency = frequency;
  }

  /**
   * Sparsity at a step; initialSparsity before beginStep, finalSparsity after endStep.
   *
   * @example new PolynomialDecay({ initialSparsity: 0, finalSparsity: 0.8, beginStep: 0, endStep: 100 }).sparsityAt(50) // 0.7
   * @param step Training step.
   * @returns s_t.
   * @throws RangeError when the step is not a finite number.
   */
  sparsityAt(step: number): number {
    checkStepArg(step);
    const progress = Math.min(1, Math.max(0, (step - this.beginStep) / (this.endStep - this.beginStep)));
    return this.finalSparsity + (this.initialSparsity - this.finalSparsity) * Math.pow(1 - progress, this.power);
  }

  /**
   * Whether to prune at a step.
   *
   * @example new PolynomialDecay({ initialSparsity: 0, finalSparsity: 0.8, beginStep: 0, endStep: 250 }).shouldPrune(250) // true
   * @param step Training step.
   * @returns True inside [beginStep, endStep] every `frequency` steps, and at endStep.
   * @throws RangeError when the step is not a finite number.
   */
  shouldPrune(step: number): boolean {
    checkStepArg(step);
    return isPruningStep(step, this.beginStep, this.endStep, this.frequency);
  }
}

/**
 * Factory for {@link ConstantSparsity}.
 *
 * @example const schedule = constantSparsity({ targetSparsity: 0.5, beginStep: 0, frequency: 10 })
 * @param options See {@link ConstantSparsityOptions}.
 * @returns The schedule.
 * @throws As the constructor.
 */
export function constantSparsity(options: ConstantSparsityOptions): ConstantSparsity {
  return new ConstantSparsity(options);
}

/**
 * Factory for {@link PolynomialDecay}.
 *
 * @example const schedule = polynomialDecay({ initialSparsity: 0, finalSparsity: 0.9, beginStep: 0, endStep: 1000 })
 * @param options See {@link PolynomialDecayOptions}.
 * @returns The schedule.
 * @throws As the constructor.
 */
export function polynomialDecay(options: PolynomialDecayOptions): PolynomialDecay {
  return new PolynomialDecay(options);
}
