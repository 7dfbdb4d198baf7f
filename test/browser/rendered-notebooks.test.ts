/**
 * The browser check of the rendered notebooks: each HTML copy written by the notebook tests
 * (build/quick/html/<name>.html) is opened from disk in headless Debian Chromium with the network
 * cut off, and must draw every plotly figure of the executed notebook with its data traces, typeset
 * its formulas, fit the window width, log no error and ask for nothing beyond the local disk.
 * A full-page screenshot of each lands in build/quick/screenshots/<name>.png.
 *
 * Runs after test/notebooks (scripts/test.mjs orders unit, notebooks, browser); a notebook whose
 * HTML is missing fails here too rather than being skipped.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { listNotebooks, ROOT } from '../../scripts/notebooks';
import { PLOTLY_MIME } from '../../src/plots/html';
import { launchChromium, openOffline, isNetworkUrl, type Box, type Browser, type PageRecord } from './chromium';
import { waitForPlots, plotIds, plotStates, mathState, overflowingElements, settle, linkTargets, type PlotState, type MathState } from './page-checks';

const QUICK = path.join(ROOT, 'build', 'quick');
const SCREENSHOTS = path.join(QUICK, 'screenshots');
/** The figure scripts retry for two minutes; a page that has not drawn after one has a real fault. */
const PLOT_TIMEOUT_MS = 60_000;
const MATH_TIMEOUT_MS = 60_000;
/** Per test: loading 10 MB of inlined plotly.js and screenshotting a long page on a busy machine. */
const STEP_TIMEOUT_MS = 300_000;

/** One figure output of the executed notebook: the div id its HTML draws into and its visible traces. */
interface ExpectedPlot {
  id: string;
  title: string;
  traces: number;
}

interface NotebookJson {
  cells: { cell_type: string; source: string | string[]; outputs?: { data?: Record<string, unknown> }[] }[];
}

function relative(file: string): string {
  return path.relative(ROOT, file);
}

function readNotebook(file: string): NotebookJson {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as NotebookJson;
}

/** The figure outputs of an executed notebook, in order, read from their plotly JSON and HTML. */
function expectedPlots(nb: NotebookJson): ExpectedPlot[] {
  const plots: ExpectedPlot[] = [];
  for (const cell of nb.cells) {
    for (const output of cell.outputs ?? []) {
      const figure = output.data?.[PLOTLY_MIME] as { data: { visible?: unknown }[]; layout: { title?: { text?: string } } } | undefined;
      if (!figure) continue;
      const html = ([] as string[]).concat((output.data?.['text/html'] as string | string[] | undefined) ?? []).join('');
      const id = /<div id="([^"]+)" class="rnnc-plot"/.exec(html)?.[1] ?? `(no rnnc-plot div in output ${plots.length + 1})`;
      // plotly draws no group for a trace hidden outright or shown only in the legend.
      const traces = figure.data.filter((t) => t.visible !== false && t.visible !== 'legendonly').length;
      plots.push({ id, title: figure.layout.title?.text ?? 'untitled', traces });
    }
  }
  return plots;
}

