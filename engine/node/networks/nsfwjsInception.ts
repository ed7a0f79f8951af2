import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { PasticheError } from '../../common/errors.js';
import { checkFields } from '../../common/fieldCheck.js';
import {
  convLayers,
  convPadding,
  type ConvLayerSpec,
  type NetworkArchitecture,
} from '../../common/networks/architecture.js';
import { assertFiniteWeights } from '../../common/networks/finiteWeights.js';
import type { ConvWeights, NetworkWeights } from '../../common/networks/weights.js';
import { bundledExport } from './jsLiteral.js';
import { matchKerasGraph, type KerasConv } from './kerasGraph.js';
import { savedKernelShape } from './savedNetwork.js';

/**
 * Reads a Keras network that an npm package ships as TensorFlow.js layers-model files wrapped in
 * browserify modules — nsfwjs's Inception-v3 (dist/models/inception_v3): `model.min.js` exports the
 * topology and weights manifest, each `<path>.min.js` one base64 string of weight bytes, 8-bit
 * quantized (value = q·scale + min, TensorFlow.js's quantization). Only literals are read (jsLiteral.ts).
 */
export const BUNDLED_MODEL_FILE = 'model.min.js';

/** A shard file's name for a manifest path, as nsfwjs's bundle-model script writes it. */
export const bundledShardFile = (path: string) => `${path}.min.js`;

/** A file of the package: its bytes and the name errors give it (its path). */
export interface BundledFile {
  readonly bytes: Uint8Array;
  readonly label: string;
}

const quantizationSchema = z.object({ min: z.number(), scale: z.number().positive(), dtype: z.literal('uint8') });

const manifestEntrySchema = z.object({
  name: z.string().min(1),
  shape: z
    .array(
      z
        .int()
        .nonnegative()
        .max(1 << 24),
    )
    .max(4),
  dtype: z.literal('float32'),
  quantization: quantizationSchema,
});

const bundledModelSchema = z.object({
  modelTopology: z.object({ model_config: z.unknown() }),
  weightsManifest: z
    .array(
      z.object({
        // A plain file name: the shard is looked up beside model.min.js, never elsewhere.
        paths: z
          .array(z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/))
          .min(1)
          .max(1000),
        weights: z.array(manifestEntrySchema).max(100_000),
      }),
    )
    .min(1)
    .max(100),
});

type ManifestEntry = z.infer<typeof manifestEntrySchema>;

/** Keras Applications' 'tf' preprocessing, x/127.5 − 1: Inception-v3 reads pixels in [−1, 1]. */
const KERAS_TF_INPUT = { scale: 1 / 127.5, offset: -1 };

/**
 * The convolutions of `architecture` from the package's files (`file(name)` gives one or throws),
 * each with its batch normalisation folded in, and the first also with Keras's x/127.5 − 1, so the
 * network reads RGB in 0..255 as the engine's others do. Only the weights of those layers are
 * dequantized; the caller owns the tensors.
 */
export function readBundledKerasNetwork(
  file: (name: string) => BundledFile,
  architecture: NetworkArchitecture,
): NetworkWeights {
  const modelFile = file(BUNDLED_MODEL_FILE);
  const model = checkFields(bundledModelSchema, bundledExport(textOf(modelFile), modelFile.label), modelFile.label);
  const convs = matchKerasGraph(model.modelTopology.model_config, architecture, modelFile.label);
  const wanted = new Set([...convs.values()].flatMap((conv) => Object.values(tensorNames(conv))));
  const values = readQuantizedWeights(model.weightsManifest, wanted, file, modelFile.label);
  const weights = new Map<string, ConvWeights>();
  try {
    for (const [index, spec] of convLayers(architecture).entries()) {
      const conv = convs.get(spec.name)!;
      const folded = foldBatchNorm(architecture, spec, conv, values, modelFile.label);
      const { kernel, bias } = index === 0 ? foldInputScaling(spec, folded) : folded;
      const shape = savedKernelShape(architecture, spec) as [number, number, number, number];
      weights.set(spec.name, { kernel: tf.tensor4d(kernel, shape), bias: tf.tensor1d(bias) });
    }
  } catch (error) {
    for (const { kernel, bias } of weights.values()) tf.dispose([kernel, bias]);
    throw error;
  }
  return weights;
}

/** The tensors conv2d_bn's weights are saved under, by Keras's layer names. */
function tensorNames(conv: KerasConv) {
  return {
    kernel: `${conv.conv}/kernel`,
    beta: `${conv.norm}/beta`,
    mean: `${conv.norm}/moving_mean`,
    variance: `${conv.norm}/moving_variance`,
  };
}

interface WeightValues {
  readonly values: Float32Array;
  readonly shape: readonly number[];
}

/**
 * The `wanted` weights dequantized. Weights lie in manifest order across each group's shards
 * concatenated (TensorFlow.js's layout), one byte each; every one must lie inside the bytes the
 * shards hold, and the shards must hold exactly what the manifest lists.
 */
