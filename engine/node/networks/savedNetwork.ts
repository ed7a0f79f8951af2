import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PasticheError } from '../../common/errors.js';
import { toNamedTensors, weightTensorNames, type ConvWeights, type NetworkWeights } from '../../common/networks/weights.js';
import { writeFolderAtomically } from '../fileIO.js';
import { readLayersModel } from './layersModel.js';

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

export async function saveNetwork(folder: string, info: Omit<SavedNetworkInfo, 'weightsSha256' | 'savedAt'>, weights: NetworkWeights): Promise<SavedNetworkInfo> {
  const { bytes, specs } = await encodedWeights(weights);
  const saved: SavedNetworkInfo = { ...info, weightsSha256: sha256(bytes), savedAt: new Date().toISOString() };
  const manifest = { format: 'pastiche-network', version: 1, pastiche: saved, weightsManifest: [{ paths: ['weights.bin'], weights: specs }] };
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

async function encodedWeights(weights: NetworkWeights): Promise<{ bytes: Buffer; specs: tf.io.WeightsManifestEntry[] }> {
  const { data, specs } = await tf.io.encodeWeights(toNamedTensors(weights));
  return { bytes: Buffer.from(data), specs };
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** What a saved network is, from its model.json alone (no weights read); null when the folder holds no Pastiche network. */
export function readSavedNetworkInfo(folder: string): SavedNetworkInfo | null {
  try {
    return (JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')) as { pastiche?: SavedNetworkInfo }).pastiche ?? null;
  } catch {
    return null;
  }
}

export async function loadSavedNetwork(folder: string): Promise<{ info: SavedNetworkInfo; weights: NetworkWeights }> {
  const model = await readLayersModel(folder);
  const info = (model.json as { pastiche?: SavedNetworkInfo }).pastiche;
  if (!info) throw new PasticheError('not a network saved by Pastiche (no pastiche section)', model.file);
  const weights = new Map<string, ConvWeights>();
  for (const layer of info.layers) {
    const names = weightTensorNames(layer);
    weights.set(layer, { kernel: model.tensors[names.kernel] as tf.Tensor4D, bias: model.tensors[names.bias] as tf.Tensor1D });
  }
  return { info, weights };
}
