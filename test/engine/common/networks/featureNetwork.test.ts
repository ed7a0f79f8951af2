import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PasticheError } from '../../../../engine/common/errors.js';
import { convLayers, layerNames } from '../../../../engine/common/networks/architecture.js';
import type { NetworkArchitecture } from '../../../../engine/common/networks/architecture.js';
import { featureNetwork, type FeatureNetwork } from '../../../../engine/common/networks/featureNetwork.js';
import { disposeWeights } from '../../../../engine/common/networks/weights.js';
import { styleTransferLoss, styleTransferTargets } from '../../../../engine/common/losses/styleTransferLoss.js';
import { NEURAL_STYLE_DEFAULTS, resolveSettings, type Pooling } from '../../../../engine/common/stylize/settings.js';
import { deprocess, preprocess } from '../../../../engine/common/networks/preprocessing.js';
import { randomWeights } from '../../../../engine/common/networks/randomWeights.js';
import { VGG16, VGG19, paperLayerName } from '../../../../engine/common/networks/vgg.js';
import {
  TINY_ARCHITECTURE,
  plainActivations,
  relativeDifference,
  syntheticImage,
  tinyNetwork,
  useTestBackend,
} from '../../../helpers/tf.js';

await useTestBackend();

describe('VGG architectures', () => {
  it('declare the 16 and 13 convolutions of Simonyan & Zisserman with the papers’ names', () => {
    assert.equal(convLayers(VGG19).length, 16);
    assert.equal(convLayers(VGG16).length, 13);
    assert.deepEqual(layerNames(VGG19).slice(0, 5), ['conv1_1', 'conv1_2', 'pool1', 'conv2_1', 'conv2_2']);
    assert.ok(layerNames(VGG19).includes('conv5_4') && !layerNames(VGG16).includes('conv5_4'));
    assert.deepEqual(
      convLayers(VGG19)
        .map((l) => l.filters)
        .filter((f, i, all) => all.indexOf(f) === i),
      [64, 128, 256, 512],
    );
  });

  it('maps Keras layer names to the papers’ names', () => {
    assert.equal(paperLayerName('block3_conv4'), 'conv3_4');
    assert.equal(paperLayerName('block5_pool'), 'pool5');
    assert.equal(paperLayerName('input_1'), 'input_1');
  });
});

