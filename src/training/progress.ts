/**
 * One line per epoch of training progress.
 */
import type { ProgressInfo, ProgressOption } from './types';

function seconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(1)} s`;
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)} min ${whole % 60} s`;
}

function num(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : String(x);
}

/**
 * Formats one epoch as a line, e.g.
 * `epoch  3/10  loss 0.4123  accuracy 0.8750  val_loss 0.3991  val_accuracy 0.8875  2.1 s  (13.2 s left)`.
 *
 * @example console.log(formatEpochLine(info));
 * @param info The epoch's logs and timing.
 * @returns The line.
 */
export function formatEpochLine(info: ProgressInfo): string {
  const width = String(info.numEpochs).length;
  const parts = [
    `epoch ${String(info.epoch + 1).padStart(width)}/${info.numEpochs}`,
    `loss ${num(info.loss)}`,
    `${info.metricName} ${num(info.metric)}`,
  ];
  if (!Number.isNaN(info.valLoss)) parts.push(`val_loss ${num(info.valLoss)}`, `val_${info.metricName} ${num(info.valMetric)}`);
  parts.push(seconds(info.seconds));
  if (info.epoch + 1 < info.numEpochs) parts.push(`(${seconds(info.etaSeconds)} left)`);
  return parts.join('  ');
}

/**
 * Whether `progress: 'auto'` prints here: yes, except in processes run by `node --test` (which
 * sets NODE_TEST_CONTEXT), to keep test output clean.
 *
 * @example if (autoPrints()) console.log('loaded from cache');
 * @returns True when 'auto' prints.
 */
export function autoPrints(): boolean {
  return !process.env.NODE_TEST_CONTEXT;
}

/**
 * The reporting function a {@link ProgressOption} stands for.
 *
 * @example const report = progressReporter('auto'); report(info);
 * @param progress `'auto'`, `'none'` or a function.
 * @returns A function to call after each epoch.
 * @throws RangeError for an unknown string.
 */
export function progressReporter(progress: ProgressOption): (info: ProgressInfo) => void {
  if (typeof progress === 'function') return progress;
  if (progress === 'none') return () => undefined;
  if (progress === 'auto') return autoPrints() ? (info) => console.log(formatEpochLine(info)) : () => undefined;
  throw new RangeError(`progress must be 'auto', 'none' or a function, got ${JSON.stringify(progress)}`);
}
