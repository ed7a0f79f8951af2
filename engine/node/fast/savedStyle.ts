import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PasticheError } from '../../common/errors.js';
import type { StyleInfo } from '../../common/fast/styleInfo.js';
import { TRANSFORMER_LAYERS, transformerVariables, type NormalisedConvWeights, type TransformerWeights } from '../../common/fast/transformerNetwork.js';
import { writeFolderAtomically } from '../fileIO.js';
import { readLayersModel } from '../networks/layersModel.js';
import { sha256 } from '../networks/savedNetwork.js';

/**
 * The engine's own format for a fast style network, one folder per style under the data folder's
 * `styles/`: `model.json` in TensorFlow.js's weights-manifest layout (the reader networks use) with a
 * `pastiche` section saying what the style is, and one `weights.bin` holding `conv1/kernel`,
 * `conv1/shift`, `conv1/scale`, … in the order of transformerVariables.
 */
export type SavedStyleInfo = StyleInfo;

export const STYLE_FORMAT = 'pastiche-style';

export async function saveStyle(folder: string, info: Omit<SavedStyleInfo, 'weightsSha256' | 'savedAt'>, weights: TransformerWeights, { replace = false } = {}): Promise<SavedStyleInfo> {
  const { bytes, specs } = await encodeStyleWeights(weights);
  const saved: SavedStyleInfo = { ...info, weightsSha256: sha256(bytes), savedAt: new Date().toISOString() };
  const manifest = { format: STYLE_FORMAT, version: 1, pastiche: saved, weightsManifest: [{ paths: ['weights.bin'], weights: specs }] };
  await writeFolderAtomically(folder, { 'weights.bin': bytes, 'model.json': JSON.stringify(manifest, null, 2) }, { replace });
  return saved;
}

/** What a saved style is, from its model.json alone (no weights read); null when the folder holds no Pastiche style. */
export function readSavedStyleInfo(folder: string): SavedStyleInfo | null {
  try {
    const json = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')) as { format?: string; pastiche?: SavedStyleInfo };
    return json.format === STYLE_FORMAT ? json.pastiche ?? null : null;
  } catch {
    return null;
  }
}

/** The style's weights, every variable present with its shape checked. */
export async function loadSavedStyle(folder: string): Promise<{ info: SavedStyleInfo; weights: TransformerWeights }> {
  const model = await readLayersModel(folder);
  const info = (model.json as { pastiche?: SavedStyleInfo }).pastiche;
  if (model.json.format !== STYLE_FORMAT || !info) {
    tf.dispose(Object.values(model.tensors));
    throw new PasticheError('not a style network saved by Pastiche', model.file);
  }
  for (const { layer, role, shape } of transformerVariables()) {
    const tensor = model.tensors[`${layer}/${role}`];
    if (!tensor || tensor.shape.join() !== shape.join()) {
      tf.dispose(Object.values(model.tensors));
      throw new PasticheError(`${layer}/${role} is ${tensor ? tensor.shape.join('×') : 'missing'}, the style network needs ${shape.join('×')}`, model.file);
    }
  }
  const weights = new Map<string, NormalisedConvWeights>(TRANSFORMER_LAYERS.map((layer) => [layer.name, {
    kernel: model.tensors[`${layer.name}/kernel`] as tf.Tensor4D,
    shift: model.tensors[`${layer.name}/shift`] as tf.Tensor1D,
    scale: model.tensors[`${layer.name}/scale`] as tf.Tensor1D,
  }]));
  return { info, weights };
}

/** weights.bin's bytes and their manifest entries. */
async function encodeStyleWeights(weights: TransformerWeights): Promise<{ bytes: Buffer; specs: tf.io.WeightsManifestEntry[] }> {
  const { data, specs } = await tf.io.encodeWeights(styleTensors(weights));
  return { bytes: Buffer.from(data), specs };
}

/** The SHA-256 weights.bin would have if these weights were saved: a style's digest whichever format it is read from. */
export async function styleWeightsSha256(weights: TransformerWeights): Promise<string> {
  return sha256((await encodeStyleWeights(weights)).bytes);
}

function styleTensors(weights: TransformerWeights): tf.NamedTensorMap {
  const named: tf.NamedTensorMap = {};
  for (const { layer, role } of transformerVariables()) {
    const layerWeights = weights.get(layer);
    if (!layerWeights) throw new Error(`the style network's weights lack ${layer}`);
    named[`${layer}/${role}`] = layerWeights[role];
  }
  return named;
}
