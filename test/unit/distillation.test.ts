import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import {
  compareWithTeacher,
  distill,
  hintonLoss,
  mseDistillationLoss,
  softTargetKl,
} from '../../src/distillation';
import type { ClassificationDataset, LanguageModelDataset, Split } from '../../src/data/types';
import { buildModelFor } from '../../src/models';
import { earlyStopping, evaluate, sparseSoftmaxCrossEntropy } from '../../src/training';
import { createRng } from '../../src/utils';

const TOL = 1e-5;
const STEPS = 4;
const FEATURES = 3;
const CLASSES = 3;

function close(actual: number, expected: number, tol = TOL, what = 'value'): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: expected ${expected} ± ${tol}, got ${actual}`);
}

function scalar(t: tf.Tensor): number {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
}

type Cell = 'lstm' | 'gru' | 'simpleRNN';

/** A recurrent classifier with seeded initialisers; logits out. */
function classifier(cell: Cell, units: number, seed: number, classes = CLASSES): tf.Sequential {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed + k });
  const common = { units, inputShape: [STEPS, FEATURES], kernelInitializer: init(0), recurrentInitializer: init(1) };
  const rnn = cell === 'lstm'
    ? tf.layers.lstm({ ...common, recurrentActivation: 'sigmoid' })
    : cell === 'gru'
      ? tf.layers.gru({ ...common, recurrentActivation: 'sigmoid' })
      : tf.layers.simpleRNN(common);
  return tf.sequential({ layers: [rnn, tf.layers.dense({ units: classes, kernelInitializer: init(2) })] });
}

function inputs(samples: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: samples * STEPS * FEATURES }, () => rng.normal());
}

/** Labels the teacher itself would give, so that the hard and soft terms agree. */
function teacherLabels(teacher: tf.LayersModel, x: Float32Array, samples: number): Int32Array {
  return tf.tidy(() => {
    const out = teacher.predict(tf.tensor3d(x, [samples, STEPS, FEATURES])) as tf.Tensor;
    return Int32Array.from(tf.argMax(out, -1).dataSync());
  });
}

/** Reference gap: plain loops over the two models' outputs, (1/N) Σ_n Σ_k (s − t)². */
function referenceGap(student: tf.LayersModel, teacher: tf.LayersModel, x: Float32Array, samples: number): number {
  const [s, t] = tf.tidy(() => {
    const input = tf.tensor3d(x, [samples, STEPS, FEATURES]);
    return [(student.predict(input) as tf.Tensor).dataSync(), (teacher.predict(input) as tf.Tensor).dataSync()];
  });
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += (s[i] - t[i]) ** 2;
  return sum / samples;
}

function weightValues(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => Float32Array.from(w.dataSync()));
}

before(async () => {
  await initBackend();
});

describe('mseDistillationLoss', () => {
  it('sums squared differences over outputs and averages over the batch', () => {
    // sample 0: (1-0)² + (2-0)² = 5; sample 1: (0-3)² + (0-4)² = 25; mean = 15
    const loss = tf.tidy(() => mseDistillationLoss(tf.tensor2d([[1, 2], [0, 0]]), tf.tensor2d([[0, 0], [3, 4]])));
    close(scalar(loss), 15);
  });

  it('sums over time steps and vocabulary for per-step outputs', () => {
    // sample 0: 1² + 1² = 2; sample 1: 2² = 4; mean = 3
    const s = tf.tensor3d([[[1, 0], [0, 1]], [[2, 0], [0, 0]]]);
    const t = tf.zeros([2, 2, 2]);
    close(scalar(mseDistillationLoss(s, t)), 3);
    tf.dispose([s, t]);
  });

  it('rejects different shapes naming both', () => {
    const s = tf.zeros([2, 3]);
    const t = tf.zeros([2, 4]);
    assert.throws(() => mseDistillationLoss(s, t), {
      name: 'RangeError',
      message: 'student output shape [2, 3] must equal teacher output shape [2, 4]',
    });
    tf.dispose([s, t]);
  });
});

describe('softTargetKl and hintonLoss', () => {
  it('matches a hand computation of KL at temperature 2 on two classes', () => {
    // t/T = [1, 0] -> p_t = [e/(1+e), 1/(1+e)] = [0.7310586, 0.2689414]; s/T = [0, 1] -> p_s reversed.
    // log p_t - log p_s = [1, -1], so KL = 0.7310586 - 0.2689414 = 0.4621172.
    const kl = tf.tidy(() => softTargetKl(tf.tensor2d([[0, 2]]), tf.tensor2d([[2, 0]]), 2));
    close(scalar(kl), 0.4621172);
  });

  it('matches a hand computation of KL on three classes', () => {
    // p_t = softmax([1, 2, 3]) = [0.0900306, 0.2447285, 0.6652410]; p_s = softmax([3, 2, 1]);
    // both share log-sum-exp, so log p_t - log p_s = t - s = [-2, 0, 2];
    // KL = -2·0.0900306 + 2·0.6652410 = 1.1504208.
    const kl = tf.tidy(() => softTargetKl(tf.tensor2d([[3, 2, 1]]), tf.tensor2d([[1, 2, 3]]), 1));
    close(scalar(kl), 1.1504208);
  });

  it('scales the soft term by T squared', () => {
    const s = tf.tensor2d([[0, 2]]);
    const t = tf.tensor2d([[2, 0]]);
    // T = 2: 2² · 0.4621172 = 1.8484686.
    close(scalar(hintonLoss(s, t, null, { temperature: 2, alpha: 1 })), 1.8484686);
    // T = 1: p_t = [0.8807971, 0.1192029], log-ratio [2, -2]: KL = 2·(0.8807971 - 0.1192029) = 1.5231883, times 1².
    close(scalar(hintonLoss(s, t, null, { temperature: 1, alpha: 1 })), 1.5231883);
    tf.dispose([s, t]);
  });

  it('reduces to cross-entropy on the labels when alpha = 0, whatever the teacher says', () => {
    // p_s = softmax([0, 2]) = [0.1192029, 0.8807971]; label 1: -ln 0.8807971 = 0.1269280;
    // label 0: -ln 0.1192029 = 2.1269280; mean = 1.1269280.
    const s = tf.tensor2d([[0, 2], [0, 2]]);
    const labels = tf.tensor1d([1, 0], 'int32');
    for (const teacher of [[[2, 0], [2, 0]], [[-5, 9], [0, 0]]]) {
      const t = tf.tensor2d(teacher);
      close(scalar(hintonLoss(s, t, labels, { temperature: 3, alpha: 0 })), 1.1269280);
      t.dispose();
    }
    close(scalar(sparseSoftmaxCrossEntropy(labels, s)), 1.1269280);
    tf.dispose([s, labels]);
  });

  it('reduces to T² · KL when alpha = 1, whatever the labels', () => {
    const s = tf.tensor2d([[0, 2]]);
    const t = tf.tensor2d([[2, 0]]);
    for (const label of [0, 1]) {
      const y = tf.tensor1d([label], 'int32');
      close(scalar(hintonLoss(s, t, y, { temperature: 2, alpha: 1 })), 1.8484686);
      y.dispose();
    }
    tf.dispose([s, t]);
  });

  it('mixes the two terms with weights alpha and 1 - alpha', () => {
    // 0.5 · 1.8484686 + 0.5 · 0.1269280 = 0.9876983
    const loss = tf.tidy(() => hintonLoss(tf.tensor2d([[0, 2]]), tf.tensor2d([[2, 0]]), tf.tensor1d([1], 'int32'), { temperature: 2, alpha: 0.5 }));
    close(scalar(loss), 0.9876983);
  });

  it('has gradient T · (p_s − p_t) with respect to the student logits when alpha = 1', () => {
    // d/ds [T² KL(p_t^T || softmax(s/T))] = T (p_s^T − p_t^T); at T = 2:
    // 2 · ([0.2689414, 0.7310586] − [0.7310586, 0.2689414]) = [−0.9242344, 0.9242344].
    const t = tf.tensor2d([[2, 0]]);
    const grad = tf.tidy(() => tf.grad((s: tf.Tensor) => hintonLoss(s, t, null, { temperature: 2, alpha: 1 }))(tf.tensor2d([[0, 2]])));
    const g = grad.dataSync();
    close(g[0], -0.9242344);
    close(g[1], 0.9242344);
    tf.dispose([t, grad]);
  });

  it('stays finite and exact for logits of 1000', () => {
    // log p_t = [0, -1000], log p_s = [-1000, 0]; KL = 1 · (0 + 1000) + e^-1000 · (...) = 1000.
    const kl = tf.tidy(() => softTargetKl(tf.tensor2d([[0, 1000]]), tf.tensor2d([[1000, 0]]), 1));
    close(scalar(kl), 1000, 1e-3);
    const ls = tf.tidy(() => tf.logSoftmax(tf.tensor2d([[1000, 0]])));
    assert.deepEqual(Array.from(ls.dataSync()), [0, -1000]);
    ls.dispose();
  });

  it('averages per-step logits of a language model over every position', () => {
    // [batch 1, 2 steps, vocab 2]: step 0 as the T = 1 case above (KL 1.5231883), step 1 identical (0).
    // mean KL = 0.7615942; CE with labels [1, 0]: step 0 -ln 0.8807971 = 0.1269280,
    // step 1 p = softmax([1, 1]), -ln 0.5 = 0.6931472; mean 0.4100376.
    const s = tf.tensor3d([[[0, 2], [1, 1]]]);
    const t = tf.tensor3d([[[2, 0], [1, 1]]]);
    const y = tf.tensor2d([[1, 0]], [1, 2], 'int32');
    close(scalar(softTargetKl(s, t, 1)), 0.7615942);
    close(scalar(sparseSoftmaxCrossEntropy(y, s)), 0.4100376);
    close(scalar(hintonLoss(s, t, y, { temperature: 1, alpha: 0.5 })), 0.5 * 0.7615942 + 0.5 * 0.4100376);
    tf.dispose([s, t, y]);
  });

  it('rejects bad temperature, alpha, shapes and missing labels', () => {
    const s = tf.zeros([1, 2]);
    const t = tf.zeros([1, 2]);
    const wide = tf.zeros([1, 3]);
    assert.throws(() => hintonLoss(s, t, null, { temperature: 0, alpha: 1 }), { name: 'RangeError', message: 'temperature must be a finite number > 0, got 0' });
    assert.throws(() => hintonLoss(s, t, null, { alpha: 1.5 }), { name: 'RangeError', message: 'alpha must be in [0, 1], got 1.5' });
    assert.throws(() => hintonLoss(s, wide, null, { alpha: 1 }), { name: 'RangeError', message: 'student output shape [1, 2] must equal teacher output shape [1, 3]' });
    assert.throws(() => hintonLoss(s, t, null, { alpha: 0.5 }), { name: 'TypeError', message: /labels are required when alpha < 1/ });
    const y = tf.tensor1d([0, 1], 'int32');
    assert.throws(() => sparseSoftmaxCrossEntropy(y, s), { name: 'RangeError', message: /labels must have one entry per prediction \(1 for logits \[1, 2\]\), got 2/ });
    tf.dispose([s, t, wide, y]);
  });

  it('leaks no tensors', () => {
    const s = tf.tensor3d([[[0, 2], [1, 1]]]);
    const t = tf.tensor3d([[[2, 0], [1, 1]]]);
    const y = tf.tensor2d([[1, 0]], [1, 2], 'int32');
    const start = tf.memory().numTensors;
    for (const v of [mseDistillationLoss(s, t), softTargetKl(s, t, 2), sparseSoftmaxCrossEntropy(y, s), hintonLoss(s, t, y)]) v.dispose();
    assert.equal(tf.memory().numTensors, start);
    tf.dispose([s, t, y]);
  });
});

/** A classification dataset over the given inputs, labelled by the teacher (validation likewise). */
function teacherDataset(teacher: tf.LayersModel, x: Float32Array, samples: number, validation?: { x: Float32Array; samples: number }): ClassificationDataset {
  const split = (xs: Float32Array, n: number): Split => ({ x: xs, y: Float32Array.from(teacherLabels(teacher, xs, n)), size: n });
  const empty: Split = { x: new Float32Array(0), y: new Float32Array(0), size: 0 };
  return {
    task: 'classification', name: 'teacher-labels', timeSteps: STEPS, features: FEATURES, numClasses: CLASSES, classNames: ['a', 'b', 'c'],
    train: split(x, samples), validation: validation ? split(validation.x, validation.samples) : empty, test: empty, seed: 1, source: 'synthetic',
  };
}

describe('distill', () => {
  const N = 48;
  const x = inputs(N, 11);
  const quiet = { progress: 'none' as const };

  it('brings a smaller student of another cell type closer to the teacher (mse loss)', async () => {
    const teacher = classifier('lstm', 8, 100);
    const student = classifier('simpleRNN', 4, 200);
    const data = teacherDataset(teacher, x, N);
    const gapBefore = referenceGap(student, teacher, x, N);
    const history = await distill(student, teacher, data, { ...quiet, loss: 'mse', numEpochs: 10, batchSize: 16, learningRate: 0.02, seed: 3 });
    const gapAfter = referenceGap(student, teacher, x, N);
    assert.equal(history.epochs.length, 10);
    assert.equal(history.steps, 30); // 10 epochs of 48 sequences in batches of 16
    assert.ok(gapAfter < 0.5 * gapBefore, `gap before ${gapBefore}, after ${gapAfter}`);
    const reported = await compareWithTeacher(student, teacher, { x });
    close(reported.mse, gapAfter, 1e-4, 'compareWithTeacher mse');
    teacher.dispose();
    student.dispose();
  });

  it('leaves the teacher unchanged', async () => {
    const teacher = classifier('gru', 6, 300);
    const student = classifier('gru', 3, 400);
    const beforeValues = weightValues(teacher);
    await distill(student, teacher, teacherDataset(teacher, x, N), { ...quiet, numEpochs: 2, batchSize: 16, learningRate: 0.05 });
    weightValues(teacher).forEach((w, i) => assert.deepEqual(w, beforeValues[i], `teacher weight ${i} changed`));
    teacher.dispose();
    student.dispose();
  });

  it('trains with the hinton loss through train: callbacks run, and validation reports the task accuracy', async () => {
    const teacher = classifier('lstm', 8, 500);
    const student = classifier('gru', 4, 600);
    const data = teacherDataset(teacher, x, N, { x: inputs(20, 12), samples: 20 });
    const seen: number[] = [];
    const history = await distill(student, teacher, data, {
      ...quiet, loss: 'hinton', temperature: 2, alpha: 0.7, numEpochs: 8, batchSize: 16, learningRate: 0.02,
      callbacks: [{ onEpochEnd: (logs) => void seen.push(logs.epoch) }],
    });
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.ok(history.epochs[7].loss < history.epochs[0].loss, `loss ${history.epochs.map((e) => e.loss)}`);
    // The last epoch's validation accuracy is the student's accuracy on the validation labels.
    const predicted = tf.tidy(() => (student.predict(tf.tensor3d(data.validation.x, [20, STEPS, FEATURES])) as tf.Tensor).arraySync() as number[][]);
    let hits = 0;
    predicted.forEach((row, i) => { if (row.indexOf(Math.max(...row)) === data.validation.y[i]) hits++; });
    close(history.epochs[7].valMetric, hits / 20, 1e-9, 'valMetric');
    close(evaluate(student, data, 'validation').accuracy, hits / 20, 1e-9, 'evaluate');
    teacher.dispose();
    student.dispose();
  });

  it('stops early on the validation split and restores the best student', async () => {
    const teacher = classifier('lstm', 8, 510);
    const student = classifier('gru', 4, 610);
    const data = teacherDataset(teacher, x, N, { x: inputs(20, 13), samples: 20 });
    const stop = earlyStopping({ patience: 2 });
    const history = await distill(student, teacher, data, { ...quiet, loss: 'hinton', numEpochs: 40, batchSize: 16, learningRate: 0.05, callbacks: [stop] });
    assert.equal(stop.bestEpoch, history.bestEpoch);
    const best = history.epochs[history.bestEpoch as number];
    close(evaluate(student, data, 'validation').crossEntropy, best.valLoss, 1e-5, 'restored validation loss');
    teacher.dispose();
    student.dispose();
  });

  it('gives the same losses with the teacher cached or computed per batch', async () => {
    const teacher = classifier('lstm', 6, 700);
    const a = classifier('simpleRNN', 3, 800);
    const b = classifier('simpleRNN', 3, 800);
    const data = teacherDataset(teacher, x, N);
    const options = { ...quiet, numEpochs: 2, batchSize: 16, learningRate: 0.01, seed: 9 };
    const cached = await distill(a, teacher, data, { ...options, cacheTeacher: true });
    const live = await distill(b, teacher, data, { ...options, cacheTeacher: false });
    const autoStudent = classifier('simpleRNN', 3, 800);
    const auto = await distill(autoStudent, teacher, data, { ...options, numEpochs: 1 });
    assert.equal(cached.teacherCached, true);
    assert.equal(live.teacherCached, false);
    assert.equal(auto.teacherCached, true, 'a few kilobytes of outputs are cached by auto');
    // N · 3 classes · 4 bytes
    assert.equal(cached.teacherOutputBytes, N * CLASSES * 4);
    cached.epochs.forEach((e, i) => close(live.epochs[i].loss, e.loss, 1e-5, `epoch ${i}`));
    teacher.dispose();
    a.dispose();
    b.dispose();
    autoStudent.dispose();
  });

  it('distills per-step logits of a language model', async () => {
    // Counting modulo 5: the next character is the current one plus 1.
    const vocab = 5;
    const rng = createRng(21);
    const lmSplit = (n: number): Split => {
      const xs = new Float32Array(n * STEPS);
      const ys = new Float32Array(n * STEPS);
      for (let i = 0; i < n; i++) {
        let c = rng.int(vocab);
        for (let t = 0; t < STEPS; t++) { xs[i * STEPS + t] = c; c = (c + 1) % vocab; ys[i * STEPS + t] = c; }
      }
      return { x: xs, y: ys, size: n };
    };
    const data: LanguageModelDataset = {
      task: 'language-model', name: 'counting', timeSteps: STEPS, features: 1, vocab: ['a', 'b', 'c', 'd', 'e'], vocabSize: vocab, unigramCrossEntropy: Math.log(vocab),
      train: lmSplit(N), validation: lmSplit(8), test: lmSplit(8), seed: 1, source: 'synthetic',
    };
    const teacher = buildModelFor(data, { cell: 'GRU', units: 8, seed: 900 });
    const student = buildModelFor(data, { cell: 'GRU', units: 3, seed: 1000 });
    const history = await distill(student, teacher, data, { ...quiet, loss: 'hinton', temperature: 2, alpha: 0.5, numEpochs: 6, batchSize: 16, learningRate: 0.03 });
    assert.ok(history.epochs[5].loss < history.epochs[0].loss, `loss ${history.epochs.map((e) => e.loss)}`);
    teacher.dispose();
    student.dispose();
  });

  it('rejects mismatched output shapes naming both, and leaves the student untouched', async () => {
    const teacher = classifier('lstm', 4, 1100, 3);
    const student = classifier('lstm', 4, 1200, 4);
    const beforeValues = weightValues(student);
    const data = teacherDataset(teacher, x, N);
    await assert.rejects(distill(student, teacher, data), {
      name: 'RangeError',
      message: "model output shape must be [null, 3] for dataset 'teacher-labels', got [null, 4]",
    });
    weightValues(student).forEach((w, i) => assert.deepEqual(w, beforeValues[i]));
    teacher.dispose();
    student.dispose();
  });

  it('rejects bad options and a student that is the teacher, before training', async () => {
    const teacher = classifier('lstm', 4, 1300);
    const student = classifier('simpleRNN', 2, 1400);
    const data = teacherDataset(teacher, x, N);
    const beforeValues = weightValues(student);
    await assert.rejects(distill(student, teacher, data, { numEpochs: 0 }), { name: 'RangeError', message: 'numEpochs must be a positive integer, got 0' });
    await assert.rejects(distill(student, teacher, data, { batchSize: 2.5 }), { name: 'RangeError', message: 'batchSize must be a positive integer, got 2.5' });
    await assert.rejects(distill(student, teacher, data, { temperature: -1 }), { name: 'RangeError', message: 'temperature must be a finite number > 0, got -1' });
    await assert.rejects(distill(student, teacher, data, { loss: 'kl' as 'mse' }), { name: 'RangeError', message: "loss must be 'mse' or 'hinton', got 'kl'" });
    await assert.rejects(distill(student, teacher, data, { lossFn: () => tf.scalar(0) } as never), { name: 'TypeError', message: 'distill sets lossFn itself, got one in options' });
    await assert.rejects(distill(teacher, teacher, data), { name: 'TypeError', message: 'student and teacher must be different models, got the same model twice' });
    weightValues(student).forEach((w, i) => assert.deepEqual(w, beforeValues[i]));
    teacher.dispose();
    student.dispose();
  });

  it('leaks no tensors', async () => {
    const teacher = classifier('lstm', 4, 1500);
    const student = classifier('gru', 2, 1600);
    const data = teacherDataset(teacher, x, N, { x: inputs(16, 14), samples: 16 });
    const start = tf.memory().numTensors;
    await distill(student, teacher, data, { ...quiet, loss: 'hinton', numEpochs: 1, batchSize: 16, cacheTeacher: false });
    await distill(student, teacher, data, { ...quiet, numEpochs: 2, batchSize: 16, cacheTeacher: true, callbacks: [earlyStopping({ patience: 1 })] });
    await compareWithTeacher(student, teacher, { x });
    assert.equal(tf.memory().numTensors, start);
    teacher.dispose();
    student.dispose();
  });
});
