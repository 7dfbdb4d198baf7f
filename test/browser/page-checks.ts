/**
 * What the browser check reads inside a rendered notebook page: the state of each plotly figure,
 * of the typeset formulas and of the page width.
 *
 * The functions given to `page.evaluate` run in Chromium, not in Node: Playwright sends their
 * source text. They therefore use no imports and no helper defined outside them, and define no
 * named inner function: the TypeScript loader (tsx, esbuild with keepNames) would wrap it in a
 * `__name` call that does not exist in the page.
 */
import type { Box, Page } from './chromium';

/** The DOM as far as these probes use it (the project compiles without the DOM library). */
interface PageElement {
  id: string;
  tagName: string;
  className: unknown;
  textContent: string | null;
  parentElement: PageElement | null;
  nextElementSibling: PageElement | null;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  getBoundingClientRect(): Box & { right: number; bottom: number };
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  documentElement: { scrollWidth: number; clientWidth: number };
};
declare const window: {
  scrollX: number;
  scrollY: number;
  getComputedStyle(element: PageElement): { display: string };
  requestAnimationFrame(callback: () => void): number;
  MathJax?: { Hub?: { Register: { StartupHook(name: string, callback: () => void): void }; Queue(callback: () => void): void } };
};

/** One figure as the page shows it. */
export interface PlotState {
  id: string;
  /** A div with this id exists. */
  found: boolean;
  /** The figure's script ran `Plotly.newPlot` on it (it sets `data-plotted`). */
  plotted: boolean;
  /** plotly drew its SVG (`.main-svg`) into the div. */
  hasSvg: boolean;
  /** Trace groups in the plot area: `g.trace` (scatter, bar) and `g.hm` (heatmap). */
  traceGroups: number;
  /** Trace groups holding at least one drawn mark: a path with a non-empty `d`, or an image. */
  drawnTraces: number;
  /** The "scripts do not run" note next to the div is hidden, as the figure's script does once it draws. */
  noteHidden: boolean;
  /** The div, in page coordinates. */
  box: Box;
  /** The union of plotly's SVG layers, in page coordinates. */
  svgBox: Box | null;
}

/**
 * Waits until every figure div of the page has an SVG from plotly, or the time is up.
 *
 * @example await waitForPlots(page, 60_000);
 * @param page The page.
 * @param timeoutMs Milliseconds to wait.
 * @returns Whether every figure drew in time (the caller reports which did not).
 */
export async function waitForPlots(page: Page, timeoutMs: number): Promise<boolean> {
  try {
    await page.waitForFunction(
      () => Array.from(document.querySelectorAll('div.rnnc-plot')).every((div) => div.hasAttribute('data-plotted') && div.querySelector('.main-svg') !== null),
      null,
      { timeout: timeoutMs, polling: 250 },
    );
    return true;
  } catch {
    return false;
  }
}

/**
 * The ids of the figure divs in the page, in document order.
 *
 * @example await plotIds(page) // ['rnnc-plot-1', 'rnnc-plot-2']
 * @param page The page.
 * @returns The ids.
 */
export function plotIds(page: Page): Promise<string[]> {
  return page.evaluate(() => Array.from(document.querySelectorAll('div.rnnc-plot')).map((div) => div.id), null);
}

/**
 * Reads the state of the figures with the given ids.
 *
 * @example const [first] = await plotStates(page, ['rnnc-plot-1']);
 * @param page The page.
 * @param ids Div ids, as in the notebook's outputs.
 * @returns One state per id, in the same order.
 */
export function plotStates(page: Page, ids: string[]): Promise<PlotState[]> {
  return page.evaluate((wanted: string[]) => {
    const sx = window.scrollX;
    const sy = window.scrollY;
    return wanted.map((id) => {
      const div = document.querySelector(`div[id="${id}"]`);
      const empty = { x: 0, y: 0, width: 0, height: 0 };
      if (!div) return { id, found: false, plotted: false, hasSvg: false, traceGroups: 0, drawnTraces: 0, noteHidden: false, box: empty, svgBox: null };
      const groups = Array.from(div.querySelectorAll('.main-svg g.trace, .main-svg g.hm'));
      const drawn = groups.filter(
        (g) => Array.from(g.querySelectorAll('path')).some((p) => (p.getAttribute('d') || '').trim().length > 0) || g.querySelectorAll('image').length > 0,
      );
      const note = div.nextElementSibling;
      const noteHidden = note !== null && note.getAttribute('data-plot-note') === id && window.getComputedStyle(note).display === 'none';
      const r = div.getBoundingClientRect();
      const svgs = Array.from(div.querySelectorAll('svg.main-svg')).map((s) => s.getBoundingClientRect());
      const svgBox =
        svgs.length === 0
          ? null
          : {
              x: Math.min(...svgs.map((s) => s.x)) + sx,
              y: Math.min(...svgs.map((s) => s.y)) + sy,
              width: Math.max(...svgs.map((s) => s.x + s.width)) - Math.min(...svgs.map((s) => s.x)),
              height: Math.max(...svgs.map((s) => s.y + s.height)) - Math.min(...svgs.map((s) => s.y)),
            };
      return {
        id,
        found: true,
        plotted: div.hasAttribute('data-plotted'),
        hasSvg: div.querySelector('.main-svg') !== null,
        traceGroups: groups.length,
        drawnTraces: drawn.length,
        noteHidden,
        box: { x: r.x + sx, y: r.y + sy, width: r.width, height: r.height },
        svgBox,
      };
    });
  }, ids);
}

