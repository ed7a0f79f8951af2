import * as tf from '@tensorflow/tfjs';

/**
 * Content loss on one layer (Gatys et al. 2015, eq. 1): the squared error between the activations F
 * of the image and P of the photo. Normalised as neural-style does — the mean over the C·H·W
 * elements instead of eq. 1's ½·sum — so its content weight of 5 carries over. On a batch, the mean
 * over every picture's elements is the mean of each picture's loss (Johnson et al. 2016, eq. 2).
 */
export function contentLoss(features: tf.Tensor4D, target: tf.Tensor4D): tf.Scalar {
  return tf.mean(tf.squaredDifference(features, target));
}
