import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentLoss } from '../../../../engine/common/losses/content.js';
import { gramMatrices, gramMatrix, styleLoss } from '../../../../engine/common/losses/style.js';
import { blendStatistics } from '../../../../engine/common/losses/styleRepresentation.js';
import { styleTransferLoss, styleTransferTargets } from '../../../../engine/common/losses/styleTransferLoss.js';
import { totalVariationLoss } from '../../../../engine/common/losses/totalVariation.js';
import {
  directionalDerivative,
  directionalDifference,
  maxAbs,
  maxAbsDifference,
  syntheticImage,
  tinyNetwork,
  useTestBackend,
} from '../../../helpers/tf.js';

await useTestBackend();

describe('gramMatrix', () => {
  it('is FᵀF over positions divided by C·H·W', () => {
    tf.tidy(() => {
      // H=1, W=2, C=2: positions (1, 2) and (3, 4).
      const features = tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]);
      const expected = [1 * 1 + 3 * 3, 1 * 2 + 3 * 4, 2 * 1 + 4 * 3, 2 * 2 + 4 * 4].map((v) => v / 4);
      assert.deepEqual(Array.from(gramMatrix(features).dataSync()), expected);
    });
  });

  it('blends several styles’ Gram matrices with their weights', () => {
    tf.tidy(() => {
      const blended = blendStatistics(
        [
          tf.tensor2d([
            [1, 0],
            [0, 1],
          ]),
          tf.tensor2d([
            [3, 3],
            [3, 3],
          ]),
        ],
        [0.75, 0.25],
      );
      assert.deepEqual(Array.from(blended.dataSync()), [1.5, 0.75, 0.75, 1.5]);
    });
  });
});

describe('totalVariationLoss', () => {
  it('is half the sum of squared right and down differences over neural-style’s region', () => {
    tf.tidy(() => {
      const image = tf.tensor4d([0, 1, 2, 3], [1, 2, 2, 1]);
      assert.equal(totalVariationLoss(image).dataSync()[0], 0.5 * (1 + 4));
      assert.equal(totalVariationLoss(tf.fill([1, 5, 5, 3], 42) as tf.Tensor4D).dataSync()[0], 0);
    });
  });
});

describe('loss gradients match finite differences on a tiny network', async () => {
  // Steps: small where ReLU kinks could be crossed; large for the quadratic TV term, whose central
  // difference is exact but for float32 rounding.
  const checks: Array<[string, (x: tf.Tensor) => tf.Scalar, number]> = [];
  const network = tinyNetwork(3);
  const content = tf.keep(network.preprocess(syntheticImage(16, 16, 1)));
  const style = tf.keep(network.preprocess(syntheticImage(16, 16, 2)));
  const settings = {
    contentLayers: ['conv1_2'],
    styleLayers: [
      { layer: 'conv1_1', weight: 1 },
      { layer: 'conv2_1', weight: 0.5 },
    ],
    contentWeight: 5,
    styleWeight: 100,
    tvWeight: 1e-3,
    pooling: 'max' as const,
    styleBlend: [1],
    styleRepr: 'gram' as const,
    localRadius: 0,
    gramMix: 0,
  };
  const targets = await styleTransferTargets(network, settings, content, [style]);
  const total = styleTransferLoss(network, settings, targets);
  const activation = (layer: string) => (x: tf.Tensor) =>
    network.activations(x as tf.Tensor4D, [layer], 'max').get(layer)!;
  checks.push(['content loss', (x) => contentLoss(activation('conv1_2')(x), targets.content.get('conv1_2')!), 0.05]);
  checks.push([
    'style loss',
    (x) => styleLoss(activation('conv2_1')(x), targets.style.get('conv2_1')!.statistic as tf.Tensor2D),
    0.05,
  ]);
  checks.push(['total-variation loss', (x) => totalVariationLoss(x as tf.Tensor4D), 2]);
  checks.push(['total loss α·content + β·style + γ·TV', (x) => total(x as tf.Tensor4D).total, 0.05]);

  for (const [name, f, step] of checks) {
    it(name, () => {
      tf.tidy(() => {
        const x = network.preprocess(syntheticImage(16, 16, 7));
        for (let trial = 0; trial < 3; trial++) {
          const v = tf.randomNormal(x.shape, 0, 1, 'float32', 100 + trial);
          const analytic = directionalDerivative(f, x, v);
          const numeric = directionalDifference(f, x, v, step);
          assert.ok(Math.abs(analytic) > 1e-6, `${name}: gradient vanished`);
          assert.ok(
            Math.abs(analytic - numeric) <= 2e-2 * Math.abs(analytic),
            `${name}: autodiff ${analytic} vs finite difference ${numeric}`,
          );
        }
      });
    });
  }

  it('reports weighted terms that add up to the total, zero at the targets themselves', () => {
    tf.tidy(() => {
      const terms = total(content);
      const [t, c, s, v] = [terms.total, terms.content, terms.style, terms.tv].map((term) => term.dataSync()[0]);
      assert.equal(c, 0, 'the photo has no content loss against itself');
      assert.ok(Math.abs(t - (c + s + v)) <= 1e-4 * t);
      assert.ok(s > 0 && v > 0);
    });
  });
});