describe('featureNetwork', () => {
  it('computes activations with the expected shapes, after ReLU, stopping at the deepest layer asked', () => {
    const network = tinyNetwork();
    tf.tidy(() => {
      const input = network.preprocess(syntheticImage(16, 12, 3));
      const acts = network.activations(input, ['conv1_1', 'conv2_1', 'pool2'], 'max');
      assert.deepEqual(acts.get('conv1_1')!.shape, [1, 16, 12, 4]);
      assert.deepEqual(acts.get('conv2_1')!.shape, [1, 8, 6, 6]);
      assert.deepEqual(acts.get('pool2')!.shape, [1, 4, 3, 6]);
      assert.ok(tf.min(acts.get('conv1_1')!).dataSync()[0] >= 0, 'activations are taken after the ReLU');
    });
    network.dispose();
  });

  it('runs the backward pass as a flipped convolution that equals autodiff of the plain network', () => {
    const network = tinyNetwork(5);
    const weights = randomWeights(TINY_ARCHITECTURE, 5);
    const plain = (x: tf.Tensor) =>
      tf.sum(tf.square(plainActivations(TINY_ARCHITECTURE, weights, x as tf.Tensor4D).get('pool2')!)) as tf.Scalar;
    const fast = (x: tf.Tensor) =>
      tf.sum(tf.square(network.activations(x as tf.Tensor4D, ['pool2'], 'max').get('pool2')!)) as tf.Scalar;
    tf.tidy(() => {
      const x = network.preprocess(syntheticImage(16, 16, 9));
      const expected = tf.grad(plain)(x);
      const actual = tf.grad(fast)(x);
      const relative = relativeDifference(actual, expected);
      assert.ok(tf.norm(expected).dataSync()[0] > 0);
      assert.ok(relative < 1e-4, `relative difference ${relative}`);
      assert.ok(Math.abs(fast(x).dataSync()[0] - plain(x).dataSync()[0]) <= 1e-3 * plain(x).dataSync()[0]);
    });
    network.dispose();
  });

  it(
    'gives grouped and leaky-ReLU convolutions (AlexNet’s, Darknet’s) the flipped-convolution gradient of autodiff, ' +
      'both poolings',
    async () => {
      const architecture: NetworkArchitecture = {
        ...TINY_ARCHITECTURE,
        layers: [
          { kind: 'conv', name: 'conv1', filters: 4, kernelSize: 3, leak: 0.1, relu: true },
          { kind: 'conv', name: 'conv2', filters: 6, kernelSize: 3, groups: 2, leak: 0.1, relu: true },
          { kind: 'pool', name: 'pool1', size: 2, stride: 2 },
          { kind: 'conv', name: 'conv3', filters: 4, kernelSize: 5, padding: 2, groups: 2, relu: true },
          { kind: 'pool', name: 'pool2', size: 2, stride: 2 },
        ],
      };
      const lossAt = (activations: (x: tf.Tensor4D) => Map<string, tf.Tensor4D>) => (x: tf.Tensor) =>
        tf.sum(tf.square(activations(x as tf.Tensor4D).get('pool2')!)) as tf.Scalar;
      /** The gradient at a seeded picture, computed by a network built on the backend in use. */
      const gradient = (pooling: Pooling, plain: boolean) => {
        const weights = randomWeights(architecture, 8);
        const network = featureNetwork('grouped', architecture, weights);
        const x = tf.tidy(() => network.preprocess(syntheticImage(20, 12, 10)));
        const loss = lossAt((input) =>
          plain
            ? plainActivations(architecture, weights, input, pooling)
            : network.activations(input, ['pool2'], pooling),
        );
        const result = tf.tidy(() => tf.grad(loss)(x).dataSync() as Float32Array);
        x.dispose();
        network.dispose();
        return result;
      };
      for (const pooling of ['max', 'avg'] as const) {
        // The reference is cpu's autodiff: tfjs 4.22's wasm MaxPoolGrad is wrong for windows whose
        // maximum is negative, which leaky ReLUs give (see poolGradients.test).
        const fast = gradient(pooling, false);
        const backend = tf.getBackend();
        await tf.setBackend('cpu');
        const plain = gradient(pooling, true);
        await tf.setBackend(backend);
        const relative = relativeDifference(tf.tensor(fast), tf.tensor(plain));
        assert.ok(relative < 1e-4, `${pooling}: relative difference ${relative}`);
      }
    },
  );

  it(
    'gives the gradient of a style and content loss ' + 'through VGG-19 that autodiff of the plain network gives',
    async () => {
      const weights = randomWeights(VGG19, 3);
      const network = featureNetwork('vgg19-random', VGG19, randomWeights(VGG19, 3));
      const plain: FeatureNetwork = {
        ...network,
        activations: (x, layers, pooling) =>
          new Map(layers.map((layer) => [layer, plainActivations(VGG19, weights, x, pooling).get(layer)!])),
      };
      for (const pooling of ['max', 'avg'] as const) {
        const settings = resolveSettings({ ...NEURAL_STYLE_DEFAULTS, size: 32, pooling });
        const [content, style, image] = [1, 2, 3].map((seed) =>
          tf.tidy(() => network.preprocess(syntheticImage(32, 32, seed))),
        );
        // The targets are values, the same through either network: only the gradients' paths differ.
        const targets = await styleTransferTargets(network, settings, content, [style]);
        tf.tidy(() => {
          const gradients = [network, plain].map((net) => {
            const loss = styleTransferLoss(net, settings, targets);
            return tf.grad((x: tf.Tensor) => loss(x as tf.Tensor4D).total)(image);
          });
          const relative = relativeDifference(gradients[0], gradients[1]);
          assert.ok(tf.norm(gradients[1]).dataSync()[0] > 0);
          assert.ok(relative < 1e-4, `${pooling}: relative difference ${relative}`);
        });
        targets.dispose();
        tf.dispose([content, style, image]);
      }
      network.dispose();
      disposeWeights(weights);
    },
  );

  it('refuses an unknown layer and a layer beyond the weights it holds, naming both', () => {
    const weights = randomWeights(TINY_ARCHITECTURE, 2);
    weights.get('conv2_1')!.kernel.dispose();
    (weights as Map<string, unknown>).delete('conv2_1');
    const partial = featureNetwork('partial', TINY_ARCHITECTURE, weights);
    assert.deepEqual(partial.layers, ['conv1_1', 'conv1_2', 'pool1']);
    assert.throws(
      () => partial.checkLayers(['conv1_1', 'conv2_1']),
      (e: unknown) => e instanceof PasticheError && /partial: .*up to pool1.*'conv2_1'/.test(e.message),
    );
    assert.throws(
      () => partial.checkLayers(['conv9_9']),
      (e: unknown) => e instanceof PasticheError && /partial: no layer 'conv9_9'/.test(e.message),
    );
    partial.dispose();
  });

  it('preprocesses to Caffe’s mean-subtracted BGR and back', () => {
    tf.tidy(() => {
      const rgb = tf.tensor3d([[[255, 0, 10]]]);
      const input = preprocess('caffe-bgr', rgb);
      assert.deepEqual(
        Array.from(input.dataSync()).map((v) => Math.round(v * 1000) / 1000),
        [10 - 103.939, 0 - 116.779, 255 - 123.68],
      );
      assert.deepEqual(Array.from(deprocess('caffe-bgr', input).dataSync()).map(Math.round), [255, 0, 10]);
    });
  });
});

describe('randomWeights', () => {
  it('is deterministic for a seed and scaled so activations are in the pretrained range', () => {
    const a = randomWeights(VGG19, 0);
    const b = randomWeights(VGG19, 0);
    const c = randomWeights(VGG19, 1);
    const first = (w: typeof a, layer: string) => Array.from(w.get(layer)!.kernel.dataSync().slice(0, 16));
    assert.deepEqual(first(a, 'conv4_2'), first(b, 'conv4_2'));
    assert.notDeepEqual(first(a, 'conv4_2'), first(c, 'conv4_2'));
    const network = featureNetwork('vgg19-random', VGG19, a);
    tf.tidy(() => {
      const acts = network.activations(
        network.preprocess(syntheticImage(64, 64, 21)),
        ['conv1_1', 'conv3_1', 'conv5_1'],
        'max',
      );
      for (const [layer, act] of acts) {
        const rms = tf.sqrt(tf.mean(tf.square(act))).dataSync()[0];
        assert.ok(rms > 10 && rms < 2000, `${layer} RMS ${rms} is out of range`);
      }
    });
    network.dispose();
    [b, c].forEach((w) => w.forEach(({ kernel, bias }) => tf.dispose([kernel, bias])));
  });
});
