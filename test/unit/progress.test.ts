import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { estimateRemaining, formatDuration, progressText } from '../../scripts/progress';

describe('estimateRemaining', () => {
  const previous = [3, 10, 5, 1];

  it('takes what the running cell had left in the previous run plus the later cells', () => {
    // cell 2 of 4 has run 2 s of its previous 10 s: (10 - 2) + 5 + 1 = 14
    assert.equal(estimateRemaining({ cells: 4, index: 1, elapsed: 2, done: [3], previous }), 14);
    // the first cell, just started: 3 + 10 + 5 + 1 = 19
    assert.equal(estimateRemaining({ cells: 4, index: 0, elapsed: 0, done: [], previous }), 19);
  });

  it('counts nothing left for a cell that has run longer than last time', () => {
    // cell 3 ran 8 s against 5 s before: 0 + 1 = 1
    assert.equal(estimateRemaining({ cells: 4, index: 2, elapsed: 8, done: [3, 10], previous }), 1);
    // the last cell past its previous time: nothing left
    assert.equal(estimateRemaining({ cells: 4, index: 3, elapsed: 4, done: [3, 10, 5], previous }), 0);
  });

  it('falls back to the mean of the finished cells when the previous run has another number of cells', () => {
    // mean of [4, 8] = 6; the running cell 3 of 5 has 6 - 1 = 5 left; 2 cells after it: 5 + 2 · 6 = 17
    assert.equal(estimateRemaining({ cells: 5, index: 2, elapsed: 1, done: [4, 8], previous }), 17);
    // without a previous run, the same numbers
    assert.equal(estimateRemaining({ cells: 5, index: 2, elapsed: 1, done: [4, 8] }), 17);
    // the running cell past the mean: 0 + 2 · 6 = 12
    assert.equal(estimateRemaining({ cells: 5, index: 2, elapsed: 9, done: [4, 8] }), 12);
  });

  it('has no estimate before the first cell ends and no previous run', () => {
    assert.equal(estimateRemaining({ cells: 5, index: 0, elapsed: 30, done: [] }), undefined);
  });
});

describe('formatDuration', () => {
  it('writes m:ss below an hour and h:mm:ss from one hour, rounding to the second', () => {
    assert.equal(formatDuration(0), '0:00');
    assert.equal(formatDuration(125.4), '2:05'); // 2 · 60 + 5
    assert.equal(formatDuration(3725), '1:02:05'); // 3600 + 2 · 60 + 5
    assert.equal(formatDuration(-3), '0:00');
  });
});

describe('progressText', () => {
  it('shows the cell as k of n, its time and the estimate', () => {
    assert.equal(progressText({ cells: 4, index: 1, elapsed: 2, done: [3], previous: [3, 10, 5, 1] }), 'cell 2/4, 0:02 in cell, about 0:14 left');
    assert.equal(progressText({ cells: 4, index: 0, elapsed: 2, done: [] }), 'cell 1/4, 0:02 in cell, time left not known yet');
  });
});
