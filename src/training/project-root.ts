/**
 * Where the project lives on disk, for the caches under `.cache/` and for the code fingerprint,
 * which reads the sources under `src/`.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const PACKAGE_NAME = 'rnn-compression-course';

/**
 * The project's root folder: the nearest folder above this file (else above the working
 * directory, for hosts such as tslab that compile sources elsewhere) whose package.json names this
 * project; the working directory when neither has one.
 *
 * @example path.join(projectRoot(), '.cache', 'runs') // '/home/me/rnn-compression-course/.cache/runs'
 * @returns An absolute path.
 * @throws Nothing: unreadable package.json files are skipped.
 */
export function projectRoot(): string {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      try {
        const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
        if (pkg.name === PACKAGE_NAME) return dir;
      } catch {
        // no readable package.json here: keep climbing
      }
      if (path.dirname(dir) === dir) break;
    }
  }
  return process.cwd();
}
