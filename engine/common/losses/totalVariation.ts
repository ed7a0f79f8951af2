import * as tf from '@tensorflow/tfjs';

/**
 * Total-variation regulariser (Mahendran & Vedaldi 2015, eq. 5 with β = 2; Johnson et al. 2016):
 * half the sum of squared differences between horizontally and vertically neighbouring pixels,
 * taken over the same [0, H−1) × [0, W−1) region as neural-style's TVLoss so its weight carries over.
 * On a batch it is the mean of each picture's, so that a weight means the same whatever the batch size.
 */
export function totalVariationLoss(image: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const [batch, height, width] = image.shape;
    const corner = tf.slice(image, [0, 0, 0, 0], [-1, height - 1, width - 1, -1]);
    const right = tf.slice(image, [0, 0, 1, 0], [-1, height - 1, width - 1, -1]);
    const below = tf.slice(image, [0, 1, 0, 0], [-1, height - 1, width - 1, -1]);
    const squares = tf.add(tf.sum(tf.squaredDifference(corner, right)), tf.sum(tf.squaredDifference(corner, below)));
    return tf.mul(squares, 0.5 / batch) as tf.Scalar;
  });
}
