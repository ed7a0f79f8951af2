import * as tf from '@tensorflow/tfjs';
import { PasticheError } from '../errors.js';
import type { Pooling } from '../stylize/settings.js';
import {
  convLayers,
  flatLayers,
  holdsWanted,
  layerNames,
  minimumInputSize,
  type ConvLayerSpec,
  type LayerSpec,
  type NetworkArchitecture,
} from './architecture.js';
import { withCustomGradient } from '../losses/customGradient.js';
import { convolve, groupedFlippedKernel, isPlainSameConv, localResponseNorm, pool } from './layerOps.js';
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
  /**
   * The same activations as values, no gradient to follow: computed where the network runs fastest
   * (natively on a native backend). The caller owns them; nothing else is kept.
   */
  measure(input: tf.Tensor4D, layers: readonly string[], pooling: Pooling): Promise<Map<string, tf.Tensor4D>>;
  /**
   * A loss of the input's activations at `layers` (and of the input itself), with its gradient with
   * respect to the input: what every optimisation step needs. Here by TensorFlow.js's autodiff; a
   * native runtime may compute the network's part (see engine/node/networks/nativeGradient.ts).
   */
  lossAndGradient(
    input: tf.Tensor4D,
    layers: readonly string[],
    pooling: Pooling,
    loss: ActivationLoss,
  ): Promise<LossAndGradient>;
  /**
   * Gatys et al.'s content and Gram terms and their gradient computed in one pass where the network
   * runs, for a runtime that can (a native one); null when it cannot for these layers or pooling.
   */
  matchFeatures?(input: tf.Tensor4D, pooling: Pooling, matching: FeatureMatching): Promise<MatchedFeatures | null>;
  /** Throws a PasticheError naming the first layer this network cannot compute. */
  checkLayers(layers: readonly string[]): void;
  dispose(): void;
}

/** A scalar function of a network's activations and of its input. */
export type ActivationLoss = (activations: ReadonlyMap<string, tf.Tensor4D>, input: tf.Tensor4D) => tf.Scalar;

/**
 * Targets of Gatys et al.'s loss: activations to match by mean squared error, Gram matrices likewise, each with its
 * weight.
 */
export interface FeatureMatching {
  readonly content: readonly { readonly layer: string; readonly target: tf.Tensor4D; readonly weight: number }[];
  readonly gram: readonly { readonly layer: string; readonly target: tf.Tensor2D; readonly weight: number }[];
}

export interface MatchedFeatures {
  /** The weighted sums of the content and of the style terms. */
  readonly content: number;
  readonly style: number;
  /** Their gradient with respect to the input, owned by the caller. */
  readonly gradient: tf.Tensor4D;
}

export interface LossAndGradient {
  readonly loss: number;
  /** ∂loss/∂input, owned by the caller. */
  readonly gradient: tf.Tensor4D;
}

