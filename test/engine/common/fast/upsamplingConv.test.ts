import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { upsamplingConv } from '../../../../engine/common/fast/upsamplingConv.js';
import { maxAbsDifference, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

/** What upsamplingConv stands for: TensorFlow's own transposed convolution, doubling the size with 'same' padding. */
function transposed(x: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
  const [batch, height, width] = x.shape;
  return tf.conv2dTranspose(x, kernel, [batch, 2 * height, 2 * width, kernel.shape[2]], 2, 'same');
}

describe('the upsampling convolution as one convolution and an interleave (sub-pixel convolution)', () => {
  for (const k of [3, 2, 4, 5]) {
    it(`equals tf.conv2dTranspose with a ${k}×${k} kernel, on a batch of two with unequal sides`, () => {
      tf.tidy(() => {
        const x = tf.randomNormal([2, 5, 7, 6], 0, 1, 'float32', k) as tf.Tensor4D;
        const kernel = tf.randomNormal([k, k, 4, 6], 0, 1, 'float32', k + 1) as tf.Tensor4D;
        const expected = transposed(x, kernel);
        const actual = upsamplingConv(x, kernel);
        assert.deepEqual(actual.shape, [2, 10, 14, 4]);
        assert.ok(maxAbsDifference(actual.dataSync(), expected.dataSync()) < 1e-4);
      });
    });
  }

  it('has the transposed convolution’s gradients, with respect to its input and its kernel (what training needs)', async () => {
    // wasm has no kernel for a convolution's gradient with respect to its filter (Conv2DBackpropFilter): checked on cpu.
    await tf.setBackend('cpu');
    try {
      tf.tidy(() => {
        const x = tf.randomNormal([1, 4, 6, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
        const kernel = tf.randomNormal([3, 3, 2, 3], 0, 1, 'float32', 12) as tf.Tensor4D;
        const weighting = tf.randomNormal([1, 8, 12, 2], 0, 1, 'float32', 13);
        const loss = (f: typeof transposed) => (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), weighting)) as tf.Scalar;
        const [dxActual, dkActual] = tf.grads(loss(upsamplingConv))([x, kernel]);
        const [dxExpected, dkExpected] = tf.grads(loss(transposed))([x, kernel]);
        assert.ok(maxAbsDifference(dxActual.dataSync(), dxExpected.dataSync()) < 1e-4);
        assert.ok(maxAbsDifference(dkActual.dataSync(), dkExpected.dataSync()) < 1e-4);
      });
    } finally {
      await useTestBackend();
    }
  });
});
