import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import type { ClassificationDataset, Split } from '../../src/data/types';
import { codeFingerprint } from '../../src/training/code-fingerprint';
import { canonicalJson } from '../../src/training/json-value';
import { cachedModelRun, cachedRun, runCacheKey } from '../../src/training/run-cache';

const RULE = 'must be JSON (a finite number, string, boolean, null, array or plain object)';

let root: string;
let savedRetrain: string | undefined;

before(async () => {
  await initBackend();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'rnnc-run-cache-'));
  // The tests decide when to retrain: an RNNC_RETRAIN=1 of the caller's shell must not leak in.
  savedRetrain = process.env.RNNC_RETRAIN;
  delete process.env.RNNC_RETRAIN;
});

after(async () => {
  if (savedRetrain === undefined) delete process.env.RNNC_RETRAIN;
  else process.env.RNNC_RETRAIN = savedRetrain;
  await fs.rm(root, { recursive: true, force: true });
});

/** A fresh cache folder per test, so that counts of files and calls start from zero. */
async function cacheDir(): Promise<string> {
  return fs.mkdtemp(path.join(root, 'cache-'));
}

/** A counting computation: its result says which call produced it. */
function counter<T>(make: (call: number) => T): { compute: () => Promise<T>; calls: () => number } {
  let calls = 0;
  return { compute: async () => make(++calls), calls: () => calls };
}

function split(size: number, offset: number): Split {
  const x = Float32Array.from({ length: size * 4 }, (_, i) => ((i + offset) % 7) - 3);
  const y = Float32Array.from({ length: size }, (_, i) => (i + offset) % 2);
  return { x, y, size };
}

function tinyDataset(offset = 0): ClassificationDataset {
  return {
    task: 'classification', name: 'tiny', timeSteps: 2, features: 2, numClasses: 2, classNames: ['a', 'b'],
    train: split(6, offset), validation: split(2, 1), test: split(2, 2), seed: 1, source: 'synthetic',
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name))).sort();
}

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    // Keys sorted by hand: a < z at the top, b < c inside a, x < y inside the array's object.
    const expected = '{"a":{"b":false,"c":true},"z":[3,{"x":"x","y":null}]}';
    assert.equal(canonicalJson({ z: [3, { y: null, x: 'x' }], a: { c: true, b: false } }), expected);
    assert.equal(canonicalJson({ a: { b: false, c: true }, z: [3, { x: 'x', y: null }] }), expected);
    assert.equal(canonicalJson([2, 1]), '[2,1]');
  });

  it('orders keys by code unit, not by the integer-first order of Object.keys', () => {
    // '1' (0x31) < '9' (0x39) < 'B' (0x42) < '_' (0x5f) < 'b' (0x62); Object.keys would give 9, 10 first.
    assert.equal(canonicalJson({ b: 0, B: 0, _: 0, 10: 0, 9: 0 }), '{"10":0,"9":0,"B":0,"_":0,"b":0}');
  });

  it('escapes strings as JSON does', () => {
    assert.equal(canonicalJson({ 'a"b': 'é\n' }), '{"a\\"b":"é\\n"}');
  });
});

