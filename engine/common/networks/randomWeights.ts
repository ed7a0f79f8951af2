import * as tf from '@tensorflow/tfjs';
import { kernelShape, minimumInputSize, type ConvLayerSpec, type LayerSpec, type NetworkArchitecture } from './architecture.js';
import { convolve, localResponseNorm, pool } from './layerOps.js';
import { preprocess } from './preprocessing.js';
import type { ConvWeights, NetworkWeights } from './weights.js';

/**
 * Post-ReLU RMS activation that the random network is scaled to. Measured on the Keras VGG-19
 * ImageNet weights with Caffe preprocessing over three classic images at 256 px (conv1_1 ≈ 45,
 * the rest of blocks 1–3 ≈ 180–380) and held constant for blocks 4–5, so that neural-style's
 * default content/style/TV weights keep roughly their balance on the random network.
 */
const TARGET_RMS_FIRST_LAYER = 45;
const TARGET_RMS = 250;
const CALIBRATION_SIZE = 64;

/**
 * Weights drawn at random — He initialisation (He et al. 2015, "Delving Deep into Rectifiers",
 * eq. 10), zero biases — then each layer rescaled so that its activation on a seeded calibration
 * image has the RMS of the pretrained network's. Random-feature style transfer works, though weaker
 * than with pretrained features (He, Wang & Hopcroft 2016). Deterministic for a given seed on
 * every backend, since tf's seeded generators run in JavaScript.
 */
export function randomWeights(architecture: NetworkArchitecture, seed: number): NetworkWeights {
  const weights = new Map<string, ConvWeights>();
  let convIndex = 0;
  const input = calibrationInput(architecture, seed);
  const { activation } = drawLayers(architecture.layers, input, architecture.inputChannels);
  tf.dispose([input, activation]);
  return weights;

  /**
   * Draws the convolutions of `layers` in order, running the calibration image through them;
   * returns the last activation and its channels. `x` stays the caller's to dispose.
   */
  function drawLayers(layers: readonly LayerSpec[], x: tf.Tensor4D, inChannels: number): { activation: tf.Tensor4D; channels: number } {
    let activation = x;
    let channels = inChannels;
    for (const layer of layers) {
      const next = drawLayer(layer, activation, channels);
      if (activation !== x) activation.dispose();
      ({ activation, channels } = next);
    }
    return { activation: activation === x ? tf.clone(x) : activation, channels };
  }

  function drawLayer(layer: LayerSpec, x: tf.Tensor4D, inChannels: number): { activation: tf.Tensor4D; channels: number } {
    switch (layer.kind) {
      case 'pool': return { activation: pool(layer, 'max', x), channels: inChannels };
      case 'lrn': return { activation: localResponseNorm(layer, x), channels: inChannels };
      case 'conv': {
        const target = convIndex === 0 ? TARGET_RMS_FIRST_LAYER : TARGET_RMS;
        const drawn = calibratedConv(layer, inChannels, x, target, seed * 1009 + ++convIndex);
        weights.set(layer.name, drawn.weights);
        return { activation: drawn.activation, channels: layer.filters };
      }
      case 'concat': {
        // Every branch reads the same input; each branch's convolutions are scaled like any other.
        const branches = layer.branches.map((branch) => drawLayers(branch, x, inChannels));
        const activation = tf.concat(branches.map((b) => b.activation), 3);
        tf.dispose(branches.map((b) => b.activation));
        return { activation, channels: branches.reduce((sum, b) => sum + b.channels, 0) };
      }
    }
  }
}

/**
 * Draws one layer and scales its kernel to the target RMS. With zero bias, relu(conv(x, a·k)) =
 * a·relu(conv(x, k)) for a > 0, so the activation is rescaled by the same factor, not recomputed.
 */
function calibratedConv(layer: ConvLayerSpec, inChannels: number, input: tf.Tensor4D, targetRms: number, seed: number) {
  return tf.tidy(() => {
    const groupChannels = inChannels / (layer.groups ?? 1);
    const [height, width] = kernelShape(layer);
    const fanIn = height * width * groupChannels;
    const shape: [number, number, number, number] = [height, width, groupChannels, layer.filters];
    const drawn = tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', seed) as tf.Tensor4D;
    const activation = tf.relu(convolve(layer, input, drawn));
    const rms = tf.sqrt(tf.mean(tf.square(activation))).dataSync()[0];
    const scale = rms > 0 ? targetRms / rms : 1;
    return {
      weights: { kernel: tf.mul(drawn, scale) as tf.Tensor4D, bias: tf.zeros([layer.filters]) as tf.Tensor1D },
      activation: tf.mul(activation, scale) as tf.Tensor4D,
    };
  });
}

/** A seeded image with natural-image-like statistics: smooth colour fields plus fine texture. */
function calibrationInput(architecture: NetworkArchitecture, seed: number): tf.Tensor4D {
  // Large enough for every layer to keep a position (GoogLeNet needs 31 px, AlexNet 39); VGG's stays 64, as before.
  const size = Math.max(CALIBRATION_SIZE, minimumInputSize(architecture));
  return tf.tidy(() => {
    const coarse = tf.randomUniform([1, 8, 8, 3], 0, 255, 'float32', seed + 7) as tf.Tensor4D;
    const smooth = tf.image.resizeBilinear(coarse, [size, size]);
    const texture = tf.randomNormal([1, size, size, 3], 0, 25, 'float32', seed + 11);
    const rgb = tf.squeeze(tf.clipByValue(tf.add(smooth, texture), 0, 255), [0]) as tf.Tensor3D;
    return preprocess(architecture.preprocessing, rgb);
  });
}
