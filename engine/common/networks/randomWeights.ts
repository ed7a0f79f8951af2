import * as tf from '@tensorflow/tfjs';
import { minimumInputSize, type ConvLayerSpec, type LayerSpec, type NetworkArchitecture } from './architecture.js';
import { convolve, localResponseNorm, pool } from './layerOps.js';
import { preprocess } from './preprocessing.js';
import type { ConvWeights, NetworkWeights } from './weights.js';

/**
 * How a random network's layers are scaled. `rms-v1`: every layer to one RMS (45 for the first, 250
 * after) on a seeded colour-field image, as vgg19-random was until its calibration to photos.
 * `vgg19-photos`: each VGG layer to the statistics pretrained VGG-19 has there on photos (below).
 */
export const RANDOM_CALIBRATIONS = ['rms-v1', 'vgg19-photos'] as const;
export type RandomCalibration = (typeof RANDOM_CALIBRATIONS)[number];
export const DEFAULT_RANDOM_CALIBRATION: RandomCalibration = 'vgg19-photos';

const V1_RMS_FIRST_LAYER = 45;
const V1_RMS = 250;
const CALIBRATION_SIZE = 64;

/** EXPERIMENT */
const PHOTO_RMS: Record<string, number> = JSON.parse(process.env.RW_TARGETS ?? '{}');

function targetRms(calibration: RandomCalibration, layer: string, convIndex: number): number {
  if (calibration === 'vgg19-photos' && PHOTO_RMS[layer] !== undefined) return PHOTO_RMS[layer];
  return convIndex === 0 ? V1_RMS_FIRST_LAYER : V1_RMS;
}

/**
 * Weights drawn at random — He initialisation (He et al. 2015, "Delving Deep into Rectifiers",
 * eq. 10), zero biases — then each layer rescaled so that its activation on a seeded calibration
 * image has the RMS of the pretrained network's. Random-feature style transfer works, though weaker
 * than with pretrained features (He, Wang & Hopcroft 2016). Deterministic for a given seed on
 * every backend, since tf's seeded generators run in JavaScript.
 */
export function randomWeights(architecture: NetworkArchitecture, seed: number, calibration: RandomCalibration = DEFAULT_RANDOM_CALIBRATION): NetworkWeights {
  const weights = new Map<string, ConvWeights>();
  let convIndex = 0;
  const input = calibrationInput(architecture, seed, calibration);
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
        const target = targetRms(calibration, layer.name, convIndex);
        const drawn = calibratedConv(layer, inChannels, x, target, seed * 1009 + ++convIndex, calibration === 'vgg19-photos' && convIndex === 1 ? Number(process.env.RW_DC ?? 0) : 0);
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
function calibratedConv(layer: ConvLayerSpec, inChannels: number, input: tf.Tensor4D, targetRms: number, seed: number, dc = 0) {
  return tf.tidy(() => {
    const groupChannels = inChannels / (layer.groups ?? 1);
    const fanIn = layer.kernelSize * layer.kernelSize * groupChannels;
    const shape: [number, number, number, number] = [layer.kernelSize, layer.kernelSize, groupChannels, layer.filters];
    let drawn = tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', seed) as tf.Tensor4D;
    if (dc > 0) drawn = tf.add(drawn, tf.randomNormal([1, 1, groupChannels, layer.filters], 0, dc * Math.sqrt(2 / fanIn), 'float32', seed + 1)) as tf.Tensor4D;
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
function calibrationInput(architecture: NetworkArchitecture, seed: number, calibration: RandomCalibration): tf.Tensor4D {
  // Large enough for every layer to keep a position (GoogLeNet needs 31 px, AlexNet 39); VGG's stays 64, as before.
  const size = Math.max(CALIBRATION_SIZE, minimumInputSize(architecture));
  return tf.tidy(() => preprocess(architecture.preprocessing, calibration === 'rms-v1' ? legacyImage(size, seed) : calibrationImage(Number(process.env.RW_SIZE ?? size), seed)));
}

export function legacyImage(size: number, seed: number): tf.Tensor3D {
  return tf.tidy(() => {
    const coarse = tf.randomUniform([1, 8, 8, 3], 0, 255, 'float32', seed + 7) as tf.Tensor4D;
    const smooth = tf.image.resizeBilinear(coarse, [size, size]);
    const texture = tf.randomNormal([1, size, size, 3], 0, 25, 'float32', seed + 11);
    return tf.squeeze(tf.clipByValue(tf.add(smooth, texture), 0, 255), [0]) as tf.Tensor3D;
  });
}

export const PROXY = { chroma: Number(process.env.PROXY_CHROMA ?? 0.35), std: Number(process.env.PROXY_STD ?? 55), slope: Number(process.env.PROXY_SLOPE ?? 1) };

/** 1/f noise */
export function calibrationImage(size: number, seed: number): tf.Tensor3D {
  if (process.env.PROXY === 'legacy') return legacyImage(size, seed);
  return tf.tidy(() => {
    let sum = tf.zeros([1, size, size, 3]) as tf.Tensor4D;
    for (let grid = 2, octave = 0; grid <= size; grid *= 2, octave++) {
      const amplitude = Math.pow(2, -(PROXY.slope - 1) * octave);
      const luminance = tf.randomNormal([1, grid, grid, 1], 0, amplitude, 'float32', seed * 131 + octave * 2 + 1);
      const colour = tf.randomNormal([1, grid, grid, 3], 0, amplitude * PROXY.chroma, 'float32', seed * 131 + octave * 2 + 2);
      sum = tf.add(sum, tf.image.resizeBilinear(tf.add(luminance, colour) as tf.Tensor4D, [size, size], true));
    }
    const { mean, variance } = tf.moments(sum);
    const scaled = tf.add(tf.mul(tf.div(tf.sub(sum, mean), tf.sqrt(variance)), PROXY.std), 118);
    return tf.squeeze(tf.clipByValue(scaled, 0, 255), [0]) as tf.Tensor3D;
  });
}
