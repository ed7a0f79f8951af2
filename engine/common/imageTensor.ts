import * as tf from '@tensorflow/tfjs';
import { rgbImage, type RgbImage } from './image.js';

/** RgbImage → float tensor [H, W, 3] in 0..255. */
export function imageToTensor(image: RgbImage): tf.Tensor3D {
  return tf.tensor3d(Float32Array.from(image.data), [image.height, image.width, 3]);
}

/** Float tensor [H, W, 3] in 0..255 → RgbImage, rounded and clipped. */
export function tensorToImage(tensor: tf.Tensor3D): RgbImage {
  const [height, width] = tensor.shape;
  const pixels = tf.tidy(() => tf.clipByValue(tf.round(tensor), 0, 255));
  try {
    return rgbImage(width, height, Uint8Array.from(pixels.dataSync()));
  } finally {
    pixels.dispose();
  }
}
