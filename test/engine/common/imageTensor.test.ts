import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rgbImage } from '../../../engine/common/image.js';
import { imageToTensor, tensorToImage } from '../../../engine/common/imageTensor.js';
import { useTestBackend } from '../../helpers/tf.js';

await useTestBackend();

describe('imageTensor', () => {
  it('round-trips pixels, rounding and clipping floats to 0..255, and leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    const floats = tf.tensor3d([
      [
        [-3, 0.4, 0.6],
        [254.5, 300, 17],
      ],
    ]);
    const image = tensorToImage(floats);
    floats.dispose();
    // tf.round rounds halves to even, as TensorFlow does.
    assert.deepEqual([image.width, image.height, Array.from(image.data)], [2, 1, [0, 0, 1, 254, 255, 17]]);
    const back = imageToTensor(rgbImage(2, 1, image.data));
    assert.deepEqual(back.shape, [1, 2, 3]);
    assert.deepEqual(Array.from(back.dataSync()), [0, 0, 1, 254, 255, 17]);
    back.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});
