/**
 * Character vocabulary for language modelling: the most frequent characters of the training text
 * get ids, everything else maps to `<unk>` (id 0). Characters are Unicode code points, so a
 * character outside the Basic Multilingual Plane counts as one, not as two UTF-16 units.
 */
import { checkNonNegativeInteger, checkPositiveInteger } from './checks';

/** The token at id 0 that stands for every character left out of the vocabulary. */
export const UNK_TOKEN = '<unk>';

/** Id of {@link UNK_TOKEN}. */
export const UNK_ID = 0;

/** Options of {@link buildVocabulary}. */
export interface VocabularyOptions {
  /**
   * A character needs at least this many occurrences in the training text to get its own id.
   * @default 5
   */
  minCount?: number;
  /**
   * Largest vocabulary size, `<unk>` included; the most frequent characters are kept.
   * @default no limit
   */
  maxVocabSize?: number;
}

/**
 * Builds a vocabulary from training text: `<unk>` first, then the characters that occur at least
 * `minCount` times, most frequent first (ties by code point, so the result is deterministic).
 *
 * @example buildVocabulary('abracadabra', { minCount: 2 }) // ['<unk>', 'a', 'b', 'r']
 * @param texts Training text, one string or several documents.
 * @param options See {@link VocabularyOptions}.
 * @returns `vocab`, where `vocab[id]` is the character with that id.
 * @throws RangeError when `minCount` is not a non-negative integer or `maxVocabSize` is not an
 *   integer >= 2.
 */
export function buildVocabulary(texts: string | readonly string[], options: VocabularyOptions = {}): string[] {
  const { minCount = 5, maxVocabSize = Infinity } = options;
  checkNonNegativeInteger('minCount', minCount);
  if (maxVocabSize !== Infinity) {
    checkPositiveInteger('maxVocabSize', maxVocabSize);
    if (maxVocabSize < 2) throw new RangeError(`maxVocabSize must be at least 2 (<unk> plus one character), got ${maxVocabSize}`);
  }
  const counts = new Map<string, number>();
  for (const text of typeof texts === 'string' ? [texts] : texts) {
    for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  const kept = [...counts]
    .filter(([, n]) => n >= Math.max(1, minCount))
    .sort((a, b) => b[1] - a[1] || a[0].codePointAt(0)! - b[0].codePointAt(0)!)
    .slice(0, maxVocabSize - 1)
    .map(([ch]) => ch);
  return [UNK_TOKEN, ...kept];
}

/**
 * Turns text into ids; characters missing from the vocabulary become {@link UNK_ID}.
 *
 * @example encodeText('cab', ['<unk>', 'a', 'b']) // Int32Array [0, 1, 2]
 * @param text The text.
 * @param vocab A vocabulary from {@link buildVocabulary}.
 * @returns One id per code point.
 * @throws TypeError when `vocab` is not an array whose first entry is `<unk>`.
 */
export function encodeText(text: string, vocab: readonly string[]): Int32Array {
  if (!Array.isArray(vocab) || vocab[UNK_ID] !== UNK_TOKEN) throw new TypeError(`vocab must be an array starting with ${UNK_TOKEN}, got ${JSON.stringify(vocab?.[0])}`);
  const index = new Map<string, number>();
  vocab.forEach((ch, id) => {
    if (id !== UNK_ID) index.set(ch, id);
  });
  const ids: number[] = [];
  for (const ch of text) ids.push(index.get(ch) ?? UNK_ID);
  return Int32Array.from(ids);
}

/**
 * Turns ids back into text; `<unk>` is written literally.
 *
 * @example decodeIds([2, 1, 2], ['<unk>', 'a', 'b']) // 'bab'
 * @param ids Character ids (any numeric array, e.g. a `Float32Array` row of a split).
 * @param vocab The vocabulary the ids come from.
 * @returns The text.
 * @throws RangeError when an id is not an integer in [0, vocab.length).
 */
export function decodeIds(ids: ArrayLike<number>, vocab: readonly string[]): string {
  let text = '';
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= vocab.length) {
      throw new RangeError(`ids must be integers in [0, ${vocab.length}), got ${id} at index ${i}`);
    }
    text += vocab[id];
  }
  return text;
}

/**
 * Cross-entropy in nats of a unigram model fitted on training ids and evaluated on other ids:
 * `-(1/N) * sum_i ln p(e_i)` with add-one smoothing `p(c) = (count_c + 1) / (T + V)`, where T is
 * the number of training ids and V the vocabulary size. Smoothing keeps the value finite when an
 * id (typically `<unk>`) never occurs in training. A model that ignores context scores this, so a
 * language model must go below it.
 *
 * @example unigramCrossEntropy([1, 1, 2], [1, 2], 3) // -(ln(3/6) + ln(2/6)) / 2 ≈ 0.8959
 * @param trainIds Ids the frequencies are counted on.
 * @param evalIds Ids the model is scored on.
 * @param vocabSize Number of ids, V.
 * @returns The mean negative log-probability, in nats.
 * @throws RangeError when `vocabSize` is not a positive integer, `evalIds` is empty, or an id is
 *   outside [0, vocabSize).
 */
export function unigramCrossEntropy(trainIds: ArrayLike<number>, evalIds: ArrayLike<number>, vocabSize: number): number {
  checkPositiveInteger('vocabSize', vocabSize);
  if (evalIds.length === 0) throw new RangeError('evalIds must not be empty, got 0 ids');
  const counts = new Float64Array(vocabSize);
  const check = (id: number, which: string, i: number): void => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new RangeError(`${which} must be integers in [0, ${vocabSize}), got ${id} at index ${i}`);
  };
  for (let i = 0; i < trainIds.length; i++) {
    check(trainIds[i], 'trainIds', i);
    counts[trainIds[i]]++;
  }
  const denominator = trainIds.length + vocabSize;
  let total = 0;
  for (let i = 0; i < evalIds.length; i++) {
    check(evalIds[i], 'evalIds', i);
    total -= Math.log((counts[evalIds[i]] + 1) / denominator);
  }
  return total / evalIds.length;
}
