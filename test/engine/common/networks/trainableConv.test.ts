import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trainableConv2d, trainableConv2dTranspose } from '../../../../engine/common/networks/trainableConv.js';
import { maxAbs, maxAbsDifference, useTestBackend } from '../../../helpers/tf.js';

/**
 * [input shape, kernel size, channels out, stride, transposed]: odd and even sides, the transformer's 9×9, strides and
 * transposed layers.
 */
const CASES: Array<[[number, number, number, number], number, number, 1 | 2, boolean]> = [
  [[2, 9, 11, 3], 3, 4, 1, false],
  [[2, 9, 11, 3], 3, 4, 2, false],
  [[2, 8, 8, 3], 3, 4, 2, false],
  [[1, 10, 7, 2], 9, 3, 1, false],
  [[2, 5, 6, 3], 3, 4, 2, true],
];

type Case = (typeof CASES)[number];

/** The input and kernel gradients of Σ w ⊙ conv(x, k) for seeded x, k and w, by `convolve`'s autodiff. */
function gradients([shape, k, out, stride, transposed]: Case, convolve: 'tf' | 'trainable'): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.randomNormal(shape, 0, 1, 'float32', 1) as tf.Tensor4D;
    const kernel = tf.randomNormal(
      transposed ? [k, k, out, shape[3]] : [k, k, shape[3], out],
      0,
      1,
      'float32',
      2,
    ) as tf.Tensor4D;
    const outputShape: [number, number, number, number] = [shape[0], shape[1] * stride, shape[2] * stride, out];
    const f = (a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D => {
      if (convolve === 'trainable')
        return transposed ? trainableConv2dTranspose(a, b, stride) : trainableConv2d(a, b, stride);
      return transposed ? tf.conv2dTranspose(a, b, outputShape, stride, 'same') : tf.conv2d(a, b, stride, 'same');
    };
    const w = tf.randomNormal(f(x, kernel).shape, 0, 1, 'float32', 3);
    const grads = tf.grads((a, b) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), w)))([x, kernel]);
    return grads.map((g) => g.dataSync() as Float32Array);
  });
}

describe('convolutions whose kernels train on every backend', () => {
  it(
    "give TensorFlow.js's own input and kernel gradients (cpu backend, which has Conv2DBackpropFilter), also " +
      'computed on wasm, which has not',
    async () => {
      await tf.setBackend('cpu');
      const expected = CASES.map((c) => gradients(c, 'tf'));
      const onCpu = CASES.map((c) => gradients(c, 'trainable'));
      await useTestBackend();
      assert.throws(
        () => gradients(CASES[0], 'tf'),
        /Conv2DBackpropFilter/,
        'wasm still lacks the kernel: this module would be unneeded',
      );
      const onWasm = CASES.map((c) => gradients(c, 'trainable'));
      CASES.forEach((c, i) => {
        for (const [label, computed] of [
          ['cpu', onCpu[i]],
          ['wasm', onWasm[i]],
        ] as const) {
          computed.forEach((gradient, j) => {
            const difference = maxAbsDifference(gradient, expected[i][j]);
            assert.ok(
              difference <= 1e-5 * maxAbs(expected[i][j]),
              `${JSON.stringify(c)} on ${label}: ${j === 0 ? 'input' : 'kernel'} gradient off by ${difference}`,
            );
          });
        }
      });
    },
  );

  it(
    "compute the values of tf.conv2d and tf.conv2dTranspose (the transformer's 3×3 upsampling as a sub-pixel " +
      'convolution), on a batch with unequal sides',
    () => {
      tf.tidy(() => {
        for (const [shape, k, out, stride, transposed] of CASES) {
          const x = tf.randomNormal(shape, 0, 1, 'float32', k) as tf.Tensor4D;
          const kernel = tf.randomNormal(
            transposed ? [k, k, out, shape[3]] : [k, k, shape[3], out],
            0,
            1,
            'float32',
            k + 1,
          ) as tf.Tensor4D;
          const expected = transposed
            ? tf.conv2dTranspose(x, kernel, [shape[0], shape[1] * stride, shape[2] * stride, out], stride, 'same')
            : tf.conv2d(x, kernel, stride, 'same');
          const actual = transposed ? trainableConv2dTranspose(x, kernel, stride) : trainableConv2d(x, kernel, stride);
          assert.deepEqual(actual.shape, expected.shape);
          assert.ok(
            maxAbsDifference(actual.dataSync(), expected.dataSync()) <= 1e-5 * maxAbs(expected.dataSync()),
            JSON.stringify(shape),
          );
        }
      });
    },
  );
});