describe('runCacheKey', () => {
  it('does not depend on the order of the config keys', () => {
    const a = runCacheKey({ sparsity: 0.5, train: { numEpochs: 2, batchSize: 8 }, seed: 1 }, { tag: 'pruning' });
    const b = runCacheKey({ seed: 1, train: { batchSize: 8, numEpochs: 2 }, sparsity: 0.5 }, { tag: 'pruning' });
    assert.equal(a.key, b.key);
    assert.match(a.key, /^[0-9a-f]{16}$/);
  });

  it('keeps tags, datasets and configs apart', () => {
    const config = { sparsity: 0.5, seed: 1 };
    const base = runCacheKey(config, { tag: 'pruning' }).key;
    assert.notEqual(runCacheKey(config, { tag: 'pruning-2' }).key, base);
    assert.notEqual(runCacheKey({ ...config, seed: 2 }, { tag: 'pruning' }).key, base);
    const withData = runCacheKey(config, { tag: 'pruning', dataset: tinyDataset() }).key;
    assert.notEqual(withData, base);
    // Same name, sizes and seed, other values: only the sample hash tells them apart.
    assert.notEqual(runCacheKey(config, { tag: 'pruning', dataset: tinyDataset(3) }).key, withData);
    assert.equal(runCacheKey(config, { tag: 'pruning', dataset: tinyDataset() }).key, withData);
  });

  it('records what the key is made of', () => {
    const { parts } = runCacheKey({ bits: 8 }, { tag: 'qat' });
    assert.deepEqual(Object.keys(parts).sort(), ['code', 'config', 'dataset', 'format', 'tag']);
    assert.deepEqual(parts.config, { bits: 8 });
    assert.equal(parts.dataset, null);
    assert.equal(parts.code, codeFingerprint());
  });

  it('refuses bad tags', () => {
    assert.throws(() => runCacheKey({}, { tag: '../up' }), { name: 'RangeError', message: `tag must be letters, digits, '.', '_' or '-', starting with a letter or digit, got "../up"` });
    assert.throws(() => runCacheKey({}, { tag: 3 as unknown as string }), { name: 'TypeError', message: 'tag must be a string, got number' });
  });
});

