import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { z } from 'zod';
import { isPasticheError, PasticheError } from '../../common/errors.js';
import { checkFields } from '../../common/fieldCheck.js';
import type { StyleInfo } from '../../common/fast/styleInfo.js';
import {
  TRANSFORMER_LAYERS,
  transformerVariables,
  type NormalisedConvWeights,
  type TransformerWeights,
} from '../../common/fast/transformerNetwork.js';
import { readJsonFileSync, writeFolderAtomically } from '../fileIO.js';
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

const styleInfoSchema = z.object({
  name: z.string(),
  source: z.enum(['deeplearn', 'tfjs-layers', 'trained']),
  origin: z.string(),
  weightsSha256: z.string(),
  savedAt: z.string(),
  training: z.object({ runId: z.int(), styleImageSha256: z.string(), steps: z.int().nonnegative() }).optional(),
});

export async function saveStyle(
  folder: string,
  info: Omit<SavedStyleInfo, 'weightsSha256' | 'savedAt'>,
  weights: TransformerWeights,
  { replace = false } = {},
): Promise<SavedStyleInfo> {
  const { bytes, specs } = await encodeStyleWeights(weights);
  const saved: SavedStyleInfo = { ...info, weightsSha256: sha256(bytes), savedAt: new Date().toISOString() };
  const manifest = {
    format: STYLE_FORMAT,
    version: 1,
    pastiche: saved,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
  };
  await writeFolderAtomically(
    folder,
    { 'weights.bin': bytes, 'model.json': JSON.stringify(manifest, null, 2) },
    { replace },
  );
  return saved;
}

/** What a saved style is, from its model.json alone (no weights read); null when the folder holds no Pastiche style. */
export function readSavedStyleInfo(folder: string): SavedStyleInfo | null {
  try {
    const json = readJsonFileSync(join(folder, 'model.json')) as { format?: unknown; pastiche?: unknown } | null;
    const found = styleInfoSchema.safeParse(json?.pastiche);
    return json?.format === STYLE_FORMAT && found.success ? found.data : null;
  } catch (error) {
    if (isPasticheError(error)) return null;
    throw error;
  }
}

/** The style's weights, every variable present with its shape checked; tensors beyond them are released. */
export async function loadSavedStyle(folder: string): Promise<{ info: SavedStyleInfo; weights: TransformerWeights }> {
  const model = await readLayersModel(folder);
  try {
    if (model.json.format !== STYLE_FORMAT || !('pastiche' in model.json))
      throw new PasticheError('not a style network saved by Pastiche', model.file);
    const info = checkFields(styleInfoSchema, model.json.pastiche, model.file, ['pastiche']);
    for (const { layer, role, shape } of transformerVariables()) {
      const tensor = model.tensors[`${layer}/${role}`];
      if (tensor?.shape.join() !== shape.join()) {
        throw new PasticheError(
          `${layer}/${role} is ${tensor ? tensor.shape.join('×') : 'missing'}, the style network needs ` +
            `${shape.join('×')}`,
          model.file,
        );
      }
    }
    const weights = new Map<string, NormalisedConvWeights>(
      TRANSFORMER_LAYERS.map((layer) => [
        layer.name,
        {
          kernel: model.tensors[`${layer.name}/kernel`] as tf.Tensor4D,
          shift: model.tensors[`${layer.name}/shift`] as tf.Tensor1D,
          scale: model.tensors[`${layer.name}/scale`] as tf.Tensor1D,
        },
      ]),
    );
    const kept = new Set<tf.Tensor>([...weights.values()].flatMap((w) => [w.kernel, w.shift, w.scale]));
    tf.dispose(Object.values(model.tensors).filter((t) => !kept.has(t)));
    return { info, weights };
  } catch (error) {
    tf.dispose(Object.values(model.tensors));
    throw error;
  }
}

/** weights.bin's bytes and their manifest entries. */
async function encodeStyleWeights(
  weights: TransformerWeights,
): Promise<{ bytes: Buffer; specs: tf.io.WeightsManifestEntry[] }> {
  const { data, specs } = await tf.io.encodeWeights(styleTensors(weights));
  return { bytes: Buffer.from(data), specs };
}

/**
 * The SHA-256 weights.bin would have if these weights were saved: a style's digest whichever format it is read from.
 */
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