export function featureNetwork(
  name: string,
  architecture: NetworkArchitecture,
  weights: NetworkWeights,
): FeatureNetwork {
  const computable = computableLayers(architecture, new Set(weights.keys()));
  const convs = new Map(
    convLayers(architecture)
      .filter((spec) => weights.has(spec.name))
      .map((spec) => [spec.name, prepareConv(spec, weights.get(spec.name)!)]),
  );

  const checkLayers = (requested: readonly string[]) =>
    checkNetworkLayers({ name, architecture, layers: computable }, requested);

  function activations(input: tf.Tensor4D, requested: readonly string[], pooling: Pooling): Map<string, tf.Tensor4D> {
    checkLayers(requested);
    checkInputSize({ name, architecture }, requested, { height: input.shape[1], width: input.shape[2] });
    const wanted = new Set(requested);
    const result = new Map<string, tf.Tensor4D>();
    run(architecture.layers, padInput(architecture, input), false);
    return result;

    /**
     * Runs `layers` on x up to the last one that is or holds a wanted layer (all of them when
     * `whole`), recording the wanted activations; returns the output of the last layer run.
     */
    function run(layers: readonly LayerSpec[], x: tf.Tensor4D, whole: boolean): tf.Tensor4D {
      const last = whole
        ? layers.length - 1
        : layers.reduce((found, layer, i) => (holdsWanted(layer, wanted) ? i : found), -1);
      layers.slice(0, last + 1).forEach((layer, i) => {
        x = apply(layer, x, i < last || whole || wanted.has(layer.name));
        if (wanted.has(layer.name)) result.set(layer.name, x);
      });
      return x;
    }

    /** A composite whose output is not needed runs only the branches, and their layers, that were asked for. */
    function apply(layer: LayerSpec, x: tf.Tensor4D, outputNeeded: boolean): tf.Tensor4D {
      switch (layer.kind) {
        case 'conv':
          return applyConv(layer, convs.get(layer.name)!, x);
        case 'lrn':
          return localResponseNorm(layer, x);
        case 'pool':
          return pool(layer, pooling, x);
        case 'concat': {
          const outputs = layer.branches.map((branch) => run(branch, x, outputNeeded));
          return outputNeeded ? tf.concat(outputs, 3) : x;
        }
      }
    }
  }

  return {
    name,
    architecture,
    layers: computable,
    preprocess: (rgb) => preprocess(architecture.preprocessing, rgb),
    deprocess: (input) => deprocess(architecture.preprocessing, input),
    activations,
    measure: async (input, layers, pooling) => tidyMap(() => activations(input, layers, pooling)),
    lossAndGradient: async (input, layers, pooling, loss) => {
      const { value, grad } = tf.valueAndGrad((x: tf.Tensor4D) => loss(activations(x, layers, pooling), x))(input);
      const [total] = await value.data();
      value.dispose();
      return { loss: total, gradient: grad as tf.Tensor4D };
    },
    checkLayers,
    dispose: () => {
      for (const conv of convs.values()) conv.flippedKernel?.dispose();
      disposeWeights(weights);
    },
  };
}

/**
 * The image with the architecture's reflected frame around it (architecture.inputPadding), for its
 * first layer. The gradient is TensorFlow.js's MirrorPad's, which crops: each pixel near the border
 * gets the gradient of its own place only, as an interior pixel does. The exact gradient would add
 * its mirrored copies' too, doubling the frame's pace: on Inception-v3 at 256 px after 60 L-BFGS
 * iterations that painted a visible 21-px frame, bluer than the rest (looked at).
 */
function padInput(architecture: NetworkArchitecture, input: tf.Tensor4D): tf.Tensor4D {
  const size = architecture.inputPadding?.size ?? 0;
  return size === 0
    ? input
    : tf.mirrorPad(
        input,
        [
          [0, 0],
          [size, size],
          [size, size],
          [0, 0],
        ],
        'reflect',
      );
}

/** tf.tidy for a Map result: keeps the map's tensors, disposes every intermediate. */
export function tidyMap<T extends tf.Tensor>(compute: () => Map<string, T>): Map<string, T> {
  let names: string[] = [];
  const tensors = tf.tidy(() => {
    const result = compute();
    names = [...result.keys()];
    return [...result.values()];
  });
  return new Map(names.map((name, i) => [name, tensors[i] as T]));
}

/**
 * Throws a PasticheError naming the first requested layer that `network` cannot compute; needs only
 * its description, so a request can be checked without building the weights.
 */
export function checkNetworkLayers(
  network: Pick<FeatureNetwork, 'name' | 'architecture' | 'layers'>,
  requested: readonly string[],
): void {
  const { name, architecture, layers } = network;
  for (const layer of requested) {
    if (!layerNames(architecture).includes(layer)) {
      throw new PasticheError(`no layer '${layer}' (its layers: ${summarise(layers)})`, name);
    }
    if (!layers.includes(layer)) {
      throw new PasticheError(
        `holds weights only up to ${layers.at(-1) ?? 'no layer'}, so layer '${layer}' is not available`,
        name,
      );
    }
  }
}

