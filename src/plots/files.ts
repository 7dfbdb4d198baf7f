/**
 * Writing figures and their data to files, so that results can be opened without the notebook:
 * a standalone offline HTML page, the figure JSON for `Plotly.newPlot` or plotly.py's
 * `plotly.io.from_json`, and the rows as CSV for pandas, R or a spreadsheet.
 */
import { mkdirSync, writeFileSync } from 'fs';
import { dirname, resolve } from 'path';
import { figureToJson, standaloneHtml, type StandaloneHtmlOptions } from './html';
import { formatValue, toRecords } from './records';
import type { Figure, RowsInput } from './types';

function checkPath(path: unknown): asserts path is string {
  if (typeof path !== 'string' || path === '') throw new TypeError(`path must be a non-empty string, got ${JSON.stringify(path)}`);
}

function write(path: string, text: string): string {
  const abs = resolve(path);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, text, 'utf8');
  return abs;
}

/**
 * Writes a figure as a standalone HTML page with plotly.js inlined (about 10 MB; opens offline).
 *
 * @example writeFigureHtml(paretoPlot(rows), 'results/pareto.html')
 * @param figure The figure.
 * @param path Output file; missing folders are created.
 * @param options See {@link StandaloneHtmlOptions}.
 * @returns The absolute path written.
 * @throws TypeError when `figure` is not a figure or `path` is not a non-empty string.
 */
export function writeFigureHtml(figure: Figure, path: string, options: StandaloneHtmlOptions = {}): string {
  checkPath(path);
  return write(path, standaloneHtml(figure, options));
}

/**
 * Writes a figure's data, layout and config as JSON (`Plotly.newPlot(div, json)` and
 * plotly.py's `plotly.io.read_json` accept it).
 *
 * @example writeFigureData(fig, 'results/pareto.json')
 * @param figure The figure.
 * @param path Output file; missing folders are created.
 * @returns The absolute path written.
 * @throws TypeError when `figure` is not a figure or `path` is not a non-empty string.
 */
export function writeFigureData(figure: Figure, path: string): string {
  checkPath(path);
  return write(path, `${JSON.stringify(figureToJson(figure), null, 1)}\n`);
}

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = formatValue(v);
  return /[",\n\r]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Formats rows as CSV (RFC 4180 quoting, `\n` line ends). The columns are every field that appears
 * in any row, in order of first appearance; a missing field is an empty cell; numbers are written
 * with all their digits.
 *
 * @example recordsToCsv([{ bits: 4, accuracy: 0.95 }]) // 'bits,accuracy\n4,0.95\n'
 * @param rows Records or a danfo DataFrame.
 * @returns The CSV text.
 * @throws TypeError when rows are not records.
 * @throws RangeError when there are no rows.
 */
export function recordsToCsv(rows: RowsInput): string {
  const records = toRecords(rows);
  const columns: string[] = [];
  for (const r of records) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  const lines = [columns.map(csvCell).join(','), ...records.map((r) => columns.map((c) => csvCell(r[c])).join(','))];
  return `${lines.join('\n')}\n`;
}

/**
 * Writes rows as CSV; see {@link recordsToCsv}.
 *
 * @example writeRecordsCsv(rows, 'results/sparsity-sweep.csv')
 * @param rows Records or a danfo DataFrame.
 * @param path Output file; missing folders are created.
 * @returns The absolute path written.
 * @throws TypeError when rows are not records or `path` is not a non-empty string.
 * @throws RangeError when there are no rows.
 */
export function writeRecordsCsv(rows: RowsInput, path: string): string {
  checkPath(path);
  return write(path, recordsToCsv(rows));
}