describe('cachedRun', () => {
  it('computes once, then returns the stored result and the seconds of the first run', async () => {
    const dir = await cacheDir();
    const { compute, calls } = counter((call) => ({ accuracy: 0.9, bytes: 1024, call }));
    const first = await cachedRun({ sparsity: 0.5, seed: 1 }, compute, { tag: 'pruning', dir });
    const second = await cachedRun({ seed: 1, sparsity: 0.5 }, compute, { tag: 'pruning', dir });
    assert.equal(calls(), 1);
    assert.equal(first.cached, false);
    assert.equal(second.cached, true);
    assert.deepEqual(second.value, { accuracy: 0.9, bytes: 1024, call: 1 });
    assert.equal(second.seconds, first.seconds);
    assert.equal(second.key, first.key);
    assert.equal(first.file, path.join(dir, 'pruning', `${first.key}.json`));
    const stored = JSON.parse(await fs.readFile(first.file, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(stored).sort(), ['createdAt', 'key', 'nonFinite', 'parts', 'seconds', 'value']);
    assert.deepEqual(await filesUnder(dir), [path.join('pruning', `${first.key}.json`)]);
  });

  it('computes again when the config, tag or dataset changes', async () => {
    const dir = await cacheDir();
    const { compute, calls } = counter((call) => call);
    await cachedRun({ sparsity: 0.5 }, compute, { tag: 'pruning', dir });
    const otherConfig = await cachedRun({ sparsity: 0.6 }, compute, { tag: 'pruning', dir });
    const otherTag = await cachedRun({ sparsity: 0.5 }, compute, { tag: 'structured', dir });
    const withData = await cachedRun({ sparsity: 0.5 }, compute, { tag: 'pruning', dir, dataset: tinyDataset() });
    assert.equal(calls(), 4);
    assert.deepEqual([otherConfig.value, otherTag.value, withData.value], [2, 3, 4]);
    assert.equal(otherTag.file, path.join(dir, 'structured', `${otherTag.key}.json`));
  });

  it('computes again and replaces the entry under RNNC_RETRAIN=1 or retrain: true', async () => {
    const dir = await cacheDir();
    const { compute, calls } = counter((call) => ({ call }));
    await cachedRun({ seed: 1 }, compute, { tag: 'qat', dir });
    process.env.RNNC_RETRAIN = '1';
    let forced;
    try {
      forced = await cachedRun({ seed: 1 }, compute, { tag: 'qat', dir });
    } finally {
      delete process.env.RNNC_RETRAIN;
    }
    assert.equal(forced.cached, false);
    assert.equal(calls(), 2);
    const again = await cachedRun({ seed: 1 }, compute, { tag: 'qat', dir });
    assert.equal(again.cached, true);
    assert.deepEqual(again.value, { call: 2 });
    const option = await cachedRun({ seed: 1 }, compute, { tag: 'qat', dir, retrain: true });
    assert.deepEqual([option.cached, option.value, calls()], [false, { call: 3 }, 3]);
  });

  it('treats an unreadable or foreign entry as missing, and replaces it', async (t) => {
    const warn = t.mock.method(console, 'warn', () => undefined);
    const dir = await cacheDir();
    const { compute, calls } = counter((call) => ({ call }));
    const first = await cachedRun({ seed: 1 }, compute, { tag: 'distill', dir });
    const good = await fs.readFile(first.file, 'utf8');

    await fs.writeFile(first.file, good.slice(0, good.length / 2));
    const truncated = await cachedRun({ seed: 1 }, compute, { tag: 'distill', dir });
    assert.deepEqual([truncated.cached, truncated.value], [false, { call: 2 }]);
    const reread = await cachedRun({ seed: 1 }, compute, { tag: 'distill', dir });
    assert.deepEqual([reread.cached, reread.value], [true, { call: 2 }]);

    // Valid JSON whose key parts belong to another run: never trusted.
    const foreign = JSON.parse(good) as { parts: { config: unknown }; value: unknown };
    foreign.parts.config = { seed: 2 };
    foreign.value = { call: 'foreign' };
    await fs.writeFile(first.file, JSON.stringify(foreign));
    const replaced = await cachedRun({ seed: 1 }, compute, { tag: 'distill', dir });
    assert.deepEqual([replaced.cached, replaced.value], [false, { call: 3 }]);

    // A non-finite number recorded at a place the value does not have.
    const misplaced = JSON.parse(good) as { nonFinite: unknown };
    misplaced.nonFinite = [[['missing'], 'NaN']];
    await fs.writeFile(first.file, JSON.stringify(misplaced));
    const fixed = await cachedRun({ seed: 1 }, compute, { tag: 'distill', dir });
    assert.deepEqual([fixed.cached, fixed.value], [false, { call: 4 }]);

    assert.equal(calls(), 4);
    assert.equal(warn.mock.callCount(), 3);
  });

  it('keeps NaN and ±Infinity of a result, and real nulls', async () => {
    const dir = await cacheDir();
    const value = { valLoss: NaN, perplexity: Infinity, gain: -Infinity, none: null, epochs: [{ loss: 1.5, valLoss: NaN }], nested: { ['__proto__']: NaN } };
    const first = await cachedRun({ seed: 1 }, async () => value, { tag: 'lm', dir });
    const second = await cachedRun({ seed: 1 }, async () => assert.fail('computed twice'), { tag: 'lm', dir });
    assert.equal(second.cached, true);
    assert.deepEqual(second.value, value);
    assert.ok(Object.prototype.hasOwnProperty.call((second.value as typeof value).nested, '__proto__'));
    const top = await cachedRun({ seed: 2 }, async () => NaN, { tag: 'lm', dir });
    const topAgain = await cachedRun({ seed: 2 }, async () => 0, { tag: 'lm', dir });
    assert.ok(Number.isNaN(topAgain.value) && topAgain.cached && !top.cached);
    assert.equal(first.value, value);
  });

  it('rejects config values that are not JSON, naming their path, before computing', async () => {
    const dir = await cacheDir();
    const { compute, calls } = counter(() => 1);
    const cycle: Record<string, unknown> = { a: {} };
    (cycle.a as Record<string, unknown>).back = cycle;
    const cases: [unknown, string][] = [
      [{ sparsity: NaN }, `config.sparsity ${RULE}, got NaN`],
      [{ layers: [{ units: 4 }, { units: Infinity }] }, `config.layers[1].units ${RULE}, got Infinity`],
      [{ weights: new Float32Array(2) }, `config.weights ${RULE}, got a Float32Array`],
      [{ seed: undefined }, `config.seed ${RULE}, got undefined`],
      [{ when: new Date(0) }, `config.when ${RULE}, got a Date`],
      [{ schedule: () => 0.5 }, `config.schedule ${RULE}, got a function`],
      [{ 'learning rate': 1n }, `config["learning rate"] ${RULE}, got 1n (a bigint)`],
      [{ seeds: [1, , 3] }, `config.seeds[1] ${RULE}, got an empty array slot`],
      [cycle, `config.a.back ${RULE}, got a cycle (a reference to an object that contains it)`],
      [new Map(), `config ${RULE}, got a Map`],
    ];
    for (const [config, message] of cases) {
      await assert.rejects(cachedRun(config, compute, { tag: 'bad', dir }), { name: 'TypeError', message });
    }
    assert.equal(calls(), 0);
    assert.deepEqual(await filesUnder(dir), []);
    const shared = { units: 4 };
    const ok = await cachedRun({ encoder: shared, decoder: shared }, compute, { tag: 'bad', dir });
    assert.equal(ok.value, 1);
  });

  it('rejects a result that is not JSON and stores nothing', async () => {
    const dir = await cacheDir();
    await assert.rejects(cachedRun({ seed: 1 }, async () => ({ weights: new Float32Array(2) }), { tag: 'bad', dir }), {
      name: 'TypeError',
      message: 'result.weights must be JSON (a number, string, boolean, null, array or plain object), got a Float32Array',
    });
    assert.deepEqual(await filesUnder(dir), []);
  });

  it('rejects bad options before computing', async () => {
    const { compute, calls } = counter(() => 1);
    await assert.rejects(cachedRun({}, compute, { tag: 'x', dir: '' }), { name: 'TypeError', message: 'dir must be a non-empty path string, got ""' });
    await assert.rejects(cachedRun({}, compute, { tag: 'x', retrain: 'yes' as unknown as boolean }), { name: 'TypeError', message: 'retrain must be a boolean, got string' });
    await assert.rejects(cachedRun({}, 1 as never, { tag: 'x' }), { name: 'TypeError', message: 'compute must be a function, got number' });
    assert.equal(calls(), 0);
  });
});

describe('cachedModelRun', () => {
  function tinyModel(): tf.LayersModel {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], kernelInitializer: 'glorotUniform' })] });
    return model;
  }

  it('saves the model beside the result and loads it on the next call, without leaking tensors', async () => {
    const dir = await cacheDir();
    const start = tf.memory().numTensors;
    const { compute, calls } = counter(() => ({ model: tinyModel(), result: { params: 8 } }));
    const first = await cachedModelRun({ units: 2 }, compute, { tag: 'models', dir });
    const second = await cachedModelRun({ units: 2 }, compute, { tag: 'models', dir });
    assert.equal(calls(), 1);
    assert.deepEqual([first.cached, second.cached], [false, true]);
    assert.deepEqual(second.value, { params: 8 });
    assert.equal(second.seconds, first.seconds);
    assert.equal(first.dir, path.join(dir, 'models', first.key));
    assert.deepEqual(await filesUnder(first.dir), ['group1-shard1of1.bin', 'model.json', 'run.json']);
    const a = first.model.getWeights().map((w) => Array.from(w.dataSync()));
    const b = second.model.getWeights().map((w) => Array.from(w.dataSync()));
    assert.deepEqual(b, a);
    first.model.dispose();
    second.model.dispose();
    assert.equal(tf.memory().numTensors, start);
  });

  it('disposes the model when its result cannot be stored, and refuses a missing model', async () => {
    const dir = await cacheDir();
    const start = tf.memory().numTensors;
    await assert.rejects(cachedModelRun({ units: 2 }, async () => ({ model: tinyModel(), result: { at: new Date(0) } }), { tag: 'models', dir }), {
      name: 'TypeError',
      message: 'result.at must be JSON (a number, string, boolean, null, array or plain object), got a Date',
    });
    assert.equal(tf.memory().numTensors, start);
    await assert.rejects(cachedModelRun({ units: 2 }, async () => ({ result: 1 }) as never, { tag: 'models', dir }), {
      name: 'TypeError',
      message: 'compute must resolve to { model, result } with a tf.LayersModel as model, got no model',
    });
    assert.deepEqual(await filesUnder(dir), []);
  });
});

