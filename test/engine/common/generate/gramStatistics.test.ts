import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveGenerator } from '../../../../engine/common/generate/gramGenerator.js';
import { measureGramStatistics, type SquareMatrix } from '../../../../engine/common/generate/gramStatistics.js';
import { gramTargets } from '../../../../engine/common/generate/syntheticGrams.js';
import { gramMatrix } from '../../../../engine/common/losses/style.js';
import { featureNetwork } from '../../../../engine/common/networks/featureNetwork.js';
import { randomWeights } from '../../../../engine/common/networks/randomWeights.js';
import { VGG19 } from '../../../../engine/common/networks/vgg.js';
import { syntheticImage, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

describe('measureGramStatistics', () => {
  it('counts (negligibly) zero entries as sparsity and gives the root mean square of the others as amplitude', () => {
    const values = new Float32Array([0, 3, 3, 0, 1e-4, 4, -4, 0, 0]);
    const statistics = measureGramStatistics(new Map([['layer', { size: 3, values }]])).get('layer')!;
    assert.equal(statistics.sparsity, 5 / 9, '1e-4 is below a thousandth of the largest entry');
    assert.ok(Math.abs(statistics.amplitude - Math.sqrt((9 + 9 + 16 + 16) / 4)) < 1e-12);
    assert.deepEqual(measureGramStatistics(new Map([['dead', { size: 2, values: new Float32Array(4) }]])).get('dead'), {
      sparsity: 1,
      amplitude: 0,
    });
  });

  it("lets mimic targets reproduce a painting's per-layer sparsity and amplitude (Nikulin & Novak §6)", () => {
    // A random VGG-19's Gram matrices of a synthetic picture: conv2_1's are dense, conv3_1's about half negligible.
    const network = featureNetwork('vgg19-random', VGG19, randomWeights(VGG19, 0));
    const layers = ['conv2_1', 'conv3_1'];
    const painting = new Map<string, SquareMatrix>();
    tf.tidy(() => {
      const activations = network.activations(network.preprocess(syntheticImage(48, 48, 5)), layers, 'max');
      for (const layer of layers)
        painting.set(layer, {
          size: activations.get(layer)!.shape[3],
          values: gramMatrix(activations.get(layer)!).dataSync() as Float32Array,
        });
    });
    network.dispose();
    const measured = measureGramStatistics(painting);
    const targets = gramTargets(
      resolveGenerator({ kind: 'mimic', seed: 2 }, layers),
      layers.map((layer) => ({ layer, channels: painting.get(layer)!.size, statistics: measured.get(layer) })),
      0,
    );
    const remeasured = measureGramStatistics(targets);
    for (const layer of layers) {
      const want = measured.get(layer)!;
      const got = remeasured.get(layer)!;
      const draws = (painting.get(layer)!.size * (painting.get(layer)!.size + 1)) / 2;
      // Binomial tolerance on the kept fraction, plus the 0.3% of |N(0, 1)| draws that fall below the negligible
      // threshold.
      const tolerance = 4 * Math.sqrt((want.sparsity * (1 - want.sparsity)) / draws) + 0.005;
      assert.ok(
        Math.abs(got.sparsity - want.sparsity) < tolerance,
        `${layer}: sparsity ${got.sparsity} against ${want.sparsity} ± ${tolerance}`,
      );
      assert.ok(
        Math.abs(got.amplitude / want.amplitude - 1) < 0.05,
        `${layer}: amplitude ${got.amplitude} against ${want.amplitude}`,
      );
    }
    assert.ok(
      measured.get('conv3_1')!.sparsity > measured.get('conv2_1')!.sparsity + 0.1,
      'the layers differ, so each is drawn with its own statistics',
    );
  });
});
