/**
 * gzip of the files a tfjs model is saved as (`model.json` and `weights.bin`): the size a web server
 * sends with `Content-Encoding: gzip`, and the baseline any custom format has to beat.
 *
 * Container: u8 format id | u32 count | count x (u32 length | gzip member, level 9). Each buffer is
 * compressed on its own, as files are served one by one.
 */
import * as tf from '@tensorflow/tfjs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ByteReader, ByteWriter } from './bits';
import { EncodedTensor, FORMAT_IDS } from './types';

function checkBuffers(buffers: unknown): asserts buffers is Uint8Array[] {
  if (!Array.isArray(buffers) || !buffers.every((b) => b instanceof Uint8Array)) {
    throw new TypeError(`buffers must be an array of Uint8Array, got ${Array.isArray(buffers) ? 'an array with other items' : typeof buffers}`);
  }
}

/**
 * gzips each buffer at level 9 and packs the results into one container.
 *
 * @example const { byteLength } = gzipBytes([modelJson, weightsBin]);
 * @param buffers Files as bytes.
 * @returns The container; `headerBytes` is its own overhead (5 + 4 per buffer).
 * @throws TypeError when buffers is not an array of Uint8Array.
 */
export function gzipBytes(buffers: Uint8Array[]): EncodedTensor & { partByteLengths: number[] } {
  checkBuffers(buffers);
  const w = new ByteWriter();
  w.u8(FORMAT_IDS.gzip);
  w.u32(buffers.length);
  const partByteLengths: number[] = [];
  for (const b of buffers) {
    const z = gzipSync(b, { level: 9 });
    w.u32(z.length);
    w.raw(z);
    partByteLengths.push(z.length);
  }
  const bytes = w.finish();
  return { bytes, format: 'gzip', byteLength: bytes.length, headerBytes: 5 + 4 * buffers.length, partByteLengths };
}

/**
 * Reads {@link gzipBytes} output back into the original buffers.
 *
 * @example gunzipBytes(gzipBytes([a, b]).bytes) // [a, b]
 * @param bytes The container.
 * @returns The original buffers.
 * @throws RangeError when the bytes are not a gzip container or are truncated.
 */
export function gunzipBytes(bytes: Uint8Array): Uint8Array[] {
  const r = new ByteReader(bytes);
  const id = r.u8();
  if (id !== FORMAT_IDS.gzip) throw new RangeError(`encoded bytes must start with the 'gzip' format id ${FORMAT_IDS.gzip}, got ${id}`);
  const count = r.u32();
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) out.push(new Uint8Array(gunzipSync(r.raw(r.u32()))));
  return out;
}

/** The two files `model.save('file://...')` writes, as bytes. */
export interface SavedModelFiles {
  /** `model.json`: topology and weights manifest, JSON as tfjs writes it. */
  modelJson: Uint8Array;
  /** `weights.bin`: every weight, concatenated as stored (float32 for a float model). */
  weightsBin: Uint8Array;
}

/**
 * Saves a model in memory and returns the bytes of its two files, without touching the disk.
 *
 * @example const { modelJson, weightsBin } = await savedModelFiles(model);
 * @param model A layers model.
 * @returns `model.json` and `weights.bin` as tfjs would write them.
 * @throws TypeError when model is not a layers model.
 */
export async function savedModelFiles(model: tf.LayersModel): Promise<SavedModelFiles> {
  if (!(model instanceof tf.LayersModel)) throw new TypeError(`model must be a tf.LayersModel, got ${typeof model}`);
  let files: SavedModelFiles | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0);
      // Same fields, same order as tfjs's file handlers write.
      const modelJson: Record<string, unknown> = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: ['./weights.bin'], weights: artifacts.weightSpecs }],
      };
      if (artifacts.userDefinedMetadata != null) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.trainingConfig != null) modelJson.trainingConfig = artifacts.trainingConfig;
      files = {
        modelJson: new TextEncoder().encode(JSON.stringify(modelJson)),
        weightsBin: new Uint8Array(weightData),
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return files as SavedModelFiles;
}