/** The formulas of the page after MathJax ran. */
export interface MathState {
  /** MathJax loaded and finished its first typesetting pass in time. */
  loaded: boolean;
  /** Formulas MathJax typeset (its `math/tex` script elements). */
  typeset: number;
  /** Formulas shown as errors (`merror`), left as TeX source (`noError`) or with an undefined macro in red. */
  errors: string[];
}

/**
 * Waits for MathJax's first typesetting pass, then counts typeset formulas and errors.
 *
 * @example const { loaded, typeset } = await mathState(page, 60_000);
 * @param page The page.
 * @param timeoutMs Milliseconds to wait for MathJax.
 * @returns The state; `loaded` is false when MathJax is absent or did not finish.
 */
export async function mathState(page: Page, timeoutMs: number): Promise<MathState> {
  const loaded = await page.evaluate(
    (ms: number) =>
      new Promise<boolean>((resolve) => {
        const hub = window.MathJax && window.MathJax.Hub;
        if (!hub) {
          resolve(false);
          return;
        }
        setTimeout(() => resolve(false), ms);
        // "End" fires after the startup typesetting pass; the queued callback after any pass still
        // running. Neither callback may return a value: MathJax would wait on it and never finish.
        hub.Register.StartupHook('End', () => {
          hub.Queue(() => {
            resolve(true);
          });
        });
      }),
    timeoutMs,
  );
  return page.evaluate(
    (ok: boolean) => ({
      loaded: ok,
      typeset: document.querySelectorAll('script[type^="math/tex"]').length,
      errors: Array.from(
        document.querySelectorAll(
          '.merror, .mjx-merror, .MathJax_Error, .noError, .mjx-noError, .MathJax [style*="color: red"], .MathJax_CHTML [style*="color: red"], .MathJax_SVG [fill="red"]',
        ),
      ).map((e) => (e.textContent || '').slice(0, 120)),
    }),
    loaded,
  );
}

/**
 * The elements that stick out on the right of the window, outermost first.
 *
 * @example await overflowingElements(page) // [] when the page needs no sideways scrolling
 * @param page The page.
 * @returns Up to five descriptions (tag, class, right edge, start of text); empty when the page fits.
 */
export function overflowingElements(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width + 1) return [];
    return Array.from(document.querySelectorAll('body *'))
      .filter((e) => e.getBoundingClientRect().right > width + 1 && (!e.parentElement || e.parentElement.getBoundingClientRect().right <= width + 1))
      .slice(0, 5)
      .map((e) => `<${e.tagName.toLowerCase()} class="${String(e.className)}"> reaches x=${Math.round(e.getBoundingClientRect().right)} (window ${width}): ${(e.textContent || '').replace(/\s+/g, ' ').slice(0, 80)}`);
  }, null);
}

/**
 * Waits for two animation frames and half a second, so that layout following the drawing
 * (plotly's automargin redraw, late fonts) is done before measuring or taking a screenshot.
 *
 * @example await settle(page);
 * @param page The page.
 * @returns When the page has settled.
 */
export async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<boolean>((resolve) => window.requestAnimationFrame(() => window.requestAnimationFrame(() => resolve(true)))), null);
  await page.waitForTimeout(500);
}

/**
 * The `href` of every link of the page, as written.
 *
 * @example await linkTargets(page) // ['html/01_baselines.html']
 * @param page The page.
 * @returns The targets, in document order.
 */
export function linkTargets(page: Page): Promise<string[]> {
  return page.evaluate(() => Array.from(document.querySelectorAll('a[href]')).map((a) => a.getAttribute('href') ?? ''), null);
}
