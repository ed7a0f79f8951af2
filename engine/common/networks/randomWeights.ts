import * as tf from '@tensorflow/tfjs';
import {
  convLayers,
  kernelShape,
  minimumInputSize,
  type ConvLayerSpec,
  type LayerSpec,
  type NetworkArchitecture,
} from './architecture.js';
import { convolve, localResponseNorm, pool } from './layerOps.js';
import { preprocess } from './preprocessing.js';
import type { ConvWeights, NetworkWeights } from './weights.js';

/**
 * How a random network's layers are scaled. `rms-v1`: every layer to one RMS (45 for the first, 250
 * after) on a seeded colour-field image, as vgg19-random was until its calibration to photos.
 * `vgg19-photos`: each VGG layer to the RMS pretrained VGG-19 has there on photos (VGG_PHOTO_RMS).
 * `vgg19-even-style`: as vgg19-photos, but neural-style's style layers all at conv5_1's RMS
 * (EVEN_STYLE_LAYERS), so that the shallow layers' Gram terms count.
 */
export const RANDOM_CALIBRATIONS = ['rms-v1', 'vgg19-photos', 'vgg19-even-style'] as const;
export type RandomCalibration = (typeof RANDOM_CALIBRATIONS)[number];

const V1_RMS_FIRST_LAYER = 45;
const V1_RMS = 250;
const V1_CALIBRATION_SIZE = 64;
const PHOTO_CALIBRATION_SIZE = 128;

/**
 * Post-ReLU RMS per VGG layer on the 1/f calibration image (calibrationImage, 128 px, seed 0) that
 * gives the random network, on photos, the RMS the pretrained VGG-19 has there — measured by
 * `node dist/test/bench/randomCalibration.bench.js`: Keras VGG-19 (Caffe weights) blocks 1–3 of
 * ../shared on its 8 photos and 9 paintings at 256 px gave conv1_1…conv3_4 = 49.8, 212.7, 232.1,
 * 291.1, 307, 330, 561.9, 987.1; each is divided by the random network's photo/proxy RMS ratio there
 * (1.31, 1.30, 0.99, 0.99, 0.90, 0.92, 0.93, 0.93; the ratio is scale-free, since ReLU layers without
 * bias are homogeneous). Blocks 4–5 were not available: extrapolated from the measured trend, each
 * block's first convolution 1.32× the one before (conv3_1 / conv2_1) and the others following block
 * 3's profile within its block (×1.07, ×1.83, ×3.2 of the first), divided by their ratios (0.90–1.0).
 * This gives neural-style's weights about the term balance they have on VGG-19 (quality bench).
 */
const VGG_PHOTO_RMS: Readonly<Record<string, number>> = {
  conv1_1: 37.9,
  conv1_2: 163.4,
  conv2_1: 234.4,
  conv2_2: 293.2,
  conv3_1: 341.5,
  conv3_2: 360.3,
  conv3_3: 603.5,
  conv3_4: 1063.7,
  conv4_1: 449,
  conv4_2: 476,
  conv4_3: 813,
  conv4_4: 1400,
  conv5_1: 572,
  conv5_2: 610,
  conv5_3: 1040,
  conv5_4: 1830,
};

/**
 * VGG-19 and VGG-16 are calibrated to photos; other architectures (AlexNet, GoogLeNet, Inception, test
 * networks that borrow VGG's layer names) keep rms-v1, so their weights are what they were.
 */
export function defaultCalibration(architecture: NetworkArchitecture): RandomCalibration {
  const vgg = architecture.family === 'vgg19' || architecture.family === 'vgg16';
  return vgg && convLayers(architecture).every((layer) => layer.name in VGG_PHOTO_RMS) ? 'vgg19-photos' : 'rms-v1';
}

/**
 * The layers vgg19-even-style raises to conv5_1's RMS on photos. A Gram term grows as the fourth power
 * of its layer's RMS, so under vgg19-photos conv1_1 (RMS 38) weighs 1/50,000 of conv5_1 (572) and the
 * random network's style is its deep, spatially coarse layers: the result takes the painting's palette
 * under a fine speckled grain. Random features need the fine scales too (Ustyuzhaninov et al. 2017,
 * "What does it take to generate natural textures?": multi-scale filters; He, Wang & Hopcroft 2016
 * likewise rescale each layer's Gram term). Measured by `npm run quality` (Tübingen × Starry Night, The
 * Scream, Udnie, Picasso 1907, 128:40,256:20): pretrained VGG-19's style loss of the results 21,830 → 8,467,
 * its content loss 58,010 → 73,790 (the picture departs further from the photo), the grain gone. Scored
 * worse (Starry Night, The Scream): low-pass or 1/f-smoothed and zero-mean first-layer kernels, average
 * pooling, a stronger TV weight; raising conv1_1 further, or conv4_2 for content, changed little.
 */
const EVEN_STYLE_LAYERS: readonly string[] = ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1'];

function targetRms(calibration: RandomCalibration, layer: string, convIndex: number): number {
  const photo = VGG_PHOTO_RMS[layer];
  if (calibration === 'rms-v1' || photo === undefined) return convIndex === 0 ? V1_RMS_FIRST_LAYER : V1_RMS;
  return calibration === 'vgg19-even-style' && EVEN_STYLE_LAYERS.includes(layer) ? VGG_PHOTO_RMS.conv5_1 : photo;
}

