/**
 * The gradient of a gather (and so of the `Embedding` layer) is an `UnsortedSegmentSum`, a kernel
 * that `@tensorflow/tfjs-backend-wasm` 4.22 does not have: without it a language model with a
 * learned embedding cannot train on wasm ("Kernel 'UnsortedSegmentSum' not registered for backend
 * 'wasm'"). This registers a plain JavaScript version for wasm; the cpu and tensorflow back ends
 * have their own and are left alone.
 */
import * as tf from '@tensorflow/tfjs';

/** The slice of the wasm back end used here: its output allocation and its heap views. */
interface WasmHeap {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * out[s, ...] = sum over i with segmentIds[i] = s of x[i, ...]; ids outside [0, numSegments) are
 * dropped, as in TensorFlow.
 */
const segmentSum: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const x = inputs.x as tf.TensorInfo;
  const segmentIds = inputs.segmentIds as tf.TensorInfo;
  const numSegments = attrs?.numSegments as number;
  const heap = backend as unknown as WasmHeap;
  const inner = x.shape.slice(1).reduce((a, b) => a * b, 1);
  // Allocate first: allocation can grow the wasm heap and invalidate earlier views of it.
  const out = heap.makeOutput([numSegments, ...x.shape.slice(1)], x.dtype);
  const outValues = heap.typedArrayFromHeap(out);
  const xValues = heap.typedArrayFromHeap(x);
  const ids = heap.typedArrayFromHeap(segmentIds);
  outValues.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const from = i * inner;
    const to = s * inner;
    for (let j = 0; j < inner; j++) outValues[to + j] += xValues[from + j];
  }
  return out;
};

/**
 * Registers the wasm `UnsortedSegmentSum` kernel if the wasm back end is active and lacks one;
 * a no-op otherwise, and when called again.
 *
 * @example ensureSegmentSumKernel(); // before training a model with an Embedding layer
 * @returns Whether the kernel is available on the active back end afterwards.
 */
export function ensureSegmentSumKernel(): boolean {
  const backend = tf.getBackend();
  if (tf.getKernel(tf.UnsortedSegmentSum, backend) !== undefined) return true;
  if (backend !== 'wasm') return false;
  tf.registerKernel({ kernelName: tf.UnsortedSegmentSum, backendName: 'wasm', kernelFunc: segmentSum });
  return true;
}
