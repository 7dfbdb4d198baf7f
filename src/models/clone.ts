/**
 * Rebuilding a model from a (possibly edited) configuration without running its initialisers:
 * compression code builds copies whose weights it overwrites straight away, and tfjs's orthogonal
 * initialiser is slow (and warns) on recurrent kernels of more than 2,000 entries.
 */
import * as tf from '@tensorflow/tfjs';

function checkLayersModel(model: unknown): asserts model is tf.LayersModel {
  if (!(model instanceof tf.LayersModel)) {
    throw new TypeError(`model must be a tf.LayersModel, got ${model === null ? 'null' : typeof model}`);
  }
}

/**
 * Builds a new, untrained model of the same class from a configuration, skipping weight
 * initialisation (the caller sets every weight afterwards).
 *
 * @example const copy = rebuildFromConfig(model, model.getConfig()); copy.setWeights(model.getWeights());
 * @param model The model whose class (Sequential or functional) the copy takes.
 * @param config A configuration, usually `model.getConfig()` with edits.
 * @returns The new model; its weights are uninitialised placeholders until set.
 * @throws TypeError when model is not a tf.LayersModel.
 */
export function rebuildFromConfig(model: tf.LayersModel, config: unknown): tf.LayersModel {
  checkLayersModel(model);
  const dict = config as tf.serialization.ConfigDict;
  return model instanceof tf.Sequential
    ? tf.Sequential.fromConfig<tf.Sequential>(tf.Sequential, dict, {}, true)
    : tf.LayersModel.fromConfig<tf.LayersModel>(tf.LayersModel, dict, {}, true);
}

/**
 * A copy of a model with the same architecture and weights; the original is untouched.
 *
 * @example const copy = cloneModel(model);
 * @param model A layers model.
 * @returns The copy (the caller owns it).
 * @throws TypeError when model is not a tf.LayersModel.
 */
export function cloneModel(model: tf.LayersModel): tf.LayersModel {
  checkLayersModel(model);
  const copy = rebuildFromConfig(model, model.getConfig());
  copy.setWeights(model.getWeights());
  return copy;
}
