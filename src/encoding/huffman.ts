/**
 * Canonical Huffman coding of small non-negative integers (quantization codes, relative indices),
 * the last stage of Deep Compression. Code lengths come from the usual merge of the two lightest
 * subtrees; codes are then assigned canonically (by length, then by symbol), so only the lengths
 * need to be stored.
 *
 * Serialised table: u8 symbolBytes (1 or 2) | u32 count | count x (symbol in symbolBytes, u8 length),
 * symbols ascending. The bitstream follows, each code most significant bit first, zero-padded to a
 * whole byte.
 */
import { ByteReader, ByteWriter } from './bits';

/** Longest code the coder emits; frequencies are flattened until the tree fits. */
export const MAX_CODE_LENGTH = 24;

const MAX_SYMBOL = 65535;

interface HeapNode {
  weight: number;
  /** Tie-breaker that makes the tree, hence the lengths, deterministic. */
  order: number;
  symbol: number;
  left?: HeapNode;
  right?: HeapNode;
}

function lighter(a: HeapNode, b: HeapNode): boolean {
  return a.weight < b.weight || (a.weight === b.weight && a.order < b.order);
}

class MinHeap {
  private readonly items: HeapNode[] = [];

  get size(): number {
    return this.items.length;
  }

  push(node: HeapNode): void {
    const a = this.items;
    a.push(node);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!lighter(a[i], a[parent])) break;
      [a[i], a[parent]] = [a[parent], a[i]];
      i = parent;
    }
  }

  pop(): HeapNode {
    const a = this.items;
    const top = a[0];
    const last = a.pop() as HeapNode;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && lighter(a[l], a[m])) m = l;
        if (r < a.length && lighter(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

function treeLengths(entries: [number, number][]): Map<number, number> {
  const heap = new MinHeap();
  let order = 0;
  for (const [symbol, weight] of entries) heap.push({ weight, order: order++, symbol });
  while (heap.size > 1) {
    const a = heap.pop();
    const b = heap.pop();
    heap.push({ weight: a.weight + b.weight, order: order++, symbol: -1, left: a, right: b });
  }
  const lengths = new Map<number, number>();
  const stack: [HeapNode, number][] = [[heap.pop(), 0]];
  while (stack.length) {
    const [node, depth] = stack.pop() as [HeapNode, number];
    if (node.left && node.right) {
      stack.push([node.left, depth + 1], [node.right, depth + 1]);
    } else {
      lengths.set(node.symbol, depth);
    }
  }
  return lengths;
}

/**
 * Huffman code lengths for a frequency table. A lone symbol gets a 1-bit code. If the optimal tree
 * is deeper than {@link MAX_CODE_LENGTH}, frequencies are halved (rounding up) until it fits, which
 * costs a little optimality only for extremely skewed tables.
 *
 * @example huffmanCodeLengths(new Map([[0, 5], [1, 2], [2, 1], [3, 1]])) // 0->1, 1->2, 2->3, 3->3
 * @param frequencies Symbol (integer in [0, 65535]) to count; symbols with count 0 are left out.
 * @returns Symbol to code length in bits.
 * @throws RangeError when a symbol or a count is invalid.
 */
export function huffmanCodeLengths(frequencies: Map<number, number>): Map<number, number> {
  if (!(frequencies instanceof Map)) throw new TypeError(`frequencies must be a Map from symbol to count, got ${typeof frequencies}`);
  let entries: [number, number][] = [];
  for (const [symbol, count] of frequencies) {
    if (!Number.isInteger(symbol) || symbol < 0 || symbol > MAX_SYMBOL) {
      throw new RangeError(`symbols must be integers in [0, ${MAX_SYMBOL}], got ${symbol}`);
    }
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`counts must be non-negative integers, got ${count} for symbol ${symbol}`);
    if (count > 0) entries.push([symbol, count]);
  }
  entries.sort((a, b) => a[0] - b[0]);
  if (entries.length === 0) return new Map();
  if (entries.length === 1) return new Map([[entries[0][0], 1]]);
  for (;;) {
    const lengths = treeLengths(entries);
    if (Math.max(...lengths.values()) <= MAX_CODE_LENGTH) return lengths;
    entries = entries.map(([s, c]) => [s, Math.ceil(c / 2)]);
  }
}

/**
 * Canonical codes for a set of code lengths: symbols sorted by (length, symbol) receive consecutive
 * codes, shifted left whenever the length grows.
 *
 * @example canonicalHuffmanCodes(new Map([[0, 1], [1, 2], [2, 3], [3, 3]])) // 0:'0', 1:'10', 2:'110', 3:'111'
 * @param lengths Symbol to code length.
 * @returns Symbol to { code, length }, the code read most significant bit first.
 */
export function canonicalHuffmanCodes(lengths: Map<number, number>): Map<number, { code: number; length: number }> {
  const sorted = [...lengths].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  const codes = new Map<number, { code: number; length: number }>();
  let code = 0;
  let prev = sorted.length ? sorted[0][1] : 0;
  for (const [symbol, length] of sorted) {
    code *= 2 ** (length - prev);
    prev = length;
    codes.set(symbol, { code, length });
    code++;
  }
  return codes;
}

function reverseBits(code: number, length: number): number {
  let out = 0;
  for (let i = 0; i < length; i++) out = out * 2 + (Math.floor(code / 2 ** i) & 1);
  return out;
}

/**
 * Writes a Huffman table and the bitstream of `symbols` into a writer (the stream ends on a byte
 * boundary).
 *
 * @returns Sizes of the table and of the bitstream, for reporting.
 */
export function writeHuffman(w: ByteWriter, symbols: ArrayLike<number>): { tableBytes: number; bitstreamBits: number } {
  const freq = new Map<number, number>();
  for (let i = 0; i < symbols.length; i++) freq.set(symbols[i], (freq.get(symbols[i]) ?? 0) + 1);
  const lengths = huffmanCodeLengths(freq);
  const codes = canonicalHuffmanCodes(lengths);
  const table = [...lengths].sort((a, b) => a[0] - b[0]);
  const symbolBytes = table.length && table[table.length - 1][0] > 255 ? 2 : 1;
  w.u8(symbolBytes);
  w.u32(table.length);
  for (const [symbol, length] of table) {
    w.uint(symbol, symbolBytes);
    w.u8(length);
  }
  const reversed = new Map([...codes].map(([s, c]) => [s, { bits: reverseBits(c.code, c.length), length: c.length }]));
  let bitstreamBits = 0;
  for (let i = 0; i < symbols.length; i++) {
    const c = reversed.get(symbols[i]) as { bits: number; length: number };
    w.bits(c.bits, c.length);
    bitstreamBits += c.length;
  }
  w.flushBits();
  return { tableBytes: 5 + table.length * (symbolBytes + 1), bitstreamBits };
}

/** Reads a table and `count` symbols written by {@link writeHuffman}. */
export function readHuffman(r: ByteReader, count: number): Int32Array {
  const symbolBytes = r.u8();
  if (symbolBytes !== 1 && symbolBytes !== 2) throw new RangeError(`stored symbol width must be 1 or 2, got ${symbolBytes}`);
  const n = r.u32();
  const lengths = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const symbol = r.uint(symbolBytes);
    const length = r.u8();
    if (length < 1 || length > MAX_CODE_LENGTH) throw new RangeError(`stored code length must be in [1, ${MAX_CODE_LENGTH}], got ${length}`);
    lengths.set(symbol, length);
  }
  const sorted = [...canonicalHuffmanCodes(lengths)].sort((a, b) => a[1].length - b[1].length || a[1].code - b[1].code);
  // Canonical decoding: per length, the first code, how many codes and where their symbols start.
  const first = new Array<number>(MAX_CODE_LENGTH + 1).fill(0);
  const countOf = new Array<number>(MAX_CODE_LENGTH + 1).fill(0);
  const start = new Array<number>(MAX_CODE_LENGTH + 1).fill(0);
  sorted.forEach(([, c], i) => {
    if (countOf[c.length] === 0) {
      first[c.length] = c.code;
      start[c.length] = i;
    }
    countOf[c.length]++;
  });
  const out = new Int32Array(count);
  if (count > 0 && n === 0) throw new RangeError(`stored Huffman table must not be empty when ${count} symbols follow`);
  for (let i = 0; i < count; i++) {
    let code = 0;
    let length = 0;
    for (;;) {
      code = code * 2 + r.bits(1);
      length++;
      const k = code - first[length];
      if (countOf[length] > 0 && k >= 0 && k < countOf[length]) {
        out[i] = sorted[start[length] + k][0];
        break;
      }
      if (length >= MAX_CODE_LENGTH) throw new RangeError(`Huffman bitstream must hold valid codes, got none within ${MAX_CODE_LENGTH} bits at symbol ${i}`);
    }
  }
  r.alignToByte();
  return out;
}

