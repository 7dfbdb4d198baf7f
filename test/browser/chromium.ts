/**
 * Opening rendered notebook pages in headless Chromium, offline, with everything the page logs and
 * requests recorded. Used by the browser check of the rendered notebooks and by scripts/screenshot.ts.
 *
 * Chromium is Debian's (`/usr/bin/chromium`, package `chromium`), driven by playwright-core, which
 * ships no browser of its own. playwright-core is loaded with `require` when a browser is first
 * needed (its types only are imported), so that a missing install fails the check with a message
 * saying what to do.
 */
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { Browser, Page } from 'playwright-core';

export type { Browser, Page };

/** Where Debian's `chromium` package puts the browser; `RNNC_CHROMIUM` points elsewhere. */
export const CHROMIUM = process.env.RNNC_CHROMIUM || '/usr/bin/chromium';

/**
 * Flags of a headless Chromium on a machine without a network. The background-networking,
 * component-update and sync switches stop Chromium's own calls to Google's hosts, which a closed
 * network refuses many at a time; a fresh empty profile comes from Playwright, which creates a new
 * temporary user-data-dir at every launch and refuses one given in the arguments.
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A rectangle in page pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Starts headless Debian Chromium through playwright-core.
 *
 * @example const browser = await launchChromium(); await browser.close();
 * @returns The browser; close it when done.
 * @throws Error naming what to install when playwright-core or Chromium is missing.
 */
export async function launchChromium(): Promise<Browser> {
  let playwright: typeof import('playwright-core');
  try {
    playwright = require('playwright-core') as typeof import('playwright-core');
  } catch {
    throw new Error('playwright-core is not installed: run `npm install` in the project root (it is a devDependency in package.json)');
  }
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's package (as root: apt-get install --no-install-recommends chromium; \`node scripts/setup.mjs --browser\` does it) or set RNNC_CHROMIUM to a Chromium binary`);
  }
  return playwright.chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_FLAGS], timeout: 60_000 });
}

/** What a page did while it loaded and drew. */
export interface PageRecord {
  /** Console messages of type `error`, with the URL they came from. */
  consoleErrors: string[];
  /** Uncaught exceptions in the page's scripts. */
  pageErrors: string[];
  /** Every URL the page asked for, `data:` URLs left out (they never leave the page). */
  requests: string[];
  /** Requests that failed, with Chromium's reason. */
  failedRequests: string[];
}

/** Schemes a page may load from without a network. */
const LOCAL_SCHEMES = new Set(['file:', 'data:', 'blob:', 'about:']);

/**
 * Whether a URL reaches outside the machine (anything but `file:`, `data:`, `blob:`, `about:`).
 *
 * @example isNetworkUrl('https://cdn.example/x.js') // true
 * @param url The URL.
 * @returns True for http(s), ws(s) and every other non-local scheme, and for unparsable URLs.
 */
export function isNetworkUrl(url: string): boolean {
  try {
    return !LOCAL_SCHEMES.has(new URL(url).protocol);
  } catch {
    return true;
  }
}

/** Options of {@link openOffline}. */
export interface OpenOptions {
  /**
   * Window size in CSS pixels; full-page screenshots keep this width.
   * @default { width: 1280, height: 900 }
   */
  viewport?: { width: number; height: number };
  /**
   * Milliseconds allowed for the page's `load` event (a notebook page inlines about 10 MB of plotly.js).
   * @default 120000
   */
  loadTimeoutMs?: number;
}

/**
 * Opens a local HTML file in a fresh browser context in which every network request is recorded
 * and then aborted, so a page that is not self-contained shows up without reaching the network.
 *
 * @example const { page, record, close } = await openOffline(browser, 'build/quick/index.html');
 * @param browser From {@link launchChromium}.
 * @param file Path of the HTML file.
 * @param options See {@link OpenOptions}.
 * @returns The page after its `load` event, the live record of what it does, and `close`.
 * @throws Error when the file does not exist or does not load in time.
 */
export async function openOffline(browser: Browser, file: string, options: OpenOptions = {}): Promise<{ page: Page; record: PageRecord; close: () => Promise<void> }> {
  const { viewport = { width: 1280, height: 900 }, loadTimeoutMs = 120_000 } = options;
  if (!fs.existsSync(file)) throw new Error(`no such file: ${file}`);
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, serviceWorkers: 'block' });
  await context.route(/^(?!(file|data|blob|about):)/i, (route) => route.abort());
  const page = await context.newPage();
  const record: PageRecord = { consoleErrors: [], pageErrors: [], requests: [], failedRequests: [] };
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const { url, lineNumber } = message.location();
    record.consoleErrors.push(`${message.text()}${url ? ` (at ${url}${lineNumber ? `:${lineNumber}` : ''})` : ''}`);
  });
  page.on('pageerror', (error) => record.pageErrors.push(error.stack || error.message));
  page.on('request', (request) => {
    if (!request.url().startsWith('data:')) record.requests.push(request.url());
  });
  page.on('websocket', (socket) => record.requests.push(socket.url()));
  page.on('requestfailed', (request) => record.failedRequests.push(`${request.url()}: ${request.failure()?.errorText ?? 'failed'}`));
  await page.goto(pathToFileURL(path.resolve(file)).href, { waitUntil: 'load', timeout: loadTimeoutMs });
  return { page, record, close: () => context.close() };
}
