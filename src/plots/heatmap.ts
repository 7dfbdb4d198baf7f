/**
 * Sensitivity analysis as a heatmap: one row per layer, one column per weight role (kernel,
 * recurrent kernel, bias) or setting, the colour the metric drop when only that cell is compressed.
 */
import { axis, baseLayout } from './layout';
import { hoverText, numberField, stringField, toRecords } from './records';
import type { Figure, ResultRecord, RowsInput } from './types';

/** Options of {@link sensitivityHeatmap}. */
export interface SensitivityHeatmapOptions {
  /**
   * Field naming the heatmap rows.
   * @default 'layer'
   */
  rowKey?: string;
  /**
   * Field naming the heatmap columns: a weight role, or a setting such as `sparsity` or `bits`.
   * @default 'role'
   */
  columnKey?: string;
  /**
   * Field holding the value to colour.
   * @default 'drop'
   */
  valueKey?: string;
  /**
   * Colour bar title, with the unit.
   * @default 'metric drop (baseline − compressed)'
   */
  valueLabel?: string;
  /**
   * Format of the numbers written in the cells (d3 format); empty for none.
   * @default '.3~g'
   */
  cellFormat?: string;
  /**
   * Figure title.
   * @default 'sensitivity: metric drop per layer and <columnKey>'
   */
  title?: string;
}

/** Blue for an improvement, white for no change, red for a drop. */
export const DIVERGING_SCALE: [number, string][] = [
  [0, '#2166ac'],
  [0.5, '#f7f7f7'],
  [1, '#b2182b'],
];

/**
 * Builds a layers-by-roles heatmap of the metric drop.
 *
 * Each row is one measurement: `{ layer, role, drop, ...settings }` (field names configurable).
 * Rows and columns keep their order of first appearance; a missing combination is an empty cell.
 * The colour scale is centred on zero so that a drop is red and an improvement blue.
 *
 * @example
 * sensitivityHeatmap([
 *   { layer: 'lstm_1', role: 'kernel', drop: 0.004 },
 *   { layer: 'lstm_1', role: 'recurrentKernel', drop: 0.031 },
 * ])
 * @param rows Records or a danfo DataFrame.
 * @param options See {@link SensitivityHeatmapOptions}.
 * @returns The figure: a single heatmap trace with `z[layer][role]`.
 * @throws TypeError when rows are not records or a field has the wrong type.
 * @throws RangeError when there are no rows or a (row, column) pair appears twice.
 */
export function sensitivityHeatmap(rows: RowsInput, options: SensitivityHeatmapOptions = {}): Figure {
  const { rowKey = 'layer', columnKey = 'role', valueKey = 'drop', valueLabel = 'metric drop (baseline − compressed)', cellFormat = '.3~g' } = options;
  const records = toRecords(rows);
  const rowNames: string[] = [];
  const colNames: string[] = [];
  const cells = new Map<string, { value: number; row: ResultRecord }>();
  records.forEach((r, i) => {
    const where = `rows[${i}]`;
    const rn = stringField(r, rowKey, where);
    const cn = stringField(r, columnKey, where);
    const value = numberField(r, valueKey, where);
    const key = JSON.stringify([rn, cn]);
    if (cells.has(key)) throw new RangeError(`each (${rowKey}, ${columnKey}) pair must appear once, got (${rn}, ${cn}) again at ${where}`);
    cells.set(key, { value, row: r });
    if (!rowNames.includes(rn)) rowNames.push(rn);
    if (!colNames.includes(cn)) colNames.push(cn);
  });
  const cell = (rn: string, cn: string) => cells.get(JSON.stringify([rn, cn]));
  const z = rowNames.map((rn) => colNames.map((cn) => cell(rn, cn)?.value ?? null));
  const text = rowNames.map((rn) => colNames.map((cn) => {
    const c = cell(rn, cn);
    return c ? hoverText(c.row, [rowKey, columnKey, valueKey]) : `${rowKey}: ${rn}<br>${columnKey}: ${cn}<br>not measured`;
  }));
  const maxAbs = Math.max(...z.flat().map((v) => Math.abs(v ?? 0)));
  return {
    data: [
      {
        type: 'heatmap',
        x: colNames,
        y: rowNames,
        z,
        text,
        hovertemplate: '%{text}<extra></extra>',
        ...(cellFormat ? { texttemplate: `%{z:${cellFormat}}` } : {}),
        colorscale: DIVERGING_SCALE,
        zmid: 0,
        // Symmetric limits keep white at zero even when every value has the same sign.
        zmin: -maxAbs || -1,
        zmax: maxAbs || 1,
        colorbar: { title: { text: valueLabel } },
        xgap: 1,
        ygap: 1,
      },
    ],
    layout: baseLayout(
      options.title ?? `sensitivity: metric drop per ${rowKey} and ${columnKey}`,
      axis(columnKey, { type: 'category' }),
      axis(rowKey, { type: 'category', autorange: 'reversed' }),
    ),
  };
}
