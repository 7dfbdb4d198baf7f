/**
 * Run-wide settings read from the environment, so that one notebook runs in quick mode under the
 * tests and at full size in the main job without edits.
 */

/** Environment variable that switches quick mode on (`1`). */
export const QUICK_ENV_VAR = 'RNNC_QUICK';
/** Environment variable that overrides the default seed. */
export const SEED_ENV_VAR = 'RNNC_SEED';

/** Settings of one run. */
export interface RunConfig {
  /** Quick mode: small data subsets and few epochs, for tests. */
  quick: boolean;
  /** Seed for data splits, initialisers and shuffling. */
  seed: number;
  /** Name of the notebook being executed, when run by the project's runner. */
  notebook: string | undefined;
  /** Folder where the runner collects headline numbers and figures, when set. */
  outputDir: string | undefined;
}

/**
 * Reads the run settings from the environment.
 *
 * @example const { quick, seed } = runConfig();
 * @returns The settings; seed 42 unless `RNNC_SEED` is set.
 * @throws RangeError when `RNNC_SEED` is not an integer or `RNNC_QUICK` is not 0 or 1.
 */
export function runConfig(): RunConfig {
  const q = process.env[QUICK_ENV_VAR] ?? '0';
  if (q !== '0' && q !== '1' && q !== '') throw new RangeError(`${QUICK_ENV_VAR} must be 0 or 1, got ${JSON.stringify(q)}`);
  const s = process.env[SEED_ENV_VAR];
  const seed = s === undefined || s === '' ? 42 : Number(s);
  if (!Number.isInteger(seed)) throw new RangeError(`${SEED_ENV_VAR} must be an integer, got ${JSON.stringify(s)}`);
  return {
    quick: q === '1',
    seed,
    notebook: process.env.RNNC_NOTEBOOK || undefined,
    outputDir: process.env.RNNC_OUTPUT_DIR || undefined,
  };
}

/**
 * Picks the quick-mode or full-size value of a setting.
 *
 * @example const numEpochs = sized({ quick: 1, full: 8 });
 * @param values The two values.
 * @returns `values.quick` in quick mode, else `values.full`.
 */
export function sized<T>(values: { quick: T; full: T }): T {
  return runConfig().quick ? values.quick : values.full;
}
