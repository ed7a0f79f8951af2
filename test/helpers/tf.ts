import * as tf from '@tensorflow/tfjs';
import type { RgbImage } from '../../engine/common/image.js';
import { tensorToImage } from '../../engine/common/imageTensor.js';
import { nativeGradientRuntime, selectBackend, type BackendInfo } from '../../engine/node/backend.js';
import { withNativeGradient } from '../../engine/node/networks/nativeGradient.js';
import { featureNetwork, type FeatureNetwork } from '../../engine/common/networks/featureNetwork.js';
import type { NetworkArchitecture } from '../../engine/common/networks/architecture.js';
import { randomWeights } from '../../engine/common/networks/randomWeights.js';
import { convolve } from '../../engine/common/networks/layerOps.js';
import type { NetworkWeights } from '../../engine/common/networks/weights.js';

/**
 * Tests run on the wasm backend, or the one PASTICHE_BACKEND names: build/run-tests.mjs runs the
 * optimisation suites again on every other backend present (onnxruntime).
 */
export async function useTestBackend(): Promise<BackendInfo> {
  return selectBackend(process.env.PASTICHE_BACKEND ?? 'wasm');
}

/** A feature network as the registry builds it: with native gradients when the backend has them. */
export function testNetwork(name: string, architecture: NetworkArchitecture, weights: NetworkWeights): FeatureNetwork {
  const runtime = nativeGradientRuntime();
  const network = featureNetwork(name, architecture, weights);
  return runtime ? withNativeGradient(network, weights, runtime) : network;
}

/** A VGG-shaped network small enough for finite differences: two blocks of few filters. */
export const TINY_ARCHITECTURE: NetworkArchitecture = {
  family: 'tiny',
  inputChannels: 3,
  preprocessing: 'caffe-bgr',
  layers: [
    { kind: 'conv', name: 'conv1_1', filters: 4, kernelSize: 3, relu: true },
    { kind: 'conv', name: 'conv1_2', filters: 4, kernelSize: 3, relu: true },
    { kind: 'pool', name: 'pool1', size: 2, stride: 2 },
    { kind: 'conv', name: 'conv2_1', filters: 6, kernelSize: 3, relu: true },
    { kind: 'pool', name: 'pool2', size: 2, stride: 2 },
  ],
  defaultLayers: { content: ['conv2_1'], style: ['conv1_1', 'conv2_1'] },
};

export function tinyNetwork(seed = 1): FeatureNetwork {
  return testNetwork('tiny', TINY_ARCHITECTURE, randomWeights(TINY_ARCHITECTURE, seed));
}

/**
 * The activations of a network without concatenations or normalisations, written with tf's plain
 * operations only (their gradients are tf's autodiff): the reference the hand-written gradients of
 * featureNetwork must equal. Pools must tile their input (size = stride, sides divisible).
 */
export function plainActivations(
  architecture: NetworkArchitecture,
  weights: NetworkWeights,
  x: tf.Tensor4D,
  pooling: 'max' | 'avg' = 'max',
): Map<string, tf.Tensor4D> {
  const result = new Map<string, tf.Tensor4D>();
  for (const layer of architecture.layers) {
    if (layer.kind === 'pool') {
      if (layer.size !== layer.stride || x.shape[1] % layer.size !== 0 || x.shape[2] % layer.size !== 0)
        throw new Error(`${layer.name} does not tile ${x.shape}`);
      x =
        pooling === 'max'
          ? tf.maxPool(x, layer.size, layer.stride, 'valid')
          : tf.avgPool(x, layer.size, layer.stride, 'valid');
    } else if (layer.kind === 'conv') {
      const { kernel, bias } = weights.get(layer.name)!;
      const z = tf.add(convolve(layer, x, kernel), bias);
      x = (layer.leak ? tf.leakyRelu(z, layer.leak) : tf.relu(z)) as tf.Tensor4D;
    } else throw new Error(`${layer.kind} is not plain`);
    result.set(layer.name, x);
  }
  return result;
}

/** syntheticImage as a picture of its own (RgbImage), no tensor left behind. */
export function syntheticPicture(height: number, width: number, seed: number): RgbImage {
  const tensor = syntheticImage(height, width, seed);
  try {
    return tensorToImage(tensor);
  } finally {
    tensor.dispose();
  }
}

/** A smooth synthetic picture in 0..255 with structure at several scales, made from a seed. */
export function syntheticImage(height: number, width: number, seed: number): tf.Tensor3D {
  return tf.tidy(() => {
    const coarse = tf.randomUniform([1, 4, 4, 3], 0, 255, 'float32', seed) as tf.Tensor4D;
    const medium = tf.randomUniform([1, 16, 16, 3], -60, 60, 'float32', seed + 1) as tf.Tensor4D;
    const image = tf.add(
      tf.image.resizeBilinear(coarse, [height, width]),
      tf.image.resizeBilinear(medium, [height, width]),
    );
    return tf.clipByValue(tf.squeeze(image, [0]), 0, 255) as tf.Tensor3D;
  });
}

