/**
 * The project's own file format for exact quantization codes, written next to a standard tfjs
 * `model.json` when the tfjs manifest cannot hold them: per-channel scales, or codes narrower than
 * a byte (tfjs stores one code per uint8). Two files:
 *
 * - `quantization.json`: `{ format: 'rnnc-quantized-weights', version: 1, weights: [...] }`, one
 *   entry per weight with its name, shape, bits, scheme, granularity, channel axis, code range and
 *   the byte offsets of its parts;
 * - `quantization.bin`, per weight: the codes shifted to q - qmin >= 0 and bit-packed at `bits` bits
 *   (least significant bit first), padded to 4 bytes; the float32 scales; for the affine scheme the
 *   int32 zero points. Numbers are little-endian.
 */
import { packBits, unpackBits } from './bitpack';
import { codeArrayFor, makeQuantizedTensor } from './quantize';
import type { QuantizedTensor } from './quantize';
import { QUANT_GRANULARITIES, QUANT_SCHEMES, codeRange } from './options';

/** Value of the `format` field. */
export const SIDECAR_FORMAT = 'rnnc-quantized-weights';

/** One weight in `quantization.json`. */
export interface SidecarEntry {
  name: string;
  shape: number[];
  bits: number;
  scheme: QuantizedTensor['scheme'];
  granularity: QuantizedTensor['granularity'];
  channelAxis: number | null;
  qmin: number;
  qmax: number;
  channels: number;
  codesOffset: number;
  codesBytes: number;
  scalesOffset: number;
  /** Null for the symmetric scheme (all zero points are 0). */
  zeroPointsOffset: number | null;
}

/** Contents of `quantization.json`. */
export interface SidecarManifest {
  format: typeof SIDECAR_FORMAT;
  version: 1;
  weights: SidecarEntry[];
}

const align4 = (n: number): number => Math.ceil(n / 4) * 4;

/**
 * Encodes quantized weights into the sidecar manifest and binary.
 *
 * @example const { manifest, data } = encodeSidecar([{ name: 'lstm/kernel', quantized: q }]);
 * @param weights Named quantized tensors.
 * @returns The manifest (JSON-serialisable) and the bytes.
 */
export function encodeSidecar(weights: { name: string; quantized: QuantizedTensor }[]): { manifest: SidecarManifest; data: Uint8Array } {
  const entries: SidecarEntry[] = [];
  const parts: { offset: number; bytes: Uint8Array }[] = [];
  let offset = 0;
  for (const { name, quantized: q } of weights) {
    const shifted = new Uint32Array(q.codes.length);
    for (let i = 0; i < shifted.length; i++) shifted[i] = q.codes[i] - q.qmin;
    const codes = packBits(shifted, q.bits);
    const codesOffset = offset;
    offset = align4(offset + codes.length);
    const scalesOffset = offset;
    const scales = new Uint8Array(4 * q.scales.length);
    const view = new DataView(scales.buffer);
    q.scales.forEach((s, i) => view.setFloat32(4 * i, s, true));
    offset += scales.length;
    let zeroPointsOffset: number | null = null;
    parts.push({ offset: codesOffset, bytes: codes }, { offset: scalesOffset, bytes: scales });
    if (q.scheme === 'affine') {
      zeroPointsOffset = offset;
      const zp = new Uint8Array(4 * q.zeroPoints.length);
      const zview = new DataView(zp.buffer);
      q.zeroPoints.forEach((z, i) => zview.setInt32(4 * i, z, true));
      parts.push({ offset, bytes: zp });
      offset += zp.length;
    }
    entries.push({
      name,
      shape: q.shape,
      bits: q.bits,
      scheme: q.scheme,
      granularity: q.granularity,
      channelAxis: q.channelAxis,
      qmin: q.qmin,
      qmax: q.qmax,
      channels: q.scales.length,
      codesOffset,
      codesBytes: codes.length,
      scalesOffset,
      zeroPointsOffset,
    });
  }
  const data = new Uint8Array(offset);
  for (const p of parts) data.set(p.bytes, p.offset);
  return { manifest: { format: SIDECAR_FORMAT, version: 1, weights: entries }, data };
}

function checkEntry(e: SidecarEntry): void {
  if (!QUANT_SCHEMES.includes(e.scheme)) throw new RangeError(`scheme of '${e.name}' must be one of ${QUANT_SCHEMES.join(', ')}, got '${e.scheme}'`);
  if (!QUANT_GRANULARITIES.includes(e.granularity)) {
    throw new RangeError(`granularity of '${e.name}' must be one of ${QUANT_GRANULARITIES.join(', ')}, got '${e.granularity}'`);
  }
  const { qmin, qmax } = codeRange(e.bits, e.scheme);
  if (qmin !== e.qmin || qmax !== e.qmax) throw new RangeError(`code range of '${e.name}' must be [${qmin}, ${qmax}], got [${e.qmin}, ${e.qmax}]`);
}

/**
 * Decodes what {@link encodeSidecar} wrote.
 *
 * @example const weights = decodeSidecar(manifest, data); weights.get('lstm/kernel')?.dequantize();
 * @param manifest Parsed `quantization.json`.
 * @param data Bytes of `quantization.bin`.
 * @returns The quantized tensors by weight name.
 * @throws RangeError when the manifest has another format or version, or the bytes are too few.
 */
export function decodeSidecar(manifest: SidecarManifest, data: Uint8Array): Map<string, QuantizedTensor> {
  if (manifest?.format !== SIDECAR_FORMAT || manifest.version !== 1) {
    throw new RangeError(`manifest must have format '${SIDECAR_FORMAT}' version 1, got '${String(manifest?.format)}' version ${String(manifest?.version)}`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new Map<string, QuantizedTensor>();
  for (const e of manifest.weights) {
    checkEntry(e);
    const count = e.shape.reduce((a, b) => a * b, 1);
    const end = Math.max(e.codesOffset + e.codesBytes, e.scalesOffset + 4 * e.channels, (e.zeroPointsOffset ?? 0) + 4 * e.channels);
    if (end > data.length) throw new RangeError(`data must hold at least ${end} bytes for '${e.name}', got ${data.length}`);
    const shifted = unpackBits(data.subarray(e.codesOffset, e.codesOffset + e.codesBytes), e.bits, count);
    const codes = codeArrayFor(e.qmin, e.qmax, count);
    for (let i = 0; i < count; i++) codes[i] = shifted[i] + e.qmin;
    const scales = new Float32Array(e.channels);
    const zeroPoints = new Int32Array(e.channels);
    for (let c = 0; c < e.channels; c++) {
      scales[c] = view.getFloat32(e.scalesOffset + 4 * c, true);
      if (e.zeroPointsOffset !== null) zeroPoints[c] = view.getInt32(e.zeroPointsOffset + 4 * c, true);
    }
    out.set(e.name, makeQuantizedTensor({
      codes,
      scales,
      zeroPoints,
      bits: e.bits,
      scheme: e.scheme,
      granularity: e.granularity,
      channelAxis: e.channelAxis,
      shape: e.shape,
      qmin: e.qmin,
      qmax: e.qmax,
    }));
  }
  return out;
}
