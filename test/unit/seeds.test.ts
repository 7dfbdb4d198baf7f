import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  bestOverSeeds,
  compareOverSeeds,
  courseSeeds,
  describeBest,
  describeComparison,
  summarizeSeeds,
  tCritical,
  SEED_ENV_VAR,
} from '../../src/report/index';
import { metricOverSeeds, palette, withAlpha, type Figure } from '../../src/plots/index';

const TOL = 1e-9;

function close(actual: number, expected: number, tol = TOL, what = 'value'): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: expected ${expected} ± ${tol}, got ${actual}`);
}

function closeAll(actual: readonly number[], expected: readonly number[], tol = TOL, what = 'values'): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((v, i) => close(v, expected[i], tol, `${what}[${i}]`));
}

describe('courseSeeds', () => {
  const saved = process.env[SEED_ENV_VAR];
  afterEach(() => {
    if (saved === undefined) delete process.env[SEED_ENV_VAR];
    else process.env[SEED_ENV_VAR] = saved;
  });

  it('lists count consecutive seeds from the base', () => {
    assert.deepEqual(courseSeeds(3, 42), [42, 43, 44]);
    assert.deepEqual(courseSeeds(1, 7), [7]);
    assert.deepEqual(courseSeeds(5, -2), [-2, -1, 0, 1, 2]);
  });

  it('starts from the run seed by default (RNNC_SEED, else 42)', () => {
    delete process.env[SEED_ENV_VAR];
    assert.deepEqual(courseSeeds(), [42, 43, 44]);
    process.env[SEED_ENV_VAR] = '100';
    assert.deepEqual(courseSeeds(2), [100, 101]);
  });

  it('rejects a count outside [1, 100] or a non-integer base', () => {
    assert.throws(() => courseSeeds(0, 42), { name: 'RangeError', message: 'count must be an integer in [1, 100], got 0' });
    assert.throws(() => courseSeeds(101, 42), /count must be an integer in \[1, 100\], got 101/);
    assert.throws(() => courseSeeds(2.5, 42), /got 2\.5/);
    assert.throws(() => courseSeeds(3, 1.5), { name: 'RangeError', message: /base must be a safe integer .*got 1\.5/ });
  });
});

describe('summarizeSeeds', () => {
  it('gives the mean, sample std and standard error of [1, 2, 3]', () => {
    // mean = 6/3 = 2; deviations -1, 0, 1; Σ² = 2; sample variance 2/(3-1) = 1, std 1; s.e. = 1/√3 = 0.57735.
    const s = summarizeSeeds([1, 2, 3]);
    assert.equal(s.n, 3);
    close(s.mean, 2);
    close(s.std, 1);
    close(s.standardError, 1 / Math.sqrt(3));
    close(s.standardError, 0.57735, 1e-5);
    assert.equal(s.min, 1);
    assert.equal(s.max, 3);
    assert.deepEqual(s.values, [1, 2, 3]);
  });

  it('uses the n - 1 divisor on two accuracies', () => {
    // mean 0.92; deviations ±0.02; Σ² = 0.0008, /(2-1) → variance 0.0008, std 0.028284; s.e. 0.028284/√2 = 0.02.
    const s = summarizeSeeds([0.9, 0.94]);
    close(s.mean, 0.92);
    close(s.std, 0.0282843, 1e-7);
    close(s.standardError, 0.02);
  });

  it('gives std 0 and standard error 0 for a single seed', () => {
    const s = summarizeSeeds([5]);
    assert.deepEqual({ n: s.n, mean: s.mean, std: s.std, standardError: s.standardError, min: s.min, max: s.max }, { n: 1, mean: 5, std: 0, standardError: 0, min: 5, max: 5 });
  });

  it('copies the values, so that later edits to the input do not change the summary', () => {
    const v = [1, 2];
    const s = summarizeSeeds(v);
    v[0] = 100;
    assert.deepEqual(s.values, [1, 2]);
  });

  it('rejects an empty list, a non-finite value or a non-number', () => {
    assert.throws(() => summarizeSeeds([]), { name: 'RangeError', message: 'values must hold at least 1 value (one per seed), got 0' });
    assert.throws(() => summarizeSeeds([1, Number.NaN]), { name: 'RangeError', message: 'values[1] must be finite, got NaN' });
    assert.throws(() => summarizeSeeds([Infinity]), { name: 'RangeError', message: 'values[0] must be finite, got Infinity' });
    assert.throws(() => summarizeSeeds([1, '2' as unknown as number]), { name: 'TypeError', message: 'values[1] must be a number, got "2"' });
    assert.throws(() => summarizeSeeds('123' as unknown as number[]), { name: 'TypeError', message: 'values must be an array of numbers, got string' });
  });
});

describe('tCritical', () => {
  it('reads the two-sided Student t table', () => {
    // Textbook values: t(0.975; 1) = 12.706, t(0.975; 2) = 4.303, t(0.975; 30) = 2.042, t(0.995; 2) = 9.925, t(0.95; 10) = 1.812.
    assert.equal(tCritical(1), 12.706);
    assert.equal(tCritical(2), 4.303);
    assert.equal(tCritical(30), 2.042);
    assert.equal(tCritical(2, 0.99), 9.925);
    assert.equal(tCritical(10, 0.9), 1.812);
  });

  it('rounds a fractional df down (the cautious side) and uses the normal value beyond 30', () => {
    assert.equal(tCritical(5.16), 2.571); // as t(5)
    assert.equal(tCritical(31), 1.96);
    assert.equal(tCritical(1000, 0.99), 2.576);
  });

  it('rejects df below 1 and unsupported confidence levels', () => {
    assert.throws(() => tCritical(0.5), { name: 'RangeError', message: 'df must be a number >= 1, got 0.5' });
    assert.throws(() => tCritical(Number.NaN), /df must be a number >= 1, got NaN/);
    assert.throws(() => tCritical(3, 0.8 as 0.95), { name: 'RangeError', message: 'confidence must be one of 0.9, 0.95, 0.99, got 0.8' });
  });
});

describe('compareOverSeeds', () => {
  it('calls a paired difference of [2, 3, 4] clear: a better', () => {
    // a - b per seed = [10-8, 13-10, 12-8] = [2, 3, 4]: mean 3, sample std 1, s.e. 1/√3 = 0.57735.
    // df = 3 - 1 = 2, t = 4.303; half-width 4.303 × 0.57735 = 2.48434; interval [0.51566, 5.48434] excludes 0.
    const c = compareOverSeeds([10, 13, 12], [8, 10, 8]);
    assert.equal(c.paired, true);
    close(c.difference, 3);
    close(c.standardError, 1 / Math.sqrt(3));
    assert.equal(c.df, 2);
    assert.equal(c.tCritical, 4.303);
    closeAll(c.interval, [0.51566, 5.48434], 1e-5, 'interval');
    assert.equal(c.verdict, 'a better');
    close(c.a.mean, 35 / 3);
    close(c.b.mean, 26 / 3);
  });

  it('calls a paired difference of [1, 2, 3] not clear with 3 seeds', () => {
    // differences [1, 2, 3]: mean 2, std 1, s.e. 0.57735; interval 2 ± 4.303 × 0.57735 = 2 ± 2.48434 = [-0.48434, 4.48434] holds 0.
    const c = compareOverSeeds([1, 2, 3], [0, 0, 0]);
    close(c.difference, 2);
    close(c.standardError, 0.57735, 1e-5);
    closeAll(c.interval, [-0.48434, 4.48434], 1e-5, 'interval');
    assert.equal(c.verdict, 'no clear difference');
  });

  it('with the same arms unpaired (Welch) is not clear: the shared seed variation no longer cancels', () => {
    // a = [10, 13, 12]: mean 35/3, deviations -5/3, 4/3, 1/3, Σ² = 42/9, variance 7/3.
    // b = [8, 10, 8]: mean 26/3, deviations -2/3, 4/3, -2/3, Σ² = 24/9, variance 4/3.
    // va = (7/3)/3 = 7/9, vb = (4/3)/3 = 4/9; s.e. = √(11/9) = 1.10554.
    // Welch df = (11/9)² / ((7/9)²/2 + (4/9)²/2) = (121/81) / (65/162) = 242/65 = 3.72308 → t(3) = 3.182.
    // interval 3 ± 3.182 × 1.10554 = 3 ± 3.51783 = [-0.51783, 6.51783].
    const c = compareOverSeeds([10, 13, 12], [8, 10, 8], { paired: false });
    assert.equal(c.paired, false);
    close(c.standardError, Math.sqrt(11 / 9));
    close(c.df, 242 / 65);
    assert.equal(c.tCritical, 3.182);
    closeAll(c.interval, [-0.51783, 6.51783], 1e-5, 'interval');
    assert.equal(c.verdict, 'no clear difference');
  });

  it('uses Welch by default for arms of different lengths', () => {
    // a = [1, 2, 3]: mean 2, variance 1, va = 1/3. b = [2, 4, 6, 8, 10]: mean 6, deviations ±4, ±2, 0, Σ² = 40, variance 10, vb = 10/5 = 2.
    // s.e. = √(1/3 + 2) = √(7/3) = 1.527525; df = (7/3)² / ((1/3)²/2 + 2²/4) = (49/9) / (19/18) = 98/19 = 5.15789 → t(5) = 2.571.
    // difference 2 - 6 = -4; interval -4 ± 2.571 × 1.527525 = -4 ± 3.92727 = [-7.92727, -0.07273]: b better when higher is better.
    const c = compareOverSeeds([1, 2, 3], [2, 4, 6, 8, 10]);
    assert.equal(c.paired, false);
    close(c.difference, -4);
    close(c.standardError, 1.527525, 1e-6);
    close(c.df, 98 / 19);
    assert.equal(c.tCritical, 2.571);
    closeAll(c.interval, [-7.92727, -0.07273], 1e-5, 'interval');
    assert.equal(c.verdict, 'b better');
    assert.equal(compareOverSeeds([1, 2, 3], [2, 4, 6, 8, 10], { higherIsBetter: false }).verdict, 'a better');
  });

  it('flips the verdict when lower is better', () => {
    // Same interval [0.51566, 5.48434] as above: a is clearly higher, which is worse for a loss.
    assert.equal(compareOverSeeds([10, 13, 12], [8, 10, 8], { higherIsBetter: false }).verdict, 'b better');
  });

  it('uses the 99% table when asked', () => {
    // differences [2, 3, 4], s.e. 0.57735; t(0.995; 2) = 9.925; 3 ± 5.73020 = [-2.73020, 8.73020] holds 0.
    const c = compareOverSeeds([10, 13, 12], [8, 10, 8], { confidence: 0.99 });
    assert.equal(c.tCritical, 9.925);
    closeAll(c.interval, [-2.7302, 8.7302], 1e-4, 'interval');
    assert.equal(c.verdict, 'no clear difference');
  });

  it('treats a constant nonzero gap as clear (zero-width interval), paired or not', () => {
    // differences [1, 1, 1]: s.e. 0, interval [1, 1]. Unpaired: both variances 0, s.e. 0, df taken as 3 + 3 - 2 = 4.
    const p = compareOverSeeds([1, 1, 1], [0, 0, 0]);
    assert.deepEqual(p.interval, [1, 1]);
    assert.equal(p.verdict, 'a better');
    const u = compareOverSeeds([1, 1, 1], [0, 0, 0], { paired: false });
    assert.equal(u.df, 4);
    assert.equal(u.verdict, 'a better');
  });

  it('rejects short or mismatched arms, non-finite values and bad options', () => {
    assert.throws(() => compareOverSeeds([1], [1]), { name: 'RangeError', message: 'a must hold at least 2 values (one per seed), got 1' });
    assert.throws(() => compareOverSeeds([1, 2], [3]), { name: 'RangeError', message: 'b must hold at least 2 values (one per seed), got 1' });
    assert.throws(() => compareOverSeeds([1, 2, 3], [1, 2], { paired: true }), {
      name: 'RangeError',
      message: 'paired arms must have the same length (one value per shared seed), got 3 and 2',
    });
    assert.throws(() => compareOverSeeds([1, Number.NaN], [1, 2]), { name: 'RangeError', message: 'a[1] must be finite, got NaN' });
    assert.throws(() => compareOverSeeds([1, 2], [1, 2], { confidence: 0.5 as 0.95 }), /confidence must be one of 0\.9, 0\.95, 0\.99, got 0\.5/);
    assert.throws(() => compareOverSeeds([1, 2], [1, 2], { paired: 'yes' as unknown as boolean }), { name: 'TypeError', message: 'paired must be a boolean, got "yes"' });
    assert.throws(() => compareOverSeeds([1, 2], [1, 2], { higherIsBetter: 1 as unknown as boolean }), { name: 'TypeError', message: 'higherIsBetter must be a boolean, got 1' });
  });
});

describe('bestOverSeeds', () => {
  const arms = { 'T = 1': [0.91, 0.92, 0.9], 'T = 4': [0.95, 0.96, 0.95], 'T = 8': [0.93, 0.93, 0.92] };

  it('picks T = 4 and finds it clearly ahead of the runner-up T = 8', () => {
    // means: T=1 0.91, T=4 2.86/3 = 0.95333, T=8 2.78/3 = 0.92667 → ranking T=4, T=8, T=1.
    // T=4 - T=8 per seed: [0.02, 0.03, 0.03], mean 0.026667, deviations -0.006667, 0.003333, 0.003333,
    // Σ² = 6.6667e-5, variance 3.3333e-5, std 0.0057735, s.e. 0.0033333; interval 0.026667 ± 4.303 × 0.0033333
    // = 0.026667 ± 0.014343 = [0.012324, 0.041010] excludes 0 → clear.
    const r = bestOverSeeds(arms);
    assert.equal(r.best, 'T = 4');
    assert.equal(r.runnerUp, 'T = 8');
    assert.deepEqual(r.ranking, ['T = 4', 'T = 8', 'T = 1']);
    close(r.summaries['T = 4'].mean, 0.953333, 1e-6);
    close(r.comparison.difference, 0.026667, 1e-6);
    closeAll(r.comparison.interval, [0.012324, 0.04101], 1e-6, 'interval');
    assert.equal(r.clear, true);
  });

  it('picks the lowest mean when lower is better', () => {
    // T=1 - T=8 per seed: [-0.02, -0.01, -0.02], mean -0.016667, std 0.0057735, s.e. 0.0033333;
    // interval -0.016667 ± 0.014343 = [-0.031010, -0.002324] excludes 0 and T=1 is lower → clear.
    const r = bestOverSeeds(arms, { higherIsBetter: false });
    assert.deepEqual(r.ranking, ['T = 1', 'T = 8', 'T = 4']);
    closeAll(r.comparison.interval, [-0.03101, -0.002324], 1e-6, 'interval');
    assert.equal(r.clear, true);
  });

  it('says when the best is not clearly ahead', () => {
    // x - y per seed: [1, 2, 3] → interval [-0.48434, 4.48434] holds 0.
    const r = bestOverSeeds({ y: [0, 0, 0], x: [1, 2, 3] });
    assert.equal(r.best, 'x');
    assert.equal(r.clear, false);
  });

  it('keeps the order of the arms for equal means', () => {
    assert.equal(bestOverSeeds({ p: [1, 2], q: [2, 1] }).best, 'p');
  });

  it('rejects fewer than 2 settings, a non-record and invalid arms', () => {
    assert.throws(() => bestOverSeeds({ a: [1, 2] }), { name: 'RangeError', message: 'arms must hold at least 2 settings to pick a best one, got 1' });
    assert.throws(() => bestOverSeeds([[1, 2]] as unknown as Record<string, number[]>), { name: 'TypeError', message: /arms must be a record .*got array/ });
    assert.throws(() => bestOverSeeds({ a: [1, 2], b: [1] }), { name: 'RangeError', message: 'arms["b"] must hold at least 2 values (one per seed), got 1' });
    assert.throws(() => bestOverSeeds({ a: [1, 2], b: [1, 2, 3] }, { paired: true }), /paired arms must have the same length/);
  });
});

describe('describeComparison', () => {
  it('states a clear win with mean ± s.e., the seeds and the interval', () => {
    // differences [2, 3, 4]: 3 ± 0.57735; interval [0.51566, 5.48434] (see compareOverSeeds above).
    const c = compareOverSeeds([10, 13, 12], [8, 10, 8]);
    assert.equal(
      describeComparison(c, 'A', 'B', { seeds: [42, 43, 44] }),
      'A is better than B by 3.000 ± 0.577 (mean ± s.e. over 3 seeds: 42, 43, 44; 95% interval 0.516 to 5.484).',
    );
  });

  it('writes fractions as percentage points', () => {
    // per seed: 0.962-0.948, 0.958-0.950, 0.965-0.951 = [0.014, 0.008, 0.014]; mean 0.012; deviations 0.002, -0.004, 0.002,
    // Σ² = 24e-6, variance 12e-6, std 0.0034641, s.e. 0.002; interval 0.012 ± 4.303 × 0.002 = [0.003394, 0.020606]
    // → in points: 1.2 ± 0.2, 0.3 to 2.1.
    const c = compareOverSeeds([0.962, 0.958, 0.965], [0.948, 0.95, 0.951]);
    const seeds = [42, 43, 44];
    assert.equal(
      describeComparison(c, 'large sparse LSTM', 'small dense LSTM', { format: 'points', seeds }),
      'large sparse LSTM is better than small dense LSTM by 1.2 ± 0.2 points (mean ± s.e. over 3 seeds: 42, 43, 44; 95% interval 0.3 to 2.1).',
    );
    assert.equal(
      describeComparison(c, 'A', 'B', { format: 'percent', digits: 2 }),
      'A is better than B by 1.20 ± 0.20% (mean ± s.e. over 3 seeds; 95% interval 0.34 to 2.06).',
    );
  });

  it('names the leader and says the interval holds 0 when there is no clear difference (lower is better)', () => {
    // a - b = [1, 2, 3]: a is higher by 2, so for a loss B leads by 2 ± 0.577; interval of B's gain [-0.484, 4.484].
    const c = compareOverSeeds([1, 2, 3], [0, 0, 0], { higherIsBetter: false });
    assert.equal(
      describeComparison(c, 'A', 'B', { unit: 'bits per character' }),
      'No clear difference between A and B: B is ahead by 2.000 ± 0.577 bits per character (mean ± s.e. over 3 seeds; 95% interval -0.484 to 4.484, which includes 0).',
    );
  });

  it('states the winner first and flips the interval when b wins (unpaired)', () => {
    // Welch case above: a - b interval [-7.92727, -0.07273] → B's gain 4 ± 1.528, interval 0.073 to 7.927.
    const c = compareOverSeeds([1, 2, 3], [2, 4, 6, 8, 10]);
    assert.equal(
      describeComparison(c, 'A', 'B'),
      'B is better than A by 4.000 ± 1.528 (mean ± s.e. over 3 and 5 seeds, unpaired; 95% interval 0.073 to 7.927).',
    );
  });

  it('handles equal means', () => {
    const c = compareOverSeeds([1, 2, 3], [1, 2, 3]);
    assert.equal(
      describeComparison(c, 'A', 'B', { digits: 1 }),
      'No clear difference between A and B: the means differ by 0.0 ± 0.0 (mean ± s.e. over 3 seeds; 95% interval 0.0 to 0.0, which includes 0).',
    );
  });

  it('rejects empty names, wrong seed lists and bad formats', () => {
    const c = compareOverSeeds([1, 2, 3], [0, 0, 0]);
    assert.throws(() => describeComparison(c, '', 'B'), { name: 'TypeError', message: 'nameA must be a non-empty string, got ""' });
    assert.throws(() => describeComparison(c, 'A', 'B', { seeds: [42, 43] }), { name: 'RangeError', message: 'seeds must list one seed per value (3), got 2' });
    assert.throws(() => describeComparison(c, 'A', 'B', { seeds: [42, 43, 4.5] }), { name: 'TypeError', message: /seeds must be an array of integers/ });
    assert.throws(() => describeComparison(c, 'A', 'B', { format: 'pct' as 'plain' }), { name: 'RangeError', message: 'format must be one of points, percent, plain, got "pct"' });
    assert.throws(() => describeComparison(c, 'A', 'B', { digits: -1 }), { name: 'RangeError', message: 'digits must be an integer in [0, 10], got -1' });
  });
});

describe('describeBest', () => {
  it('writes "T = 4 is best" with the gap to the runner-up', () => {
    // From bestOverSeeds above: 0.026667 ± 0.0033333, interval [0.012324, 0.041010] → points 2.7 ± 0.3, 1.2 to 4.1.
    const r = bestOverSeeds({ 'T = 1': [0.91, 0.92, 0.9], 'T = 4': [0.95, 0.96, 0.95], 'T = 8': [0.93, 0.93, 0.92] });
    assert.equal(
      describeBest(r, { format: 'points', seeds: [42, 43, 44] }),
      'T = 4 is best, ahead of the runner-up T = 8 by 2.7 ± 0.3 points (mean ± s.e. over 3 seeds: 42, 43, 44; 95% interval 1.2 to 4.1).',
    );
  });

  it('says when the best mean is not clearly better', () => {
    const r = bestOverSeeds({ x: [1, 2, 3], y: [0, 0, 0] });
    assert.equal(
      describeBest(r),
      'x has the best mean, but it is not clearly better than the runner-up y: ahead by 2.000 ± 0.577 (mean ± s.e. over 3 seeds; 95% interval -0.484 to 4.484, which includes 0).',
    );
  });
});

type SpreadTrace = Figure['data'][number] & { error_y?: { array: number[]; visible: boolean } };

describe('metricOverSeeds', () => {
  // LSTM x=1: [0.90, 0.92, 0.94], mean 0.92, deviations ∓0.02, 0, Σ² = 0.0008, variance 0.0004, std 0.02, s.e. 0.02/√3 = 0.011547.
  // LSTM x=4: [0.95, 0.96, 0.97], mean 0.96, std 0.01, s.e. 0.01/√3 = 0.0057735.
  // GRU x=1: [0.88, 0.91, 0.91], mean 0.90, deviations -0.02, 0.01, 0.01, Σ² = 0.0006, variance 0.0003, std 0.017321, s.e. 0.01.
  const rows = [
    { group: 'LSTM', x: 4, values: [0.95, 0.96, 0.97], seeds: [42, 43, 44] },
    { group: 'LSTM', x: 1, values: [0.9, 0.92, 0.94], seeds: [42, 43, 44] },
    { group: 'GRU', x: 1, values: [0.88, 0.91, 0.91] },
  ];

  it('draws one seeds trace and one mean trace per group, with the std as error bars', () => {
    const f = metricOverSeeds(rows, { xLabel: 'temperature T' });
    assert.equal(f.data.length, 4);
    const [lstmSeeds, gruSeeds, lstm, gru] = f.data as SpreadTrace[];
    assert.equal(lstm.name, 'LSTM');
    assert.equal(gru.name, 'GRU');
    assert.deepEqual(lstm.x, [1, 4]); // sorted by x
    closeAll(lstm.y as number[], [0.92, 0.96], 1e-12, 'LSTM means');
    closeAll(lstm.error_y!.array, [0.02, 0.01], 1e-12, 'LSTM std');
    closeAll(gru.error_y!.array, [0.0173205], 1e-7, 'GRU std');
    assert.equal(lstm.mode, 'lines+markers');
    assert.equal(lstm.marker?.color, palette.cell.LSTM);
    assert.deepEqual(lstmSeeds.x, [1, 1, 1, 4, 4, 4]);
    assert.deepEqual(lstmSeeds.y, [0.9, 0.92, 0.94, 0.95, 0.96, 0.97]);
    assert.equal(lstmSeeds.showlegend, false);
    assert.equal(lstmSeeds.marker?.color, withAlpha(palette.cell.LSTM, 0.35));
    assert.match((lstmSeeds.text as string[])[0], /seed: 42/);
    assert.match((gruSeeds.text as string[])[0], /run: 1/);
    assert.equal(f.layout.xaxis?.type, 'linear');
    assert.equal(f.layout.xaxis?.title?.text, 'temperature T');
  });

  it('shows the standard error when asked, and leaves out the seeds', () => {
    const f = metricOverSeeds(rows, { spread: 'standardError', showSeeds: false });
    assert.equal(f.data.length, 2);
    const [lstm, gru] = f.data as SpreadTrace[];
    closeAll(lstm.error_y!.array, [0.0115470, 0.0057735], 1e-7, 'LSTM s.e.');
    closeAll(gru.error_y!.array, [0.01], 1e-12, 'GRU s.e.');
    assert.match(f.layout.title!.text, /mean ± s\.e\./);
  });

  it('puts string settings at category positions with the groups side by side', () => {
    const f = metricOverSeeds([
      { group: 'run A', x: 'dense', values: [1, 2, 3] },
      { group: 'run B', x: 'dense', values: [2, 4] },
      { group: 'run A', x: 'pruned', values: [0, 1] },
    ]);
    // Categories at 0 and 1 in row order; two groups at ±0.1 around each.
    assert.equal(f.layout.xaxis?.type, 'linear');
    assert.deepEqual(f.layout.xaxis?.tickvals, [0, 1]);
    assert.deepEqual(f.layout.xaxis?.ticktext, ['dense', 'pruned']);
    const [aSeeds, bSeeds, a, b] = f.data as SpreadTrace[];
    closeAll(a.x as number[], [-0.1, 0.9], 1e-12, 'run A positions');
    closeAll(b.x as number[], [0.1], 1e-12, 'run B positions');
    closeAll(aSeeds.x as number[], [-0.1, -0.1, -0.1, 0.9, 0.9], 1e-12, 'run A seed positions');
    closeAll(bSeeds.x as number[], [0.1, 0.1], 1e-12, 'run B seed positions');
    assert.equal(a.mode, 'markers');
    assert.match((a.text as string[])[1], /setting: pruned/);
    // run A: [1, 2, 3] → std 1; [0, 1] → mean 0.5, deviations ±0.5, Σ² = 0.5, variance 0.5, std 0.70711. run B: [2, 4] → std √2 = 1.41421.
    closeAll(a.error_y!.array, [1, 0.7071068], 1e-7, 'run A std');
    closeAll(b.error_y!.array, [1.4142136], 1e-7, 'run B std');
  });

  it('rejects repeated settings, bad values and bad options', () => {
    assert.throws(() => metricOverSeeds([rows[0], rows[0]]), { name: 'RangeError', message: /rows\[1\] repeats group "LSTM" at x = 4/ });
    assert.throws(() => metricOverSeeds([{ group: 'a', x: 1, values: [] }]), { name: 'RangeError', message: 'rows[0].values must hold at least 1 value (one per seed), got 0' });
    assert.throws(() => metricOverSeeds([{ group: 'a', x: 1, values: [1, Number.NaN] }]), { name: 'RangeError', message: 'rows[0].values[1] must be finite, got NaN' });
    assert.throws(() => metricOverSeeds([{ group: 'a', x: 1, values: [1], seeds: [1, 2] }]), { name: 'RangeError', message: 'rows[0].seeds must hold one seed per value (1), got 2' });
    assert.throws(() => metricOverSeeds([{ group: 'a', x: 'dense', values: [1] }], { xType: 'linear' }), { name: 'RangeError', message: /xType 'linear' needs every x to be a number/ });
    assert.throws(() => metricOverSeeds([{ group: 'a', x: 0, values: [1] }], { xType: 'log' }), { name: 'RangeError', message: /xType 'log' needs every x to be positive, got 0/ });
    assert.throws(() => metricOverSeeds(rows, { spread: 'var' as 'std' }), { name: 'RangeError', message: 'spread must be one of std, standardError, got "var"' });
    assert.throws(() => metricOverSeeds([{ group: 'a', values: [1] } as unknown as { group: string; x: number; values: number[] }]), { name: 'TypeError', message: /rows\[0\]\.x must be a number or a string, got undefined/ });
    assert.throws(() => metricOverSeeds([]), { name: 'RangeError', message: /rows must not be empty/ });
    assert.throws(() => metricOverSeeds([{ group: 'a', x: 1, values: [1] }, { group: 'a', x: '1', values: [2] }], { xType: 'category' }), /rows\[1\] repeats group "a" at x = "1"/);
  });
});