/** Whether a markdown cell holds a TeX formula: `$...$`, `$$...$$` or a `\begin{...}` environment. */
function hasMath(nb: NotebookJson): boolean {
  return nb.cells.some((c) => c.cell_type === 'markdown' && /\$[^$\n]+\$|\\begin\{/.test(([] as string[]).concat(c.source).join('')));
}

function inside(inner: Box, outer: Box, slack: number): boolean {
  return inner.x >= outer.x - slack && inner.y >= outer.y - slack && inner.x + inner.width <= outer.x + outer.width + slack && inner.y + inner.height <= outer.y + outer.height + slack;
}

function overlap(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Requests for files of Debian's libjs-* packages name the package to install. */
function withPackageHint(failure: string): string {
  const pkg = /file:\/\/\/usr\/share\/javascript\/(mathjax|requirejs|jquery)\//.exec(failure)?.[1];
  return pkg ? `${failure} (install Debian's libjs-${pkg})` : failure;
}

/** What the page showed and did, gathered once per notebook and checked by several tests. */
interface Observed {
  expected: ExpectedPlot[];
  pageIds: string[];
  drewInTime: boolean;
  states: PlotState[];
  math: MathState;
  expectMath: boolean;
  overflow: string[];
  record: PageRecord;
}

let browser: Browser | undefined;

/** The HTML copy and the executed notebook that the notebook test writes for `name`. */
function outputsOf(name: string): { html: string; executed: string } {
  return { html: path.join(QUICK, 'html', `${name}.html`), executed: path.join(QUICK, 'notebooks', `${name}.ipynb`) };
}

/** Opens the page of `name`, waits for its figures and formulas, takes its screenshot and reads its state. */
async function observe(name: string): Promise<Observed> {
  const { html, executed } = outputsOf(name);
  if (!fs.existsSync(html) || !fs.existsSync(executed)) throw new Error(`nothing to check: the notebook test left no output for ${name} (see the first test of ${name})`);
  const nb = readNotebook(executed);
  if (!browser) browser = await launchChromium();
  const { page, record, close } = await openOffline(browser, html);
  try {
    const drewInTime = await waitForPlots(page, PLOT_TIMEOUT_MS);
    const math = await mathState(page, MATH_TIMEOUT_MS);
    await settle(page);
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    const expected = expectedPlots(nb);
    return {
      expected,
      pageIds: await plotIds(page),
      drewInTime,
      states: await plotStates(page, expected.map((p) => p.id)),
      math,
      expectMath: hasMath(nb),
      overflow: await overflowingElements(page),
      record,
    };
  } finally {
    await close();
  }
}

/** Everything wrong with the figures of a page, one line each; empty when all is well. */
function plotProblems(seen: Observed): string[] {
  const problems: string[] = [];
  if (!seen.drewInTime) problems.push(`not every figure drew within ${PLOT_TIMEOUT_MS / 1000} s`);
  seen.expected.forEach((plot, i) => {
    const s = seen.states[i];
    const what = `figure ${i + 1} (#${plot.id}, "${plot.title}")`;
    if (!s.found || !s.plotted || !s.hasSvg) {
      problems.push(`${what}: ${s.found ? `plotly did not draw it (data-plotted ${s.plotted}, .main-svg ${s.hasSvg})` : 'no div with this id in the page'}`);
      return;
    }
    if (s.traceGroups !== plot.traces) problems.push(`${what}: ${s.traceGroups} trace groups drawn, the figure has ${plot.traces} visible traces`);
    if (s.drawnTraces === 0) problems.push(`${what}: no trace has a drawn mark (blank plot)`);
    if (!s.noteHidden) problems.push(`${what}: the "scripts do not run" note is still shown`);
    if (s.box.width < 100 || s.box.height < 100) problems.push(`${what}: the div is ${s.box.width}x${s.box.height} px`);
    if (s.svgBox && !inside(s.svgBox, s.box, 1)) problems.push(`${what}: the plot (${JSON.stringify(s.svgBox)}) spills out of its div (${JSON.stringify(s.box)})`);
  });
  for (let i = 0; i < seen.states.length; i++) {
    for (let j = i + 1; j < seen.states.length; j++) {
      const [a, b] = [seen.states[i], seen.states[j]];
      if (a.found && b.found && overlap(a.box, b.box)) problems.push(`figures #${a.id} and #${b.id} overlap`);
    }
  }
  return problems;
}

describe('rendered notebooks in headless Chromium, offline', () => {
  after(async () => {
    await browser?.close();
    browser = undefined;
  });

  for (const name of listNotebooks()) {
    describe(name, () => {
      // One page load per notebook, shared by its tests; each test fails on its own if it fails.
      let observation: Promise<Observed> | undefined;
      const seen = (): Promise<Observed> => (observation ??= observe(name));

      it('has the HTML copy and the executed notebook written by the notebook test', () => {
        for (const file of Object.values(outputsOf(name))) {
          assert.ok(fs.existsSync(file), `${relative(file)} does not exist: the notebook test of ${name} (test/notebooks/notebooks.test.ts) failed or did not run`);
        }
      });

      it('shows every figure of the executed notebook, each with its data traces drawn', { timeout: STEP_TIMEOUT_MS }, async () => {
        const s = await seen();
        assert.deepEqual(s.pageIds, s.expected.map((p) => p.id), 'the figure divs of the page are not the figure outputs of the executed notebook');
        assert.deepEqual(plotProblems(s), []);
      });

      it('asks for nothing beyond the local disk', { timeout: STEP_TIMEOUT_MS }, async () => {
        const s = await seen();
        assert.deepEqual(s.record.requests.filter(isNetworkUrl), [], 'requests that need a network');
      });

      it('loads every local file it refers to', { timeout: STEP_TIMEOUT_MS }, async () => {
        const s = await seen();
        assert.deepEqual(s.record.failedRequests.map(withPackageHint), [], 'requests that failed');
      });

      it('logs no console error and throws no uncaught exception', { timeout: STEP_TIMEOUT_MS }, async () => {
        const s = await seen();
        assert.deepEqual([...s.record.pageErrors, ...s.record.consoleErrors], []);
      });

      it('typesets the formulas of its markdown with MathJax', { timeout: STEP_TIMEOUT_MS }, async () => {
        const s = await seen();
        if (!s.expectMath) return; // nothing to typeset
        assert.ok(s.math.loaded, 'MathJax did not load or did not finish typesetting');
        assert.ok(s.math.typeset > 0, 'the markdown holds TeX but MathJax typeset no formula');
        assert.deepEqual(s.math.errors, [], 'formulas MathJax could not typeset');
      });

      it('fits the window width (no sideways scrolling)', { timeout: STEP_TIMEOUT_MS }, async () => {
        const s = await seen();
        assert.deepEqual(s.overflow, [], 'elements wider than the window');
      });
    });
  }

  describe('index page', () => {
    it('links the HTML of every notebook, offline and without errors', { timeout: STEP_TIMEOUT_MS }, async () => {
      const index = path.join(QUICK, 'index.html');
      assert.ok(fs.existsSync(index), `${relative(index)} does not exist: the notebook tests write it when they finish`);
      if (!browser) browser = await launchChromium();
      const { page, record, close } = await openOffline(browser, index);
      try {
        await page.screenshot({ path: path.join(SCREENSHOTS, 'index.png'), fullPage: true });
        const links = await linkTargets(page);
        for (const name of listNotebooks()) assert.ok(links.includes(`html/${name}.html`), `index.html has no link to html/${name}.html`);
        const broken = links.filter((href) => !fs.existsSync(path.join(QUICK, href)));
        assert.deepEqual(broken, [], 'links to missing files');
        assert.deepEqual(record.requests.filter(isNetworkUrl), [], 'requests that need a network');
        assert.deepEqual([...record.pageErrors, ...record.consoleErrors, ...record.failedRequests], []);
      } finally {
        await close();
      }
    });
  });
});
