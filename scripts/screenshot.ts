/**
 * Takes a screenshot of part of a rendered notebook, for the documentation: the full width of the
 * window from the top of one element to the bottom of another, once every figure is drawn and every
 * formula typeset.
 * The page is opened offline in headless Debian Chromium, as the browser check does
 * (test/browser/chromium.ts).
 *
 * usage: tsx scripts/screenshot.ts PAGE.html OUT.png --from SELECTOR --to SELECTOR [--width PIXELS]
 * Selectors are Playwright's (CSS plus `:nth-match(selector, n)`); the first match of each is used.
 *
 * example (the README's picture, after `npm test` or `npm run quick`):
 *   tsx scripts/screenshot.ts build/quick/html/01_baselines.html docs/screenshot-01_baselines.png \
 *     --from '.jp-Cell:has(#rnnc-plot-3)' --to ':nth-match(table.rnnc-table, 4)'
 */
import * as fs from 'fs';
import * as path from 'path';
import { launchChromium, openOffline, type Box } from '../test/browser/chromium';
import { mathState, settle, waitForPlots } from '../test/browser/page-checks';

/** Pixels kept below the last element; none above the first, where the previous output would show. */
const MARGIN = 12;

interface Args {
  page: string;
  out: string;
  from: string;
  to: string;
  width: number;
}

function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  const named: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) named[argv[i].slice(2)] = argv[++i] ?? '';
    else positional.push(argv[i]);
  }
  const [page, out] = positional;
  const width = Number(named.width ?? 1280);
  if (!page || !out || !named.from || !named.to) throw new Error('usage: tsx scripts/screenshot.ts PAGE.html OUT.png --from SELECTOR --to SELECTOR [--width PIXELS]');
  if (!Number.isInteger(width) || width < 320) throw new RangeError(`--width must be an integer of at least 320, got ${named.width}`);
  return { page, out, from: named.from, to: named.to, width };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const browser = await launchChromium();
  try {
    const { page, record, close } = await openOffline(browser, args.page, { viewport: { width: args.width, height: 900 } });
    try {
      if (!(await waitForPlots(page, 60_000))) throw new Error('not every figure drew within 60 s');
      await mathState(page, 60_000);
      await settle(page);
      // The page is never scrolled, so boxes relative to the window are page coordinates.
      const boxes: Box[] = [];
      for (const selector of [args.from, args.to]) {
        const box = await page.locator(selector).first().boundingBox();
        if (!box) throw new Error(`no visible element matches ${selector}`);
        boxes.push(box);
      }
      const [top, bottom] = boxes;
      // The whole width of the window, so that prompts and wide tables beside the two elements stay in.
      const clip = { x: 0, y: top.y, width: args.width, height: bottom.y + bottom.height - top.y + MARGIN };
      if (clip.height <= 0) throw new RangeError(`--to (${args.to}) must end below the top of --from (${args.from})`);
      fs.mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
      await page.screenshot({ path: args.out, clip, fullPage: true });
      const problems = [...record.pageErrors, ...record.consoleErrors];
      if (problems.length) console.warn(`the page logged errors:\n  ${problems.join('\n  ')}`);
      console.log(`${args.out}: ${Math.round(clip.width)}x${Math.round(clip.height)} px, ${(fs.statSync(args.out).size / 1024).toFixed(0)} KB`);
    } finally {
      await close();
    }
  } finally {
    await browser.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
