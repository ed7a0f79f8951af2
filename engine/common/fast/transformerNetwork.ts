import * as tf from '@tensorflow/tfjs';
import { trainableConv2d, trainableConv2dTranspose } from '../networks/trainableConv.js';
import { INSTANCE_NORM_EPSILON, TRANSFORMER_LAYERS, type TransformerLayer } from './transformerLayers.js';

// The network's computation; its layers, as data, are in transformerLayers (no tensors, for the studio's page too).
export {
  INSTANCE_NORM_EPSILON,
  RESIDUAL_BLOCKS,
  TRANSFORMER_LAYERS,
  transformerVariables,
} from './transformerLayers.js';
export type { TransformerLayer, TransformerVariable, TransformerVariableRole } from './transformerLayers.js';

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

/**
 * Instance normalisation's per-channel mean and variance at one layer, [1, 1, 1, C]: each picture's
 * own (what the network was trained with), or measured once on a whole picture and imposed on its
 * tiles, so that every tile is normalised alike and no tonal seam shows between them.
 */
export interface ChannelMoments {
  readonly mean: tf.Tensor4D;
  readonly variance: tf.Tensor4D;
}

/** Every layer's moments by layer name (conv1, res1a, …). */
export type NormStatistics = ReadonlyMap<string, ChannelMoments>;

export function disposeNormStatistics(statistics: NormStatistics): void {
  for (const { mean, variance } of statistics.values()) tf.dispose([mean, variance]);
}

export interface TransformerNetwork {
  /**
   * RGB [H, W, 3] in 0..255 → the styled picture, same size, clipped to 0..255 (not rounded). With
   * `statistics`, every layer is normalised by them instead of the picture's own.
   */
  stylize(rgb: tf.Tensor3D, statistics?: NormStatistics): tf.Tensor3D;
  /** Each layer's instance-normalisation moments on this picture (the caller disposes them). */
  measureStatistics(rgb: tf.Tensor3D): NormStatistics;
  /** Releases the weights. */
  dispose(): void;
}

/** Takes ownership of `weights`, which must hold every layer (see deeplearnCheckpoint for a checked loader). */
export function transformerNetwork(weights: TransformerWeights): TransformerNetwork {
  for (const layer of TRANSFORMER_LAYERS) {
    if (!weights.has(layer.name)) throw new Error(`the style network's weights lack ${layer.name}`);
  }
  return {
    stylize: (rgb, statistics) =>
      tf.tidy(() => {
        const [height, width] = checkedRgb(rgb).shape;
        // tanh·150 + 255/2 spans −22.5..277.5: the recipe clips it to 0..255 when it saves a picture (utils.save_img).
        const styled = tf.clipByValue(
          transformerOutput(weights, tf.expandDims(rgb, 0) as tf.Tensor4D, statistics),
          0,
          255,
        );
        // Sides that are not multiples of 4 come back rounded up by the strides: cut to the input's size.
        return tf.slice(tf.squeeze(styled, [0]), [0, 0, 0], [height, width, 3]) as tf.Tensor3D;
      }),
    measureStatistics: (rgb) => {
      const measured = new Map<string, ChannelMoments>();
      const batch = tf.expandDims(checkedRgb(rgb), 0) as tf.Tensor4D;
      const output = forward(weights, batch, (layer, convolved) => {
        const moments = ownMoments(convolved);
        measured.set(layer.name, { mean: tf.keep(moments.mean), variance: tf.keep(moments.variance) });
        return moments;
      });
      tf.dispose([batch, output]);
      return measured;
    },
    dispose: () => disposeTransformerWeights(weights),
  };
}

/**
 * The network on a batch [N, H, W, 3] of RGB in 0..255: tanh·150 + 255/2, not clipped (training
 * feeds it to the loss network as is, and clipping would stop its gradient), with sides rounded up
 * to multiples of 4. Instance normalisation's statistics are each picture's own, or `statistics`.
 */
export function transformerOutput(
  weights: TransformerWeights,
  batch: tf.Tensor4D,
  statistics?: NormStatistics,
): tf.Tensor4D {
  const momentsOf = statistics
    ? (layer: TransformerLayer) => givenMoments(statistics, layer)
    : (_: TransformerLayer, convolved: tf.Tensor4D) => ownMoments(convolved);
  return forward(weights, batch, momentsOf);
}

type MomentsOf = (layer: TransformerLayer, convolved: tf.Tensor4D) => ChannelMoments;

/**
 * The layers in order, each in its own tidy scope so that only layer outputs still needed stay in
 * memory (a residual block's input, the current activation): a pass's peak is a few activations,
 * not all of them (at 512 px on wasm, measured: 0.6 GB resident instead of 1.4 GB). Gradients are
 * unaffected: TensorFlow.js keeps its own copies of what backpropagation needs.
 */
function forward(weights: TransformerWeights, batch: tf.Tensor4D, momentsOf: MomentsOf): tf.Tensor4D {
  let x = batch;
  let blockInput: tf.Tensor4D | null = null;
  const release = (t: tf.Tensor4D | null) => t && t !== batch && t.dispose();
  for (const layer of TRANSFORMER_LAYERS) {
    if (layer.residual === 'begin') blockInput = x;
    const input = x;
    x = tf.tidy(() => {
      const y = normalisedConv(layer, weights.get(layer.name)!, input, momentsOf);
      return layer.residual === 'end' ? tf.add(blockInput!, y) : y;
    });
    if (layer.residual === 'end') {
      release(blockInput);
      blockInput = null;
    }
    if (input !== blockInput) release(input);
  }
  const output = tf.tidy(() => tf.add(tf.mul(tf.tanh(x), 150), 255 / 2) as tf.Tensor4D);
  release(x);
  return output;
}

/**
 * One layer: its convolution, instance normalisation ((x − μ)/√(σ² + ε) per channel over H, W, then ·scale + shift) and
 * ReLU.
 */
function normalisedConv(
  layer: TransformerLayer,
  { kernel, shift, scale }: NormalisedConvWeights,
  x: tf.Tensor4D,
  momentsOf: MomentsOf,
): tf.Tensor4D {
  // Their values are tf.conv2d's and tf.conv2dTranspose's (the latter as a sub-pixel convolution, far
  // faster on wasm); their kernel gradients work on wasm too, which training needs.
  const convolved =
    layer.kind === 'transposed'
      ? trainableConv2dTranspose(x, kernel, layer.stride)
      : trainableConv2d(x, kernel, layer.stride);
  const { mean, variance } = momentsOf(layer, convolved);
  const normalised = tf.add(
    tf.mul(tf.mul(tf.sub(convolved, mean), tf.rsqrt(tf.add(variance, INSTANCE_NORM_EPSILON))), scale),
    shift,
  ) as tf.Tensor4D;
  return layer.relu ? tf.relu(normalised) : normalised;
}

function ownMoments(convolved: tf.Tensor4D): ChannelMoments {
  return tf.moments(convolved, [1, 2], true) as unknown as ChannelMoments;
}

function givenMoments(statistics: NormStatistics, layer: TransformerLayer): ChannelMoments {
  const moments = statistics.get(layer.name);
  if (!moments) throw new Error(`the statistics lack ${layer.name}`);
  return moments;
}

function checkedRgb(rgb: tf.Tensor3D): tf.Tensor3D {
  if (rgb.shape[2] !== 3) throw new Error(`the style network takes RGB, not ${rgb.shape[2]} channels`);
  return rgb;
}
