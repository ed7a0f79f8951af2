import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { receptiveField, strideAlignment } from '../../../../engine/common/fast/receptiveField.js';
import {
  disposeNormStatistics,
  transformerNetwork,
  transformerOutput,
} from '../../../../engine/common/fast/transformerNetwork.js';
import { checkpointWeights, randomCheckpoint } from '../../../helpers/fastStyle.js';
import { syntheticImage, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

describe('the style network’s receptive field', () => {
  it(
    'is where a changed input pixel changes the output once statistics are fixed: within the reach computed from ' +
      'the layers, and up to it',
    () => {
      const weights = checkpointWeights(randomCheckpoint(8));
      const network = transformerNetwork(weights);
      const picture = syntheticImage(8, 160, 4);
      const statistics = network.measureStatistics(picture);
      const { before, after } = receptiveField();
      let farthestLeft = 0;
      let farthestRight = 0;
      try {
        // One column changed at each phase of the stride grid: the reach depends on the phase.
        for (let column = 80; column < 80 + strideAlignment(); column++) {
          const changed = tf.tidy(() => {
            const mask = tf.oneHot(tf.fill([8], column, 'int32'), 160).expandDims(2);
            const perturbed = tf.add(picture, tf.mul(mask, 60)) as tf.Tensor3D;
            const [a, b] = [picture, perturbed].map((p) =>
              transformerOutput(weights, tf.expandDims(p, 0) as tf.Tensor4D, statistics),
            );
            // Columns where any row or channel differs at all.
            return Array.from(tf.any(tf.notEqual(a, b), [0, 1, 3]).dataSync()).flatMap((c, x) => (c ? [x] : []));
          });
          assert.ok(
            changed[0] >= column - after && changed.at(-1)! <= column + before,
            `column ${column} changed columns ${changed[0]}…${changed.at(-1)}`,
          );
          farthestLeft = Math.max(farthestLeft, column - changed[0]);
          farthestRight = Math.max(farthestRight, changed.at(-1)! - column);
        }
        assert.deepEqual(
          { before: farthestRight, after: farthestLeft },
          { before, after },
          'the computed reach is reached',
        );
      } finally {
        disposeNormStatistics(statistics);
        network.dispose();
        picture.dispose();
      }
    },
  );
});
