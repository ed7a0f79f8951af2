import * as tf from '@tensorflow/tfjs';
import { withCustomGradient } from '../losses/customGradient.js';

/**
 * The image with `size` rows and columns mirrored on each side, the edge pixel not repeated
 * (TensorFlow's MirrorPad, 'reflect'), with its exact gradient: each mirrored pixel's gradient is
 * added back onto the pixel it copies. TensorFlow.js's own MirrorPad gradient only crops, dropping
 * what the frame's windows say about the border, which finite differences of the loss do see.
 */
export function reflectPad(input: tf.Tensor4D, size: number): tf.Tensor4D {
  return withCustomGradient((x: tf.Tensor4D) => ({
    value: tf.mirrorPad(x, [[0, 0], [size, size], [size, size], [0, 0]], 'reflect'),
    gradFunc: (dy: tf.Tensor4D) => foldFrame(foldFrame(dy, 2, size), 1, size),
  }))(input);
}

/**
 * The adjoint of mirroring `size` cells on each side of `axis`: the centre, plus the frame before it
 * reversed onto cells 1..size and the frame after it reversed onto cells n − 1 − size .. n − 2.
 */
function foldFrame(dy: tf.Tensor4D, axis: 1 | 2, size: number): tf.Tensor4D {
  return tf.tidy(() => {
    const n = dy.shape[axis] - 2 * size;
    const along = (start: number, length: number) => {
      const begin = [0, 0, 0, 0];
      const sizes = [-1, -1, -1, -1];
      begin[axis] = start;
      sizes[axis] = length;
      return tf.slice(dy, begin, sizes);
    };
    const placed = (part: tf.Tensor4D, before: number, after: number) => {
      const paddings: [number, number][] = [[0, 0], [0, 0], [0, 0], [0, 0]];
      paddings[axis] = [before, after];
      return tf.pad(tf.reverse(part, axis), paddings);
    };
    return tf.addN([along(size, n), placed(along(0, size), 1, n - 1 - size), placed(along(size + n, size), n - 1 - size, 1)]) as tf.Tensor4D;
  });
}
