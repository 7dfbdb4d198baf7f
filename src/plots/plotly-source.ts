/**
 * The plotly.js bundle from the installed `plotly.js-dist` package, read once per process, so
 * that notebooks and HTML files work offline: nothing is ever loaded from a CDN.
 */
import { existsSync, readFileSync } from 'fs';
import { dirname, join } from 'path';

let cached: { path: string; version: string; source: string } | undefined;

function locate(): { path: string; version: string } {
  let dir: string;
  try {
    dir = dirname(require.resolve('plotly.js-dist/package.json'));
  } catch {
    throw new Error('plotly.js-dist is not installed: run `npm install` in the project root (it is a dependency in package.json)');
  }
  const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  // Older releases also ship a minified copy; prefer it when present (4.x ships only plotly.js).
  const min = join(dir, 'plotly.min.js');
  return { path: existsSync(min) ? min : join(dir, 'plotly.js'), version };
}

/**
 * Where the plotly.js bundle is and which version it is.
 *
 * @example plotlyJsInfo().version // '4.1.1'
 * @returns The absolute path of the bundle and the package version.
 * @throws Error when `plotly.js-dist` is not installed.
 */
export function plotlyJsInfo(): { path: string; version: string } {
  return cached ? { path: cached.path, version: cached.version } : locate();
}

/**
 * The plotly.js bundle, made safe to place inside an inline `<script>` element.
 *
 * The text `</script` would end the element early and `<!--` would switch the HTML parser into
 * script-comment mode; the bundle contains neither today, but a future release might, so both are
 * escaped (`<\/script` and `<\!--` mean the same in JavaScript strings and regular expressions).
 *
 * @example const js = plotlyJsSource(); // about 10 MB, read from disk the first time only
 * @returns The script text.
 * @throws Error when `plotly.js-dist` is not installed.
 */
export function plotlyJsSource(): string {
  if (!cached) {
    const { path, version } = locate();
    const source = readFileSync(path, 'utf8').replace(/<\/script/gi, '<\\/script').replace(/<!--/g, '<\\!--');
    cached = { path, version, source };
  }
  return cached.source;
}
