import * as tf from '@tensorflow/tfjs';
import type { RgbImage } from '../image.js';
import { imageToTensor } from '../imageTensor.js';
import { disposeNormStatistics, type NormStatistics, type TransformerNetwork } from './transformerNetwork.js';

/**
 * A style network as the tiled loop uses it, whatever computes it (TensorFlow.js here, onnxruntime's
 * graphs in engine/node/fast/onnxStylizer.ts): pixels in, styled floats out, and the instance-norm
 * statistics a whole picture hands its tiles as plain numbers, so that no backend's tensors cross.
 */
export interface PictureStylizer {
  /** What computes it, as a run records it ('onnxruntime', 'wasm', …). */
  readonly backend: string;
  /**
   * The picture → the styled picture, same size, [H, W, 3] floats clipped to 0..255 (not rounded).
   * With `statistics`, every layer is normalised by them instead of the picture's own.
   */
  stylize(picture: RgbImage, statistics?: MomentValues): Promise<Float32Array>;
  /** Each layer's instance-normalisation moments on this picture. */
  measureStatistics(picture: RgbImage): Promise<MomentValues>;
  /** Releases the network. */
  dispose(): void;
}

/** One layer's per-channel mean and variance. */
export interface LayerMoments {
  readonly mean: Float32Array;
  readonly variance: Float32Array;
}

/** Every layer's moments by layer name (conv1, res1a, …). */
export type MomentValues = ReadonlyMap<string, LayerMoments>;

/**
 * The TensorFlow.js network, on whichever backend TensorFlow.js runs (`backend` names it as runs
 * record it); takes ownership of `network`.
 */
export function tfjsStylizer(network: TransformerNetwork, backend: string = tf.getBackend()): PictureStylizer {
  return {
    backend,
    stylize: async (picture, statistics) => {
      const given = statistics && toTensors(statistics);
      const styled = tf.tidy(() => network.stylize(imageToTensor(picture), given));
      try {
        return await styled.data<'float32'>();
      } finally {
        styled.dispose();
        if (given) disposeNormStatistics(given);
      }
    },
    measureStatistics: async (picture) => {
      const rgb = imageToTensor(picture);
      const measured = network.measureStatistics(rgb);
      rgb.dispose();
      try {
        return await toValues(measured);
      } finally {
        disposeNormStatistics(measured);
      }
    },
    dispose: () => network.dispose(),
  };
}

async function toValues(statistics: NormStatistics): Promise<MomentValues> {
  const entries = [...statistics].map(async ([name, { mean, variance }]): Promise<[string, LayerMoments]> => [
    name,
    { mean: await mean.data<'float32'>(), variance: await variance.data<'float32'>() },
  ]);
  return new Map(await Promise.all(entries));
}

function toTensors(statistics: MomentValues): NormStatistics {
  return new Map(
    [...statistics].map(([name, { mean, variance }]) => [
      name,
      { mean: tf.tensor4d(mean, [1, 1, 1, mean.length]), variance: tf.tensor4d(variance, [1, 1, 1, variance.length]) },
    ]),
  );
}
