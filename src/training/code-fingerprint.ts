/**
 * A fingerprint of the library's source code, so that cached results and trained models are not
 * reused after the code that produced them has changed.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from './project-root';

/** The `src` areas whose code decides a trained model's weights (the key of `trainOrLoad`). */
export const TRAINING_CODE_AREAS: readonly string[] = ['backend', 'core', 'data', 'fastrnn', 'models', 'training', 'utils'];

/** The `src` areas left out of a run's fingerprint by default: figures and tables do not change results. */
export const PRESENTATION_AREAS: readonly string[] = ['plots', 'report'];

const AREA_NAME = /^[A-Za-z0-9_-]+$/;

// Fingerprints of the project's own sources, per area list. Reading them once per process also
// matches what runs: a long-lived kernel (tslab) keeps the modules it loaded first.
const memo = new Map<string, string>();

function sourceFiles(dir: string, rel: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const relPath = `${rel}/${entry.name}`;
    if (entry.isDirectory()) sourceFiles(path.join(dir, entry.name), relPath, out);
    else if (entry.isFile() && entry.name.endsWith('.ts')) out.push(relPath);
  }
}

function isFolder(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function resolveAreas(areas: readonly string[] | undefined, src: string): string[] {
  if (areas === undefined) {
    if (!isFolder(src)) throw new Error(`the code fingerprint reads the sources under ${src}, which is not a folder`);
    return readdirSync(src, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !PRESENTATION_AREAS.includes(entry.name))
      .map((entry) => entry.name);
  }
  if (!Array.isArray(areas)) throw new TypeError(`areas must be an array of folder names under src, got ${typeof areas}`);
  if (areas.length === 0) throw new RangeError('areas must name at least one folder under src, got []');
  for (const area of areas) {
    if (typeof area !== 'string' || !AREA_NAME.test(area)) {
      throw new TypeError(`areas must hold folder names (letters, digits, '_' or '-'), got ${JSON.stringify(area)}`);
    }
    if (!isFolder(path.join(src, area))) throw new RangeError(`area ${JSON.stringify(area)} has no folder ${path.join(src, area)}`);
  }
  return [...new Set(areas)];
}

/**
 * A short hash of the TypeScript sources under `src/<area>` for the given areas: every `.ts` file,
 * in sorted order of its path relative to `src`, with its path and contents (line endings
 * normalized, so a Windows checkout hashes alike). Any edit, addition, removal or renaming of a
 * file in those areas changes it. The project's own fingerprints are computed once per process
 * and area list; those of another root are read on every call.
 *
 * @example codeFingerprint(['training', 'models']) // 'c0ffee12deadbeef'
 * @param areas Folder names under `src`; by default every one except `plots` and `report`.
 * @param root The folder holding `src`; by default the project's root.
 * @returns 16 hexadecimal characters.
 * @throws TypeError when areas is not an array of folder names; RangeError when it is empty or
 *   names a missing folder; Error when root has no `src` folder (default areas).
 */
export function codeFingerprint(areas?: readonly string[], root?: string): string {
  if (root !== undefined && (typeof root !== 'string' || root.length === 0)) {
    throw new TypeError(`root must be a non-empty path string, got ${JSON.stringify(root)}`);
  }
  const base = root ?? projectRoot();
  const src = path.join(base, 'src');
  const names = resolveAreas(areas, src).sort();
  const memoKey = `${base}\n${names.join(',')}`;
  const known = root === undefined ? memo.get(memoKey) : undefined;
  if (known !== undefined) return known;

  const files: string[] = [];
  for (const area of names) sourceFiles(path.join(src, area), area, files);
  files.sort();
  const hash = createHash('sha256');
  for (const rel of files) {
    const text = readFileSync(path.join(src, ...rel.split('/')), 'utf8').replace(/\r\n/g, '\n');
    // Path and length before the contents: no two different trees give the same byte stream.
    hash.update(`${rel}\n${Buffer.byteLength(text)}\n`).update(text);
  }
  const fingerprint = hash.digest('hex').slice(0, 16);
  if (root === undefined) memo.set(memoKey, fingerprint);
  return fingerprint;
}
