/**
 * Turning a figure into what a notebook front end or a browser renders: the plotly MIME bundle,
 * an HTML fragment that draws the figure with plotly.js, and a standalone HTML page.
 *
 * Where each part is used:
 * - JupyterLab (with its plotly renderer extension) and VS Code (its built-in notebook renderers)
 *   draw `application/vnd.plotly.v1+json` themselves and ignore the HTML; that path needs no
 *   script in the output and also works in VS Code's sandboxed output iframe.
 * - The classic notebook, JupyterLab without the plotly extension, and
 *   `jupyter nbconvert --to html` (classic and lab templates) pick `text/html`. The fragment is a
 *   div with a deterministic id (`rnnc-plot-<n>`, a per-process counter, so re-running a notebook
 *   gives identical outputs) and a script calling `Plotly.newPlot` on it.
 * - plotly.js (about 10 MB) is inlined into the first figure's HTML of a kernel process only, or
 *   into the output of an explicit `loadPlotly()`; later figures use `window.Plotly`. That relies
 *   on all outputs of a page sharing one `window`, which holds in the classic notebook, in
 *   JupyterLab (outputs are inserted into the page) and in an exported HTML file. VS Code puts all
 *   outputs of a notebook in one webview iframe, so it holds there too when its HTML is used, but
 *   it may render a later output before the one carrying plotly.js. For such cases, and when the
 *   output holding plotly.js was cleared, the fragment waits up to two minutes for
 *   `window.Plotly` and then says how to fix it: run `loadPlotly()` again, or
 *   `show(figure, { includePlotly: 'always' })`.
 * - Where scripts do not run (an untrusted notebook: the classic notebook and JupyterLab strip
 *   scripts from outputs of a notebook opened from disk until it is trusted or re-run; GitHub's
 *   viewer), a one-line note stands in for the figure.
 */
import { DEFAULT_CONFIG } from './layout';
import { plotlyJsInfo, plotlyJsSource } from './plotly-source';
import type { Figure, Layout, PlotConfig, Trace } from './types';

/** The MIME type JupyterLab and VS Code render natively as a plotly figure. */
export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

/** A figure as plain JSON: non-finite numbers as `null`, typed arrays as arrays. */
export interface PlotlyJson {
  data: Trace[];
  layout: Layout;
  config: PlotConfig;
}

/** The outputs of one display: every front end picks the richest type it can render. */
export interface MimeBundle {
  [PLOTLY_MIME]: PlotlyJson;
  'text/html': string;
  'text/plain': string;
}

/** The per-process state behind "plotly.js once per notebook" and the output ids. */
export interface DisplaySession {
  /** Prefix of the output div ids. */
  readonly prefix: string;
  /** Number of figure ids handed out so far. */
  counter: number;
  /** Whether an output of this process already carried plotly.js. */
  plotlyIncluded: boolean;
}

/** Options of {@link createDisplaySession}. */
export interface DisplaySessionOptions {
  /**
   * Prefix of the div ids; letters, digits, `-` and `_`.
   * @default 'rnnc-plot'
   */
  prefix?: string;
}

/**
 * Creates display state: figure ids `<prefix>-1`, `<prefix>-2`, ... and no plotly.js sent yet.
 * `show` uses one session per process; tests and HTML reports create their own.
 *
 * @example const s = createDisplaySession({ prefix: 'report' });
 * @param options See {@link DisplaySessionOptions}.
 * @returns A fresh session.
 * @throws RangeError when the prefix has characters other than letters, digits, `-` and `_`.
 */
export function createDisplaySession(options: DisplaySessionOptions = {}): DisplaySession {
  const { prefix = 'rnnc-plot' } = options;
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(prefix)) throw new RangeError(`prefix must start with a letter and hold only letters, digits, - and _, got ${JSON.stringify(prefix)}`);
  return { prefix, counter: 0, plotlyIncluded: false };
}

function checkFigure(figure: Figure): void {
  if (typeof figure !== 'object' || figure === null || !Array.isArray(figure.data) || typeof figure.layout !== 'object' || figure.layout === null) {
    throw new TypeError(`figure must be { data: Trace[], layout: Layout }, got ${figure === null ? 'null' : typeof figure}`);
  }
}

/**
 * The figure as plain JSON, as plotly's MIME renderer and `Plotly.newPlot` expect it.
 *
 * @example figureToJson(fig).config.responsive // true
 * @param figure The figure.
 * @returns A deep copy with non-finite numbers as `null`, typed arrays as arrays and the default config filled in.
 * @throws TypeError when `figure` has no `data` array or no `layout` object.
 */