/** Refuses an image too small for the most demanding requested layer, before a backend meets a zero-sized tensor. */
export function checkInputSize(
  network: Pick<FeatureNetwork, 'name' | 'architecture'>,
  requested: readonly string[],
  { width, height }: { width: number; height: number },
): void {
  const { name, architecture } = network;
  const needs = layerNames(architecture)
    .filter((layer) => requested.includes(layer))
    .map((layer) => ({ layer, needed: minimumInputSize(architecture, layer) }));
  // The deepest of the layers that need the most (a later layer never needs less along one path).
  const hardest = needs.reduce<(typeof needs)[number] | undefined>(
    (most, need) => (most && most.needed > need.needed ? most : need),
    undefined,
  );
  if (hardest && Math.min(height, width) < hardest.needed) {
    throw new PasticheError(
      `an image of ${width}×${height} is too small for layer '${hardest.layer}', which needs at least ` +
        `${hardest.needed} px on each side`,
      name,
    );
  }
}

/**
 * Layers in order (branch layers before their concatenation), up to the first convolution without
 * weights: what a network holding the `weighted` convolutions computes.
 */
export function computableLayers(architecture: NetworkArchitecture, weighted: ReadonlySet<string>): string[] {
  const names: string[] = [];
  for (const layer of flatLayers(architecture.layers)) {
    if (layer.kind === 'conv' && !weighted.has(layer.name)) break;
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
  return { ...weights, flippedKernel: groupedFlippedKernel(spec, weights.kernel) };
}

function applyConv(spec: ConvLayerSpec, conv: PreparedConv, x: tf.Tensor4D): tf.Tensor4D {
  const leak = spec.leak ?? 0;
  if (conv.flippedKernel) return convReluSameFastGrad(spec, { ...conv, flippedKernel: conv.flippedKernel }, leak)(x);
  return rectify(tf.add(convolve(spec, x, conv.kernel), conv.bias), leak);
}

function rectify(z: tf.Tensor, leak: number): tf.Tensor4D {
  return (leak === 0 ? tf.relu(z) : tf.leakyRelu(z, leak)) as tf.Tensor4D;
}

/**
 * relu(conv(x, k) + b) for a stride-1 'same' convolution with an odd square kernel (grouped or
 * not), whose gradient with respect to x is itself such a convolution: dx = conv(dy ⊙ r′, flip(k)ᵀ),
 * where r′ is 1 where y > 0 and the leak (0 for a plain ReLU) elsewhere — the sign of y is z's. Backends run
 * forward convolutions with their fastest kernels, and far slower dedicated backprop kernels
 * (wasm's Conv2DBackpropInput takes 7–10× the time of this forward convolution on VGG's layers at 256 px, measured), so
 * the backward pass is written this way. Gradients for the weights are not needed: style transfer optimises the image,
 * never the feature network.
 */
function convReluSameFastGrad(
  spec: ConvLayerSpec,
  conv: Required<PreparedConv>,
  leak: number,
): (x: tf.Tensor4D) => tf.Tensor4D {
  return withCustomGradient((input: tf.Tensor4D, save: tf.GradSaveFunc) => {
    const y = rectify(tf.add(convolve(spec, input, conv.kernel), conv.bias), leak);
    save([y]);
    return {
      value: y,
      gradFunc: (dy, [saved]) => convolve(spec, tf.mul(dy, tf.step(saved, leak)) as tf.Tensor4D, conv.flippedKernel),
    };
  });
}

function summarise(layers: readonly string[]): string {
  return layers.length <= 6 ? layers.join(', ') : `${layers.slice(0, 3).join(', ')} … ${layers.slice(-2).join(', ')}`;
}