describe('the losses on a batch (a style network trains on several photos at once)', () => {
  const network = tinyNetwork(4);
  const settings = {
    contentLayers: ['conv2_1'],
    styleLayers: [
      { layer: 'conv1_1', weight: 1 },
      { layer: 'conv2_1', weight: 2 },
    ],
    contentWeight: 5,
    styleWeight: 100,
    tvWeight: 1e-3,
    pooling: 'max' as const,
    styleBlend: [1],
    styleRepr: 'gram' as const,
    localRadius: 0,
    gramMix: 0,
  };
  const pictures = [1, 2].map((seed) => tf.keep(network.preprocess(syntheticImage(20, 20, seed))));
  const photos = [3, 4].map((seed) => tf.keep(network.preprocess(syntheticImage(20, 20, seed))));
  const batch = tf.keep(tf.concat(pictures));
  const layerOf = (x: tf.Tensor4D, layer: string) => network.activations(x, [layer], 'max').get(layer)!;

  it("gives each picture's Gram matrix, and refuses a batch where one picture is meant", () => {
    tf.tidy(() => {
      const grams = gramMatrices(layerOf(batch, 'conv2_1'));
      pictures.forEach((picture, i) => {
        const own = gramMatrix(layerOf(picture, 'conv2_1'));
        assert.ok(
          maxAbsDifference(tf.squeeze(tf.slice(grams, [i, 0, 0], [1, -1, -1]), [0]).dataSync(), own.dataSync()) <=
            1e-5 * maxAbs(own.dataSync()),
        );
      });
      assert.throws(() => gramMatrix(layerOf(batch, 'conv2_1')), /gramMatrix takes one picture, not 2/);
    });
  });

  it("is the mean of each picture's content, style, TV and total loss, its gradient each picture's own", async () => {
    const painting = network.preprocess(syntheticImage(20, 20, 9));
    const targets = await styleTransferTargets(network, settings, photos[0], [painting]);
    const styleTargetsOf = targets.style;
    tf.tidy(() => {
      const lossOn = (image: tf.Tensor4D, photo: tf.Tensor4D) =>
        styleTransferLoss(network, settings, {
          content: network.activations(photo, settings.contentLayers, 'max'),
          style: styleTargetsOf,
          dispose: () => {},
        })(image);
      const together = lossOn(batch, tf.concat(photos) as tf.Tensor4D);
      const apart = pictures.map((picture, i) => lossOn(picture, photos[i]));
      for (const term of ['total', 'content', 'style', 'tv'] as const) {
        const expected = (apart[0][term].dataSync()[0] + apart[1][term].dataSync()[0]) / 2;
        assert.ok(
          Math.abs(together[term].dataSync()[0] - expected) <= 1e-5 * expected,
          `${term}: ${together[term].dataSync()[0]} vs ${expected}`,
        );
      }
      // Through the feature network's hand-written gradients and the Gram matrix's: each picture's gradient, halved by
      // the mean.
      const gradient = tf.grad((x) => lossOn(x as tf.Tensor4D, tf.concat(photos) as tf.Tensor4D).total)(batch);
      pictures.forEach((picture, i) => {
        const own = tf.div(tf.grad((x) => lossOn(x as tf.Tensor4D, photos[i]).total)(picture), 2);
        const part = tf.slice(gradient, [i, 0, 0, 0], [1, -1, -1, -1]);
        assert.ok(
          maxAbsDifference(part.dataSync(), own.dataSync()) <= 1e-4 * maxAbs(own.dataSync()),
          `picture ${i}: ${maxAbsDifference(part.dataSync(), own.dataSync())} of ${maxAbs(own.dataSync())}`,
        );
      });
    });
    painting.dispose();
    targets.dispose();
  });
});
