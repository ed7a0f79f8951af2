import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  INSTANCE_NORM_EPSILON,
  TRANSFORMER_LAYERS,
  disposeNormStatistics,
  transformerNetwork,
  transformerVariables,
} from '../../../../engine/common/fast/transformerNetwork.js';
import { checkpointWeights, randomCheckpoint, referenceStylize } from '../../../helpers/fastStyle.js';
import { maxAbsDifference, syntheticImage, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

describe('the fast style network (Johnson et al. 2016, as the TensorFlow fast-style-transfer recipe trains it)', () => {
  it('lists 16 normalised convolutions, 48 variables in the checkpoint layout, ε = 1e-3', () => {
    const variables = transformerVariables();
    assert.equal(TRANSFORMER_LAYERS.length, 16);
    assert.equal(INSTANCE_NORM_EPSILON, 1e-3);
    assert.deepEqual(
      variables.map((v) => v.shape),
      randomCheckpoint(1).map((v) => v.shape),
    );
    assert.deepEqual(
      variables.slice(0, 3).map((v) => `${v.layer}/${v.role}`),
      ['conv1/kernel', 'conv1/shift', 'conv1/scale'],
    );
    assert.deepEqual(
      TRANSFORMER_LAYERS.filter((l) => !l.relu).map((l) => l.name),
      ['res1b', 'res2b', 'res3b', 'res4b', 'res5b', 'conv4'],
    );
  });

  it(
    'computes what a plain re-implementation of the recipe computes at 32×48 px, in 0..255, without leaking ' +
      'tensors',
    () => {
      const variables = randomCheckpoint(7);
      const network = transformerNetwork(checkpointWeights(variables));
      const rgb = syntheticImage(32, 48, 3);
      const before = tf.memory().numTensors;
      const styled = network.stylize(rgb);
      assert.equal(tf.memory().numTensors, before + 1);
      const expected = referenceStylize(variables, rgb);
      try {
        assert.deepEqual(styled.shape, [32, 48, 3]);
        const values = styled.dataSync();
        const difference = maxAbsDifference(values, expected.dataSync());
        assert.ok(difference < 0.02, `differs from the re-implementation by up to ${difference} grey levels`);
        assert.ok(values.every((v) => v >= 0 && v <= 255));
        // Random weights still make a picture, not a constant.
        assert.ok(tf.tidy(() => tf.moments(styled).variance.dataSync()[0]) > 100);
      } finally {
        tf.dispose([styled, expected]);
      }
      const held = tf.memory().numTensors;
      network.dispose();
      assert.equal(tf.memory().numTensors, held - 48);
      rgb.dispose();
    },
  );

  it('returns a picture of the input size when the sides are not multiples of 4', () => {
    const network = transformerNetwork(checkpointWeights(randomCheckpoint(2)));
    try {
      tf.tidy(() => assert.deepEqual(network.stylize(syntheticImage(30, 45, 5)).shape, [30, 45, 3]));
    } finally {
      network.dispose();
    }
  });

  it(
    'normalised by statistics measured on the same picture paints what it paints with its own; another picture’s ' +
      'change it',
    () => {
      const network = transformerNetwork(checkpointWeights(randomCheckpoint(4)));
      const [photo, other] = [syntheticImage(24, 32, 6), syntheticImage(24, 32, 9)];
      const [own, otherStatistics] = [network.measureStatistics(photo), network.measureStatistics(other)];
      try {
        tf.tidy(() => {
          assert.deepEqual(
            [...own.keys()],
            TRANSFORMER_LAYERS.map((l) => l.name),
          );
          assert.deepEqual(own.get('conv1')!.mean.shape, [1, 1, 1, 32]);
          const plain = network.stylize(photo).dataSync();
          assert.ok(maxAbsDifference(network.stylize(photo, own).dataSync(), plain) < 1e-3);
          assert.ok(maxAbsDifference(network.stylize(photo, otherStatistics).dataSync(), plain) > 10);
        });
      } finally {
        disposeNormStatistics(own);
        disposeNormStatistics(otherStatistics);
        network.dispose();
        tf.dispose([photo, other]);
      }
    },
  );

  it('refuses weights missing a layer', () => {
    const weights = checkpointWeights(randomCheckpoint(3));
    const { kernel, shift, scale } = weights.get('res3a')!;
    weights.delete('res3a');
    tf.dispose([kernel, shift, scale]);
    assert.throws(() => transformerNetwork(weights), /lack res3a/);
    for (const w of weights.values()) tf.dispose([w.kernel, w.shift, w.scale]);
  });
});