export function figureToJson(figure: Figure): PlotlyJson {
  checkFigure(figure);
  const text = JSON.stringify({ data: figure.data, layout: figure.layout, config: { ...DEFAULT_CONFIG, ...figure.config } }, (_key, value: unknown) => {
    if (typeof value === 'number' && !Number.isFinite(value)) return null;
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
    return value;
  });
  return JSON.parse(text) as PlotlyJson;
}

/** JSON that can sit inside a `<script>` element: `<` and the JS line separators escaped. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * The `<script>` element carrying plotly.js, inlined.
 *
 * @example const tag = plotlyScriptTag(); // '<script type="text/javascript">/* plotly.js 4.1.1 ...'
 * @returns The element, about 10 MB.
 * @throws Error when `plotly.js-dist` is not installed.
 */
export function plotlyScriptTag(): string {
  const { version } = plotlyJsInfo();
  return `<script type="text/javascript">/* plotly.js ${version} from the plotly.js-dist package, inlined so that the page works offline */\n${plotlyJsSource()}\n</script>`;
}

const NO_SCRIPT_NOTE = 'Interactive plotly figure. If this line stays, scripts do not run in this view: open the notebook in JupyterLab or VS Code, trust it in the classic notebook, or open its HTML export.';
const NO_PLOTLY_NOTE = 'plotly.js is not loaded in this page: run loadPlotly() in a cell above, or show(figure, { includePlotly: "always" }).';

/**
 * The script that draws one figure. It looks the div up by id when it runs, not when it is
 * written, because the classic notebook evaluates output scripts only once the output is attached
 * to the page, and after a kernel restart an old output with the same id may still be on the
 * page: it therefore takes the last div with that id not drawn yet, and retries while the div or
 * `window.Plotly` is missing.
 */
function drawScript(id: string, json: PlotlyJson): string {
  return `<script type="text/javascript">
(function () {
  var id = ${scriptJson(id)};
  var figure = ${scriptJson(json)};
  var waited = 0;
  function target() {
    var all = document.querySelectorAll('div[id="' + id + '"]');
    for (var i = all.length - 1; i >= 0; i--) if (!all[i].hasAttribute('data-plotted')) return all[i];
    return null;
  }
  function draw() {
    var div = target();
    var note = div && div.nextElementSibling;
    if (div && window.Plotly) {
      div.setAttribute('data-plotted', 'true');
      if (note && note.getAttribute('data-plot-note') === id) note.style.display = 'none';
      window.Plotly.newPlot(div, figure.data, figure.layout, figure.config);
    } else if (waited < 120000) {
      waited += 250;
      setTimeout(draw, 250);
    } else if (note) {
      note.textContent = ${scriptJson(NO_PLOTLY_NOTE)};
    }
  }
  draw();
})();
</script>`;
}

/** Options of {@link figureHtml}. */
export interface FigureHtmlOptions {
  /** Id of the div the figure is drawn into; must be unique in the page. */
  id: string;
  /**
   * Inline plotly.js before the figure.
   * @default false
   */
  includePlotly?: boolean;
}

/**
 * An HTML fragment that draws a figure with plotly.js.
 *
 * @example figureHtml(fig, { id: 'fig-1', includePlotly: true })
 * @param figure The figure.
 * @param options See {@link FigureHtmlOptions}.
 * @returns The fragment: optional plotly.js script, the div, a note for script-less views, the drawing script.
 * @throws TypeError when `figure` is not a figure.
 * @throws RangeError when `id` is not a valid HTML id (letters, digits, `-`, `_`, starting with a letter).
 */
export function figureHtml(figure: Figure, options: FigureHtmlOptions): string {
  const { id, includePlotly = false } = options;
  if (typeof id !== 'string' || !/^[A-Za-z][A-Za-z0-9_-]*$/.test(id)) throw new RangeError(`id must start with a letter and hold only letters, digits, - and _, got ${JSON.stringify(id)}`);
  const json = figureToJson(figure);
  const height = typeof json.layout.height === 'number' ? `${json.layout.height}px` : '450px';
  return [
    includePlotly ? plotlyScriptTag() : '',
    `<div id="${id}" class="rnnc-plot" style="width:100%;height:${height};"></div>`,
    `<div data-plot-note="${id}" style="font:12px sans-serif;color:#777;">${escapeHtml(NO_SCRIPT_NOTE)}</div>`,
    drawScript(id, json),
  ]
    .filter(Boolean)
    .join('\n');
}

/** How {@link buildShowBundle} decides whether to inline plotly.js. */
export type IncludePlotly = 'auto' | 'always' | 'never';