describe('codeFingerprint', () => {
  async function tree(files: Record<string, string>): Promise<string> {
    const dir = await fs.mkdtemp(path.join(root, 'tree-'));
    for (const [rel, text] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(dir, 'src', rel)), { recursive: true });
      await fs.writeFile(path.join(dir, 'src', rel), text);
    }
    return dir;
  }

  it('hashes each file as its path, its byte length and its contents, in path order', async () => {
    const dir = await tree({ 'training/b.ts': 'export const b = 2;\n', 'training/a.ts': 'é\n' });
    // By the documented format: 'é\n' is 3 bytes in UTF-8, 'export const b = 2;\n' is 20.
    const expected = createHash('sha256')
      .update('training/a.ts\n3\né\n')
      .update('training/b.ts\n20\nexport const b = 2;\n')
      .digest('hex')
      .slice(0, 16);
    assert.equal(codeFingerprint(['training'], dir), expected);
  });

  it('changes when a file of its areas changes, is added or is renamed, and only then', async () => {
    const dir = await tree({ 'training/a.ts': 'export const a = 1;\n', 'training/sub/b.ts': 'export const b = 2;\n', 'models/m.ts': 'm\n', 'plots/p.ts': 'p\n' });
    const src = path.join(dir, 'src');
    const initial = codeFingerprint(undefined, dir);
    assert.match(initial, /^[0-9a-f]{16}$/);
    assert.equal(codeFingerprint(['models', 'plots', 'training'], dir) === initial, false);
    assert.equal(codeFingerprint(['training', 'models'], dir), initial);
    assert.equal(codeFingerprint(['models', 'training', 'models'], dir), initial);

    await fs.writeFile(path.join(src, 'training/sub/b.ts'), 'export const b = 3;\n');
    const edited = codeFingerprint(undefined, dir);
    assert.notEqual(edited, initial);
    await fs.writeFile(path.join(src, 'training/sub/b.ts'), 'export const b = 2;\n');
    assert.equal(codeFingerprint(undefined, dir), initial);

    const plots = codeFingerprint(['plots'], dir);
    await fs.writeFile(path.join(src, 'plots/p.ts'), 'p2\n');
    assert.equal(codeFingerprint(undefined, dir), initial, 'plots are left out by default');
    assert.notEqual(codeFingerprint(['plots'], dir), plots);

    await fs.writeFile(path.join(src, 'training/README.md'), 'not code');
    assert.equal(codeFingerprint(undefined, dir), initial, 'only .ts files count');
    await fs.writeFile(path.join(src, 'training/a.ts'), 'export const a = 1;\r\n');
    assert.equal(codeFingerprint(undefined, dir), initial, 'CRLF line endings hash as LF');

    await fs.writeFile(path.join(src, 'training/c.ts'), '');
    const added = codeFingerprint(undefined, dir);
    assert.notEqual(added, initial);
    await fs.rename(path.join(src, 'training/c.ts'), path.join(src, 'training/d.ts'));
    assert.notEqual(codeFingerprint(undefined, dir), added);
  });

  it('refuses missing or malformed areas', async () => {
    const dir = await tree({ 'training/a.ts': '' });
    assert.throws(() => codeFingerprint(['nope'], dir), { name: 'RangeError', message: `area "nope" has no folder ${path.join(dir, 'src', 'nope')}` });
    assert.throws(() => codeFingerprint([], dir), { name: 'RangeError', message: 'areas must name at least one folder under src, got []' });
    assert.throws(() => codeFingerprint(['../x'], dir), { name: 'TypeError', message: `areas must hold folder names (letters, digits, '_' or '-'), got "../x"` });
    const empty = await fs.mkdtemp(path.join(root, 'empty-'));
    assert.throws(() => codeFingerprint(undefined, empty), { message: `the code fingerprint reads the sources under ${path.join(empty, 'src')}, which is not a folder` });
  });

  it("fingerprints the project's own sources", () => {
    const all = codeFingerprint();
    assert.match(all, /^[0-9a-f]{16}$/);
    assert.equal(codeFingerprint(), all);
    assert.notEqual(codeFingerprint(['training']), all);
  });
});
