import * as tf from '@tensorflow/tfjs';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { PasticheError } from '../../common/errors.js';
import { checkFields, fieldPath } from '../../common/fieldCheck.js';
import { nonFiniteValue } from '../../common/networks/finiteWeights.js';
import { fileInside, MAX_FILE_BYTES, readFileBytes, readJsonFile } from '../fileIO.js';

/**
 * Reads a TensorFlow.js layers-format model (`model.json` + binary weight shards) from disk: its
 * topology's layers and its weights by tensor name (`block1_conv1/kernel`). Only the weights are
 * used; the engine's architectures are its own, declared as data. The file is hostile until checked:
 * its structure against a schema, every shard inside the model's folder and read within the bytes its
 * group declares, every value finite.
 */
export interface LayersModelFile extends NamedWeights {
  /** The topology's layers in order (none for the engine's own formats, which have no topology). */
  readonly layers: readonly TopologyLayer[];
  /** The weights' names in the manifest's order (the order Keras and TensorFlow.js save them in). */
  readonly weightOrder: readonly string[];
  /** The parsed model.json, for sections other readers add and check themselves. */
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

/** A Keras layer of the topology: its class, its name and its configuration (which readers check further). */
export interface TopologyLayer {
  readonly className: string;
  readonly name: string;
  readonly config: Record<string, unknown>;
  /** Where it is in model.json, for refusals: `modelTopology.config.layers[3]`. */
  readonly field: string;
}

/**
 * At most as many values as a weights file may hold bytes: the product of a shape is bounded before it is multiplied
 * out.
 */
const shapeSchema = z
  .array(z.int().nonnegative())
  .max(8)
  .refine((shape) => elementCount(shape) <= MAX_FILE_BYTES, {
    message: `holds more values than a weights file may (${MAX_FILE_BYTES} bytes)`,
  });

const quantizationSchema = z
  .object({
    dtype: z.enum(['uint8', 'uint16', 'float16']),
    scale: z.number().optional(),
    min: z.number().optional(),
  })
  .refine((q) => q.dtype === 'float16' || (q.scale !== undefined && q.min !== undefined), {
    message: 'uint8 and uint16 quantization need a finite scale and min',
  });

const weightSchema = z
  .object({
    // `__proto__` would be lost in a map of tensors by name, leaking its tensor.
    name: z
      .string()
      .min(1)
      .refine((name) => name !== '__proto__', { message: 'is not a weight name' }),
    shape: shapeSchema,
    dtype: z.enum(['float32', 'int32', 'bool']),
    quantization: quantizationSchema.optional(),
  })
  .refine(
    (w) => !w.quantization || w.dtype === 'float32' || (w.dtype === 'int32' && w.quantization.dtype !== 'float16'),
    {
      message: 'this dtype cannot be stored with this quantization',
      path: ['quantization'],
    },
  );

type WeightEntry = z.infer<typeof weightSchema>;

const manifestSchema = z
  .array(z.object({ paths: z.array(z.string().min(1)).min(1), weights: z.array(weightSchema) }))
  .superRefine((groups, context) => {
    const seen = new Set<string>();
    groups.forEach((group, g) =>
      group.weights.forEach(({ name }, w) => {
        if (seen.has(name))
          context.addIssue({
            code: 'custom',
            message: `weight "${name}" is named twice`,
            path: [g, 'weights', w, 'name'],
          });
        seen.add(name);
      }),
    );
  });

type WeightsGroup = z.infer<typeof manifestSchema>[number];

const layerSchema = z.looseObject({
  class_name: z.string(),
  name: z.string().optional(),
  config: z.looseObject({ name: z.string().optional() }),
});
const layersSchema = z.looseObject({ name: z.string().optional(), layers: z.array(layerSchema).optional() }).optional();
const topologySchema = z
  .looseObject({ model_config: z.looseObject({ config: layersSchema }).optional(), config: layersSchema })
  .optional();

export async function readLayersModel(dirOrModelJson: string): Promise<LayersModelFile> {
  const kind = await pathKind(dirOrModelJson);
  const file = kind === 'folder' ? join(dirOrModelJson, 'model.json') : dirOrModelJson;
  // A path that holds no model at all says what was expected, not only that a file is missing.
  if (kind === 'missing' || (kind === 'folder' && (await pathKind(file)) === 'missing')) {
    throw new PasticheError('no such model file (expected a folder with model.json, or a model.json)', file);
  }
  const json = await readJsonFile(file);
  if (typeof json !== 'object' || json === null || !('weightsManifest' in json))
    throw new PasticheError('not a TensorFlow.js layers model (no weightsManifest)', file);
  const manifest = checkFields(manifestSchema, json.weightsManifest, file, ['weightsManifest']);
  const topology = checkFields(topologySchema, (json as { modelTopology?: unknown }).modelTopology, file, [
    'modelTopology',
  ]);
  const tensors: tf.NamedTensorMap = {};
  try {
    for (const [g, group] of manifest.entries()) Object.assign(tensors, await readWeightsGroup(file, group, g));
  } catch (error) {
    tf.dispose(Object.values(tensors));
    throw error;
  }
  const weightOrder = manifest.flatMap((group) => group.weights.map((w) => w.name));
  return {
    modelName: topology?.model_config?.config?.name ?? null,
    layers: topologyLayers(topology),
    weightOrder,
    tensors,
    json: json as Record<string, unknown>,
    file,
  };
}

/** A group's tensors from its shards, which together hold exactly the bytes its weights declare. */
async function readWeightsGroup(modelFile: string, group: WeightsGroup, g: number): Promise<tf.NamedTensorMap> {
  const expected = group.weights.reduce((sum, w) => sum + elementCount(w.shape) * bytesPerElement(w), 0);
  if (expected > MAX_FILE_BYTES)
    throw new PasticheError(
      `weightsManifest[${g}] declares ${expected} bytes, more than a weights file may hold (${MAX_FILE_BYTES})`,
      modelFile,
    );
  const shards: Buffer[] = [];
  let read = 0;
  for (const [i, path] of group.paths.entries()) {
    const shard = fileInside(dirname(modelFile), path, modelFile, `weightsManifest[${g}].paths[${i}]`);
    // Each shard is refused unread if it holds more than what is left of the group's bytes.
    shards.push(await readFileBytes(shard, expected - read));
    read += shards[i].byteLength;
  }
  if (read !== expected)
    throw new PasticheError(
      `weight shards ${group.paths.join(', ')} hold ${read} bytes, the manifest needs ${expected}`,
      modelFile,
    );
  const bytes = Buffer.concat(shards);
  const tensors = tf.io.decodeWeights(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    group.weights,
  );
  for (const weight of group.weights) {
    const problem = weight.dtype === 'float32' ? nonFiniteValue(tensors[weight.name].dataSync()) : null;
    if (problem === null) continue;
    tf.dispose(Object.values(tensors));
    throw new PasticheError(`weight ${weight.name}: ${problem}`, modelFile);
  }
  return tensors;
}

function topologyLayers(topology: z.infer<typeof topologySchema>): TopologyLayer[] {
  const [layers, at] = topology?.model_config?.config?.layers
    ? [topology.model_config.config.layers, ['modelTopology', 'model_config', 'config', 'layers']]
    : [topology?.config?.layers ?? [], ['modelTopology', 'config', 'layers']];
  // A Sequential model names its layers only inside their config.
  return layers.map((layer, i) => ({
    className: layer.class_name,
    name: layer.name ?? layer.config.name ?? '',
    config: layer.config,
    field: fieldPath([...at, i]),
  }));
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, n) => product * n, 1);
}

/** Stored width of one value: quantised weights are 1 or 2 bytes, bool 1, the rest 4. */
function bytesPerElement(entry: WeightEntry): number {
  const quantised = entry.quantization?.dtype;
  if (quantised) return quantised === 'uint8' ? 1 : 2;
  return entry.dtype === 'bool' ? 1 : 4;
}

/** One stat: a folder, nothing there, or anything else (which readJsonFile then judges). */
async function pathKind(path: string): Promise<'folder' | 'missing' | 'other'> {
  try {
    return (await stat(path)).isDirectory() ? 'folder' : 'other';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'other';
  }
}
