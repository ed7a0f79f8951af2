import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { isPasticheError, PasticheError } from '../../common/errors.js';
import { checkFields } from '../../common/fieldCheck.js';
import {
  convLayers,
  kernelShape,
  layerChannels,
  pathTo,
  type ConvLayerSpec,
  type NetworkArchitecture,
} from '../../common/networks/architecture.js';
import { ARCHITECTURES } from '../../common/networks/architectures.js';
import {
  toNamedTensors,
  weightTensorNames,
  type ConvWeights,
  type NetworkWeights,
} from '../../common/networks/weights.js';
import { readJsonFileSync, writeFolderAtomically } from '../fileIO.js';
import { readLayersModel, type LayersModelFile } from './layersModel.js';

/**
 * The engine's own network format, one folder per network under the data folder's `models/`:
 * `model.json` in TensorFlow.js's weights-manifest layout (so the same reader serves imports and
 * saved networks) with a `pastiche` section saying what the weights are, and one `weights.bin`.
 */
export interface SavedNetworkInfo {
  readonly name: string;
  readonly architecture: string;
  readonly layers: readonly string[];
  /** Where the weights came from: a file path, a catalogue download, …. */
  readonly origin: string;
  /** SHA-256 of weights.bin, recorded so a run can name exactly which weights it used. */
  readonly weightsSha256: string;
  readonly savedAt: string;
}

const savedNetworkSchema = z.object({
  name: z.string(),
  architecture: z.string(),
  layers: z.array(z.string()).min(1),
  origin: z.string(),
  weightsSha256: z.string(),
  savedAt: z.string(),
});

export async function saveNetwork(
  folder: string,
  info: Omit<SavedNetworkInfo, 'weightsSha256' | 'savedAt'>,
  weights: NetworkWeights,
): Promise<SavedNetworkInfo> {
  const { bytes, specs } = await encodedWeights(weights);
  const saved: SavedNetworkInfo = { ...info, weightsSha256: sha256(bytes), savedAt: new Date().toISOString() };
  const manifest = {
    format: 'pastiche-network',
    version: 1,
    pastiche: saved,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
  };
  await writeFolderAtomically(folder, { 'weights.bin': bytes, 'model.json': JSON.stringify(manifest, null, 2) });
  return saved;
}

/**
 * SHA-256 of the weights as the engine's format stores them (weights.bin): what a run records so
 * that it names exactly the weights it used, generated or installed alike.
 */
export async function weightsSha256(weights: NetworkWeights): Promise<string> {
  return sha256((await encodedWeights(weights)).bytes);
}

async function encodedWeights(
  weights: NetworkWeights,
): Promise<{ bytes: Buffer; specs: tf.io.WeightsManifestEntry[] }> {
  const { data, specs } = await tf.io.encodeWeights(toNamedTensors(weights));
  return { bytes: Buffer.from(data), specs };
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * What a saved network is, from its model.json alone (no weights read); null when the folder holds no Pastiche network.
 */
export function readSavedNetworkInfo(folder: string): SavedNetworkInfo | null {
  try {
    const found = savedNetworkSchema.safeParse(
      (readJsonFileSync(join(folder, 'model.json')) as { pastiche?: unknown } | null)?.pastiche,
    );
    return found.success ? found.data : null;
  } catch (error) {
    if (isPasticheError(error)) return null;
    throw error;
  }
}

/** A saved network's record and weights, each layer a convolution of its architecture with the shapes it needs. */
export async function loadSavedNetwork(
  folder: string,
): Promise<{ info: SavedNetworkInfo; architecture: NetworkArchitecture; weights: NetworkWeights }> {
  const model = await readLayersModel(folder);
  try {
    if (!('pastiche' in model.json))
      throw new PasticheError('not a network saved by Pastiche (no pastiche section)', model.file);
    const info = checkFields(savedNetworkSchema, model.json.pastiche, model.file, ['pastiche']);
    const architecture = ARCHITECTURES[info.architecture];
    if (!architecture)
      throw new PasticheError(`pastiche.architecture: unknown architecture '${info.architecture}'`, model.file);
    const weights = new Map(
      info.layers.map((layer): [string, ConvWeights] => [layer, savedConv(model, architecture, layer)]),
    );
    const kept = new Set<tf.Tensor>([...weights.values()].flatMap((w) => [w.kernel, w.bias]));
    tf.dispose(Object.values(model.tensors).filter((t) => !kept.has(t)));
    return { info, architecture, weights };
  } catch (error) {
    tf.dispose(Object.values(model.tensors));
    throw error;
  }
}

function savedConv(model: LayersModelFile, architecture: NetworkArchitecture, layer: string): ConvWeights {
  const spec = convLayers(architecture).find((conv) => conv.name === layer);
  if (!spec)
    throw new PasticheError(`pastiche.layers: ${layer} is not a convolution of ${architecture.family}`, model.file);
  const names = weightTensorNames(layer);
  const tensorOf = (name: string, shape: readonly number[]) => {
    const tensor = model.tensors[name];
    if (tensor?.shape.join() !== shape.join())
      throw new PasticheError(
        `${name} is ${tensor ? tensor.shape.join('×') : 'missing'}, ${architecture.family} needs ${shape.join('×')}`,
        model.file,
      );
    return tensor;
  };
  return {
    kernel: tensorOf(names.kernel, savedKernelShape(architecture, spec)) as tf.Tensor4D,
    bias: tensorOf(names.bias, [spec.filters]) as tf.Tensor1D,
  };
}

/**
 * [kH, kW, in / groups, filters]: the channels in are those of the layer before it on its path (its branch's, in an
 * inception module).
 */
export function savedKernelShape(architecture: NetworkArchitecture, spec: ConvLayerSpec): number[] {
  const path = pathTo(architecture.layers, spec.name)!;
  const inChannels =
    path.length > 1 ? layerChannels(architecture, path[path.length - 2].name) : architecture.inputChannels;
  return [...kernelShape(spec), inChannels / (spec.groups ?? 1), spec.filters];
}
