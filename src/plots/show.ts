/**
 * Showing figures in a tslab notebook.
 *
 * tslab's public `display` API (`display.html`, `display.raw(contentType, content)`) sends one
 * MIME type per output: `raw` builds `data: { [contentType]: content }`. A figure needs one output
 * holding two types (the plotly JSON for JupyterLab and VS Code, HTML for the classic notebook and
 * nbconvert), so `show` calls the function behind `display.raw` directly: the
 * `lastWriteDisplayData` export of tslab's `dist/jupyter.js`, which the kernel sets before each
 * cell runs and which sends a Jupyter `display_data` message with whatever bundle it is given.
 * The module is looked up in the process's module cache rather than imported, so that the copy the
 * running kernel loaded is used (a notebook may run under a global tslab) and so that importing
 * this file outside a kernel loads nothing from tslab.
 */
import { buildLoadPlotlyBundle, buildShowBundle, checkIncludePlotly, defaultDisplaySession, figureSummary, type IncludePlotly } from './html';
import type { Figure } from './types';

/** The content of a Jupyter `display_data` message as tslab's writer takes it. */
interface DisplayContent {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  transient: Record<string, unknown>;
}

type WriteDisplayData = (content: DisplayContent, update: boolean) => void;

const JUPYTER_MODULE = /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/;

/**
 * The running tslab kernel's display writer, or `undefined` outside a kernel (plain Node, tests).
 *
 * @example if (tslabDisplayWriter()) console.log('in a notebook');
 * @returns The writer.
 */
export function tslabDisplayWriter(): WriteDisplayData | undefined {
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!mod || !JUPYTER_MODULE.test(file)) continue;
    const writer = (mod.exports as { lastWriteDisplayData?: unknown }).lastWriteDisplayData;
    if (typeof writer === 'function') return writer as WriteDisplayData;
  }
  return undefined;
}

/** Options of {@link show}. */
export interface ShowOptions {
  /**
   * Inline plotly.js in this output: `auto` in the first output of the kernel process only.
   * Use `always` when the output that carried it was cleared.
   * @default 'auto'
   */
  includePlotly?: IncludePlotly;
}

/**
 * Displays a figure in a tslab notebook cell.
 *
 * One output is sent whose bundle holds `application/vnd.plotly.v1+json` (rendered natively by
 * JupyterLab with its plotly renderer and by VS Code), `text/html` (classic notebook, nbconvert
 * HTML; see `html.ts` for how plotly.js is included once per kernel process) and `text/plain`.
 * Outside a notebook it prints the one-line text form instead; use `writeFigureHtml` there.
 *
 * @example
 * import { show, metricVsSparsity } from './src/plots/index'; // tslab does not resolve folder imports
 * show(metricVsSparsity(rows));
 * @param figure A figure from one of the builders (or any `{ data, layout }`).
 * @param options See {@link ShowOptions}.
 * @returns Nothing (a value would be printed by tslab as the cell's result).
 * @throws TypeError when `figure` is not a figure.
 * @throws RangeError when `includePlotly` is invalid.
 */
export function show(figure: Figure, options: ShowOptions = {}): void {
  const { includePlotly = 'auto' } = options;
  checkIncludePlotly(includePlotly);
  const writer = tslabDisplayWriter();
  if (!writer) {
    // No page to draw in: the text form only, and plotly.js stays unsent for a later kernel run.
    process.stdout.write(`${figureSummary(figure)}\n`);
    return;
  }
  const bundle = buildShowBundle(figure, { session: defaultDisplaySession(), includePlotly });
  writer({ data: { ...bundle }, metadata: {}, transient: {} }, false);
}

/**
 * Loads plotly.js into the notebook page, for the setup cell: later figures then never carry it.
 * Calling it again (after clearing outputs, say) sends it again.
 *
 * @example
 * import { loadPlotly } from './src/plots/index';
 * loadPlotly();
 * @returns Nothing.
 * @throws Error when `plotly.js-dist` is not installed.
 */
export function loadPlotly(): void {
  const writer = tslabDisplayWriter();
  if (!writer) {
    process.stdout.write('loadPlotly: not running in a tslab kernel, nothing to load\n');
    return;
  }
  writer({ data: { ...buildLoadPlotlyBundle(defaultDisplaySession()) }, metadata: {}, transient: {} }, false);
}
