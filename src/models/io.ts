/**
 * Saving and loading models as files in the standard TensorFlow.js layers format, without
 * `@tensorflow/tfjs-node` (whose `file://` handler is unavailable where libtensorflow cannot be
 * downloaded). A saved folder holds:
 *
 * - `model.json`: `{ modelTopology, format: 'layers-model', generatedBy, convertedBy,
 *   weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [...] }] }`;
 * - `group1-shard1of1.bin`: all weights, little-endian, in manifest order.
 *
 * That is what `tf.loadLayersModel('file://.../model.json')` (tfjs-node) and the tfjs converter
 * read, so the files are usable elsewhere.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** File name of the model description. */
export const MODEL_JSON = 'model.json';

/** File name of the single weights shard. */
export const WEIGHTS_BIN = 'group1-shard1of1.bin';

function checkDir(dir: unknown): asserts dir is string {
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError(`dir must be a non-empty path string, got ${JSON.stringify(dir)}`);
}

function toArrayBuffer(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

/**
 * A tfjs save handler writing `model.json` and `group1-shard1of1.bin` into a folder (created if
 * missing; existing files of those names are replaced).
 *
 * @example await model.save(fileSaveHandler('.cache/models/my-lstm'));
 * @param dir Target folder.
 * @returns An IOHandler for `model.save`.
 * @throws TypeError when dir is not a non-empty string.
 */
export function fileSaveHandler(dir: string): tf.io.IOHandler {
  checkDir(dir);
  return {
    save: async (artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> => {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new TypeError('fileSaveHandler saves layers models only, got a binary (graph) topology');
      }
      const weightData = artifacts.weightData === undefined
        ? new ArrayBuffer(0)
        : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig !== undefined) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata !== undefined) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(path.join(dir, WEIGHTS_BIN), Buffer.from(weightData));
      await fs.writeFile(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: weightData.byteLength,
        },
      };
    },
  };
}

/**
 * A tfjs load handler reading a folder written by {@link fileSaveHandler} (or by tfjs-node /
 * the tfjs converter: any `model.json` whose weight paths are relative to it).
 *
 * @example const model = await tf.loadLayersModel(fileLoadHandler('.cache/models/my-lstm'));
 * @param dir Folder holding `model.json`.
 * @returns An IOHandler for `tf.loadLayersModel`.
 * @throws TypeError when dir is not a non-empty string (a missing file rejects at load time).
 */
export function fileLoadHandler(dir: string): tf.io.IOHandler {
  checkDir(dir);
  return {
    load: async (): Promise<tf.io.ModelArtifacts> => {
      const jsonPath = path.join(dir, MODEL_JSON);
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(await fs.readFile(jsonPath, 'utf8')) as tf.io.ModelJSON;
      } catch (err) {
        throw new Error(`cannot read a tfjs model from ${jsonPath}: ${(err as Error).message}`);
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) buffers.push(toArrayBuffer(await fs.readFile(path.join(dir, p))));
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

/**
 * Saves a model into a folder in the standard tfjs layers format.
 *
 * @example await saveModel(model, 'models/lstm-mnist');
 * @param model The model.
 * @param dir Target folder (created if missing).
 * @returns tfjs's save result.
 * @throws TypeError when dir is not a non-empty string.
 */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<tf.io.SaveResult> {
  return model.save(fileSaveHandler(dir));
}

/**
 * Loads a model saved by {@link saveModel} (or any tfjs layers model folder).
 *
 * @example const model = await loadModel('models/lstm-mnist');
 * @param dir Folder holding `model.json`.
 * @returns The model, weights restored.
 * @throws TypeError when dir is not a non-empty string; Error when the files are missing or invalid.
 */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileLoadHandler(dir));
}
