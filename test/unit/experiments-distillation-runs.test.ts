import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ClassificationDataset, LanguageModelDataset } from '../../src/data/types';
import { gapClosed, subsetDataset, validationCurves } from '../../src/experiments/distillation-runs';

const TOL = 1e-12;

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= TOL, `${what}: expected ${expected}, got ${actual}`);
}

/** x[i] = i and y = 10, 11, ... so that every kept value can be checked by position. */
function split(size: number, xWidth: number, yWidth: number, yStart = 10) {
  return {
    x: Float32Array.from({ length: size * xWidth }, (_, i) => i),
    y: Float32Array.from({ length: size * yWidth }, (_, i) => yStart + i),
    size,
  };
}

/** 4 train, 3 validation, 2 test sequences of 2 steps x 3 features; one label each. */
function classification(): ClassificationDataset {
  return {
    task: 'classification', name: 'toy', timeSteps: 2, features: 3, numClasses: 20, classNames: [],
    train: split(4, 6, 1), validation: split(3, 6, 1), test: split(2, 6, 1), seed: 42, source: 'test',
  };
}

/** 3 train windows of 4 character ids, one target id per step. */
function languageModel(): LanguageModelDataset {
  return {
    task: 'language-model', name: 'toy-lm', timeSteps: 4, features: 1, vocab: [], vocabSize: 30, unigramCrossEntropy: 1,
    train: split(3, 4, 4), validation: split(2, 4, 4), test: split(1, 4, 4), seed: 42, source: 'test',
  };
}

