/**
 * One decoder for every tensor format, chosen by the format id in the first byte.
 */
import { decodeBitmaskCodes, decodeBitmaskFloat32 } from './bitmask';
import { decodeCsrCodes, decodeCsrFloat32 } from './csr';
import { decodeFloat16, decodeFloat32 } from './dense';
import { formatOfId } from './header';
import { decodeCsrHuffman, decodeHuffmanCodes } from './huffman-formats';
import { decodePacked } from './packed';
import { DecodedTensor, FormatName } from './types';

const DECODERS: Record<Exclude<FormatName, 'gzip'>, (bytes: Uint8Array) => DecodedTensor> = {
  float32: decodeFloat32,
  float16: decodeFloat16,
  packed: decodePacked,
  'bitmask-float32': decodeBitmaskFloat32,
  'bitmask-codes': decodeBitmaskCodes,
  'csr-float32': decodeCsrFloat32,
  'csr-codes': decodeCsrCodes,
  huffman: decodeHuffmanCodes,
  'csr-huffman': decodeCsrHuffman,
};

/**
 * Decodes the bytes of any tensor format.
 *
 * @example decodeTensor(encodeCsrFloat32(values, [4, 4]).bytes).values // equals values
 * @param bytes An encoding produced by one of the tensor encoders.
 * @returns Format, shape, values and, for code formats, the stored codes.
 * @throws TypeError when bytes is not a Uint8Array.
 * @throws RangeError when the first byte is no known tensor format or the bytes are malformed.
 */
export function decodeTensor(bytes: Uint8Array): DecodedTensor {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`bytes must be a Uint8Array, got ${typeof bytes}`);
  const format = bytes.length ? formatOfId(bytes[0]) : undefined;
  if (!format || format === 'gzip') {
    throw new RangeError(`encoded bytes must start with a tensor format id (1-9), got ${bytes.length ? bytes[0] : 'no bytes'}`);
  }
  return DECODERS[format](bytes);
}
