/**
 * Reading result rows: plain records or danfo DataFrames in, checked fields and hover text out.
 * Every builder goes through these helpers so that the error messages name the row and the field.
 */
import type { DataFrameLike, ResultRecord, RowsInput } from './types';

function isDataFrameLike(value: unknown): value is DataFrameLike {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as { columns?: unknown; values?: unknown };
  return Array.isArray(v.columns) && Array.isArray(v.values);
}

/**
 * Turns plain records or a danfo DataFrame into an array of plain records.
 *
 * danfo 1.2's `toJSON` works on `danfojs-node` frames but throws on the base `NDframe`, so the
 * frame is read through its `columns` and `values` getters instead, which every version has.
 *
 * @example toRecords(new dfd.DataFrame([{ sparsity: 0.5, accuracy: 0.9 }])) // [{ sparsity: 0.5, accuracy: 0.9 }]
 * @param rows Records or a DataFrame.
 * @param what Name used in error messages.
 * @returns A new array of records (the records themselves are not copied).
 * @throws TypeError when `rows` is neither an array of objects nor a DataFrame.
 * @throws RangeError when there are no rows.
 */
export function toRecords(rows: RowsInput, what = 'rows'): ResultRecord[] {
  let out: ResultRecord[];
  if (Array.isArray(rows)) {
    out = rows.slice() as ResultRecord[];
    out.forEach((r, i) => {
      if (typeof r !== 'object' || r === null || Array.isArray(r)) {
        throw new TypeError(`${what}[${i}] must be a record (plain object), got ${r === null ? 'null' : Array.isArray(r) ? 'array' : typeof r}`);
      }
    });
  } else if (isDataFrameLike(rows)) {
    const { columns } = rows;
    // A one-column frame's `values` is one-dimensional.
    const values = rows.values.map((v) => (Array.isArray(v) ? v : [v]));
    out = values.map((v) => Object.fromEntries(columns.map((c, j) => [c, v[j]])));
  } else {
    throw new TypeError(`${what} must be an array of records or a danfo DataFrame, got ${rows === null ? 'null' : typeof rows}`);
  }
  if (out.length === 0) throw new RangeError(`${what} must not be empty, got 0 rows`);
  return out;
}

/**
 * Reads a numeric field.
 *
 * @example numberField({ bits: 4 }, 'bits', 'rows[0]') // 4
 * @param row The record.
 * @param key Field name.
 * @param where Location for error messages, e.g. `rows[3]`.
 * @returns The number.
 * @throws TypeError when the field is missing or not a number.
 * @throws RangeError when the number is NaN or infinite.
 */
export function numberField(row: ResultRecord, key: string, where: string): number {
  const v = row[key];
  if (typeof v !== 'number') {
    throw new TypeError(`${where}.${key} must be a number, got ${v === undefined ? 'undefined (missing field)' : JSON.stringify(v)}`);
  }
  if (!Number.isFinite(v)) throw new RangeError(`${where}.${key} must be finite, got ${v}`);
  return v;
}

/**
 * Reads a string field, with a default when it is absent.
 *
 * @example stringField({}, 'cell', 'rows[0]', 'all rows') // 'all rows'
 * @param row The record.
 * @param key Field name.
 * @param where Location for error messages.
 * @param fallback Value when the field is absent; when undefined the field is required.
 * @returns The string.
 * @throws TypeError when the field is present but not a string (numbers are accepted and converted), or required and missing.
 */
export function stringField(row: ResultRecord, key: string, where: string, fallback?: string): string {
  const v = row[key];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new TypeError(`${where}.${key} must be a string, got undefined (missing field)`);
  }
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') throw new TypeError(`${where}.${key} must be a string, got ${typeof v}`);
  return v;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Formats a value exactly: numbers with all the digits JavaScript needs to round-trip them, so
 * that the hover text shows the setting that was run, not a rounded one.
 *
 * @example formatValue(0.1 + 0.2) // '0.30000000000000004'
 * @param v Any value.
 * @returns Its text.
 */
export function formatValue(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return String(v);
  if (ArrayBuffer.isView(v)) return `[${Array.from(v as unknown as ArrayLike<number>).join(', ')}]`;
  return JSON.stringify(v);
}

/**
 * Hover text listing every field of a record, one `key: value` per line (plotly hover labels
 * accept `<br>`; everything else is escaped).
 *
 * @example hoverText({ cell: 'LSTM', sparsity: 0.5 }, ['sparsity']) // 'sparsity: 0.5<br>cell: LSTM'
 * @param row The record.
 * @param first Fields to list first, in this order (e.g. the plotted ones).
 * @returns The hover text.
 */
export function hoverText(row: ResultRecord, first: readonly string[] = []): string {
  const keys = [...first.filter((k) => k in row), ...Object.keys(row).filter((k) => !first.includes(k))];
  return keys.map((k) => `${escapeHtml(k)}: ${escapeHtml(formatValue(row[k]))}`).join('<br>');
}

/**
 * Groups items by a key, keeping groups in order of first appearance.
 *
 * @example groupBy(rows, (r) => String(r.cell)) // Map { 'LSTM' => [...], 'GRU' => [...] }
 * @param items Items to group.
 * @param keyOf Group key of an item.
 * @returns The groups.
 */
export function groupBy<T>(items: readonly T[], keyOf: (item: T, index: number) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  items.forEach((item, i) => {
    const k = keyOf(item, i);
    const g = groups.get(k);
    if (g) g.push(item);
    else groups.set(k, [item]);
  });
  return groups;
}

/** The hover template that shows a point's `text`, with the trace name in the side box. */
export const TEXT_HOVER = '%{text}<extra>%{fullData.name}</extra>';
