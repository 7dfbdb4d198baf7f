/**
 * Storage encodings of weight tensors, each with a real encoder and decoder, so that reported
 * sizes are lengths of byte arrays that decode back to the weights.
 */
export * from './types';
export { SUPPORTED_BITS } from './header';
export { deriveCodes, dequantizeCodes, normaliseCodes } from './codes';
export type { DeriveCodesOptions } from './codes';
export { float32ToHalfBits, halfBitsToFloat32, encodeFloat32, decodeFloat32, encodeFloat16, decodeFloat16 } from './dense';
export { encodePacked, decodePacked } from './packed';
export { encodeBitmaskFloat32, decodeBitmaskFloat32, encodeBitmaskCodes, decodeBitmaskCodes } from './bitmask';
export { encodeCsrFloat32, decodeCsrFloat32, encodeCsrCodes, decodeCsrCodes } from './csr';
export type { CsrOptions } from './csr';
export { huffmanCodeLengths, canonicalHuffmanCodes, huffmanEncodeSymbols, huffmanDecodeSymbols, MAX_CODE_LENGTH } from './huffman';
export { encodeHuffmanCodes, decodeHuffmanCodes, encodeCsrHuffman, decodeCsrHuffman } from './huffman-formats';
export { gzipBytes, gunzipBytes, savedModelFiles } from './gzip';
export type { SavedModelFiles } from './gzip';
export { decodeTensor } from './decode';
export { encodeAll } from './encode-all';
export type { EncodeAllOptions, EncodingTable } from './encode-all';
export { modelStorageReport } from './model-report';
export type { StorageReportOptions, StorageReport, WeightStorage } from './model-report';
