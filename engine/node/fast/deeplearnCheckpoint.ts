/**
 * Reads a deeplearn.js checkpoint — the format ml5 ships its fast style networks in: a folder
 * whose `manifest.json` maps variable names (`Variable`, `Variable_1`, …) to `{filename, shape}`,
 * each file the raw little-endian float32 data of one variable — as a style network's weights.
 * Every failure a person can cause becomes a one-line PasticheError naming the file at fault.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { PasticheError } from '../../common/errors.js';
import {
  TRANSFORMER_LAYERS,
  transformerNetwork,
  transformerVariables,
  type NormalisedConvWeights,
  type TransformerNetwork,
  type TransformerWeights,
} from '../../common/fast/transformerNetwork.js';
import { nonFiniteValue } from '../../common/networks/finiteWeights.js';
import { fileInside, readFileBytes, readJsonFile } from '../fileIO.js';

export const CHECKPOINT_MANIFEST = 'manifest.json';

interface ManifestEntry {
  readonly filename: string;
  readonly shape: readonly number[];
  /** The file in the checkpoint's folder (checked to be inside it). */
  readonly path: string;
}

/** The checkpoint's variables in order: `Variable` is number 0, `Variable_N` number N. */
export async function readCheckpointManifest(folder: string): Promise<{ name: string; entry: ManifestEntry }[]> {
  const file = join(folder, CHECKPOINT_MANIFEST);
  const json = await readJsonFile(file);
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new PasticheError('is not a map of variable names', file);
  const variables = Object.entries(json as Record<string, unknown>).map(([name, entry]) => {
    const match = /^Variable(?:_(\d+))?$/.exec(name);
    if (!match) throw new PasticheError(`variable "${name}" is not named Variable or Variable_N`, file);
    const { filename, shape } = (entry ?? {}) as Partial<Pick<ManifestEntry, 'filename' | 'shape'>>;
    const validShape = Array.isArray(shape) && shape.every((n) => Number.isInteger(n) && n > 0);
    if (typeof filename !== 'string' || !validShape)
      throw new PasticheError(`${name} needs a filename and a shape of positive integers`, file);
    const path = fileInside(folder, filename, file, `${name}'s file`);
    return { name, index: match[1] === undefined ? 0 : Number(match[1]), entry: { filename, shape, path } };
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
    throw new PasticheError(
      `has ${variables.length} variables, the fast style network has ${expected.length} (a kernel, shift and scale ` +
        `for each of its ${TRANSFORMER_LAYERS.length} convolutions)`,
      manifest,
    );
  }
  variables.forEach(({ name, entry }, i) => {
    if (entry.shape.join() !== expected[i].shape.join()) {
      throw new PasticheError(
        `${name} is ${entry.shape.join('×')}, the ${expected[i].layer} ${expected[i].role} it holds is ` +
          `${expected[i].shape.join('×')}`,
        entry.path,
      );
    }
  });
  const tensors: tf.Tensor[] = [];
  try {
    for (const { entry } of variables)
      tensors.push(tf.tensor(await readFloat32File(entry.path, entry.shape), [...entry.shape], 'float32'));
  } catch (error) {
    tf.dispose(tensors);
    throw error;
  }
  const weights = new Map<string, NormalisedConvWeights>();
  TRANSFORMER_LAYERS.forEach((layer, i) => {
    const [kernel, shift, scale] = tensors.slice(3 * i, 3 * i + 3);
    weights.set(layer.name, {
      kernel: kernel as tf.Tensor4D,
      shift: shift as tf.Tensor1D,
      scale: scale as tf.Tensor1D,
    });
  });
  return weights;
}

/** The style network a checkpoint folder holds, ready to stylize. */
export async function loadFastStyleNetwork(folder: string): Promise<TransformerNetwork> {
  return transformerNetwork(await readDeeplearnCheckpoint(folder));
}

/**
 * A variable's values: its file is refused unread if it holds more than its shape declares, and every value must be
 * finite.
 */
async function readFloat32File(file: string, shape: readonly number[]): Promise<Float32Array> {
  const count = shape.reduce((a, b) => a * b, 1);
  const bytes = await readFileBytes(file, 4 * count);
  if (bytes.byteLength !== 4 * count) {
    throw new PasticheError(
      `holds ${bytes.byteLength} bytes, a ${shape.join('×')} float32 variable needs ${4 * count}`,
      file,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = view.getFloat32(4 * i, true);
  const problem = nonFiniteValue(values);
  if (problem !== null) throw new PasticheError(problem, file);
  return values;
}