describe('subsetDataset', () => {
  it('keeps the first sequences of a classification split: 2 of 4 sequences of 2 x 3 values', () => {
    const ds = classification();
    const small = subsetDataset(ds, { train: 2 });
    assert.equal(small.train.size, 2);
    // 2 sequences * 6 values = x[0..11]; labels 10 and 11.
    assert.deepEqual(Array.from(small.train.x), Array.from({ length: 12 }, (_, i) => i));
    assert.deepEqual(Array.from(small.train.y), [10, 11]);
  });

  it('keeps one target per step for a language model: 2 windows of 4 steps', () => {
    const small = subsetDataset(languageModel(), { train: 2, validation: 1 });
    assert.deepEqual(Array.from(small.train.x), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(Array.from(small.train.y), [10, 11, 12, 13, 14, 15, 16, 17]);
    assert.deepEqual(Array.from(small.validation.y), [10, 11, 12, 13]);
    assert.equal(small.validation.size, 1);
  });

  it('leaves splits it is not asked about, and the original dataset, unchanged', () => {
    const ds = classification();
    const small = subsetDataset(ds, { validation: 1 });
    assert.equal(small.train, ds.train);
    assert.equal(small.test, ds.test);
    assert.equal(ds.validation.size, 3);
    assert.equal(ds.validation.x.length, 18);
    assert.equal(small.numClasses, 20);
  });

  it('accepts the whole split and an empty one', () => {
    const ds = classification();
    const small = subsetDataset(ds, { train: 4, test: 0 });
    assert.equal(small.train.x.length, 24);
    assert.equal(small.test.size, 0);
    assert.equal(small.test.x.length, 0);
    assert.equal(small.test.y.length, 0);
  });

  it('keeps a split whole when asked for more than it has, and rejects non-integers without changing anything', () => {
    const ds = classification();
    assert.equal(subsetDataset(ds, { train: 5 }).train.size, 4);
    assert.throws(() => subsetDataset(ds, { validation: 1.5 }), { name: 'RangeError', message: 'sizes.validation must be a non-negative integer, got 1.5' });
    assert.throws(() => subsetDataset(ds, { validaton: 1 } as unknown as { validation: number }), { name: 'RangeError', message: "sizes must name train, validation or test, got 'validaton'" });
    assert.throws(() => subsetDataset(ds, { test: -1 }), { name: 'RangeError', message: /got -1$/ });
    assert.throws(() => subsetDataset(ds, { train: '2' as unknown as number }), { name: 'TypeError', message: 'sizes.train must be a number, got string' });
    assert.throws(() => subsetDataset(ds, null as unknown as object), { name: 'TypeError', message: 'sizes must be an object, got null' });
    assert.equal(ds.train.size, 4);
  });
});

describe('gapClosed', () => {
  it('is (distilled − alone) / (teacher − alone) for accuracy', () => {
    // (0.9 − 0.8) / (0.98 − 0.8) = 0.1 / 0.18 = 0.5555...
    close(gapClosed({ distilled: 0.9, alone: 0.8, teacher: 0.98 }), 0.1 / 0.18, 'half-way');
    close(gapClosed({ distilled: 0.98, alone: 0.8, teacher: 0.98 }), 1, 'teacher reached');
    close(gapClosed({ distilled: 0.8, alone: 0.8, teacher: 0.98 }), 0, 'no gain');
  });

  it('is negative when the distilled student is worse than the one trained alone', () => {
    // (0.7 − 0.8) / (0.9 − 0.8) = −1
    close(gapClosed({ distilled: 0.7, alone: 0.8, teacher: 0.9 }), -1, 'hurt');
  });

  it('reads the same for a lower-is-better metric such as bits per character', () => {
    // (2.3 − 2.5) / (2.0 − 2.5) = −0.2 / −0.5 = 0.4
    close(gapClosed({ distilled: 2.3, alone: 2.5, teacher: 2.0 }, 'lower'), 0.4, 'bits per character');
  });

  it('gives +0, not −0, when a lower-is-better student gains nothing', () => {
    // (2.5 − 2.5) / (2.0 − 2.5) = 0 / −0.5, which is −0 in floating point.
    assert.ok(Object.is(gapClosed({ distilled: 2.5, alone: 2.5, teacher: 2.0 }, 'lower'), 0));
  });

  it('is NaN when the teacher is not strictly better than the student alone', () => {
    assert.ok(Number.isNaN(gapClosed({ distilled: 0.9, alone: 0.8, teacher: 0.8 })));
    assert.ok(Number.isNaN(gapClosed({ distilled: 0.9, alone: 0.8, teacher: 0.7 })));
    // Lower is better: a teacher at 2.6 bits/char is worse than the student alone at 2.5.
    assert.ok(Number.isNaN(gapClosed({ distilled: 2.3, alone: 2.5, teacher: 2.6 }, 'lower')));
  });

  it('rejects non-finite scores, wrong kinds and unknown directions', () => {
    assert.throws(() => gapClosed({ distilled: NaN, alone: 0.8, teacher: 0.9 }), { name: 'RangeError', message: 'scores.distilled must be finite, got NaN' });
    assert.throws(() => gapClosed({ distilled: 0.9, alone: 0.8, teacher: Infinity }), { name: 'RangeError', message: 'scores.teacher must be finite, got Infinity' });
    assert.throws(() => gapClosed({ distilled: 0.9, alone: '0.8' as unknown as number, teacher: 0.9 }), { name: 'TypeError', message: 'scores.alone must be a number, got string' });
    assert.throws(() => gapClosed({ distilled: 0.9, alone: 0.8, teacher: 0.9 }, 'up' as 'higher'), { name: 'RangeError', message: 'direction must be \'higher\' or \'lower\', got "up"' });
  });
});

describe('validationCurves', () => {
  const series = [
    { name: 'SimpleRNN(16) alone', values: [0.5, 0.6, 0.7] },
    { name: 'SimpleRNN(16) Hinton T=4', values: [0.55, 0.68, 0.74], settings: { temperature: 4 } },
  ];

  it('draws one trace per run with its values, epochs 1..n', () => {
    const fig = validationCurves(series);
    assert.equal(fig.data.length, 2);
    assert.deepEqual(fig.data[0].y, [0.5, 0.6, 0.7]);
    assert.deepEqual(fig.data[1].y, [0.55, 0.68, 0.74]);
    assert.deepEqual(fig.data[1].x, [1, 2, 3]);
  });

  it('labels every line and hover text as validation, never as train', () => {
    const fig = validationCurves(series);
    assert.deepEqual(fig.data.map((t) => t.name), ['SimpleRNN(16) alone (validation)', 'SimpleRNN(16) Hinton T=4 (validation)']);
    for (const trace of fig.data) {
      for (const text of trace.text as string[]) {
        assert.ok(text.includes('(validation)'), text);
        assert.ok(!text.includes('(train)'), text);
      }
    }
    assert.ok((fig.data[1].text as string[])[0].includes('temperature: 4'));
  });

  it('names the validation split on the y axis and in the default title', () => {
    const fig = validationCurves(series);
    const layout = fig.layout as { title?: { text?: string }; yaxis?: { title?: { text?: string } } };
    assert.equal(layout.yaxis?.title?.text, 'accuracy (% of validation sequences; higher is better)');
    assert.equal(layout.title?.text, 'validation accuracy per epoch');
  });

  it('takes another metric and title', () => {
    const fig = validationCurves([{ name: 'a', values: [3, 2.5] }], { metric: 'bitsPerChar', title: 'bits' });
    const layout = fig.layout as { title?: { text?: string }; yaxis?: { title?: { text?: string } } };
    assert.equal(layout.title?.text, 'bits');
    assert.equal(layout.yaxis?.title?.text, 'bits per character (bits; lower is better)');
  });

  it('rejects an empty list and non-numbers', () => {
    assert.throws(() => validationCurves([]), { name: 'RangeError', message: /histories must not be empty/ });
    assert.throws(() => validationCurves([{ name: 'a', values: ['x' as unknown as number] }]), { name: 'TypeError', message: /must be a number, got "x"/ });
    assert.throws(() => validationCurves('a' as unknown as []), { name: 'TypeError', message: 'series must be an array, got string' });
  });
});
