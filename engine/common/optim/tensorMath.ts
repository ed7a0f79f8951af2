import * as tf from '@tensorflow/tfjs';

/** aᵀb as a scalar tensor left on the device, for sums that need not reach JavaScript. */
export function innerProduct(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.sum(tf.mul(a, b));
}

/** aᵀb as a number. */
export function dot(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => innerProduct(a, b).dataSync()[0]);
}

/** ‖x‖∞ = max |xᵢ| as a number. */
export function maxNorm(x: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(x)).dataSync()[0]);
}
