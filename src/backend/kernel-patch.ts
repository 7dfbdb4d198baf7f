/**
 * Replacing registered tfjs kernels of one back end reversibly: the originals are kept while a
 * patch is active, so that turning it off restores them exactly.
 */
import * as tf from '@tensorflow/tfjs';

/** A reversible replacement of some kernels of one back end. */
export interface KernelPatch {
  /** The kernels it replaces. */
  readonly kernelNames: readonly string[];
  /** Replaces the kernels; false when one of them (or a kernel it needs) is not registered. */
  install(): boolean;
  /** Puts the original kernels back; returns false. */
  uninstall(): boolean;
  /** Whether the replacements are registered now. */
  active(): boolean;
}

/**
 * Creates a patch that replaces `kernelNames` on `backendName` with `replace(original)`.
 *
 * @example const patch = createKernelPatch('wasm', [tf.Slice], [], (k) => ({ ...k, kernelFunc: mySlice }));
 * @param backendName The back end whose kernels are replaced.
 * @param kernelNames The kernels to replace.
 * @param needs Other kernels the replacements call; without them nothing is installed.
 * @param replace Builds the replacement from the registered original.
 * @returns The patch, not yet installed.
 */
export function createKernelPatch(
  backendName: string,
  kernelNames: readonly string[],
  needs: readonly string[],
  replace: (original: tf.KernelConfig) => tf.KernelConfig,
): KernelPatch {
  let originals: tf.KernelConfig[] | undefined;
  return {
    kernelNames,
    install() {
      if (originals) return true;
      const found = kernelNames.map((name) => tf.getKernel(name, backendName));
      // A partial install would leave related kernels behaving differently.
      if (needs.some((name) => tf.getKernel(name, backendName) === undefined) || found.some((k) => k === undefined)) return false;
      originals = found as tf.KernelConfig[];
      for (const original of originals) {
        const replacement = replace(original);
        tf.unregisterKernel(original.kernelName, backendName);
        tf.registerKernel(replacement);
      }
      return true;
    },
    uninstall() {
      if (!originals) return false;
      for (const original of originals) {
        if (tf.getKernel(original.kernelName, backendName) !== undefined) tf.unregisterKernel(original.kernelName, backendName);
        tf.registerKernel(original);
      }
      originals = undefined;
      return false;
    },
    active() {
      return originals !== undefined;
    },
  };
}
