/**
 * Bytes on disk per storage format, grouped per model: where the size savings come from.
 */
import { axis, baseLayout } from './layout';
import { formatColor, normaliseFormat, palette, shade, STORAGE_FORMATS, type StorageFormat } from './palette';
import { hoverText, numberField, stringField, toRecords } from './records';
import type { Figure, ResultRecord, RowsInput, Trace } from './types';

/** Legend names of the canonical storage formats. */
export const FORMAT_LABELS: Readonly<Record<StorageFormat, string>> = {
  float32: 'dense float32',
  float16: 'float16',
  packed: 'k-bit packed',
  bitmask: 'bitmask sparse',
  csr: 'CSR',
  huffman: 'Huffman',
  gzip: 'gzip',
};

/** Options of {@link bytesByFormat}. */
export interface BytesByFormatOptions {
  /**
   * Logarithmic y axis, for when formats differ by orders of magnitude.
   * @default false
   */
  logY?: boolean;
  /**
   * Figure title.
   * @default 'size per storage format'
   */
  title?: string;
}

interface Entry {
  model: string;
  label: string;
  format: string;
  bytes: number;
  row: ResultRecord;
}

function formatLabel(format: string, bits: number | undefined): string {
  const f = normaliseFormat(format);
  if (f === 'packed' && bits !== undefined) return `${bits}-bit packed`;
  return f ? FORMAT_LABELS[f] : format;
}

function bitsOf(e: Entry): number {
  return typeof e.row.bits === 'number' ? e.row.bits : 0;
}

function formatRank(format: string): number {
  const f = normaliseFormat(format);
  return f ? STORAGE_FORMATS.indexOf(f) : STORAGE_FORMATS.length;
}

/**
 * Builds grouped bars of bytes per storage format.
 *
 * Each row is one (model, format) measurement: `{ model, format, bytes, bits?, ...settings }`.
 * `format` is one of dense `float32`, `float16`, `packed` (k-bit, with `bits`), `bitmask`, `csr`,
 * `huffman`, `gzip` in any common spelling (`k-bit packed`, `CSR`), or another name, which gets a
 * colour of its own. Bars are grouped per model; the hover text gives the exact bytes and the
 * ratio to the same model's dense float32 size when that is present.
 *
 * @example
 * bytesByFormat([
 *   { model: 'LSTM(64)', format: 'float32', bytes: 74_240 },
 *   { model: 'LSTM(64)', format: 'packed', bits: 4, bytes: 9_280 },
 * ])
 * @param rows Records or a danfo DataFrame.
 * @param options See {@link BytesByFormatOptions}.
 * @returns The figure: one bar trace per format (known formats in canonical order), x = models.
 * @throws TypeError when rows are not records or a field has the wrong type.
 * @throws RangeError when there are no rows, bytes are negative (or zero on a log axis), or a (model, format) pair appears twice.
 */
export function bytesByFormat(rows: RowsInput, options: BytesByFormatOptions = {}): Figure {
  const { logY = false, title = 'size per storage format' } = options;
  const entries: Entry[] = toRecords(rows).map((r, i) => {
    const where = `rows[${i}]`;
    const bytes = numberField(r, 'bytes', where);
    if (bytes < 0 || (logY && bytes === 0)) throw new RangeError(`${where}.bytes must be ${logY ? '> 0 on a log axis' : '>= 0'}, got ${bytes}`);
    const format = stringField(r, 'format', where);
    const bits = r.bits === undefined ? undefined : numberField(r, 'bits', where);
    return { model: stringField(r, 'model', where), label: formatLabel(format, bits), format, bytes, row: r };
  });
  const models: string[] = [];
  const seen = new Set<string>();
  for (const e of entries) {
    if (!models.includes(e.model)) models.push(e.model);
    const key = JSON.stringify([e.model, e.label]);
    if (seen.has(key)) throw new RangeError(`each (model, format) pair must appear once, got (${e.model}, ${e.label}) twice`);
    seen.add(key);
  }
  const dense = new Map(entries.filter((e) => normaliseFormat(e.format) === 'float32').map((e) => [e.model, e.bytes]));
  const labels = [...new Set(entries.map((e) => e.label))];
  const first = (label: string) => entries.find((e) => e.label === label) as Entry;
  labels.sort((a, b) => formatRank(first(a).format) - formatRank(first(b).format) || bitsOf(first(a)) - bitsOf(first(b)));
  const packed = labels.filter((l) => normaliseFormat(first(l).format) === 'packed');
  // Formats outside the palette (e.g. 'CSR float32') get a hashed colour that can equal another
  // bar's; each label must keep a colour of its own, so a repeated one moves to an unused colour.
  const used = new Set<string>();
  const colorOf = new Map<string, string>();
  for (const label of labels) {
    const k = packed.indexOf(label);
    const base = formatColor(first(label).format);
    let color = k >= 0 && packed.length > 1 ? shade(base, -0.35 + (0.7 * k) / (packed.length - 1)) : base;
    if (used.has(color)) color = palette.categorical.find((c) => !used.has(c)) ?? color;
    used.add(color);
    colorOf.set(label, color);
  }
  const data: Trace[] = labels.map((label) => {
    const byModel = new Map(entries.filter((e) => e.label === label).map((e) => [e.model, e]));
    // Several bit widths share the packed hue, fewest bits darkest.
    const color = colorOf.get(label) as string;
    return {
      type: 'bar',
      name: label,
      x: models,
      y: models.map((m) => byModel.get(m)?.bytes ?? null),
      // hovertext, not text: plotly writes a bar's text inside the bar.
      hovertext: models.map((m) => {
        const e = byModel.get(m);
        if (!e) return '';
        const denseBytes = dense.get(m);
        const ratio = denseBytes && e.bytes > 0 ? `<br>${(denseBytes / e.bytes).toFixed(2)}× smaller than dense float32` : '';
        return `${hoverText(e.row, ['model', 'format', 'bytes'])}${ratio}`;
      }),
      hovertemplate: '%{hovertext}<extra></extra>',
      marker: { color },
    };
  });
  return {
    data,
    layout: baseLayout(title, axis('model', { type: 'category' }), axis(`size (bytes${logY ? ', log scale' : ''})`, logY ? { type: 'log' } : { rangemode: 'tozero' }), {
      barmode: 'group',
      legend: { title: { text: 'storage format' } },
    }),
  };
}
