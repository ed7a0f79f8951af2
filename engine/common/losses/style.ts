import * as tf from '@tensorflow/tfjs';

/**
 * The Gram matrix of a layer's activations (Gatys et al. 2015, eq. 3): G = F Fᵀ with F the C×(H·W)
 * matrix of feature maps, so Gᵢⱼ is the inner product of maps i and j. Divided by C·H·W as in
 * neural-style, which makes it independent of image size and keeps its style weight meaningful.
 */
export function gramMatrix(features: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const [, height, width, channels] = features.shape;
    const matrix = tf.reshape(features, [height * width, channels]);
    return tf.div(tf.matMul(matrix, matrix, true, false), channels * height * width) as tf.Tensor2D;
  });
}

/**
 * Style loss on one layer (Gatys et al. 2015, eq. 4): the squared distance between the image's Gram
 * matrix and the style's. Normalised as neural-style (mean over the C² entries) instead of eq. 4's
 * 1/(4N²M²)·sum, consistently with `gramMatrix`.
 */
export function styleLoss(features: tf.Tensor4D, targetGram: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(gramMatrix(features), targetGram)));
}
