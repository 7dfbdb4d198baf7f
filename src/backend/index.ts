/**
 * Chooses and initialises the TensorFlow.js back end shared by the library, the notebooks and danfo.
 *
 * Order of preference: `tensorflow` (native libtensorflow through the optional
 * `@tensorflow/tfjs-node`), then `wasm` (`@tensorflow/tfjs-backend-wasm`, SIMD, one thread), then
 * the pure-JavaScript `cpu` back end, which is 30-40x slower than wasm for matrix products and is
 * therefore only a last resort. The environment variable `RNNC_BACKEND` forces one of them.
 */
import * as tf from '@tensorflow/tfjs';
import { installFastWasmMatMul } from './wasm-matmul';
import { installFastWasmSlice } from './wasm-slice';

export { tf };
export { installFastWasmMatMul, isFastWasmMatMulActive, FAST_WASM_MATMUL_KERNELS } from './wasm-matmul';
export { installFastWasmSlice, isFastWasmSliceActive, FAST_WASM_SLICE_KERNELS } from './wasm-slice';
export { createKernelPatch } from './kernel-patch';
export type { KernelPatch } from './kernel-patch';

/** Names of the back ends the project knows how to load. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** The back ends in order of preference. */
export const BACKEND_PREFERENCE: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** Name of the environment variable that forces a back end. */
export const BACKEND_ENV_VAR = 'RNNC_BACKEND';

/** Options of {@link initBackend}. */
export interface BackendOptions {
  /**
   * Back end to use. When omitted, `process.env.RNNC_BACKEND` is used if set, else the first of
   * {@link BACKEND_PREFERENCE} that loads.
   * @default undefined
   */
  backend?: BackendName;
  /**
   * On wasm, route transposed matrix products through an explicit transpose (see
   * `wasm-matmul.ts`). Turning it off exists for benchmarks and equivalence tests.
   * @default true
   */
  fastWasmMatMul?: boolean;
  /**
   * On wasm, slice, split and unstack without copying the whole input first (see `wasm-slice.ts`).
   * Turning it off exists for benchmarks and equivalence tests.
   * @default true
   */
  fastWasmSlice?: boolean;
}

/** What {@link initBackend} chose, and why. */
export interface BackendInfo {
  /** The back end now active in tfjs. */
  name: BackendName;
  /** How it was chosen. */
  reason: 'requested' | 'environment' | 'auto';
  /** Back ends tried before it that failed to load, with the reason. */
  skipped: { name: BackendName; error: string }[];
  /** Whether the wasm transposed-matmul fix is active. */
  fastWasmMatMul: boolean;
  /** Whether the wasm copy-free slicing is active. */
  fastWasmSlice: boolean;
  /** tfjs version string. */
  tfjsVersion: string;
}

/**
 * Parses a back-end name, for instance from the environment.
 *
 * @example parseBackendName('wasm') // 'wasm'
 * @param value The name to check.
 * @param source Where the value came from, used in the error message.
 * @returns The value as a {@link BackendName}.
 * @throws RangeError when the value is not one of `tensorflow`, `wasm`, `cpu`.
 */
export function parseBackendName(value: string, source = 'backend'): BackendName {
  const v = value.trim().toLowerCase();
  if ((BACKEND_PREFERENCE as readonly string[]).includes(v)) return v as BackendName;
  throw new RangeError(`${source} must be one of ${BACKEND_PREFERENCE.join(', ')}, got ${JSON.stringify(value)}`);
}

function loadModule(name: BackendName): void {
  // require() rather than import: each back end is optional and may be absent.
  if (name === 'tensorflow') require('@tensorflow/tfjs-node');
  else if (name === 'wasm') require('@tensorflow/tfjs-backend-wasm');
  // cpu ships with @tensorflow/tfjs.
}

async function tryBackend(name: BackendName): Promise<void> {
  loadModule(name);
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
}

let current: BackendInfo | undefined;

/**
 * Loads and activates a back end; idempotent when called again with the same choice.
 *
 * @example
 * const info = await initBackend();          // tensorflow, else wasm, else cpu
 * console.log(`back end: ${info.name}`);
 * @param options See {@link BackendOptions}.
 * @returns What was chosen.
 * @throws RangeError when `RNNC_BACKEND` or `options.backend` names an unknown back end.
 * @throws Error when a requested back end cannot be loaded (no silent fallback when asked for one).
 */
export async function initBackend(options: BackendOptions = {}): Promise<BackendInfo> {
  const { fastWasmMatMul = true, fastWasmSlice = true } = options;
  let requested: BackendName | undefined;
  let reason: BackendInfo['reason'] = 'auto';
  if (options.backend !== undefined) {
    requested = parseBackendName(options.backend, 'options.backend');
    reason = 'requested';
  } else if (process.env[BACKEND_ENV_VAR]) {
    requested = parseBackendName(process.env[BACKEND_ENV_VAR] as string, BACKEND_ENV_VAR);
    reason = 'environment';
  }
  if (current && (requested === undefined || requested === current.name)) {
    // Idempotent; also re-syncs the state when a benchmark or test toggled the fix directly.
    if (current.name === 'wasm') {
      current.fastWasmMatMul = installFastWasmMatMul(fastWasmMatMul);
      current.fastWasmSlice = installFastWasmSlice(fastWasmSlice);
    }
    return current;
  }
  const skipped: BackendInfo['skipped'] = [];
  let name: BackendName | undefined;
  if (requested) {
    try {
      await tryBackend(requested);
    } catch (err) {
      throw new Error(`${reason === 'environment' ? BACKEND_ENV_VAR : 'options.backend'} asks for the '${requested}' back end, but it could not be loaded: ${(err as Error).message.split('\n')[0]}`);
    }
    name = requested;
  } else {
    for (const candidate of BACKEND_PREFERENCE) {
      try {
        await tryBackend(candidate);
        name = candidate;
        break;
      } catch (err) {
        skipped.push({ name: candidate, error: (err as Error).message.split('\n')[0] });
      }
    }
    if (!name) throw new Error(`no TensorFlow.js back end could be loaded: ${JSON.stringify(skipped)}`);
  }
  const wasm = name === 'wasm';
  current = {
    name,
    reason,
    skipped,
    fastWasmMatMul: wasm ? installFastWasmMatMul(fastWasmMatMul) : false,
    fastWasmSlice: wasm ? installFastWasmSlice(fastWasmSlice) : false,
    tfjsVersion: tf.version.tfjs,
  };
  return current;
}

/**
 * One line describing the active back end, for notebook setup cells and logs.
 *
 * @example describeBackend(await initBackend()) // 'back end: wasm (auto; skipped tensorflow: ...)'
 * @param info The value returned by {@link initBackend}.
 * @returns A human-readable summary.
 */
export function describeBackend(info: BackendInfo): string {
  const parts = [`back end: ${info.name}`, `tfjs ${info.tfjsVersion}`, `chosen: ${info.reason}`];
  if (info.name === 'wasm') {
    parts.push(`fast transposed matmul: ${info.fastWasmMatMul ? 'on' : 'off'}`, `copy-free slices: ${info.fastWasmSlice ? 'on' : 'off'}`);
  }
  if (info.skipped.length) parts.push(`unavailable: ${info.skipped.map((s) => s.name).join(', ')}`);
  return parts.join(' | ');
}
