#!/usr/bin/env node
// The API reference: TypeDoc over src/index.ts with the settings of typedoc.json, written into a
// chosen folder so that the main job can place it beside the notebooks (build/<mode>/api/).
// `npm run docs` runs the same configuration into build/api/ and lists every warning;
// `node scripts/api-docs.mjs [outDir]` does it from here.
// TypeDoc is loaded inside the function, not at the top: it is an ES module, and main.ts (CommonJS
// under tsx) can require this file only while it has no top-level await and loads nothing heavy.
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Writes the HTML API reference of `src/index.ts` into `outDir`.
 *
 * @example
 * const { file, warnings } = await buildApiReference('build/full/api');
 * console.log(`API reference: ${file} (${warnings} TypeDoc warnings)`);
 * @param {string} outDir folder for the HTML; relative paths are taken from the repository root
 * @param {{ quiet?: boolean }} [options] quiet (default true) prints only errors; the warnings are
 *   counted either way, and `npm run docs` prints them
 * @returns {Promise<{ file: string, warnings: number }>} the path of the reference's index.html and
 *   how many warnings TypeDoc raised (missing documentation, unresolved links)
 * @throws {TypeError} when outDir is not a non-empty string
 * @throws {Error} when TypeDoc cannot convert the project (a type error) or fails to write the HTML
 */
export async function buildApiReference(outDir, { quiet = true } = {}) {
  if (typeof outDir !== 'string' || outDir === '') {
    throw new TypeError(`outDir must be a non-empty string, got ${JSON.stringify(outDir)}`);
  }
  const out = resolve(root, outDir);
  const td = await import('typedoc');
  const app = await td.Application.bootstrapWithPlugins(
    { options: join(root, 'typedoc.json'), out, logLevel: quiet ? 'Error' : 'Warn' },
    [new td.TypeDocReader(), new td.TSConfigReader()],
  );
  if (app.logger.hasErrors()) throw new Error(`TypeDoc options in typedoc.json are invalid (${app.logger.errorCount} errors above)`);
  const project = await app.convert();
  if (!project) throw new Error('TypeDoc could not convert src/index.ts (see the errors above)');
  app.validate(project);
  await app.generateOutputs(project);
  if (app.logger.hasErrors()) throw new Error(`TypeDoc failed writing ${out} (${app.logger.errorCount} errors above)`);
  return { file: join(out, 'index.html'), warnings: app.logger.warningCount };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  buildApiReference(process.argv[2] ?? 'build/api', { quiet: false }).then(
    ({ file, warnings }) => console.log(`API reference: ${file} (${warnings} warnings)`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
