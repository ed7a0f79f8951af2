/**
 * Reads a deeplearn.js checkpoint — the format ml5 ships its fast style networks in: a folder
 * whose `manifest.json` maps variable names (`Variable`, `Variable_1`, …) to `{filename, shape}`,
 * each file the raw little-endian float32 data of one variable — as a style network's weights.
 * Every failure a person can cause becomes a one-line PasticheError naming the file at fault.
 */
import * as tf from '@tensorflow/tfjs';
import { basename, join } from 'node:path';
import { PasticheError } from '../../common/errors.js';
import {
  TRANSFORMER_LAYERS, transformerNetwork, transformerVariables, type NormalisedConvWeights, type TransformerNetwork, type TransformerWeights,
} from '../../common/fast/transformerNetwork.js';
import { readFileBytes } from '../fileIO.js';

export const CHECKPOINT_MANIFEST = 'manifest.json';

interface ManifestEntry {
  readonly filename: string;
  readonly shape: readonly number[];
}

/** The checkpoint's variables in order: `Variable` is number 0, `Variable_N` number N. */
export async function readCheckpointManifest(folder: string): Promise<{ name: string; entry: ManifestEntry }[]> {
  const file = join(folder, CHECKPOINT_MANIFEST);
  const text = (await readFileBytes(file)).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PasticheError('is not valid JSON', file);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new PasticheError('is not a map of variable names', file);
  const variables = Object.entries(json as Record<string, unknown>).map(([name, entry]) => {
    const match = /^Variable(?:_(\d+))?$/.exec(name);
    if (!match) throw new PasticheError(`variable "${name}" is not named Variable or Variable_N`, file);
    const { filename, shape } = (entry ?? {}) as Partial<ManifestEntry>;
    const validShape = Array.isArray(shape) && shape.every((n) => Number.isInteger(n) && n > 0);
    if (typeof filename !== 'string' || !validShape) throw new PasticheError(`${name} needs a filename and a shape of positive integers`, file);
    if (basename(filename) !== filename || filename === '..' || filename === '.') throw new PasticheError(`${name}'s file "${filename}" is outside the checkpoint's folder`, file);
    return { name, index: match[1] === undefined ? 0 : Number(match[1]), entry: { filename, shape } };
  });
  return variables.sort((a, b) => a.index - b.index).map(({ name, entry }) => ({ name, entry }));
}

/**
 * The style network's weights from a checkpoint folder: its variables, in order, are each layer's
 * kernel, shift and scale (see transformerVariables); their number, every shape and every file's
 * length are checked.
 */
export async function readDeeplearnCheckpoint(folder: string): Promise<TransformerWeights> {
  const manifest = join(folder, CHECKPOINT_MANIFEST);
  const variables = await readCheckpointManifest(folder);
  const expected = transformerVariables();
  if (variables.length !== expected.length) {
    throw new PasticheError(`has ${variables.length} variables, the fast style network has ${expected.length} (a kernel, shift and scale for each of its ${TRANSFORMER_LAYERS.length} convolutions)`, manifest);
  }
  variables.forEach(({ name, entry }, i) => {
    if (entry.shape.join() !== expected[i].shape.join()) {
      throw new PasticheError(`${name} is ${entry.shape.join('×')}, the ${expected[i].layer} ${expected[i].role} it holds is ${expected[i].shape.join('×')}`, join(folder, entry.filename));
    }
  });
  const tensors: tf.Tensor[] = [];
  try {
    for (const { entry } of variables) tensors.push(tf.tensor(await readFloat32File(join(folder, entry.filename), entry.shape), [...entry.shape], 'float32'));
  } catch (error) {
    tf.dispose(tensors);
    throw error;
  }
  const weights = new Map<string, NormalisedConvWeights>();
  TRANSFORMER_LAYERS.forEach((layer, i) => {
    const [kernel, shift, scale] = tensors.slice(3 * i, 3 * i + 3);
    weights.set(layer.name, { kernel: kernel as tf.Tensor4D, shift: shift as tf.Tensor1D, scale: scale as tf.Tensor1D });
  });
  return weights;
}

/** The style network a checkpoint folder holds, ready to stylize. */
export async function loadFastStyleNetwork(folder: string): Promise<TransformerNetwork> {
  return transformerNetwork(await readDeeplearnCheckpoint(folder));
}

async function readFloat32File(file: string, shape: readonly number[]): Promise<Float32Array> {
  const bytes = await readFileBytes(file);
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== 4 * count) {
    throw new PasticheError(`holds ${bytes.byteLength} bytes, a ${shape.join('×')} float32 variable needs ${4 * count}`, file);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    values[i] = view.getFloat32(4 * i, true);
    if (!Number.isFinite(values[i])) throw new PasticheError(`value ${i} is ${values[i]}, not a finite number`, file);
  }
  return values;
}
