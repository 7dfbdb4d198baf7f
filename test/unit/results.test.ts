import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/backend';
import { recordResult, recordedResults, validateResult } from '../../src/report/results';
import type { NotebookResults } from '../../src/report/results';
import { mergeResults, readPreviousResults, toEntries } from '../../scripts/results';
import type { ResultEntry } from '../../scripts/results';

describe('validateResult', () => {
  it('keeps only the options given, with copies of the lists', () => {
    const seeds = [1, 2, 3];
    const r = validateResult('accuracy', 97.5, { unit: '%', seeds, values: [97, 98, 97.5], spread: 0.5 });
    assert.deepEqual(r, { name: 'accuracy', value: 97.5, unit: '%', seeds: [1, 2, 3], values: [97, 98, 97.5], spread: 0.5 });
    seeds.push(4);
    assert.deepEqual(r.seeds, [1, 2, 3]);
    assert.deepEqual(validateResult('bytes', 812), { name: 'bytes', value: 812 });
  });

  it('rejects a wrong kind with a TypeError naming the rule and the value', () => {
    assert.throws(() => validateResult('', 1), { name: 'TypeError', message: 'name must be a non-empty string, got ""' });
    assert.throws(() => validateResult('x', '0.9' as unknown as number), { name: 'TypeError', message: 'value must be a number, got "0.9"' });
    assert.throws(() => validateResult('x', 1, { unit: 3 as unknown as string }), { name: 'TypeError', message: 'unit must be a string, got 3' });
    assert.throws(() => validateResult('x', 1, { seeds: 3 as unknown as number[] }), { name: 'TypeError', message: 'seeds must be an array of numbers, got 3' });
    assert.throws(() => validateResult('x', 1, { values: [1, '2'] as unknown as number[] }), { name: 'TypeError', message: 'values[1] must be a number, got "2"' });
    assert.throws(() => validateResult('x', 1, { spread: '0.1' as unknown as number }), { name: 'TypeError', message: 'spread must be a number, got "0.1"' });
  });

  it('rejects a bad value with a RangeError naming the rule and the value', () => {
    assert.throws(() => validateResult('x', NaN), { name: 'RangeError', message: 'value must be a finite number, got NaN' });
    assert.throws(() => validateResult('x', Infinity), { name: 'RangeError', message: 'value must be a finite number, got Infinity' });
    assert.throws(() => validateResult('x', 1, { seeds: [1, 2.5] }), { name: 'RangeError', message: 'seeds[1] must be an integer, got 2.5' });
    assert.throws(() => validateResult('x', 1, { seeds: [7, 7] }), { name: 'RangeError', message: 'seeds must be distinct, got [7,7]' });
    assert.throws(() => validateResult('x', 1, { values: [1, -Infinity] }), { name: 'RangeError', message: 'values[1] must be a finite number, got -Infinity' });
    assert.throws(() => validateResult('x', 1, { spread: -0.1 }), { name: 'RangeError', message: 'spread must be a finite number >= 0, got -0.1' });
    assert.throws(() => validateResult('x', 1, { seeds: [1, 2, 3], values: [1, 2] }), { name: 'RangeError', message: 'values must have one entry per seed (3), got 2' });
  });
});

describe('recordResult', () => {
  let dir: string;
  const saved = { notebook: process.env.RNNC_NOTEBOOK, outputDir: process.env.RNNC_OUTPUT_DIR, seed: process.env.RNNC_SEED };
  before(async () => {
    await initBackend({ backend: 'cpu' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rnnc-results-'));
    process.env.RNNC_NOTEBOOK = '99_test';
    process.env.RNNC_OUTPUT_DIR = dir;
    process.env.RNNC_SEED = '7';
  });
  after(() => {
    for (const [key, value] of [['RNNC_NOTEBOOK', saved.notebook], ['RNNC_OUTPUT_DIR', saved.outputDir], ['RNNC_SEED', saved.seed]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes <outputDir>/results/<notebook>.json with the back end and seed, replacing a name recorded again', () => {
    recordResult('test accuracy', 0.9, { unit: '', seeds: [1, 2], values: [0.8, 1.0], spread: 0.1 });
    recordResult('bytes', 1024, { unit: 'bytes' });
    recordResult('test accuracy', 0.95);
    const file = JSON.parse(fs.readFileSync(path.join(dir, 'results', '99_test.json'), 'utf8')) as NotebookResults;
    assert.deepEqual(file, {
      notebook: '99_test',
      backend: 'cpu',
      seed: 7,
      quick: false,
      results: [
        { name: 'test accuracy', value: 0.95 },
        { name: 'bytes', value: 1024, unit: 'bytes' },
      ],
    });
  });

  it('records and writes nothing when a call is rejected', () => {
    const before = recordedResults();
    const text = fs.readFileSync(path.join(dir, 'results', '99_test.json'), 'utf8');
    assert.throws(() => recordResult('bytes', 2048, { seeds: [1], values: [1, 2] }), RangeError);
    assert.deepEqual(recordedResults(), before);
    assert.equal(fs.readFileSync(path.join(dir, 'results', '99_test.json'), 'utf8'), text);
  });
});

describe('mergeResults', () => {
  const entry = (notebook: string, name: string, value: number): ResultEntry => ({ notebook, name, value, unit: null, seeds: null, spread: null, values: null });
  const previous: ResultEntry[] = [entry('00_a', 'x', 1), entry('01_b', 'y', 2), entry('01_b', 'z', 3), entry('02_gone', 'w', 4)];
  const course = ['00_a', '01_b', '03_c'];

  it('replaces the rows of rerun notebooks, keeps the others and drops notebooks no longer in the course', () => {
    const merged = mergeResults(previous, { '01_b': [{ name: 'y', value: 5, unit: '%', seeds: [1, 2], values: [4, 6], spread: 1 }] }, course);
    assert.deepEqual(merged, [
      entry('00_a', 'x', 1),
      { notebook: '01_b', name: 'y', value: 5, unit: '%', seeds: [1, 2], spread: 1, values: [4, 6] },
    ]);
  });

  it('drops the old rows of a rerun notebook that records nothing now, and follows the course order', () => {
    const merged = mergeResults(previous, { '00_a': [], '03_c': [{ name: 'v', value: 9 }] }, course);
    assert.deepEqual(merged, [entry('01_b', 'y', 2), entry('01_b', 'z', 3), entry('03_c', 'v', 9)]);
  });

  it('gives every row every field, null when not recorded', () => {
    assert.deepEqual(toEntries('00_a', [{ name: 'x', value: 1, seeds: [3] }]), [{ notebook: '00_a', name: 'x', value: 1, unit: null, seeds: [3], spread: null, values: null }]);
  });

  it('reads no previous rows from a missing or malformed file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rnnc-merge-'));
    try {
      assert.deepEqual(readPreviousResults(path.join(dir, 'absent.json')), []);
      fs.writeFileSync(path.join(dir, 'bad.json'), '{ not json');
      assert.deepEqual(readPreviousResults(path.join(dir, 'bad.json')), []);
      fs.writeFileSync(path.join(dir, 'ok.json'), JSON.stringify({ mode: 'quick', results: [entry('00_a', 'x', 1)] }));
      assert.deepEqual(readPreviousResults(path.join(dir, 'ok.json')), [entry('00_a', 'x', 1)]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
