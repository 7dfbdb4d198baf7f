import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend, parseBackendName, describeBackend, BACKEND_ENV_VAR } from '../../src/backend';

function tfjsNodeInstalled(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

describe('back-end choice', () => {
  it('accepts the three known names in any case and rejects others with the rule', () => {
    assert.equal(parseBackendName('WASM'), 'wasm');
    assert.equal(parseBackendName(' cpu '), 'cpu');
    assert.throws(() => parseBackendName('webgpu', BACKEND_ENV_VAR), {
      name: 'RangeError',
      message: `${BACKEND_ENV_VAR} must be one of tensorflow, wasm, cpu, got "webgpu"`,
    });
  });

  it('prefers tensorflow, and falls back to wasm when tfjs-node is not installed', async () => {
    const saved = process.env[BACKEND_ENV_VAR];
    delete process.env[BACKEND_ENV_VAR];
    try {
      const info = await initBackend();
      if (tfjsNodeInstalled()) {
        assert.equal(info.name, 'tensorflow');
      } else {
        assert.equal(info.name, 'wasm');
        assert.equal(info.reason, 'auto');
        assert.deepEqual(info.skipped.map((s) => s.name), ['tensorflow']);
        assert.equal(info.fastWasmMatMul, true);
      }
      assert.equal(tf.getBackend(), info.name);
      assert.match(describeBackend(info), new RegExp(`^back end: ${info.name} \\| tfjs 4\\.22\\.0`));
    } finally {
      if (saved !== undefined) process.env[BACKEND_ENV_VAR] = saved;
    }
  });

  it('honours the environment variable', async () => {
    const saved = process.env[BACKEND_ENV_VAR];
    process.env[BACKEND_ENV_VAR] = 'cpu';
    try {
      const info = await initBackend();
      assert.equal(info.name, 'cpu');
      assert.equal(info.reason, 'environment');
      assert.equal(tf.getBackend(), 'cpu');
      // A tiny product on the chosen back end gives the hand-computed value: [1 2]·[3 4]ᵀ = 11.
      const v = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync()[0]);
      assert.equal(v, 11);
    } finally {
      if (saved === undefined) delete process.env[BACKEND_ENV_VAR];
      else process.env[BACKEND_ENV_VAR] = saved;
    }
  });

  it('rejects an unknown name in the environment with the variable named', async () => {
    const saved = process.env[BACKEND_ENV_VAR];
    process.env[BACKEND_ENV_VAR] = 'gpu';
    try {
      await assert.rejects(initBackend(), { name: 'RangeError', message: /RNNC_BACKEND must be one of tensorflow, wasm, cpu, got "gpu"/ });
    } finally {
      if (saved === undefined) delete process.env[BACKEND_ENV_VAR];
      else process.env[BACKEND_ENV_VAR] = saved;
    }
  });

  it('fails loudly, without a silent fallback, when a requested back end cannot load', { skip: tfjsNodeInstalled() ? 'tfjs-node is installed here' : false }, async () => {
    await assert.rejects(initBackend({ backend: 'tensorflow' }), /asks for the 'tensorflow' back end, but it could not be loaded/);
  });
});
