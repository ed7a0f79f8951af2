import * as tf from '@tensorflow/tfjs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PasticheError } from '../../common/errors.js';

/**
 * Reads a TensorFlow.js layers-format model (`model.json` + binary weight shards) from disk: its
 * layer names in topology order and its weights by tensor name (`block1_conv1/kernel`). Only the
 * weights are used; the engine's architectures are its own, declared as data.
 */
export interface LayersModelFile extends NamedWeights {
  readonly layerNames: readonly string[];
  /** The parsed model.json, for sections other readers add. */
  readonly json: Record<string, unknown>;
}

/** A network's weights by tensor name (`block1_conv1/kernel`), whatever file format they came in. */
export interface NamedWeights {
  /** The model's own name (`vgg19`), when the file has one. */
  readonly modelName: string | null;
  readonly tensors: tf.NamedTensorMap;
  /** The file actually read. */
  readonly file: string;
}

interface WeightsGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

export async function readLayersModel(dirOrModelJson: string): Promise<LayersModelFile> {
  const file = (await isDirectory(dirOrModelJson)) ? join(dirOrModelJson, 'model.json') : dirOrModelJson;
  const json = await readJson(file);
  const manifest = json.weightsManifest as WeightsGroup[] | undefined;
  if (!Array.isArray(manifest)) throw new PasticheError('not a TensorFlow.js layers model (no weightsManifest)', file);
  const tensors: tf.NamedTensorMap = {};
  for (const group of manifest) Object.assign(tensors, await readWeightsGroup(file, group));
  return { modelName: modelName(json), layerNames: topologyLayerNames(json), tensors, json, file };
}

async function readWeightsGroup(modelFile: string, group: WeightsGroup): Promise<tf.NamedTensorMap> {
  const shards = await Promise.all(group.paths.map((p) => readShard(join(dirname(modelFile), p))));
  const bytes = Buffer.concat(shards);
  const expected = group.weights.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1) * bytesPerElement(w), 0);
  if (bytes.byteLength !== expected) {
    throw new PasticheError(`weight shards ${group.paths.join(', ')} hold ${bytes.byteLength} bytes, the manifest needs ${expected}`, modelFile);
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return tf.io.decodeWeights(buffer, group.weights);
}

async function readShard(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch {
    throw new PasticheError('weight shard is missing or unreadable', path);
  }
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new PasticheError('no such model file (expected a folder with model.json, or a model.json)', file);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new PasticheError('model.json is not valid JSON', file);
  }
}

function topologyLayerNames(json: Record<string, unknown>): string[] {
  const topology = json.modelTopology as { model_config?: { config?: { layers?: Array<{ name: string }> } }; config?: { layers?: Array<{ name: string }> } } | undefined;
  const layers = topology?.model_config?.config?.layers ?? topology?.config?.layers ?? [];
  return layers.map((l) => l.name);
}

function modelName(json: Record<string, unknown>): string | null {
  const topology = json.modelTopology as { model_config?: { config?: { name?: string } } } | undefined;
  return topology?.model_config?.config?.name ?? null;
}

/** Stored width of one value: quantised weights are 1 or 2 bytes, bool 1, the rest 4. */
function bytesPerElement(entry: tf.io.WeightsManifestEntry): number {
  const quantised = entry.quantization?.dtype;
  if (quantised) return quantised === 'uint8' ? 1 : 2;
  return entry.dtype === 'bool' ? 1 : 4;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