/**
 * Weights drawn at random — He initialisation (He et al. 2015, "Delving Deep into Rectifiers",
 * eq. 10), zero biases — then each layer rescaled so that its activation on a seeded calibration
 * image has the RMS of the pretrained network's. Random-feature style transfer works, though weaker
 * than with pretrained features (He, Wang & Hopcroft 2016). Deterministic for a given seed on
 * every backend, since tf's seeded generators run in JavaScript.
 */
export function randomWeights(
  architecture: NetworkArchitecture,
  seed: number,
  calibration: RandomCalibration = defaultCalibration(architecture),
): NetworkWeights {
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
  function drawLayers(
    layers: readonly LayerSpec[],
    x: tf.Tensor4D,
    inChannels: number,
  ): { activation: tf.Tensor4D; channels: number } {
    let activation = x;
    let channels = inChannels;
    for (const layer of layers) {
      const next = drawLayer(layer, activation, channels);
      if (activation !== x) activation.dispose();
      ({ activation, channels } = next);
    }
    return { activation: activation === x ? tf.clone(x) : activation, channels };
  }

  function drawLayer(
    layer: LayerSpec,
    x: tf.Tensor4D,
    inChannels: number,
  ): { activation: tf.Tensor4D; channels: number } {
    switch (layer.kind) {
      case 'pool':
        return { activation: pool(layer, 'max', x), channels: inChannels };
      case 'lrn':
        return { activation: localResponseNorm(layer, x), channels: inChannels };
      case 'conv': {
        const target = targetRms(calibration, layer.name, convIndex);
        const drawn = calibratedConv(layer, inChannels, x, target, seed * 1009 + ++convIndex);
        weights.set(layer.name, drawn.weights);
        return { activation: drawn.activation, channels: layer.filters };
      }
      case 'concat': {
        // Every branch reads the same input; each branch's convolutions are scaled like any other.
        const branches = layer.branches.map((branch) => drawLayers(branch, x, inChannels));
        const activation = tf.concat(
          branches.map((b) => b.activation),
          3,
        );
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

/** The seeded image a network is calibrated on, in its input space. */
function calibrationInput(
  architecture: NetworkArchitecture,
  seed: number,
  calibration: RandomCalibration,
): tf.Tensor4D {
  // Large enough for every layer to keep a position (GoogLeNet needs 31 px, AlexNet 39).
  const minimum = minimumInputSize(architecture);
  return tf.tidy(() =>
    preprocess(
      architecture.preprocessing,
      calibration === 'rms-v1'
        ? colourFieldImage(Math.max(V1_CALIBRATION_SIZE, minimum), seed)
        : calibrationImage(Math.max(PHOTO_CALIBRATION_SIZE, minimum), seed),
    ),
  );
}

/** rms-v1's image: smooth fields of independent colours plus white noise. */
function colourFieldImage(size: number, seed: number): tf.Tensor3D {
  return tf.tidy(() => {
    const coarse = tf.randomUniform([1, 8, 8, 3], 0, 255, 'float32', seed + 7) as tf.Tensor4D;
    const smooth = tf.image.resizeBilinear(coarse, [size, size]);
    const texture = tf.randomNormal([1, size, size, 3], 0, 25, 'float32', seed + 11);
    return tf.squeeze(tf.clipByValue(tf.add(smooth, texture), 0, 255), [0]) as tf.Tensor3D;
  });
}

/** Chroma's share of each octave's amplitude: photos' colour channels vary mostly together (luminance). */
const PROXY_CHROMA = 0.35;
/** Pixel standard deviation and mean of the proxy, about those of photos in 0..255. */
const PROXY_STD = 55;
const PROXY_MEAN = 118;

/**
 * A seeded stand-in for a photo [size, size, 3] in 0..255: 1/f noise, the amplitude spectrum of
 * natural images (Field 1987), as equal-variance octaves of bilinearly enlarged white noise, each
 * mostly luminance. On it the random VGG's RMS is within 0.9–1.3× of its RMS on real photos at
 * every layer (randomCalibration.bench.ts), the ratio that VGG_PHOTO_RMS corrects for.
 */
export function calibrationImage(size: number, seed: number): tf.Tensor3D {
  return tf.tidy(() => {
    let sum = tf.zeros([1, size, size, 3]) as tf.Tensor4D;
    for (let grid = 2, octave = 0; grid <= size; grid *= 2, octave++) {
      const luminance = tf.randomNormal([1, grid, grid, 1], 0, 1, 'float32', seed * 131 + octave * 2 + 1);
      const colour = tf.randomNormal([1, grid, grid, 3], 0, PROXY_CHROMA, 'float32', seed * 131 + octave * 2 + 2);
      sum = tf.add(sum, tf.image.resizeBilinear(tf.add(luminance, colour) as tf.Tensor4D, [size, size], true));
    }
    const { mean, variance } = tf.moments(sum);
    const scaled = tf.add(tf.mul(tf.div(tf.sub(sum, mean), tf.sqrt(variance)), PROXY_STD), PROXY_MEAN);
    return tf.squeeze(tf.clipByValue(scaled, 0, 255), [0]) as tf.Tensor3D;
  });
}
