import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALEXNET } from '../../../../engine/common/networks/alexnet.js';
import type { NetworkArchitecture } from '../../../../engine/common/networks/architecture.js';
import { featureNetwork } from '../../../../engine/common/networks/featureNetwork.js';
import { convolve, localResponseNorm } from '../../../../engine/common/networks/layerOps.js';
import { randomWeights } from '../../../../engine/common/networks/randomWeights.js';
import { assertGradient, syntheticImage, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

describe("AlexNet (Krizhevsky et al. 2012, Caffe's BVLC model)", () => {
  it("computes every layer with the shapes of the paper's figure 2 on a 227-px image", () => {
    const network = featureNetwork('alexnet-random', ALEXNET, randomWeights(ALEXNET, 0));
    tf.tidy(() => {
      const input = network.preprocess(syntheticImage(227, 227, 1));
      const names = ['conv1', 'norm1', 'pool1', 'conv2', 'pool2', 'conv3', 'conv4', 'conv5', 'pool5'];
      const shapes = Object.fromEntries(
        [...network.activations(input, names, 'max')].map(([name, a]) => [name, a.shape.slice(1)]),
      );
      assert.deepEqual(shapes, {
        conv1: [55, 55, 96],
        norm1: [55, 55, 96],
        pool1: [27, 27, 96],
        conv2: [27, 27, 256],
        pool2: [13, 13, 256],
        conv3: [13, 13, 384],
        conv4: [13, 13, 384],
        conv5: [13, 13, 256],
        pool5: [6, 6, 256],
      });
    });
    assert.deepEqual(
      ALEXNET.layers.filter((l) => l.kind === 'conv').map((l) => l.name),
      ['conv1', 'conv2', 'conv3', 'conv4', 'conv5'],
    );
    // At 224 px conv1 gives 54, which Caffe's rounded-up pool1 turns into 27 (a floor would give 26).
    tf.tidy(() =>
      assert.deepEqual(
        network.activations(network.preprocess(syntheticImage(224, 224, 1)), ['pool1'], 'max').get('pool1')!.shape,
        [1, 27, 27, 96],
      ),
    );
    // The unpadded 11×11 stride-4 start and three pools (rounded up, as Caffe's) need 39 px; a smaller image is refused
    // in words.
    tf.tidy(() => {
      const small = network.preprocess(syntheticImage(30, 50, 2));
      assert.throws(
        () => network.activations(small, ['conv1', 'pool5'], 'max'),
        /alexnet-random: an image of 50×30 is too small for layer 'pool5', which needs at least 39 px on each side$/,
      );
      assert.equal(network.activations(small, ['conv1'], 'max').get('conv1')!.shape[1], 5);
    });
    network.dispose();
  });

  it('convolves channel groups as one convolution with a block-diagonal kernel', () => {
    tf.tidy(() => {
      const x = tf.randomNormal([1, 6, 6, 4], 0, 1, 'float32', 3) as tf.Tensor4D;
      const kernel = tf.randomNormal([3, 3, 2, 6], 0, 1, 'float32', 4) as tf.Tensor4D;
      const grouped = convolve(
        { kind: 'conv', name: 'g', filters: 6, kernelSize: 3, groups: 2, relu: true },
        x,
        kernel,
      );
      // Filters 0–2 see channels 0–1, filters 3–5 channels 2–3.
      const [first, second] = tf.split(kernel, 2, 3);
      const zeros = tf.zeros([3, 3, 2, 3]);
      const full = tf.concat([tf.concat([first, zeros], 2), tf.concat([zeros, second], 2)], 3) as tf.Tensor4D;
      const reference = tf.conv2d(x, full, 1, 'same');
      assert.ok(tf.max(tf.abs(tf.sub(grouped, reference))).dataSync()[0] < 1e-4);
    });
  });

  it('normalises across channels as Caffe does: x / (k + α/n Σ x²)^β over n neighbours', () => {
    const values = [1, -2, 3, 0.5, 4, -1, 2];
    const spec = { kind: 'lrn' as const, name: 'norm', size: 5, alpha: 0.3, beta: 0.75, k: 2 };
    const normalised = tf.tidy(() => Array.from(localResponseNorm(spec, tf.tensor4d(values, [1, 1, 1, 7])).dataSync()));
    const expected = values.map((v, c) => {
      const window = values.slice(Math.max(0, c - 2), c + 3).reduce((sum, u) => sum + u * u, 0);
      return v / (2 + (0.3 / 5) * window) ** 0.75;
    });
    normalised.forEach((value, c) =>
      assert.ok(Math.abs(value - expected[c]) < 1e-5, `channel ${c}: ${value} vs ${expected[c]}`),
    );
  });

  it('differentiates through strided, grouped convolutions and LRN (finite differences)', () => {
    const small: NetworkArchitecture = {
      family: 'alexnet-like',
      inputChannels: 3,
      preprocessing: 'caffe-bgr',
      defaultLayers: { content: ['b'], style: ['a'] },
      layers: [
        { kind: 'conv', name: 'a', filters: 4, kernelSize: 5, stride: 2, padding: 'valid', relu: true },
        { kind: 'lrn', name: 'n', size: 3, alpha: 1e-2, beta: 0.75, k: 1 },
        { kind: 'conv', name: 'b', filters: 4, kernelSize: 3, groups: 2, relu: true },
      ],
    };
    const network = featureNetwork('small', small, randomWeights(small, 2));
    tf.tidy(() => {
      const f = (x: tf.Tensor) =>
        tf.sum(tf.square(network.activations(x as tf.Tensor4D, ['b'], 'max').get('b')!)) as tf.Scalar;
      const x = network.preprocess(syntheticImage(15, 15, 5));
      assertGradient(f, x, { step: 1e-2, seed: 50 });
    });
    network.dispose();
  });
});
