/**
 * Quantized models on disk. `directoryHandler` is a tfjs IOHandler over a folder (the `file://`
 * scheme needs tfjs-node, which is not always installable), so a saved folder loads with plain
 * `tf.loadLayersModel(directoryHandler(dir))` and the same files load in any tfjs.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fileLoadHandler, fileSaveHandler, MODEL_JSON, WEIGHTS_BIN } from '../models/io';
import { checkModel } from './model';
import type { QuantizeModelReport } from './model';
import type { QuantizedTensor } from './quantize';
import { decodeSidecar } from './sidecar';
import type { SidecarManifest } from './sidecar';
import { encodeQuantizedWeights } from './tfjs-format';
import type { EncodeQuantizedOptions } from './tfjs-format';

/** File names inside a saved folder. */
export const QUANTIZED_FILES = {
  modelJson: MODEL_JSON,
  weights: WEIGHTS_BIN,
  sidecarJson: 'quantization.json',
  sidecarBin: 'quantization.bin',
} as const;

function checkDir(dir: unknown): asserts dir is string {
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError(`dir must be a non-empty path string, got ${JSON.stringify(dir)}`);
}

/**
 * A tfjs IOHandler that saves to and loads from a folder: `model.json` plus one weights file, the
 * same files as the model cache writes (`src/models/io.ts`).
 *
 * @example
 * await model.save(directoryHandler('out/lstm'));
 * const same = await tf.loadLayersModel(directoryHandler('out/lstm'));
 * @param dir The folder (created on save).
 * @returns The handler.
 * @throws TypeError when dir is not a non-empty string.
 */
export function directoryHandler(dir: string): tf.io.IOHandler {
  checkDir(dir);
  return { save: fileSaveHandler(dir).save, load: fileLoadHandler(dir).load };
}

/** Result of {@link saveQuantizedModel}: real byte sizes of the files written. */
export interface SavedQuantizedModel {
  dir: string;
  files: { name: string; bytes: number }[];
  /** Bytes of `model.json` plus the weights file: what a tfjs user downloads. */
  tfjsBytes: number;
  /** Bytes of the sidecar files (0 when none were needed). */
  sidecarBytes: number;
  /** Integer quantization report; null for float16. */
  report: QuantizeModelReport | null;
}

/**
 * Saves a model with quantized weights into a folder: standard tfjs files, plus the sidecar of
 * exact codes when the manifest cannot hold them (per-channel scales or fewer than 8 bits).
 *
 * @example
 * const saved = await saveQuantizedModel(model, 'out/lstm-int8', { bits: 8, scheme: 'affine' });
 * const loaded = await tf.loadLayersModel(directoryHandler('out/lstm-int8'));
 * @param model A layers model (not modified).
 * @param dir Target folder (created if missing; files of the same names are replaced, a stale sidecar removed).
 * @param options See {@link EncodeQuantizedOptions}.
 * @returns The files written with their sizes, and the report.
 * @throws TypeError when model or dir have the wrong kind; RangeError for invalid options (nothing is written).
 */
export async function saveQuantizedModel(model: tf.LayersModel, dir: string, options: EncodeQuantizedOptions = {}): Promise<SavedQuantizedModel> {
  checkModel(model);
  checkDir(dir);
  const { artifacts, sidecar, report } = encodeQuantizedWeights(model, options);
  await (directoryHandler(dir).save as NonNullable<tf.io.IOHandler['save']>)(artifacts);
  const sidecarJson = path.join(dir, QUANTIZED_FILES.sidecarJson);
  const sidecarBin = path.join(dir, QUANTIZED_FILES.sidecarBin);
  if (sidecar) {
    await fs.writeFile(sidecarBin, sidecar.data);
    await fs.writeFile(sidecarJson, JSON.stringify(sidecar.manifest));
  } else {
    await fs.rm(sidecarJson, { force: true });
    await fs.rm(sidecarBin, { force: true });
  }
  const names: string[] = [QUANTIZED_FILES.modelJson, QUANTIZED_FILES.weights];
  if (sidecar) names.push(QUANTIZED_FILES.sidecarJson, QUANTIZED_FILES.sidecarBin);
  const files = await Promise.all(names.map(async (name) => ({ name, bytes: (await fs.stat(path.join(dir, name))).size })));
  const sum = (list: typeof files): number => list.reduce((n, f) => n + f.bytes, 0);
  return { dir, files, tfjsBytes: sum(files.slice(0, 2)), sidecarBytes: sum(files.slice(2)), report };
}

/**
 * Reads the sidecar of exact codes from a folder written by {@link saveQuantizedModel}.
 *
 * @example const codes = await loadQuantizedSidecar('out/lstm-4bit'); codes.get('lstm_1/kernel')?.codes
 * @param dir The folder.
 * @returns Quantized tensors by weight name.
 * @throws TypeError when dir is not a non-empty string; Error when the files are missing; RangeError when they are invalid.
 */
export async function loadQuantizedSidecar(dir: string): Promise<Map<string, QuantizedTensor>> {
  checkDir(dir);
  const manifest = JSON.parse(await fs.readFile(path.join(dir, QUANTIZED_FILES.sidecarJson), 'utf8')) as SidecarManifest;
  const data = await fs.readFile(path.join(dir, QUANTIZED_FILES.sidecarBin));
  return decodeSidecar(manifest, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/**
 * Writes dequantized codes into the same-named weights of a model (names as in the manifest).
 *
 * @example applyQuantizedWeights(await tf.loadLayersModel(directoryHandler(dir)), await loadQuantizedSidecar(dir));
 * @param model Target model.
 * @param weights Quantized tensors by weight name.
 * @returns Number of weights written.
 * @throws RangeError when a name or shape does not match the model (checked before anything is written).
 */
export function applyQuantizedWeights(model: tf.LayersModel, weights: Map<string, QuantizedTensor>): number {
  checkModel(model);
  const byName = new Map(model.weights.map((w) => [w.originalName ?? w.name, w]));
  for (const [name, q] of weights) {
    const target = byName.get(name);
    if (!target) throw new RangeError(`model must have a weight named '${name}', got none`);
    if (target.shape.join(',') !== q.shape.join(',')) {
      throw new RangeError(`shape of '${name}' must be [${target.shape.join(', ')}], got [${q.shape.join(', ')}]`);
    }
  }
  for (const [name, q] of weights) {
    const t = tf.tensor(q.dequantize(), q.shape, 'float32');
    byName.get(name)?.write(t);
    t.dispose();
  }
  return weights.size;
}
