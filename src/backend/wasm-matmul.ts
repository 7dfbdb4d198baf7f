/**
 * Speeds up transposed matrix products on the tfjs wasm back end.
 *
 * In `@tensorflow/tfjs-backend-wasm` 4.22 a `matMul` with `transposeA` or `transposeB` set is 6-11x
 * slower than transposing the operand explicitly and multiplying without flags (64x128 by 64x512
 * with `transposeA`: about 6.8 ms against 0.6 ms on one core). Back-propagation through a dense or
 * recurrent layer is made of exactly such products (`dW = xᵀ·dy`, `dx = dy·Wᵀ`), so LSTM training
 * spends most of its time there. The fix re-registers the wasm `BatchMatMul` and `_FusedMatMul`
 * kernels with wrappers that materialise the transposed operands with the back end's own
 * `Transpose` kernel and then call the original kernel with both flags off. The result is the same
 * product; only the memory layout the inner kernel sees changes.
 */
import * as tf from '@tensorflow/tfjs';
import { createKernelPatch } from './kernel-patch';

const WASM = 'wasm';

/** Names of the wasm kernels that {@link installFastWasmMatMul} replaces. */
export const FAST_WASM_MATMUL_KERNELS: readonly string[] = [tf.BatchMatMul, tf._FusedMatMul];

/** The slice of the wasm back end the wrappers use: freeing the intermediate transposes. */
interface DataDisposer {
  disposeData(dataId: tf.DataId): boolean;
}

/** Swaps the last two axes of `x` with the back end's own Transpose kernel. */
function transposeLastTwo(x: tf.TensorInfo, backend: {}): tf.TensorInfo {
  // Looked up per call rather than captured at install time, so that the kernel in use is always
  // the one currently registered.
  const transpose = tf.getKernel(tf.Transpose, WASM);
  if (transpose === undefined) throw new Error(`the '${WASM}' back end has no ${tf.Transpose} kernel`);
  const rank = x.shape.length;
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
}

/** Wraps a matmul kernel so that transposed operands are materialised before the call. */
function withExplicitTranspose(original: tf.KernelFunc): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const transposeA = attrs?.transposeA === true;
    const transposeB = attrs?.transposeB === true;
    if (!transposeA && !transposeB) return original({ inputs, backend, attrs });
    // The transposed copies are back-end data, not engine tensors: the engine never sees them, so
    // they must be freed here, also when the original kernel throws (for instance on int32 input).
    const intermediates: tf.TensorInfo[] = [];
    try {
      let a = inputs.a as tf.TensorInfo;
      let b = inputs.b as tf.TensorInfo;
      if (transposeA) {
        a = transposeLastTwo(a, backend);
        intermediates.push(a);
      }
      if (transposeB) {
        b = transposeLastTwo(b, backend);
        intermediates.push(b);
      }
      return original({
        inputs: { ...inputs, a, b },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      for (const info of intermediates) (backend as DataDisposer).disposeData(info.dataId);
    }
  };
}

const patch = createKernelPatch(WASM, FAST_WASM_MATMUL_KERNELS, [tf.Transpose], (original) => ({
  // setupFunc/disposeFunc stay: the original kernelFunc relies on the wasm binding its setup makes.
  ...original,
  kernelFunc: withExplicitTranspose(original.kernelFunc),
}));

/**
 * Turns the wasm transposed-matmul fix on or off.
 *
 * When on, the wasm `BatchMatMul` and `_FusedMatMul` kernels transpose flagged operands explicitly
 * before multiplying; when off, the kernels registered before the fix are restored. Calling it
 * twice with the same value changes nothing. It does not depend on which back end is active, only
 * on the wasm kernels being registered (the `@tensorflow/tfjs-backend-wasm` package loaded).
 *
 * @example
 * require('@tensorflow/tfjs-backend-wasm');
 * installFastWasmMatMul(true);   // true: LSTM training on wasm now about 4x faster
 * installFastWasmMatMul(false);  // false: original kernels back
 * @param enable Whether the fix should be active.
 * @returns Whether the fix is active after the call: false when disabled, and also when enabling
 *   was asked for but the wasm kernels are not registered.
 * @throws TypeError when `enable` is not a boolean.
 */
export function installFastWasmMatMul(enable: boolean): boolean {
  if (typeof enable !== 'boolean') {
    throw new TypeError(`enable must be a boolean, got ${typeof enable} ${String(enable)}`);
  }
  return enable ? patch.install() : patch.uninstall();
}

/**
 * Whether the wasm transposed-matmul fix is currently installed.
 *
 * @example if (!isFastWasmMatMulActive()) console.warn('slow transposed products on wasm');
 * @returns True between a successful `installFastWasmMatMul(true)` and the next
 *   `installFastWasmMatMul(false)`.
 * @throws Never.
 */
export function isFastWasmMatMulActive(): boolean {
  return patch.active();
}
