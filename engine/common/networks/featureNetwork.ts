import * as tf from '@tensorflow/tfjs';
import { PasticheError } from '../errors.js';
import type { Pooling } from '../stylize/settings.js';
import { convLayers, minimumInputSize, type ConvLayerSpec, type NetworkArchitecture } from './architecture.js';
import { convolve, isPlainSameConv, localResponseNorm, pool } from './layerOps.js';
import { deprocess, preprocess } from './preprocessing.js';
import { disposeWeights, type ConvWeights, type NetworkWeights } from './weights.js';

/**
 * A network that turns an image into named activations — the feature space in which content and
 * style are measured. It is built from an architecture (data) and weights that may cover only the
 * first layers of it; asking for a layer beyond them is a clear error.
 */
export interface FeatureNetwork {
  /** The catalogue or import name, e.g. `vgg19-random`. */
  readonly name: string;
  readonly architecture: NetworkArchitecture;
  /** The architecture's layers that this network can compute, in order. */
  readonly layers: readonly string[];
  /** sRGB [H, W, 3] in 0..255 → this network's input space [1, H, W, 3]. */
  preprocess(rgb: tf.Tensor3D): tf.Tensor4D;
  /** Network input → displayable sRGB [H, W, 3] in 0..255. */
  deprocess(input: tf.Tensor4D): tf.Tensor3D;
  /** Activations of the requested layers, running the network only as deep as needed. */
  activations(input: tf.Tensor4D, layers: readonly string[], pooling: Pooling): Map<string, tf.Tensor4D>;
  /** Throws a PasticheError naming the first layer this network cannot compute. */
  checkLayers(layers: readonly string[]): void;
  dispose(): void;
}

export function featureNetwork(name: string, architecture: NetworkArchitecture, weights: NetworkWeights): FeatureNetwork {
  const computable = computableLayers(architecture, weights);
  const convs = new Map(convLayers(architecture).filter((spec) => weights.has(spec.name)).map((spec) => [spec.name, prepareConv(spec, weights.get(spec.name)!)]));

  const checkLayers = (requested: readonly string[]) => checkNetworkLayers({ name, architecture, layers: computable }, requested);

  function activations(input: tf.Tensor4D, requested: readonly string[], pooling: Pooling): Map<string, tf.Tensor4D> {
    checkLayers(requested);
    checkInputSize({ name, architecture }, requested, { height: input.shape[1], width: input.shape[2] });
    const wanted = new Set(requested);
    const result = new Map<string, tf.Tensor4D>();
    let x = input;
    for (const layer of architecture.layers) {
      if (result.size === wanted.size) break;
      x = layer.kind === 'conv' ? applyConv(layer, convs.get(layer.name)!, x)
        : layer.kind === 'lrn' ? localResponseNorm(layer, x)
        : pool(layer, pooling, x);
      if (wanted.has(layer.name)) result.set(layer.name, x);
    }
    return result;
  }

  return {
    name,
    architecture,
    layers: computable,
    preprocess: (rgb) => preprocess(architecture.preprocessing, rgb),
    deprocess: (input) => deprocess(architecture.preprocessing, input),
    activations,
    checkLayers,
    dispose: () => {
      for (const conv of convs.values()) conv.flippedKernel?.dispose();
      disposeWeights(weights);
    },
  };
}

/** Layers in order, up to the first convolution without weights (pools before it included). */
/**
 * Throws a PasticheError naming the first requested layer that `network` cannot compute; needs only
 * its description, so a request can be checked without building the weights.
 */
export function checkNetworkLayers(network: Pick<FeatureNetwork, 'name' | 'architecture' | 'layers'>, requested: readonly string[]): void {
  const { name, architecture, layers } = network;
  for (const layer of requested) {
    if (!architecture.layers.some((l) => l.name === layer)) {
      throw new PasticheError(`no layer '${layer}' (its layers: ${summarise(layers)})`, name);
    }
    if (!layers.includes(layer)) {
      throw new PasticheError(`holds weights only up to ${layers.at(-1) ?? 'no layer'}, so layer '${layer}' is not available`, name);
    }
  }
}

/** Refuses an image too small for the deepest requested layer, before a backend meets a zero-sized tensor. */
export function checkInputSize(network: Pick<FeatureNetwork, 'name' | 'architecture'>, requested: readonly string[], { width, height }: { width: number; height: number }): void {
  const { name, architecture } = network;
  const deepest = architecture.layers.map((l) => l.name).filter((layer) => requested.includes(layer)).at(-1);
  if (deepest === undefined) return;
  const needed = minimumInputSize(architecture, deepest);
  if (Math.min(height, width) < needed) {
    throw new PasticheError(`an image of ${width}×${height} is too small for layer '${deepest}', which needs at least ${needed} px on each side`, name);
  }
}

function computableLayers(architecture: NetworkArchitecture, weights: NetworkWeights): string[] {
  const names: string[] = [];
  for (const layer of architecture.layers) {
    if (layer.kind === 'conv' && !weights.has(layer.name)) break;
    names.push(layer.name);
  }
  return names;
}

interface PreparedConv extends ConvWeights {
  /** The kernel flipped in space with in/out channels swapped: the backward pass as a forward conv. */
  readonly flippedKernel?: tf.Tensor4D;
}

function prepareConv(spec: ConvLayerSpec, weights: ConvWeights): PreparedConv {
  if (!isPlainSameConv(spec)) return weights;
  const flippedKernel = tf.tidy(() => tf.transpose(tf.reverse(weights.kernel, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D);
  return { ...weights, flippedKernel };
}

function applyConv(spec: ConvLayerSpec, conv: PreparedConv, x: tf.Tensor4D): tf.Tensor4D {
  if (conv.flippedKernel) return convReluSameFastGrad(x, conv.kernel, conv.bias, conv.flippedKernel);
  return tf.relu(tf.add(convolve(spec, x, conv.kernel), conv.bias)) as tf.Tensor4D;
}

/**
 * relu(conv(x, k) + b) for a stride-1 'same' convolution with an odd square kernel, whose gradient
 * with respect to x is itself such a convolution: dx = conv(dy ⊙ [y > 0], flip(k)ᵀ). Backends run
 * forward convolutions with their fastest kernels, and far slower dedicated backprop kernels
 * (about 3× on wasm), so the backward pass is written this way. Gradients for the weights are not
 * needed: style transfer optimises the image, never the feature network.
 */
function convReluSameFastGrad(x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D, flippedKernel: tf.Tensor4D): tf.Tensor4D {
  const op = tf.customGrad(((input: tf.Tensor4D, save: tf.GradSaveFunc) => {
    const y = tf.relu(tf.add(tf.conv2d(input, kernel, 1, 'same'), bias)) as tf.Tensor4D;
    save([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => tf.conv2d(tf.mul(dy, tf.step(saved)) as tf.Tensor4D, flippedKernel, 1, 'same'),
    };
  }) as unknown as Parameters<typeof tf.customGrad<tf.Tensor4D>>[0]);
  return op(x) as tf.Tensor4D;
}

function summarise(layers: readonly string[]): string {
  return layers.length <= 6 ? layers.join(', ') : `${layers.slice(0, 3).join(', ')} … ${layers.slice(-2).join(', ')}`;
}
