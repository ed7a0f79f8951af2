import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localGram, localStyleLoss } from '../../../../engine/common/losses/localStyle.js';
import { autocorrelation } from '../../../../engine/common/losses/spatialStyle.js';
import { gramMatrix, styleLoss } from '../../../../engine/common/losses/style.js';
import { styleRepresentation, type StyleTarget } from '../../../../engine/common/losses/styleRepresentation.js';
import {
  measureStyleTargets,
  styleTransferLoss,
  styleTransferTargets,
} from '../../../../engine/common/losses/styleTransferLoss.js';
import type { StyleRepresentation } from '../../../../engine/common/stylize/settings.js';
import { assertGradient, syntheticImage, tinyNetwork, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

const network = tinyNetwork(5);
const input = (seed: number) => network.preprocess(syntheticImage(12, 12, seed));
const lossSettings = (styleRepr: StyleRepresentation, gramMix = 0, localRadius = 1) => ({
  contentLayers: [],
  styleLayers: [
    { layer: 'conv1_1', weight: 1 },
    { layer: 'conv2_1', weight: 2 },
  ],
  contentWeight: 0,
  styleWeight: 10,
  tvWeight: 0,
  pooling: 'max' as const,
  styleBlend: [0.75, 0.25],
  styleRepr,
  localRadius,
  gramMix,
});

describe('style representations in the style-transfer loss', () => {
  it(
    'measures a painting larger than the limit in tiles with a halo, its Gram matrices those of the whole ' +
      'painting',
    async () => {
      const painting = network.preprocess(syntheticImage(96, 80, 4));
      const settings = { ...lossSettings('gram'), styleBlend: [1] };
      const whole = await measureStyleTargets(network, settings, [painting]);
      const relativeTo = (tiled: Map<string, StyleTarget>, layer: string) =>
        tf.tidy(() => {
          const [a, b] = [tiled.get(layer)!.statistic, whole.get(layer)!.statistic];
          return tf.div(tf.norm(tf.sub(a, b)), tf.norm(b)).dataSync()[0];
        });
      // 32×32-pixel tiles, 3 × 3 of them, the last column 16 px wide; the network sees 5 px each way.
      const withHalo = await measureStyleTargets(network, settings, [painting], { maxPixels: 32 * 32, halo: 32 });
      const withoutHalo = await measureStyleTargets(network, settings, [painting], { maxPixels: 32 * 32, halo: 0 });
      for (const layer of ['conv1_1', 'conv2_1']) {
        console.log(
          `# ${layer}: tiled Gram matrix off the whole painting's by ${relativeTo(withHalo, layer).toExponential(1)} ` +
            `with a halo, ${(relativeTo(withoutHalo, layer) * 100).toFixed(1)} % without`,
        );
        assert.ok(relativeTo(withHalo, layer) < 1e-5, `${layer}: ${relativeTo(withHalo, layer)}`);
        assert.ok(
          relativeTo(withoutHalo, layer) > 1e-3,
          "without a halo the tiles' borders show: the test would not see a missing halo",
        );
      }
      [whole, withHalo, withoutHalo].forEach((targets) => targets.forEach((target) => tf.dispose([target.statistic])));
      painting.dispose();
    },
  );

  it("blends the paintings' statistics with their weights, per representation", async () => {
    const [a, b, photo] = [input(1), input(2), input(3)];
    const features = (x: tf.Tensor4D) => network.activations(x, ['conv2_1'], 'max').get('conv2_1')!;
    const cases: Array<[StyleRepresentation, (f: tf.Tensor4D) => tf.Tensor]> = [
      ['gram', gramMatrix],
      ['spatial', autocorrelation],
      ['local', (f) => localGram(f, 1)],
    ];
    for (const [repr, statistic] of cases) {
      const targets = await styleTransferTargets(network, lossSettings(repr), photo, [a, b]);
      const difference = tf.tidy(() => {
        const expected = tf.add(tf.mul(statistic(features(a)), 0.75), tf.mul(statistic(features(b)), 0.25));
        return tf.max(tf.abs(tf.sub(targets.style.get('conv2_1')!.statistic, expected))).dataSync()[0];
      });
      assert.ok(difference < 1e-5, `${repr}: blended target off by ${difference}`);
      targets.dispose();
    }
    tf.dispose([a, b, photo]);
  });

  it('mixes a share of Gram loss in as (1 − m)·L_repr + m·L_gram', () => {
    tf.tidy(() => {
      const style = input(4);
      const image = input(5);
      const representation = styleRepresentation({ styleRepr: 'local', localRadius: 1, gramMix: 0.3 });
      const f = (x: tf.Tensor4D) => network.activations(x, ['conv1_1'], 'max').get('conv1_1')!;
      const target = representation.target(f(style));
      const mixed = representation.loss(f(image), target).dataSync()[0];
      const expected =
        0.7 * localStyleLoss(f(image), localGram(f(style), 1), 1).dataSync()[0] +
        0.3 * styleLoss(f(image), gramMatrix(f(style))).dataSync()[0];
      assert.ok(Math.abs(mixed - expected) <= 1e-5 * expected, `${mixed} vs ${expected}`);
    });
  });

  for (const [repr, gramMix] of [
    ['spatial', 0],
    ['local', 0.5],
  ] as const) {
    it(
      `${repr} style${gramMix ? ' mixed with Gram' : ''}: zero for the painting itself, gradient of the total ` +
        `matches finite differences`,
      async () => {
        // Average pooling: max pooling's switches make finite differences jump, which says nothing of the loss.
        const settings = { ...lossSettings(repr, gramMix), styleBlend: [1], pooling: 'avg' as const };
        const [style, photo] = [input(6), input(7)];
        const targets = await styleTransferTargets(network, settings, photo, [style]);
        tf.tidy(() => {
          const total = styleTransferLoss(network, settings, targets);
          assert.equal(total(style).style.dataSync()[0], 0);
          const f = (x: tf.Tensor) => total(x as tf.Tensor4D).total;
          const x = input(8);
          assertGradient(f, x, { step: 0.02, seed: 40, trials: 2, tolerance: 3e-2 });
        });
        targets.dispose();
        tf.dispose([style, photo]);
      },
    );
  }
});
