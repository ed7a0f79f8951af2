import * as tf from '@tensorflow/tfjs';
import { PasticheError } from '../errors.js';
import { withCustomGradient } from './customGradient.js';
import { checkRadius } from './localStyleBytes.js';

/**
 * The locality-sensitive style representation of Nikulin & Novak 2016 (arXiv 1602.07188, §9): a
 * Gram matrix per position instead of one for the whole image, correlating each feature with the
 * features in a small window around it,
 *   Gᵢⱼ(x, y) = Σ_{|dx|,|dy|≤s} w(dx, dy)·Fᵢ(x, y)·Fⱼ(x+dx, y+dy),   w = 1/(1 + dx² + dy²),
 * with F zero outside the map. Radius 0 is the pixel-wise product Fᵢ ⊙ Fⱼ. Matching it matches
 * style where it occurs, so the style image must have the photo's layout (and size).
 *
 * Computation: Fᵢ(x, y) does not depend on the shift, so the sum factorises,
 *   G(x, y) = F(x, y) ⊗ N(x, y),   N = Σ_d w(d)·F(· + d)   (a window-weighted neighbourhood sum),
 * one outer product per position. Memory and time are O(C²·H·W) whatever the radius; only the
 * C·H·W-sized neighbourhood sum (a depthwise convolution) grows with (2s+1)².
 *
 * Shape [H, W, C, C]: G[y, x, i, j] (rows, columns, then the pair of channels; not symmetric in i, j
 * for s > 0). Normalised by C·Σw: dividing by C makes the average over positions of the radius-0
 * statistic exactly gramMatrix (style.ts, which divides Σ over H·W positions by C·H·W), so style
 * weights are comparable; dividing by the window's total weight Σw (1 at radius 0, ≈ 6.9 at radius
 * 2) keeps that scale whatever the radius.
 */
export function localGram(features: tf.Tensor4D, radius: number): tf.Tensor4D {
  checkedShape(features, radius);
  return tf.tidy(() => outerProducts(features, differentiableWindowSum(features, radius)));
}

/**
 * Local style loss on one layer: the mean squared difference between the image's localGram and the
 * target's (the style image's localGram at the same radius), as styleLoss is for Gram matrices.
 *
 * Its gradient is written by hand so that the backward pass holds no C²·H·W tensor besides the
 * residual R = G − T (autodiff would keep the statistic and the square, and make C²·H·W-sized
 * temporaries of the upstream gradient). With n = H·W·C², G = F ⊗ N and N = Σ_d w(d)·F(· + d)/(C·Σw)
 * (see localGram), the chain rule through both factors gives
 *   ∂L/∂Fᵢ(p) = (2/n)·[Σⱼ Rᵢⱼ(p)·Nⱼ(p)  +  Σ_d w(d)/(C·Σw)·Qᵢ(p − d)],   Qᵢ(p) = Σₖ Rₖᵢ(p)·Fₖ(p):
 * the first term through F(p) in the outer product, the second through the neighbourhood sums that
 * contain Fᵢ(p) — the same window sum applied to Q, since w is symmetric.
 */
export function localStyleLoss(features: tf.Tensor4D, target: tf.Tensor, radius: number): tf.Scalar {
  const [, height, width, channels] = checkedShape(features, radius);
  checkTarget(target, [height, width, channels]);
  const entries = height * width * channels * channels;
  const compute = withCustomGradient<tf.Tensor4D, tf.Scalar>((x, save) => {
    const neighbourhood = plainWindowSum(x, radius);
    const statistic = outerProducts(x, neighbourhood);
    const residual = tf.sub(statistic, target) as tf.Tensor4D;
    // Each C²·H·W temporary is freed as soon as it is used, so at most two exist besides the target.
    statistic.dispose();
    const squares = tf.square(residual);
    const value = tf.div(tf.sum(squares), entries) as tf.Scalar;
    squares.dispose();
    save([x, neighbourhood, residual]);
    return {
      value,
      gradFunc: (dy, saved) => {
        const [f, n, r] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        // Per position, R·N and Rᵀ·F: batched matrix–vector products, whose outputs are C·H·W-sized.
        const throughFeatures = tf.reshape(tf.matMul(r, asColumns(n)), f.shape) as tf.Tensor4D;
        const throughNeighbours = tf.reshape(tf.matMul(r, asColumns(f), true, false), f.shape) as tf.Tensor4D;
        const total = tf.add(throughFeatures, plainWindowSum(throughNeighbours, radius));
        return tf.mul(total, tf.mul(dy, 2 / entries)) as tf.Tensor4D;
      },
    };
  });
  return compute(features);
}

