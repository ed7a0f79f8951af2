import * as tf from '@tensorflow/tfjs';
import { trainableConv2d, trainableConv2dTranspose } from '../networks/trainableConv.js';

/**
 * Johnson et al.'s (2016) feed-forward style network as trained by the TensorFlow
 * "fast-style-transfer" recipe (lengstrom/fast-style-transfer, src/transform.py) and shipped by
 * ml5 / deeplearn.js: every convolution, the last included, is followed by instance normalisation
 * (Ulyanov et al. 2016) with a learned shift and scale, then a ReLU except where a residual block
 * adds its input and at the end, whose output is tanh(x)·150 + 255/2.
 */
export interface TransformerLayer {
  readonly name: string;
  /** A 'same'-padded convolution, or a transposed one doubling height and width (tf.nn.conv2d_transpose with output [2H, 2W], 'SAME'). */
  readonly kind: 'conv' | 'transposed';
  readonly kernelSize: number;
  readonly stride: 1 | 2;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly relu: boolean;
  /** 'begin': this convolution opens a residual block (its input is kept); 'end': the kept input is added to this one's normalised output. */
  readonly residual?: 'begin' | 'end';
}

/** Instance normalisation's ε in the recipe (`_instance_norm`) and in ml5's port. */
export const INSTANCE_NORM_EPSILON = 1e-3;
export const RESIDUAL_BLOCKS = 5;

const conv = (name: string, kernelSize: number, stride: 1 | 2, inChannels: number, outChannels: number, relu = true): TransformerLayer =>
  ({ name, kind: 'conv', kernelSize, stride, inChannels, outChannels, relu });

/** The network in order: 16 convolutions, each owning three variables of the checkpoint. */
export const TRANSFORMER_LAYERS: readonly TransformerLayer[] = [
  conv('conv1', 9, 1, 3, 32),
  conv('conv2', 3, 2, 32, 64),
  conv('conv3', 3, 2, 64, 128),
  ...Array.from({ length: RESIDUAL_BLOCKS }, (_, i): TransformerLayer[] => [
    { ...conv(`res${i + 1}a`, 3, 1, 128, 128), residual: 'begin' },
    { ...conv(`res${i + 1}b`, 3, 1, 128, 128, false), residual: 'end' },
  ]).flat(),
  { ...conv('deconv1', 3, 2, 128, 64), kind: 'transposed' },
  { ...conv('deconv2', 3, 2, 64, 32), kind: 'transposed' },
  conv('conv4', 9, 1, 32, 3, false),
];

export type TransformerVariableRole = 'kernel' | 'shift' | 'scale';

export interface TransformerVariable {
  readonly layer: string;
  readonly role: TransformerVariableRole;
  readonly shape: readonly number[];
}

/**
 * The variables in the checkpoint's order (`Variable`, `Variable_1`, …): per layer its kernel —
 * [k, k, in, out], or [k, k, out, in] for a transposed convolution, as tf.nn.conv2d_transpose takes
 * it — then the norm's shift, then its scale.
 */
export function transformerVariables(layers: readonly TransformerLayer[] = TRANSFORMER_LAYERS): TransformerVariable[] {
  return layers.flatMap((layer) => {
    const { kernelSize: k, inChannels, outChannels } = layer;
    const kernel = layer.kind === 'transposed' ? [k, k, outChannels, inChannels] : [k, k, inChannels, outChannels];
    return [
      { layer: layer.name, role: 'kernel' as const, shape: kernel },
      { layer: layer.name, role: 'shift' as const, shape: [outChannels] },
      { layer: layer.name, role: 'scale' as const, shape: [outChannels] },
    ];
  });
}

export interface NormalisedConvWeights {
  readonly kernel: tf.Tensor4D;
  readonly shift: tf.Tensor1D;
  readonly scale: tf.Tensor1D;
}

/** Weights by layer name (conv1, res1a, …, deconv2, conv4). */
export type TransformerWeights = ReadonlyMap<string, NormalisedConvWeights>;

export function disposeTransformerWeights(weights: TransformerWeights): void {
  for (const { kernel, shift, scale } of weights.values()) tf.dispose([kernel, shift, scale]);
}

export interface TransformerNetwork {
  /** RGB [H, W, 3] in 0..255 → the styled picture, same size, clipped to 0..255 (not rounded). */
  stylize(rgb: tf.Tensor3D): tf.Tensor3D;
  /** Releases the weights. */
  dispose(): void;
}

/** Takes ownership of `weights`, which must hold every layer (see deeplearnCheckpoint for a checked loader). */
export function transformerNetwork(weights: TransformerWeights): TransformerNetwork {
  for (const layer of TRANSFORMER_LAYERS) {
    if (!weights.has(layer.name)) throw new Error(`the style network's weights lack ${layer.name}`);
  }
  return {
    stylize: (rgb) => tf.tidy(() => {
      const [height, width, channels] = rgb.shape;
      if (channels !== 3) throw new Error(`the style network takes RGB, not ${channels} channels`);
      // tanh·150 + 255/2 spans −22.5..277.5: the recipe clips it to 0..255 when it saves a picture (utils.save_img).
      const styled = tf.clipByValue(transformerOutput(weights, tf.expandDims(rgb, 0) as tf.Tensor4D), 0, 255);
      // Sides that are not multiples of 4 come back rounded up by the strides: cut to the input's size.
      return tf.slice(tf.squeeze(styled, [0]), [0, 0, 0], [height, width, 3]) as tf.Tensor3D;
    }),
    dispose: () => disposeTransformerWeights(weights),
  };
}

/**
 * The network on a batch [N, H, W, 3] of RGB in 0..255: tanh·150 + 255/2, not clipped (training
 * feeds it to the loss network as is, and clipping would stop its gradient), with sides rounded up
 * to multiples of 4. Instance normalisation's statistics are each picture's own.
 */
export function transformerOutput(weights: TransformerWeights, batch: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    let x = batch;
    let blockInput = x;
    for (const layer of TRANSFORMER_LAYERS) {
      if (layer.residual === 'begin') blockInput = x;
      x = normalisedConv(layer, weights.get(layer.name)!, x);
      if (layer.residual === 'end') x = tf.add(blockInput, x);
    }
    return tf.add(tf.mul(tf.tanh(x), 150), 255 / 2);
  });
}

/** One layer: its convolution, instance normalisation ((x − μ)/√(σ² + ε) per channel over H, W, then ·scale + shift) and ReLU. */
function normalisedConv(layer: TransformerLayer, { kernel, shift, scale }: NormalisedConvWeights, x: tf.Tensor4D): tf.Tensor4D {
  // Their forward pass is tf.conv2d's and tf.conv2dTranspose's; their kernel gradients work on wasm too (training).
  const convolved = layer.kind === 'transposed' ? trainableConv2dTranspose(x, kernel, layer.stride) : trainableConv2d(x, kernel, layer.stride);
  const { mean, variance } = tf.moments(convolved, [1, 2], true);
  const normalised = tf.add(tf.mul(tf.mul(tf.sub(convolved, mean), tf.rsqrt(tf.add(variance, INSTANCE_NORM_EPSILON))), scale), shift) as tf.Tensor4D;
  return layer.relu ? tf.relu(normalised) : normalised;
}