/**
 * Huffman-codes a list of symbols into bytes: table + bitstream.
 *
 * @example huffmanEncodeSymbols([0, 0, 0, 0, 0, 1, 1, 2, 3]).bitstreamBits // 5*1 + 2*2 + 3 + 3 = 15
 * @param symbols Integers in [0, 65535].
 * @returns The bytes, the table size in bytes and the bitstream length in bits.
 * @throws TypeError when symbols is not array-like; RangeError for a symbol out of range.
 */
export function huffmanEncodeSymbols(symbols: ArrayLike<number>): { bytes: Uint8Array; tableBytes: number; bitstreamBits: number } {
  if (symbols === null || typeof symbols !== 'object' || typeof symbols.length !== 'number') {
    throw new TypeError(`symbols must be an array or typed array of integers, got ${symbols === null ? 'null' : typeof symbols}`);
  }
  const w = new ByteWriter();
  const sizes = writeHuffman(w, symbols);
  return { bytes: w.finish(), ...sizes };
}

/**
 * Reads {@link huffmanEncodeSymbols} bytes.
 *
 * @example huffmanDecodeSymbols(huffmanEncodeSymbols([3, 1, 3]).bytes, 3) // Int32Array [3, 1, 3]
 * @param bytes The encoding.
 * @param count How many symbols to read.
 * @returns The symbols.
 * @throws RangeError when the bytes are truncated or hold an invalid code.
 */
export function huffmanDecodeSymbols(bytes: Uint8Array, count: number): Int32Array {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  return readHuffman(new ByteReader(bytes), count);
}
