import * as tf from '@tensorflow/tfjs';
import { withCustomGradient } from './customGradient.js';

/**
 * The Gram matrix of a layer's activations (Gatys et al. 2015, eq. 3): G = F Fᵀ with F the C×(H·W)
 * matrix of feature maps, so Gᵢⱼ is the inner product of maps i and j. Divided by C·H·W as in
 * neural-style, which makes it independent of image size and keeps its style weight meaningful.
 * `features` holds one picture; gramMatrices takes a batch.
 */
export function gramMatrix(features: tf.Tensor4D): tf.Tensor2D {
  if (features.shape[0] !== 1)
    throw new Error(`gramMatrix takes one picture, not ${features.shape[0]} (gramMatrices takes a batch)`);
  return tf.tidy(() => tf.squeeze(gramMatrices(features), [0]) as tf.Tensor2D);
}

/**
 * Each picture's Gram matrix [N, C, C] of a batch's activations [N, H, W, C] (Johnson et al. 2016, eq. 3, normalised as
 * gramMatrix).
 */
export function gramMatrices(features: tf.Tensor4D): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, height, width, channels] = features.shape;
    return normalisedGram(tf.reshape(features, [batch, height * width, channels]) as tf.Tensor3D);
  });
}

/**
 * FᵀF / (C·P) for each F [P, C] of a batch [N, P, C], with its gradient written out:
 * ∂L/∂F = F (∂L/∂G + ∂L/∂Gᵀ) / (C·P). The transposes are explicit because the wasm backend's matrix
 * product is about ten times slower when asked to transpose an operand itself (measured at
 * 65536×64 and 1024×512), which tf.matMul's own gradient does.
 */
const normalisedGram = withCustomGradient((matrices: tf.Tensor3D, save: tf.GradSaveFunc) => {
  const [, positions, channels] = matrices.shape;
  const transpose = (x: tf.Tensor3D) => tf.transpose(x, [0, 2, 1]);
  save([matrices]);
  return {
    value: tf.div(tf.matMul(transpose(matrices), matrices), channels * positions) as tf.Tensor3D,
    gradFunc: (dy: tf.Tensor3D, [saved]: tf.Tensor[]) =>
      tf.div(tf.matMul(saved as tf.Tensor3D, tf.add(dy, transpose(dy))), channels * positions) as tf.Tensor3D,
  };
});

/**
 * Style loss on one layer (Gatys et al. 2015, eq. 4): the squared distance between the image's Gram
 * matrix and the style's. Normalised as neural-style (mean over the C² entries) instead of eq. 4's
 * 1/(4N²M²)·sum, consistently with `gramMatrix`. On a batch it is the mean of each picture's loss
 * (Johnson et al. 2016, eq. 5, averaged over the batch as their recipe does).
 */
export function styleLoss(features: tf.Tensor4D, targetGram: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(gramMatrices(features), targetGram)));
}
