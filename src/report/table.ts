/**
 * Results tables: a danfo DataFrame built from result records, shown in a notebook as an HTML table
 * (with a plain-text form for terminals and text-only front ends).
 */
import * as dfd from 'danfojs-node';
import { tslabDisplayWriter } from '../plots/show';
import { toRecords } from '../plots/records';
import type { RowsInput } from '../plots/types';

/** Options of {@link showTable}. */
export interface TableOptions {
  /** Caption above the table. @default undefined */
  title?: string;
  /** Significant digits for non-integer numbers. @default 4 */
  digits?: number;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Formats one cell: integers with thousands separators, other numbers to `digits` significant digits.
 *
 * @example formatCell(326696, 4) // '326,696'
 * @param v The value.
 * @param digits Significant digits for non-integers.
 * @returns The text.
 */
export function formatCell(v: unknown, digits = 4): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v)) return v.toLocaleString('en-US');
    const s = Number(v.toPrecision(digits));
    return Math.abs(s) >= 1e5 ? s.toLocaleString('en-US') : String(s);
  }
  if (v === null || v === undefined) return '';
  return String(v);
}

/**
 * Builds a danfo DataFrame from result records.
 *
 * @example const df = resultsFrame([{ cell: 'LSTM', accuracy: 0.98 }]);
 * @param rows Records with the same keys (the first record's keys give the column order).
 * @returns The DataFrame.
 * @throws RangeError when there are no rows.
 */
export function resultsFrame(rows: Record<string, unknown>[]): dfd.DataFrame {
  if (!Array.isArray(rows) || rows.length === 0) throw new RangeError(`rows must be a non-empty array, got ${Array.isArray(rows) ? 0 : typeof rows} rows`);
  const columns = Object.keys(rows[0]);
  return new dfd.DataFrame(rows.map((r) => columns.map((c) => r[c] as never)), { columns });
}

/**
 * The HTML form of a table.
 *
 * @example tableHtml([{ a: 1 }]) // '<table ...><tr><th>a</th></tr><tr><td>1</td></tr></table>'
 * @param rows Records or a danfo DataFrame.
 * @param options Title and digits.
 * @returns An HTML fragment.
 * @throws TypeError when rows are neither records nor a DataFrame.
 */
export function tableHtml(rows: RowsInput, options: TableOptions = {}): string {
  const { title, digits = 4 } = options;
  const recs = toRecords(rows);
  const columns = recs.length ? Object.keys(recs[0]) : [];
  const firstNumeric = (c: string): boolean => typeof recs[0]?.[c] === 'number';
  const head = `<tr>${columns.map((c) => `<th style="text-align:${firstNumeric(c) ? 'right' : 'left'}">${escapeHtml(c)}</th>`).join('')}</tr>`;
  const body = recs
    .map((r) => `<tr>${columns.map((c) => `<td style="text-align:${typeof r[c] === 'number' ? 'right' : 'left'}">${escapeHtml(formatCell(r[c], digits))}</td>`).join('')}</tr>`)
    .join('');
  const caption = title ? `<caption style="caption-side:top;font-weight:bold;text-align:left">${escapeHtml(title)}</caption>` : '';
  return `<table class="rnnc-table" style="border-collapse:collapse">${caption}${head}${body}</table>`;
}

/**
 * The plain-text form of a table, columns aligned.
 *
 * @example console.log(tableText([{ a: 1, b: 'x' }]));
 * @param rows Records or a danfo DataFrame.
 * @param options Title and digits.
 * @returns The text.
 * @throws TypeError when rows are neither records nor a DataFrame.
 */
export function tableText(rows: RowsInput, options: TableOptions = {}): string {
  const { title, digits = 4 } = options;
  const recs = toRecords(rows);
  const columns = recs.length ? Object.keys(recs[0]) : [];
  const cells = [columns, ...recs.map((r) => columns.map((c) => formatCell(r[c], digits)))];
  const widths = columns.map((_, j) => Math.max(...cells.map((row) => row[j].length)));
  const lines = cells.map((row) => row.map((v, j) => v.padEnd(widths[j])).join('  ').trimEnd());
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return (title ? `${title}\n` : '') + lines.join('\n');
}

/**
 * Shows a results table: in a tslab notebook as one output with an HTML table and its text form;
 * elsewhere it prints the text form.
 *
 * @example showTable(resultsFrame(rows), { title: 'Baselines' });
 * @param rows Records or a danfo DataFrame.
 * @param options Title and digits.
 * @throws TypeError when rows are neither records nor a DataFrame.
 */
export function showTable(rows: RowsInput, options: TableOptions = {}): void {
  const text = tableText(rows, options);
  const writer = tslabDisplayWriter();
  if (!writer) {
    console.log(text);
    return;
  }
  writer({ data: { 'text/html': tableHtml(rows, options), 'text/plain': text }, metadata: {}, transient: {} }, false);
}
