import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  activationShape,
  convLayers,
  type NetworkArchitecture,
} from '../../../../engine/common/networks/architecture.js';
import { DARKNET_TINY } from '../../../../engine/common/networks/darknet.js';
import { featureNetwork } from '../../../../engine/common/networks/featureNetwork.js';
import { IMAGENET_MEAN_RGB } from '../../../../engine/common/networks/preprocessing.js';
import { randomWeights } from '../../../../engine/common/networks/randomWeights.js';
import { noiseStart } from '../../../../engine/common/stylize/descent.js';
import { directionalDerivative, directionalDifference, syntheticImage, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

describe('Darknet Tiny as data', () => {
  const network = featureNetwork('darknet-tiny-test', DARKNET_TINY, randomWeights(DARKNET_TINY, 2));

  it("computes the shapes its architecture states, odd sides pooled up (TensorFlow's 'same')", () => {
    tf.tidy(() => {
      const input = network.preprocess(syntheticImage(40, 72, 1));
      const layers = ['conv1', 'pool1', 'pool3', 'pool4', 'conv12', 'conv15'];
      const activations = network.activations(input, layers, 'max');
      for (const layer of layers) {
        const shape = activationShape(DARKNET_TINY, layer, { height: 40, width: 72 })!;
        assert.deepEqual(activations.get(layer)!.shape, [1, shape.height, shape.width, shape.channels], layer);
      }
      assert.deepEqual(activations.get('pool4')!.shape, [1, 3, 5, 256]);
    });
  });

  it(
    'leaks 0.1 of negative values, and its fast gradient matches autodiff of the plain layers and finite ' +
      'differences',
    async () => {
      const tiny: NetworkArchitecture = {
        ...DARKNET_TINY,
        family: 'tiny-darknet',
        layers: DARKNET_TINY.layers.slice(0, 4),
      };
      const weights = randomWeights(tiny, 5);
      const fast = featureNetwork('fast', tiny, weights);
      const input = () => fast.preprocess(syntheticImage(12, 10, 4));
      const direction = (shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', 9);
      // Up to conv2 (conv1, pool1, conv2), both ways.
      const loss = (x: tf.Tensor) =>
        tf.sum(tf.square(fast.activations(x as tf.Tensor4D, ['conv2'], 'max').get('conv2')!)) as tf.Scalar;
      const plain = (x: tf.Tensor) =>
        tf.tidy(() => {
          let y = x as tf.Tensor4D;
          for (const layer of tiny.layers.slice(0, 3)) {
            y =
              layer.kind === 'conv'
                ? (tf.leakyRelu(
                    tf.add(tf.conv2d(y, weights.get(layer.name)!.kernel, 1, 'same'), weights.get(layer.name)!.bias),
                    0.1,
                  ) as tf.Tensor4D)
                : tf.maxPool(y, 2, 2, 'same');
          }
          return tf.sum(tf.square(y)) as tf.Scalar;
        });
      const analytic = tf.tidy(() => {
        const x = input();
        const features = fast.activations(x, ['conv1'], 'max').get('conv1')!;
        const { kernel, bias } = weights.get('conv1')!;
        const z = tf.add(tf.conv2d(x, kernel, 1, 'same'), bias);
        assert.ok(tf.min(z).dataSync()[0] < 0, 'some pre-activations are negative');
        assert.ok(tf.max(tf.abs(tf.sub(features, tf.where(tf.greater(z, 0), z, tf.mul(z, 0.1))))).dataSync()[0] < 1e-4);
        const v = direction(x.shape);
        const derivative = directionalDerivative(loss, x, v);
        const numeric = directionalDifference(loss, x, v, 0.01);
        assert.ok(
          Math.abs(derivative - numeric) <= 2e-2 * Math.abs(derivative),
          `autodiff ${derivative} vs finite difference ${numeric}`,
        );
        return derivative;
      });
      // The plain layers' autodiff is taken on cpu: tfjs 4.22's wasm MaxPoolGrad is wrong for windows
      // whose maximum is negative, which leaky ReLUs give (see poolGradients.test).
      const backend = tf.getBackend();
      await tf.setBackend('cpu');
      const reference = tf.tidy(() => {
        const x = input();
        return directionalDerivative(plain, x, direction(x.shape));
      });
      await tf.setBackend(backend);
      assert.ok(
        Math.abs(analytic - reference) <= 1e-3 * Math.abs(analytic),
        `the fast gradient ${analytic} is autodiff's ${reference}`,
      );
      assert.equal(
        convLayers(tiny).every((l) => l.leak === 0.1),
        true,
      );
    },
  );

  it('starts noise around the mean pixel in its RGB input space, as Caffe networks start at zero', () => {
    tf.tidy(() => {
      const start = noiseStart(network, 8, 8, 3);
      const mean = Array.from(tf.mean(start, [0, 1, 2]).dataSync());
      mean.forEach((value, channel) =>
        assert.ok(Math.abs(value - IMAGENET_MEAN_RGB[channel]) < 0.01, `channel ${channel}: ${value}`),
      );
    });
  });
});