function readQuantizedWeights(
  manifest: z.infer<typeof bundledModelSchema>['weightsManifest'],
  wanted: ReadonlySet<string>,
  file: (name: string) => BundledFile,
  label: string,
): Map<string, WeightValues> {
  const found = new Map<string, WeightValues>();
  for (const [g, group] of manifest.entries()) {
    const located = locate(group.weights);
    const needed = located.filter(({ entry }) => wanted.has(entry.name));
    if (needed.length === 0) continue;
    const data = groupBytes(group.paths, file);
    const listed = located.at(-1)!.end;
    if (data.length !== listed)
      throw new PasticheError(
        `weightsManifest[${g}]: its shards hold ${data.length} bytes, its weights ${listed}`,
        label,
      );
    for (const { entry, start, end } of needed) {
      if (found.has(entry.name)) throw new PasticheError(`weightsManifest: '${entry.name}' is listed twice`, label);
      const { min, scale } = entry.quantization;
      const values = Float32Array.from(data.subarray(start, end), (q) => q * scale + min);
      assertFiniteWeights(values, entry.name, label);
      found.set(entry.name, { values, shape: entry.shape });
    }
  }
  const missing = [...wanted].find((name) => !found.has(name));
  if (missing) throw new PasticheError(`weightsManifest has no weight '${missing}'`, label);
  return found;
}

/** Each entry's byte range in its group, in order. */
function locate(entries: readonly ManifestEntry[]): { entry: ManifestEntry; start: number; end: number }[] {
  let offset = 0;
  return entries.map((entry) => {
    const start = offset;
    offset += entry.shape.reduce((n, side) => n * side, 1);
    return { entry, start, end: offset };
  });
}

/** A group's shards, each a module exporting one base64 string, decoded and concatenated. */
function groupBytes(paths: readonly string[], file: (name: string) => BundledFile): Uint8Array {
  return Buffer.concat(
    paths.map((path) => {
      const shard = file(bundledShardFile(path));
      const value = bundledExport(textOf(shard), shard.label);
      if (typeof value !== 'string') throw new PasticheError('exports no base64 string of weights', shard.label);
      return decodeBase64(value, shard.label);
    }),
  );
}

/** Strict base64 (Node's decoder skips what it does not understand, which would shift every weight after it). */
function decodeBase64(text: string, label: string): Buffer {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new PasticheError(`its weights are not well-formed base64 (${text.length} characters)`, label);
  }
  return Buffer.from(text, 'base64');
}

function textOf(file: BundledFile): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(file.bytes);
  } catch {
    throw new PasticheError('is not UTF-8 text', file.label);
  }
}

/**
 * Keras's BatchNormalization(scale=False) at inference, y = (z − mean)/√(var + ε) + β, after a
 * convolution without bias (Ioffe & Szegedy 2015, eq. in alg. 2): a kernel scaled by s = 1/√(var + ε)
 * per filter and a bias β − mean·s.
 */
function foldBatchNorm(
  architecture: NetworkArchitecture,
  spec: ConvLayerSpec,
  conv: KerasConv,
  values: ReadonlyMap<string, WeightValues>,
  label: string,
) {
  const names = tensorNames(conv);
  const tensor = (name: string, shape: readonly number[]) => {
    const found = values.get(name)!;
    if (found.shape.join() !== shape.join()) {
      throw new PasticheError(`${name} is ${found.shape.join('×')}, ${spec.name} needs ${shape.join('×')}`, label);
    }
    return found.values;
  };
  const kernel = tensor(names.kernel, savedKernelShape(architecture, spec)).slice();
  const [beta, mean, variance] = [names.beta, names.mean, names.variance].map((name) => tensor(name, [spec.filters]));
  const scales = variance.map((v) => 1 / Math.sqrt(v + conv.epsilon));
  for (let i = 0; i < kernel.length; i++) kernel[i] *= scales[i % spec.filters];
  const bias = beta.map((b, o) => b - mean[o] * scales[o]);
  assertFiniteWeights(kernel, names.kernel, label);
  return { kernel, bias };
}

/**
 * conv(x/127.5 − 1, k) + b = conv(x, k/127.5) + b − Σk per filter, exact only where no zero
 * padding enters the sum (a zero in Keras's input space is 127.5 in ours), so the first
 * convolution must be unpadded.
 */
function foldInputScaling(spec: ConvLayerSpec, { kernel, bias }: { kernel: Float32Array; bias: Float32Array }) {
  if (convPadding(spec).some((pad) => pad !== 0))
    throw new Error(`${spec.name}: the input scaling folds only into an unpadded first convolution`);
  const scaled = kernel.map((k) => k * KERAS_TF_INPUT.scale);
  const shifted = bias.slice();
  for (let i = 0; i < kernel.length; i++) shifted[i % spec.filters] += kernel[i] * KERAS_TF_INPUT.offset;
  return { kernel: scaled, bias: shifted };
}
