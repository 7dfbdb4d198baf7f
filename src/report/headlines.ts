/**
 * Headline numbers: the few values a notebook reports (accuracy, bytes, speed-up). The main job
 * collects them into its index page and one-screen summary.
 */
import * as fs from 'fs';
import * as path from 'path';
import { runConfig } from './config';

/** One headline value. */
export interface Headline {
  label: string;
  value: number | string;
  unit?: string;
}

const recorded: Headline[] = [];

/**
 * Records a headline number; when the notebook runs under the project's runner it is also written to
 * `<outputDir>/headlines/<notebook>.json`.
 *
 * @example recordHeadline('LSTM test accuracy', 0.981, '');
 * @param label What the number is.
 * @param value The number (or a short string).
 * @param unit Its unit, if any.
 * @throws TypeError when the label is empty or the value is a non-finite number.
 */
export function recordHeadline(label: string, value: number | string, unit?: string): void {
  if (typeof label !== 'string' || label.trim() === '') throw new TypeError(`label must be a non-empty string, got ${JSON.stringify(label)}`);
  if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`value must be a finite number or a string, got ${value}`);
  const i = recorded.findIndex((h) => h.label === label);
  const h: Headline = unit === undefined ? { label, value } : { label, value, unit };
  if (i >= 0) recorded[i] = h;
  else recorded.push(h);
  const { notebook, outputDir } = runConfig();
  if (notebook && outputDir) {
    const dir = path.join(outputDir, 'headlines');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${notebook}.json`), JSON.stringify(recorded, null, 2));
  }
}

/**
 * The headlines recorded so far in this process.
 *
 * @example recordedHeadlines().length
 * @returns A copy of the list.
 */
export function recordedHeadlines(): Headline[] {
  return recorded.slice();
}