/** Options of {@link buildShowBundle}. */
export interface ShowBundleOptions {
  /**
   * The display state; `show` passes the process-wide one.
   * @default the process-wide session
   */
  session?: DisplaySession;
  /**
   * `auto`: inline plotly.js only in the session's first output; `always`: inline it in this
   * output too (for a view that lost the first one); `never`: rely on an earlier `loadPlotly()`.
   * @default 'auto'
   */
  includePlotly?: IncludePlotly;
}

const processSession = createDisplaySession();

/**
 * Checks an `includePlotly` option.
 *
 * @example checkIncludePlotly('auto'); // passes
 * @param value The option.
 * @returns Nothing; narrows the type of `value`.
 * @throws RangeError when it is not `auto`, `always` or `never`.
 */
export function checkIncludePlotly(value: unknown): asserts value is IncludePlotly {
  if (value !== 'auto' && value !== 'always' && value !== 'never') {
    throw new RangeError(`includePlotly must be 'auto', 'always' or 'never', got ${JSON.stringify(value)}`);
  }
}

/**
 * The display state of this process, shared by every `show` call.
 *
 * @example defaultDisplaySession().plotlyIncluded // false until the first show or loadPlotly
 * @returns The session.
 */
export function defaultDisplaySession(): DisplaySession {
  return processSession;
}

/**
 * The one-line text form of a figure, for `text/plain` and for terminals.
 *
 * @example figureSummary(fig) // '<plotly figure: accuracy vs sparsity; 3 traces>'
 * @param figure The figure.
 * @returns The line.
 * @throws TypeError when `figure` is not a figure.
 */
export function figureSummary(figure: Figure): string {
  checkFigure(figure);
  const title = figure.layout.title?.text ?? 'untitled figure';
  return `<plotly figure: ${title}; ${figure.data.length} trace${figure.data.length === 1 ? '' : 's'}>`;
}

/**
 * Builds the MIME bundle of one figure output: the plotly JSON, the HTML fallback and a text line.
 *
 * @example const bundle = buildShowBundle(fig, { session: createDisplaySession() });
 * @param figure The figure.
 * @param options See {@link ShowBundleOptions}.
 * @returns The bundle; the session's counter and plotly flag are updated.
 * @throws TypeError when `figure` is not a figure.
 * @throws RangeError when `includePlotly` is not `auto`, `always` or `never`.
 */
export function buildShowBundle(figure: Figure, options: ShowBundleOptions = {}): MimeBundle {
  const { session = processSession, includePlotly = 'auto' } = options;
  checkIncludePlotly(includePlotly);
  checkFigure(figure);
  const inline = includePlotly === 'always' || (includePlotly === 'auto' && !session.plotlyIncluded);
  const id = `${session.prefix}-${session.counter + 1}`;
  const html = figureHtml(figure, { id, includePlotly: inline });
  // State changes only after everything that can throw has run.
  session.counter += 1;
  if (inline) session.plotlyIncluded = true;
  return { [PLOTLY_MIME]: figureToJson(figure), 'text/html': html, 'text/plain': figureSummary(figure) };
}

/**
 * The bundle of a setup-cell output that only loads plotly.js into the page.
 *
 * @example const b = buildLoadPlotlyBundle(createDisplaySession());
 * @param session The display state.
 * @returns `text/html` with the plotly.js script and a `text/plain` line; the session is marked as having sent it.
 */
export function buildLoadPlotlyBundle(session: DisplaySession = processSession): Pick<MimeBundle, 'text/html' | 'text/plain'> {
  const html = `${plotlyScriptTag()}\n<div style="font:12px sans-serif;color:#777;">plotly.js ${plotlyJsInfo().version} loaded for the figures of this notebook.</div>`;
  session.plotlyIncluded = true;
  return { 'text/html': html, 'text/plain': `plotly.js ${plotlyJsInfo().version} loaded (offline, from plotly.js-dist)` };
}

/** Options of {@link standaloneHtml}. */
export interface StandaloneHtmlOptions {
  /**
   * Page title.
   * @default the figure's title, else 'figure'
   */
  title?: string;
}

/**
 * A complete HTML page drawing one figure, with plotly.js inlined: it opens offline, anywhere.
 *
 * @example writeFileSync('fig.html', standaloneHtml(fig));
 * @param figure The figure.
 * @param options See {@link StandaloneHtmlOptions}.
 * @returns The page.
 * @throws TypeError when `figure` is not a figure.
 */
export function standaloneHtml(figure: Figure, options: StandaloneHtmlOptions = {}): string {
  checkFigure(figure);
  const { title = figure.layout.title?.text ?? 'figure' } = options;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
${plotlyScriptTag()}
</head>
<body style="margin:16px;font-family:Helvetica,Arial,sans-serif;">
${figureHtml(figure, { id: 'figure-1' })}
</body>
</html>
`;
}
