import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  convLayers,
  layerNames,
  minimumInputSize,
  outputSize,
  type NetworkArchitecture,
  type PoolLayerSpec,
} from '../../../../engine/common/networks/architecture.js';
import { featureNetwork } from '../../../../engine/common/networks/featureNetwork.js';
import { GOOGLENET } from '../../../../engine/common/networks/googlenet.js';
import { pool } from '../../../../engine/common/networks/layerOps.js';
import { randomWeights } from '../../../../engine/common/networks/randomWeights.js';
import { assertGradient, syntheticImage, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

/**
 * An inception network small enough for finite differences: a strided padded start, a ceil pool, LRN and one module.
 */
const TINY_INCEPTION: NetworkArchitecture = {
  family: 'tiny-inception',
  inputChannels: 3,
  preprocessing: 'caffe-bgr',
  defaultLayers: { content: ['inception_3a/output'], style: ['conv1'] },
  layers: [
    { kind: 'conv', name: 'conv1', filters: 4, kernelSize: 3, stride: 2, padding: 1, relu: true },
    { kind: 'pool', name: 'pool1', size: 3, stride: 2, ceil: true },
    { kind: 'lrn', name: 'norm1', size: 3, alpha: 1e-2, beta: 0.75, k: 1 },
    {
      kind: 'concat',
      name: 'inception_3a/output',
      branches: [
        [{ kind: 'conv', name: 'inception_3a/1x1', filters: 3, kernelSize: 1, relu: true }],
        [
          { kind: 'conv', name: 'inception_3a/3x3_reduce', filters: 2, kernelSize: 1, relu: true },
          { kind: 'conv', name: 'inception_3a/3x3', filters: 3, kernelSize: 3, relu: true },
        ],
        [
          { kind: 'conv', name: 'inception_3a/5x5_reduce', filters: 2, kernelSize: 1, relu: true },
          { kind: 'conv', name: 'inception_3a/5x5', filters: 2, kernelSize: 5, relu: true },
        ],
        [
          { kind: 'pool', name: 'inception_3a/pool', size: 3, stride: 1, pad: 1, ceil: true },
          { kind: 'conv', name: 'inception_3a/pool_proj', filters: 2, kernelSize: 1, relu: true },
        ],
      ],
    },
  ],
};

const BRANCH_OUTPUTS = ['inception_3a/1x1', 'inception_3a/3x3', 'inception_3a/5x5', 'inception_3a/pool_proj'];

describe("GoogLeNet (Szegedy et al. 2015, Caffe's bvlc_googlenet)", () => {
  it("computes every stage with the sizes and channels of Caffe's model on a 224-px image", () => {
    const network = featureNetwork('googlenet-random', GOOGLENET, randomWeights(GOOGLENET, 0));
    const expected: Record<string, number[]> = {
      'conv1/7x7_s2': [112, 112, 64],
      'pool1/3x3_s2': [56, 56, 64],
      'conv2/3x3': [56, 56, 192],
      'pool2/3x3_s2': [28, 28, 192],
      'inception_3a/output': [28, 28, 256],
      'inception_3b/output': [28, 28, 480],
      'pool3/3x3_s2': [14, 14, 480],
      'inception_4a/output': [14, 14, 512],
      'inception_4b/output': [14, 14, 512],
      'inception_4c/output': [14, 14, 512],
      'inception_4d/output': [14, 14, 528],
      'inception_4e/output': [14, 14, 832],
      'pool4/3x3_s2': [7, 7, 832],
      'inception_5a/output': [7, 7, 832],
      'inception_5b/output': [7, 7, 1024],
    };
    tf.tidy(() => {
      const input = network.preprocess(syntheticImage(224, 224, 1));
      const shapes = Object.fromEntries(
        [...network.activations(input, Object.keys(expected), 'max')].map(([name, a]) => [name, a.shape.slice(1)]),
      );
      assert.deepEqual(shapes, expected);
    });
    // Three convolutions before the modules and six in each of the nine, branch convolutions included.
    assert.equal(convLayers(GOOGLENET).length, 3 + 9 * 6);
    assert.deepEqual(layerNames(GOOGLENET).slice(7, 16), [
      'inception_3a/1x1',
      'inception_3a/3x3_reduce',
      'inception_3a/3x3',
      'inception_3a/5x5_reduce',
      'inception_3a/5x5',
      'inception_3a/pool',
      'inception_3a/pool_proj',
      'inception_3a/output',
      'inception_3b/1x1',
    ]);
    network.dispose();
  });

  it('concatenates the branches, each of which can be asked for alone', () => {
    const network = featureNetwork('googlenet-random', GOOGLENET, randomWeights(GOOGLENET, 3));
    tf.tidy(() => {
      const input = network.preprocess(syntheticImage(40, 48, 4));
      const output = network.activations(input, ['inception_3a/output'], 'max').get('inception_3a/output')!;
      const branches = BRANCH_OUTPUTS.map((layer) => network.activations(input, [layer], 'max').get(layer)!);
      assert.deepEqual(
        branches.map((b) => b.shape[3]),
        [64, 128, 32, 32],
      );
      assert.equal(tf.max(tf.abs(tf.sub(output, tf.concat(branches, 3)))).dataSync()[0], 0);
    });
    network.dispose();
  });

  it('runs only as deep as asked: a branch needs no weights of the branches after it', () => {
    const all = randomWeights(GOOGLENET, 5);
    const upTo3x3 = [
      'conv1/7x7_s2',
      'conv2/3x3_reduce',
      'conv2/3x3',
      'inception_3a/1x1',
      'inception_3a/3x3_reduce',
      'inception_3a/3x3',
    ];
    const network = featureNetwork('partial', GOOGLENET, new Map(upTo3x3.map((layer) => [layer, all.get(layer)!])));
    assert.equal(network.layers.at(-1), 'inception_3a/3x3');
    tf.tidy(() => {
      const input = network.preprocess(syntheticImage(32, 32, 6));
      assert.deepEqual(
        network.activations(input, ['inception_3a/3x3'], 'max').get('inception_3a/3x3')!.shape,
        [1, 4, 4, 128],
      );
    });
    assert.throws(
      () => network.checkLayers(['inception_3a/output']),
      /partial: holds weights only up to inception_3a\/3x3, so layer 'inception_3a\/output' is not available/,
    );
    tf.dispose([...all.values()].flatMap((w) => [w.kernel, w.bias]));
  });

  it('pools as Caffe does: the output size rounded up, windows over the edge seeing only the image', () => {
    const spec: PoolLayerSpec = { kind: 'pool', name: 'p', size: 3, stride: 2, ceil: true };
    // A 4×4 image of −20 … −5: ceil((4 − 3) / 2) + 1 = 2 windows a side, rows/columns {0, 1, 2} and {2, 3}.
    const [max, avg] = tf.tidy(() => {
      const x = tf.tensor4d(
        Array.from({ length: 16 }, (_, i) => i - 20),
        [1, 4, 4, 1],
      );
      return [Array.from(pool(spec, 'max', x).dataSync()), Array.from(pool(spec, 'avg', x).dataSync())];
    });
    assert.deepEqual(max, [-10, -9, -6, -5], 'the cells past the edge are not zeros');
    // Means of the cells inside: {−20, −19, −18, −16, −15, −14, −12, −11, −10}, {−18, −17, −14, −13, −10, −9}, …
    assert.deepEqual(avg, [-15, -13.5, -9, -7.5]);
    // Caffe drops a last window that would start in the padding (pooling_layer.cpp): 4 px, pad 2 → 3, not 4.
    const padded: PoolLayerSpec = { ...spec, pad: 2 };
    assert.equal(outputSize(padded, 4), 3);
    assert.deepEqual(
      tf.tidy(() => pool(padded, 'max', tf.ones([1, 4, 4, 1])).shape),
      [1, 3, 3, 1],
    );
    // The inception pools (3×3, stride 1, pad 1) keep the size, as TensorFlow's 'same' max pool does.
    const inceptionPool: PoolLayerSpec = { kind: 'pool', name: 'q', size: 3, stride: 1, pad: 1, ceil: true };
    tf.tidy(() => {
      const x = tf.randomNormal([1, 5, 7, 2], 0, 1, 'float32', 8) as tf.Tensor4D;
      assert.equal(tf.max(tf.abs(tf.sub(pool(inceptionPool, 'max', x), tf.maxPool(x, 3, 1, 'same')))).dataSync()[0], 0);
    });
  });

  it(
    'differentiates through a padded strided start, a ceil ' + 'pool, LRN and an inception module (finite differences)',
    () => {
      const network = featureNetwork('tiny-inception', TINY_INCEPTION, randomWeights(TINY_INCEPTION, 2));
      tf.tidy(() => {
        const f = (x: tf.Tensor) =>
          tf.sum(
            tf.square(
              network.activations(x as tf.Tensor4D, ['inception_3a/output'], 'max').get('inception_3a/output')!,
            ),
          ) as tf.Scalar;
        const x = network.preprocess(syntheticImage(17, 17, 5));
        assertGradient(f, x, { step: 1e-2, seed: 60 });
      });
      network.dispose();
    },
  );

  it('refuses an image too small for the deepest layer asked, and computes one that is just large enough', () => {
    assert.equal(minimumInputSize(GOOGLENET), 31);
    assert.equal(minimumInputSize(GOOGLENET, 'inception_3a/1x1'), 7);
    const network = featureNetwork('googlenet-random', GOOGLENET, randomWeights(GOOGLENET, 0));
    tf.tidy(() => {
      const small = network.preprocess(syntheticImage(30, 40, 2));
      assert.throws(
        () => network.activations(small, ['inception_3a/output', 'inception_5b/output'], 'max'),
        new RegExp(
          String.raw`googlenet-random: an image of 40×30 is too small for layer ` +
            String.raw`'inception_5b\/output', which needs at least 31 px on each side$`,
        ),
      );
      const tiny = network.preprocess(syntheticImage(7, 7, 2));
      assert.deepEqual(
        network.activations(tiny, ['inception_3a/output'], 'max').get('inception_3a/output')!.shape,
        [1, 1, 1, 256],
      );
      const enough = network.preprocess(syntheticImage(31, 31, 2));
      assert.deepEqual(
        network.activations(enough, ['inception_5b/output'], 'avg').get('inception_5b/output')!.shape,
        [1, 1, 1, 1024],
      );
    });
    network.dispose();
  });
});
