import * as tf from '@tensorflow/tfjs';
import { withCustomGradient } from '../losses/customGradient.js';

/**
 * Non-overlapping k×k pooling (stride k, 'valid', sides divisible by k) whose gradients are written
 * with elementwise and forward kernels instead of tf's MaxPoolGrad / AvgPoolGrad. The image is viewed
 * as [N, H/k, k, W/k, k, C] (a reshape, free) so that "repeat each pooled value over its window" is
 * a broadcast product with a [1, 1, k, 1, k, 1] constant.
 *
 * Measured on this project's 2-core machine (CPU time, median of 5; VGG-19's pools at 256 px:
 * 256²×64, 128²×128, 64²×256, 32²×512, summed):
 *   wasm  max: MaxPoolGrad 438 ms, these 241 ms; avg: AvgPoolGrad 228 ms, this 32 ms.
 *   cpu   max: MaxPoolGrad 4924 ms, these 7822 ms (slower: kept off); avg: AvgPoolGrad 2533 ms, this 2075 ms.
 * WebGL and WebGPU were not measured (no GPU here), so they keep tf's own gradients. On wasm these
 * are also right where tf's are not: tfjs 4.22's wasm MaxPoolGrad misroutes windows whose maximum is
 * negative, which leaky ReLUs (Darknet) give (poolGradients.test compares with the cpu backend).
 */
const FAST_MAX_POOL_BACKENDS: ReadonlySet<string> = new Set(['wasm']);
const FAST_AVG_POOL_BACKENDS: ReadonlySet<string> = new Set(['wasm', 'cpu']);

/** Whether the backend in use runs the hand-written gradient of this pooling faster than tf's (figures above). */
export function fastPoolGradientPays(pooling: 'max' | 'avg', backend = tf.getBackend()): boolean {
  return (pooling === 'max' ? FAST_MAX_POOL_BACKENDS : FAST_AVG_POOL_BACKENDS).has(backend);
}

/**
 * tf.maxPool(x, k, k, 'valid') for sides divisible by k. ∂L/∂x routes each window's ∂L/∂y to the
 * first cell (row by row) holding the window's maximum, as TensorFlow and tfjs's cpu backend do
 * (tfjs's wasm backend picks the last): the cells equal to the maximum are marked, each marked cell
 * is weighted by its place (k² for the first … 1 for the last), and the one whose weight is the
 * window's largest is the first. Ties are common — all-zero windows after a ReLU, and equal
 * positive activations over flat areas of a picture — so routing ∂L/∂y to every tied cell would
 * multiply the gradient there.
 */
export function maxPoolTiled(x: tf.Tensor4D, k: number): tf.Tensor4D {
  return withCustomGradient((input: tf.Tensor4D, save: tf.GradSaveFunc) => {
    const pooled = tf.maxPool(input, k, k, 'valid');
    save([input, pooled]);
    return {
      value: pooled,
      gradFunc: (dy, [saved, savedPooled]) =>
        tf.tidy(() => {
          const cells = windowView(saved as tf.Tensor4D, k);
          const isMax = tf.cast(tf.equal(cells, repeated(savedPooled as tf.Tensor4D, k)), 'float32');
          const ranked = tf.mul(isMax, placeWeights(k));
          const first = tf.cast(
            tf.equal(ranked, repeated(tf.maxPool(imageView(ranked, saved.shape), k, k, 'valid'), k)),
            'float32',
          );
          return imageView(tf.mul(first, repeated(dy, k)), saved.shape);
        }),
    };
  })(x);
}

/** tf.avgPool(x, k, k, 'valid') for sides divisible by k; ∂L/∂x is each window's ∂L/∂y over k², repeated over it. */
export function avgPoolTiled(x: tf.Tensor4D, k: number): tf.Tensor4D {
  return withCustomGradient((input: tf.Tensor4D) => ({
    value: tf.avgPool(input, k, k, 'valid'),
    gradFunc: (dy) => tf.tidy(() => imageView(repeated(dy, k, 1 / (k * k)), input.shape)),
  }))(x);
}

/** [N, H, W, C] as [N, H/k, k, W/k, k, C]: each window's cells along axes 2 and 4. */
function windowView(x: tf.Tensor4D, k: number): tf.Tensor {
  const [batch, height, width, channels] = x.shape;
  return tf.reshape(x, [batch, height / k, k, width / k, k, channels]);
}

function imageView(cells: tf.Tensor, shape: readonly number[]): tf.Tensor4D {
  return tf.reshape(cells, shape as [number, number, number, number]);
}

/** Each value of a pooled [N, h, w, C] times `scale`, repeated over its k×k window, in the window view. */
function repeated(pooled: tf.Tensor4D, k: number, scale = 1): tf.Tensor {
  const [batch, height, width, channels] = pooled.shape;
  // A broadcast product: on wasm some 30× faster than tf.tile at 256²×64 (measured).
  return tf.mul(tf.reshape(pooled, [batch, height, 1, width, 1, channels]), tf.fill([1, 1, k, 1, k, 1], scale));
}

/** k² for a window's first cell (row by row) down to 1 for its last, in the window view. */
function placeWeights(k: number): tf.Tensor {
  return tf.tensor(
    Array.from({ length: k * k }, (_, i) => k * k - i),
    [1, 1, k, 1, k, 1],
  );
}
