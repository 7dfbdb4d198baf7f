/**
 * Quantized weights in the standard tfjs weights manifest, which every tfjs loader decodes.
 *
 * A manifest entry may carry `quantization: { dtype: 'uint8' | 'uint16', scale, min }` and tfjs
 * decodes each stored integer u as u · scale + min (`io_utils.decodeWeights`), or
 * `{ dtype: 'float16' }`. That is one affine grid per tensor. Any per-tensor code fits it exactly:
 * u = q - qmin and min = scale · (qmin - zeroPoint), so symmetric codes are stored shifted. Both
 * products are exact in float64 (a 16-bit integer times a float32 scale), so tfjs decodes to the
 * very float32 values our dequantization gives. Per-channel scales do not fit: such weights are
 * written as float32 (their dequantized values, so the loaded model is still identical) and their
 * exact codes go to the sidecar (see `sidecar.ts`), as do codes narrower than 8 bits, which tfjs
 * would otherwise store one per byte.
 */
import * as tf from '@tensorflow/tfjs';
import { toFloat16 } from './float16';
import { DEFAULT_FLOAT16_ROLES } from './float16-model';
import { checkModel, quantizeWeight, resolveModelOptions, selectQuantizableWeights, summarizeQuantization, weightName } from './model';
import type { QuantizeModelOptions, QuantizeModelReport, QuantizedWeightReport } from './model';
import { encodeSidecar } from './sidecar';
import type { SidecarManifest } from './sidecar';

/** Storage type of quantized weights in the manifest. */
export type ManifestDtype = 'uint8' | 'uint16' | 'float16';

/** Options of {@link encodeQuantizedWeights}. */
export interface EncodeQuantizedOptions extends QuantizeModelOptions {
  /**
   * Storage type. `'uint8'` holds codes of up to 8 bits, `'uint16'` up to 16. `'float16'` ignores
   * the integer options and stores the selected weights (by default all four roles, biases
   * included) as half floats.
   * @default 'uint8' when bits <= 8, else 'uint16'
   */
  dtype?: ManifestDtype;
}

/** What {@link encodeQuantizedWeights} produces. */
export interface EncodedQuantizedModel {
  /** Standard tfjs artifacts (`model.json` contents and one weights buffer). */
  artifacts: tf.io.ModelArtifacts & { weightSpecs: tf.io.WeightsManifestEntry[]; weightData: ArrayBuffer };
  /** Exact codes that the manifest cannot hold (per-channel or below 8 bits); null when there are none. */
  sidecar: { manifest: SidecarManifest; data: Uint8Array } | null;
  /** The integer quantization report; null for float16. */
  report: QuantizeModelReport | null;
}

const DTYPES: readonly ManifestDtype[] = ['uint8', 'uint16', 'float16'];

function concat(parts: Uint8Array[]): ArrayBuffer {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out.buffer;
}

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Manifest entry and bytes of a weight quantized per tensor: u = q - qmin, min = scale · (qmin - zeroPoint). */
function integerEntry(r: QuantizedWeightReport, dtype: 'uint8' | 'uint16'): { spec: tf.io.WeightsManifestEntry; bytes: Uint8Array } {
  const q = r.quantized;
  const stored = dtype === 'uint8' ? new Uint8Array(q.codes.length) : new Uint16Array(q.codes.length);
  for (let i = 0; i < stored.length; i++) stored[i] = q.codes[i] - q.qmin;
  const scale = q.scales[0];
  return {
    spec: { name: r.name, shape: r.shape, dtype: 'float32', quantization: { dtype, scale, min: scale * (q.qmin - q.zeroPoints[0]) } },
    bytes: bytesOf(stored),
  };
}

function topologyOf(model: tf.LayersModel): object {
  return model.toJSON(null, false) as object;
}

/**
 * Encodes a model in the tfjs layers format with quantized weights (uint8, uint16 or float16
 * manifest entries), plus a sidecar of exact codes when needed.
 *
 * @example
 * const { artifacts } = encodeQuantizedWeights(model, { bits: 8, scheme: 'affine' });
 * const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
 * @param model A layers model (not modified).
 * @param options See {@link EncodeQuantizedOptions}.
 * @returns Artifacts, the optional sidecar and the report.
 * @throws TypeError when model is not a layers model.
 * @throws RangeError for invalid options, an unknown dtype, or bits > 8 with dtype 'uint8'.
 */
export function encodeQuantizedWeights(model: tf.LayersModel, options: EncodeQuantizedOptions = {}): EncodedQuantizedModel {
  checkModel(model);
  const { dtype: requested } = options;
  if (requested !== undefined && !DTYPES.includes(requested)) {
    throw new RangeError(`dtype must be one of ${DTYPES.join(', ')}, got '${String(requested)}'`);
  }
  if (requested === 'float16') return encodeFloat16(model, options);
  const { resolved, refs } = resolveModelOptions(model, options);
  const dtype = requested ?? (resolved.bits <= 8 ? 'uint8' : 'uint16');
  if (dtype === 'uint8' && resolved.bits > 8) throw new RangeError(`bits must be <= 8 for dtype 'uint8', got ${resolved.bits}`);

  const reports = new Map(refs.map((ref) => [weightName(ref), quantizeWeight(ref, ref.variable.read().dataSync(), options)]));
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  const forSidecar: QuantizedWeightReport[] = [];
  for (const w of model.weights) {
    const name = w.originalName ?? w.name;
    const r = reports.get(name);
    if (r && r.quantized.granularity === 'per-tensor') {
      const { spec, bytes } = integerEntry(r, dtype);
      specs.push(spec);
      parts.push(bytes);
    } else {
      const values = r ? r.quantized.dequantize() : (w.read().dataSync() as Float32Array);
      specs.push({ name, shape: w.shape as number[], dtype: 'float32' });
      parts.push(bytesOf(Float32Array.from(values)));
    }
    if (r && (r.quantized.granularity === 'per-channel' || r.quantized.bits < 8)) forSidecar.push(r);
  }
  const weights = [...reports.values()];
  return {
    artifacts: artifactsOf(model, specs, concat(parts)),
    sidecar: forSidecar.length > 0 ? encodeSidecar(forSidecar) : null,
    report: summarizeQuantization(model, weights, resolved),
  };
}

function artifactsOf(model: tf.LayersModel, weightSpecs: tf.io.WeightsManifestEntry[], weightData: ArrayBuffer): EncodedQuantizedModel['artifacts'] {
  return {
    modelTopology: topologyOf(model),
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: null,
    weightSpecs,
    weightData,
  };
}

function encodeFloat16(model: tf.LayersModel, options: EncodeQuantizedOptions): EncodedQuantizedModel {
  const refs = selectQuantizableWeights(model, { roles: options.roles ?? [...DEFAULT_FLOAT16_ROLES], layers: options.layers });
  const selected = new Set(refs.map(weightName));
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const w of model.weights) {
    const name = w.originalName ?? w.name;
    const values = w.read().dataSync() as Float32Array;
    if (selected.has(name)) {
      specs.push({ name, shape: w.shape as number[], dtype: 'float32', quantization: { dtype: 'float16' } });
      parts.push(bytesOf(toFloat16(values)));
    } else {
      specs.push({ name, shape: w.shape as number[], dtype: 'float32' });
      parts.push(bytesOf(Float32Array.from(values)));
    }
  }
  return { artifacts: artifactsOf(model, specs, concat(parts)), sidecar: null, report: null };
}
