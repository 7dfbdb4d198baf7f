import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { FAST_WASM_SLICE_KERNELS, installFastWasmSlice, isFastWasmSliceActive } from '../../src/backend/wasm-slice';

/** Independent reference: element-by-element copy of x[begin : begin + size] from the flat values. */
function referenceSlice(values: number[], shape: number[], begin: number[], size: number[]): number[] {
  const out: number[] = [];
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const total = size.reduce((a, b) => a * b, 1);
  for (let n = 0; n < total; n++) {
    let rest = n;
    let offset = 0;
    for (let a = shape.length - 1; a >= 0; a--) {
      offset += (begin[a] + (rest % size[a])) * strides[a];
      rest = Math.floor(rest / size[a]);
    }
    out.push(values[offset]);
  }
  return out;
}

const CASES: { shape: number[]; begin: number[]; size: number[] }[] = [
  { shape: [10], begin: [3], size: [4] },
  { shape: [6, 8], begin: [2, 0], size: [3, 8] }, // contiguous rows
  { shape: [6, 8], begin: [1, 3], size: [4, 2] }, // a block of columns
  { shape: [4, 5, 6], begin: [1, 2, 1], size: [2, 3, 4] },
  { shape: [3, 4, 5, 6], begin: [1, 0, 2, 3], size: [2, 4, 2, 2] },
  { shape: [3, 4], begin: [1, 1], size: [0, 2] }, // empty
];

describe('copy-free wasm slicing', () => {
  let wasm = false;
  before(async () => {
    wasm = (await initBackend()).name === 'wasm';
  });
  after(() => installFastWasmSlice(true));

  for (const dtype of ['float32', 'int32', 'bool'] as const) {
    for (const { shape, begin, size } of CASES) {
      it(`slices ${dtype} [${shape}] at [${begin}] size [${size}] like an element-by-element copy`, (t) => {
        if (!wasm) return t.skip('the wasm back end is not active');
        const count = shape.reduce((a, b) => a * b, 1);
        const values = Array.from({ length: count }, (_, i) => (dtype === 'bool' ? i % 3 === 0 ? 1 : 0 : i * 7 - 50));
        const x = tf.tensor(values, shape, dtype);
        const before = tf.memory().numTensors;
        const y = tf.slice(x, begin, size);
        assert.deepEqual(y.shape, size);
        assert.deepEqual(Array.from(y.dataSync()), referenceSlice(values, shape, begin, size));
        y.dispose();
        assert.equal(tf.memory().numTensors, before);
        x.dispose();
      });
    }
  }

  it('splits and unstacks like the reference slices', (t) => {
    if (!wasm) return t.skip('the wasm back end is not active');
    const shape = [4, 6, 3];
    const values = Array.from({ length: 72 }, (_, i) => i / 4 - 3);
    const x = tf.tensor(values, shape);
    const parts = tf.split(x, [1, 3, 2], 1);
    let at = 0;
    parts.forEach((p, k) => {
      const width = [1, 3, 2][k];
      assert.deepEqual(Array.from(p.dataSync()), referenceSlice(values, shape, [0, at, 0], [4, width, 3]));
      at += width;
    });
    const rows = tf.unstack(x, 2);
    rows.forEach((r, k) => {
      assert.deepEqual(r.shape, [4, 6]);
      assert.deepEqual(Array.from(r.dataSync()), referenceSlice(values, shape, [0, 0, k], [4, 6, 1]));
    });
    tf.dispose([x, ...parts, ...rows]);
  });

  it('turns off and on again, restoring the registered kernels exactly', (t) => {
    if (!wasm) return t.skip('the wasm back end is not active');
    assert.equal(installFastWasmSlice(true), true);
    const replaced = FAST_WASM_SLICE_KERNELS.map((name) => tf.getKernel(name, 'wasm'));
    assert.equal(installFastWasmSlice(false), false);
    assert.equal(isFastWasmSliceActive(), false);
    const originals = FAST_WASM_SLICE_KERNELS.map((name) => tf.getKernel(name, 'wasm'));
    originals.forEach((k, i) => assert.notEqual(k, replaced[i]));
    const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(Array.from(tf.slice(x, [0, 1], [2, 2]).dataSync()), [2, 3, 5, 6]);
    assert.equal(installFastWasmSlice(true), true);
    assert.equal(installFastWasmSlice(false), false);
    FAST_WASM_SLICE_KERNELS.forEach((name, i) => assert.equal(tf.getKernel(name, 'wasm'), originals[i]));
    x.dispose();
  });

  it('rejects a non-boolean switch and changes nothing', () => {
    const active = isFastWasmSliceActive();
    assert.throws(() => installFastWasmSlice(1 as unknown as boolean), /enable must be a boolean, got number 1/);
    assert.equal(isFastWasmSliceActive(), active);
  });
});
