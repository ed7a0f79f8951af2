import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PictureStylizer } from '../../engine/common/fast/pictureStylizer.js';
import {
  TRANSFORMER_LAYERS,
  transformerNetwork,
  type NormalisedConvWeights,
  type TransformerWeights,
} from '../../engine/common/fast/transformerNetwork.js';
import { selectedBackendName } from '../../engine/node/backend.js';
import { fastStylizer } from '../../engine/node/fast/fastStylizer.js';

/**
 * The real checkpoint layout of ml5's fast style networks, written out here rather than taken from
 * the engine: [kernel size, in, out, transposed] for each convolution in order.
 */
const CONVS: [number, number, number, boolean][] = [
  [9, 3, 32, false],
  [3, 32, 64, false],
  [3, 64, 128, false],
  ...Array.from({ length: 10 }, (): [number, number, number, boolean] => [3, 128, 128, false]),
  [3, 128, 64, true],
  [3, 64, 32, true],
  [9, 32, 3, false],
];

export interface CheckpointVariable {
  readonly shape: number[];
  readonly values: Float32Array;
}

/** 48 variables with the recipe's initialisation (kernels N(0, 0.1)), shifts and scales perturbed so they matter. */
export function randomCheckpoint(seed: number): CheckpointVariable[] {
  return tf.tidy(() =>
    CONVS.flatMap(([k, inChannels, outChannels, transposed], i) => {
      const kernelShape = transposed ? [k, k, outChannels, inChannels] : [k, k, inChannels, outChannels];
      const s = seed * 1000 + 3 * i;
      return [
        tf.randomNormal(kernelShape, 0, 0.1, 'float32', s),
        tf.randomNormal([outChannels], 0, 0.3, 'float32', s + 1),
        tf.randomNormal([outChannels], 1, 0.3, 'float32', s + 2),
      ].map((t) => ({ shape: t.shape, values: t.dataSync() as Float32Array }));
    }),
  );
}

/** The checkpoint's variables as the network's weights, three per layer in order. */
export function checkpointWeights(variables: readonly CheckpointVariable[]): Map<string, NormalisedConvWeights> {
  return new Map(
    TRANSFORMER_LAYERS.map((layer, i) => {
      const [kernel, shift, scale] = variables
        .slice(3 * i, 3 * i + 3)
        .map(({ shape, values }) => tf.tensor(values, shape));
      return [layer.name, { kernel: kernel as tf.Tensor4D, shift: shift as tf.Tensor1D, scale: scale as tf.Tensor1D }];
    }),
  );
}

/**
 * A style network as fast runs compute it on the test backend: onnxruntime's graphs when
 * PASTICHE_BACKEND=onnxruntime, else TensorFlow.js. Takes ownership of `weights`.
 */
export function testStylizer(weights: TransformerWeights): Promise<PictureStylizer> {
  return fastStylizer({ network: transformerNetwork(weights), weights }, selectedBackendName());
}