/** Central finite difference of f along direction v at x: (f(x + hv) − f(x − hv)) / 2h. */
export function directionalDifference(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, v: tf.Tensor, h: number): number {
  return tf.tidy(() => {
    const plus = f(tf.add(x, tf.mul(v, h))).dataSync()[0];
    const minus = f(tf.sub(x, tf.mul(v, h))).dataSync()[0];
    return (plus - minus) / (2 * h);
  });
}

/** ∇f(x)·v by autodiff. */
export function directionalDerivative(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, v: tf.Tensor): number {
  return tf.tidy(() => tf.sum(tf.mul(tf.grad(f)(x), v)).dataSync()[0]);
}

/**
 * Asserts two networks compute the same activations at `layer` for one seeded picture (an imported network against its
 * original weights).
 */
export function assertSameActivations(
  network: FeatureNetwork,
  reference: FeatureNetwork,
  layer: string,
  seed: number,
  size = 16,
): void {
  tf.tidy(() => {
    const input = network.preprocess(syntheticImage(size, size, seed));
    const [a, b] = [network, reference].map((net) => net.activations(input, [layer], 'max').get(layer)!);
    const difference = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
    if (!(difference < 1e-4))
      throw new Error(`${network.name} differs from ${reference.name} at ${layer} by up to ${difference}`);
  });
}

/**
 * Takes `steps` normalised gradient steps of `stepSize` (in input units, whatever the gradient's
 * scale) from `start` and asserts the loss falls at every one, by at least 10 % overall.
 */
export function assertDescends(loss: (x: tf.Tensor) => tf.Scalar, start: tf.Tensor, stepSize: number, steps = 5): void {
  tf.tidy(() => {
    let image = start;
    const values = [loss(image).dataSync()[0]];
    for (let step = 0; step < steps; step++) {
      const gradient = tf.grad(loss)(image);
      image = tf.sub(image, tf.mul(gradient, stepSize / tf.max(tf.abs(gradient)).dataSync()[0]));
      values.push(loss(image).dataSync()[0]);
    }
    const trace = `losses ${values.map((v) => v.toPrecision(3)).join(' → ')}`;
    if (!(values[0] > 0)) throw new Error(`the starting loss is ${values[0]}`);
    if (!values.every((v, i) => i === 0 || v < values[i - 1]))
      throw new Error(`not decreasing at every step: ${trace}`);
    if (!(values.at(-1)! < 0.9 * values[0])) throw new Error(`fell by less than 10 %: ${trace}`);
  });
}

export interface GradientCheck {
  /** Finite-difference step, small where ReLU kinks or pooling switches could be crossed. */
  readonly step: number;
  /** Seed of the first random direction; `trials` directions in all. */
  readonly seed: number;
  readonly trials?: number;
  /** Relative agreement asked of the finite difference (2e-2 unless given). */
  readonly tolerance?: number;
  /** A plainer definition of f whose autodiff the gradient must equal (to 1e-4), e.g. a hand-written gradient's. */
  readonly reference?: (x: tf.Tensor) => tf.Scalar;
}

/**
 * Asserts ∇f(x) along seeded random directions: not vanishing, matching central finite differences, and the reference's
 * autodiff.
 */
export function assertGradient(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, check: GradientCheck): void {
  const { step, seed, trials = 3, tolerance = 2e-2, reference } = check;
  tf.tidy(() => {
    for (let trial = 0; trial < trials; trial++) {
      const v = tf.randomNormal(x.shape, 0, 1, 'float32', seed + trial);
      const analytic = directionalDerivative(f, x, v);
      const numeric = directionalDifference(f, x, v, step);
      if (!(Math.abs(analytic) > 1e-6)) throw new Error(`the gradient vanished (${analytic})`);
      if (!(Math.abs(analytic - numeric) <= tolerance * Math.abs(analytic)))
        throw new Error(`autodiff ${analytic} vs finite difference ${numeric}`);
      if (reference) {
        const byDefinition = directionalDerivative(reference, x, v);
        if (!(Math.abs(analytic - byDefinition) <= 1e-4 * Math.abs(analytic)))
          throw new Error(`${analytic} vs the definition's ${byDefinition}`);
      }
    }
  });
}

/** The largest absolute difference between two equally long lists of numbers (a tensor's data and a reference's). */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`${a.length} values against ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** ‖a − b‖ / ‖b‖: how far a tensor is from a reference, relative to the reference's size. */
export function relativeDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.div(tf.norm(tf.sub(a, b)), tf.norm(b)).dataSync()[0]);
}

export function maxAbs(values: ArrayLike<number>): number {
  return Array.from(values).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}