/** w(dx, dy) = 1/(1 + dx² + dy²) over the (2s+1)² window, row-major (dy, then dx). */
export function windowWeights(radius: number): number[] {
  const weights: number[] = [];
  for (let dy = -radius; dy <= radius; dy++)
    for (let dx = -radius; dx <= radius; dx++) weights.push(1 / (1 + dx * dx + dy * dy));
  return weights;
}

/** One C×C outer product per position: F(p) ⊗ N(p) for [1, H, W, C] maps → [H, W, C, C]. */
function outerProducts(features: tf.Tensor4D, neighbourhood: tf.Tensor4D): tf.Tensor4D {
  const [, height, width, channels] = features.shape;
  // A broadcast product: measured 4× faster on wasm than a batched matrix product with inner size 1.
  return tf.mul(asColumns(features), tf.reshape(neighbourhood, [height, width, 1, channels]));
}

/** [1, H, W, C] → [H, W, C, 1]: one column vector per position. */
function asColumns(features: tf.Tensor4D): tf.Tensor4D {
  const [, height, width, channels] = features.shape;
  return tf.reshape(features, [height, width, channels, 1]);
}

/**
 * Σ_d w(d)·F(· + d) / (C·Σw) with zero padding, as a depthwise convolution. Its adjoint is itself
 * (w is symmetric and 'same' padding pads s on every side), which supplies the gradient that the
 * wasm backend, lacking depthwise-convolution gradient kernels, could not.
 */
function plainWindowSum(features: tf.Tensor4D, radius: number): tf.Tensor4D {
  const channels = features.shape[3];
  const weights = windowWeights(radius);
  const scale = 1 / (channels * weights.reduce((a, b) => a + b, 0));
  if (radius === 0) return tf.mul(features, scale);
  return tf.tidy(() => {
    const size = 2 * radius + 1;
    const filter = tf.tile(
      tf.tensor4d(
        weights.map((w) => w * scale),
        [size, size, 1, 1],
      ),
      [1, 1, channels, 1],
    ) as tf.Tensor4D;
    return tf.depthwiseConv2d(features, filter, 1, 'same');
  });
}

/** plainWindowSum with its gradient, for localGram under autodiff. */
function differentiableWindowSum(features: tf.Tensor4D, radius: number): tf.Tensor4D {
  if (radius === 0) return plainWindowSum(features, 0);
  return withCustomGradient<tf.Tensor4D, tf.Tensor4D>((x) => ({
    value: plainWindowSum(x, radius),
    gradFunc: (dy) => plainWindowSum(dy, radius),
  }))(features);
}

function checkedShape(features: tf.Tensor4D, radius: number): [number, number, number, number] {
  checkRadius(radius);
  const [batch, height, width, channels] = features.shape;
  if (batch !== 1) throw new PasticheError(`local style takes one image's activations, not a batch of ${batch}`);
  return [batch, height, width, channels];
}

function checkTarget(target: tf.Tensor, [height, width, channels]: number[]): void {
  const expected = [height, width, channels, channels];
  if (target.shape.length !== 4 || target.shape.some((size, i) => size !== expected[i])) {
    throw new PasticheError(
      `the local style target is [${target.shape.join(', ')}] but this layer needs [${expected.join(', ')}]: local ` +
        `style compares position by position, so the style image must be given at the image's size`,
    );
  }
}