/** Writes a deeplearn.js checkpoint: manifest.json and one raw little-endian float32 file per variable. */
export function writeCheckpoint(folder: string, variables: readonly CheckpointVariable[]): string {
  mkdirSync(folder, { recursive: true });
  const manifest: Record<string, { filename: string; shape: number[] }> = {};
  variables.forEach(({ shape, values }, i) => {
    const name = i === 0 ? 'Variable' : `Variable_${i}`;
    manifest[name] = { filename: name, shape };
    const bytes = Buffer.alloc(4 * values.length);
    values.forEach((v, j) => bytes.writeFloatLE(v, 4 * j));
    writeFileSync(join(folder, name), bytes);
  });
  writeFileSync(join(folder, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return folder;
}

/**
 * The network written out plainly after lengstrom/fast-style-transfer's transform.py, on the
 * checkpoint's 48 variables in order: the definition the engine must agree with.
 */
export function referenceStylize(variables: readonly CheckpointVariable[], rgb: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const tensors = variables.map(({ shape, values }) => tf.tensor(values, shape));
    let next = 0;
    const take = () => tensors[next++];
    const instanceNorm = (x: tf.Tensor4D): tf.Tensor4D => {
      const shift = take();
      const scale = take();
      const { mean, variance } = tf.moments(x, [1, 2], true);
      return tf.add(tf.mul(scale, tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-3)))), shift) as tf.Tensor4D;
    };
    const convLayer = (x: tf.Tensor4D, stride: 1 | 2, relu = true) => {
      const y = instanceNorm(tf.conv2d(x, take() as tf.Tensor4D, stride, 'same'));
      return relu ? tf.relu(y) : y;
    };
    const convTransposeLayer = (x: tf.Tensor4D, filters: number) => {
      const [batch, rows, cols] = x.shape;
      return tf.relu(
        instanceNorm(tf.conv2dTranspose(x, take() as tf.Tensor4D, [batch, rows * 2, cols * 2, filters], 2, 'same')),
      );
    };
    const residualBlock = (x: tf.Tensor4D) => tf.add(x, convLayer(convLayer(x, 1), 1, false)) as tf.Tensor4D;

    let x = tf.expandDims(rgb, 0) as tf.Tensor4D;
    x = convLayer(x, 1);
    x = convLayer(x, 2);
    x = convLayer(x, 2);
    for (let block = 0; block < 5; block++) x = residualBlock(x);
    x = convTransposeLayer(x, 64);
    x = convTransposeLayer(x, 32);
    x = convLayer(x, 1, false);
    if (next !== 48) throw new Error(`the reference used ${next} variables`);
    // clipped to 0..255 as the recipe's save_img clips it
    return tf.squeeze(tf.clipByValue(tf.add(tf.mul(tf.tanh(x), 150), 255 / 2), 0, 255), [0]) as tf.Tensor3D;
  });
}

/**
 * Writes a real TensorFlow.js layers model (model.json + one shard, through tf.io's save handler)
 * holding the checkpoint's weights as a Keras-style port would: functional, each convolution with a
 * random bias, then a LayerNormalization standing in for instance normalisation (Keras has none) —
 * whose weights TensorFlow.js saves gamma (scale) first, then beta (shift) — and the residual adds.
 */
export async function writeLayersStyleModel(
  folder: string,
  variables: readonly CheckpointVariable[],
  seed = 1,
): Promise<string> {
  const input = tf.input({ shape: [null, null, 3] });
  let next = 0;
  const assignments: [tf.layers.Layer, tf.Tensor[]][] = [];
  const normalisedConv = (
    x: tf.SymbolicTensor,
    stride: number,
    transposed: boolean,
    relu: boolean,
  ): tf.SymbolicTensor => {
    const [kernel, shift, scale] = variables.slice(next, next + 3).map(({ shape, values }) => tf.tensor(values, shape));
    next += 3;
    const [k, , a, b] = kernel.shape;
    const filters = transposed ? a : b;
    const conv = (transposed ? tf.layers.conv2dTranspose : tf.layers.conv2d)({
      filters,
      kernelSize: k,
      strides: stride,
      padding: 'same',
    });
    const norm = tf.layers.layerNormalization({ axis: -1 });
    const y = norm.apply(conv.apply(x)) as tf.SymbolicTensor;
    assignments.push(
      [conv, [kernel, tf.randomNormal([filters], 0, 5, 'float32', seed + next)]],
      [norm, [scale, shift]],
    );
    return relu ? (tf.layers.reLU().apply(y) as tf.SymbolicTensor) : y;
  };
  let x = normalisedConv(input, 1, false, true);
  x = normalisedConv(x, 2, false, true);
  x = normalisedConv(x, 2, false, true);
  for (let block = 0; block < 5; block++)
    x = tf.layers
      .add()
      .apply([x, normalisedConv(normalisedConv(x, 1, false, true), 1, false, false)]) as tf.SymbolicTensor;
  x = normalisedConv(x, 2, true, true);
  x = normalisedConv(x, 2, true, true);
  x = normalisedConv(x, 1, false, false);
  const model = tf.model({ inputs: input, outputs: x });
  for (const [layer, weights] of assignments) layer.setWeights(weights);
  mkdirSync(folder, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const shard = 'group1-shard1of1.bin';
      const data = tf.io.CompositeArrayBuffer.join(artifacts.weightData!);
      writeFileSync(join(folder, shard), Buffer.from(data));
      const modelJson = {
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [shard], weights: artifacts.weightSpecs }],
      };
      writeFileSync(join(folder, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  tf.dispose(assignments.flatMap(([, w]) => w));
  model.dispose();
  return join(folder, 'model.json');
}
