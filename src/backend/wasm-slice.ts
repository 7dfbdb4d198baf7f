/**
 * Copy-free reads for slicing on the tfjs wasm back end.
 *
 * In `@tensorflow/tfjs-backend-wasm` 4.22 the `Slice` kernel first copies its WHOLE input out of
 * the wasm heap (`readSync`) and then takes the slice from that copy, so one 64-row slice of a
 * [1792, 512] matrix costs about 2.3 ms instead of 0.04 ms. `SplitV` and `Unpack` are built on the
 * same function, so every `tf.split` and `tf.unstack` pays one full copy per output. A recurrent
 * layer slices every time step out of sequence-long tensors, forward and backward.
 *
 * The replacements read the input through a view of the heap instead. They allocate the output
 * first: growing the heap detaches earlier views. String tensors go to the original kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { createKernelPatch } from './kernel-patch';

const WASM = 'wasm';

/** Names of the wasm kernels that {@link installFastWasmSlice} replaces. */
export const FAST_WASM_SLICE_KERNELS: readonly string[] = [tf.Slice, tf.SplitV, tf.Unpack];

/** The part of the wasm back end the kernels use. */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Copies x[begin : begin + size] into a new tensor, reading x in place. */
function sliceFromHeap(x: tf.TensorInfo, begin: number[], size: number[], backend: WasmHeapBackend): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const count = tf.util.sizeFromShape(size);
  if (count === 0) return out;
  // Both views are taken after makeOutput, which may have grown (and so detached) the heap.
  const source = backend.typedArrayFromHeap(x);
  const target = backend.typedArrayFromHeap(out);
  const strides = tf.util.computeStrides(x.shape);
  if (tf.slice_util.isSliceContinous(x.shape, begin, size)) {
    const offset = tf.slice_util.computeFlatOffset(begin, strides);
    target.set(source.subarray(offset, offset + count));
    return out;
  }
  // Copy runs along the last axis, walking the outer indices like an odometer.
  const rank = x.shape.length;
  const run = size[rank - 1];
  const index = new Array<number>(rank - 1).fill(0);
  for (let written = 0; written < count; written += run) {
    let offset = begin[rank - 1];
    for (let a = 0; a < rank - 1; a++) offset += (begin[a] + index[a]) * strides[a];
    target.set(source.subarray(offset, offset + run), written);
    for (let a = rank - 2; a >= 0; a--) {
      if (++index[a] < size[a]) break;
      index[a] = 0;
    }
  }
  return out;
}

function sliceKernel(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return original(args);
    const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    return sliceFromHeap(x, b, s, args.backend as WasmHeapBackend);
  };
}

function splitKernel(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return original(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
    const a = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, a);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[a] = s;
      const part = sliceFromHeap(x, [...begin], size, args.backend as WasmHeapBackend);
      begin[a] += s;
      return part;
    });
  };
}

function unpackKernel(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = args.inputs.value as tf.TensorInfo;
    if (x.dtype === 'string') return original(args);
    const { axis } = args.attrs as unknown as tf.UnpackAttrs;
    const a = axis < 0 ? axis + x.shape.length : axis;
    const outShape = x.shape.filter((_, i) => i !== a);
    const size = [...x.shape];
    size[a] = 1;
    return Array.from({ length: x.shape[a] }, (_, k) => {
      const begin = new Array<number>(x.shape.length).fill(0);
      begin[a] = k;
      const part = sliceFromHeap(x, begin, size, args.backend as WasmHeapBackend);
      return { ...part, shape: outShape };
    });
  };
}

const KERNELS: Record<string, (original: tf.KernelFunc) => tf.KernelFunc> = {
  [tf.Slice]: sliceKernel,
  [tf.SplitV]: splitKernel,
  [tf.Unpack]: unpackKernel,
};

const patch = createKernelPatch(WASM, FAST_WASM_SLICE_KERNELS, [], (original) => ({
  ...original,
  kernelFunc: KERNELS[original.kernelName](original.kernelFunc),
}));

/**
 * Turns the copy-free wasm slicing on or off (`Slice`, `SplitV`, `Unpack`).
 *
 * @example
 * require('@tensorflow/tfjs-backend-wasm');
 * installFastWasmSlice(true);  // true: tf.slice of a large tensor no longer copies all of it
 * @param enable Whether the replacement kernels should be active.
 * @returns Whether they are active after the call: false when disabled, and also when enabling
 *   was asked for but the wasm kernels are not registered.
 * @throws TypeError when `enable` is not a boolean.
 */
export function installFastWasmSlice(enable: boolean): boolean {
  if (typeof enable !== 'boolean') {
    throw new TypeError(`enable must be a boolean, got ${typeof enable} ${String(enable)}`);
  }
  return enable ? patch.install() : patch.uninstall();
}

/**
 * Whether the copy-free wasm slicing is installed.
 *
 * @example if (!isFastWasmSliceActive()) console.warn('slices copy their whole input on wasm');
 * @returns True between a successful `installFastWasmSlice(true)` and the next `installFastWasmSlice(false)`.
 * @throws Never.
 */
export function isFastWasmSliceActive(): boolean {
  return patch.active();
}
