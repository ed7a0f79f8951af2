import * as tf from '@tensorflow/tfjs';
import type { Preprocessing } from './architecture.js';

/**
 * The mean pixel of ImageNet in BGR order, subtracted by the original Caffe VGG models
 * (and by the Keras port of their weights).
 */
export const CAFFE_MEAN_BGR: readonly [number, number, number] = [103.939, 116.779, 123.68];

/**
 * The mean ImageNet pixel in RGB: where noise starts, whatever a network's input space (neural-style starts at zero in
 * Caffe's, which is this pixel).
 */
export const IMAGENET_MEAN_RGB: readonly [number, number, number] = [
  CAFFE_MEAN_BGR[2],
  CAFFE_MEAN_BGR[1],
  CAFFE_MEAN_BGR[0],
];

/** sRGB image [H, W, 3] in 0..255 → network input [1, H, W, 3]. */
export function preprocess(kind: Preprocessing, rgb: tf.Tensor3D): tf.Tensor4D {
  return tf.tidy(() => preprocessBatch(kind, tf.expandDims(rgb, 0) as tf.Tensor4D));
}

/**
 * A batch of sRGB images [N, H, W, 3] in 0..255 (a style network's output while it trains) → network input [N, H, W,
 * 3].
 */
export function preprocessBatch(kind: Preprocessing, rgb: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    if (kind === 'rgb') return tf.cast(rgb, 'float32');
    return tf.sub(tf.reverse(rgb, -1), tf.tensor1d([...CAFFE_MEAN_BGR])) as tf.Tensor4D;
  });
}

/** Inverse of `preprocess`, clipped to displayable 0..255. */
export function deprocess(kind: Preprocessing, input: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(() => {
    if (kind === 'rgb') return tf.clipByValue(tf.squeeze(input, [0]), 0, 255) as tf.Tensor3D;
    const bgr = tf.add(tf.squeeze(input, [0]), tf.tensor1d([...CAFFE_MEAN_BGR]));
    return tf.clipByValue(tf.reverse(bgr, -1), 0, 255) as tf.Tensor3D;
  });
}
