import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PasticheError } from '../../../../engine/common/errors.js';
import { localGram, localStyleLoss, windowWeights } from '../../../../engine/common/losses/localStyle.js';
import { localStyleBytes } from '../../../../engine/common/losses/localStyleBytes.js';
import { gramMatrix } from '../../../../engine/common/losses/style.js';
import {
  assertDescends,
  assertGradient,
  maxAbs,
  maxAbsDifference,
  syntheticImage,
  tinyNetwork,
  useTestBackend,
} from '../../../helpers/tf.js';

await useTestBackend();

/** w(dx, dy) = 1/(1 + dx² + dy²), written out again so that the module's own weights are under test. */
const weight = (dx: number, dy: number) => 1 / (1 + dx * dx + dy * dy);

function windowTotal(radius: number): number {
  let total = 0;
  for (let dy = -radius; dy <= radius; dy++) for (let dx = -radius; dx <= radius; dx++) total += weight(dx, dy);
  return total;
}

/**
 * Nikulin & Novak §9 by its definition, Gᵢⱼ(x, y) = Σ_{|dx|,|dy|≤s} w·Fᵢ(x, y)·Fⱼ(x+dx, y+dy) with F
 * zero outside the map, over the module's normaliser C·Σw; [H, W, C, C] flattened.
 */
function localGramByLoops(
  values: ArrayLike<number>,
  [height, width, channels]: number[],
  radius: number,
): Float32Array {
  const out = new Float32Array(height * width * channels * channels);
  const at = (y: number, x: number, c: number) =>
    y < 0 || y >= height || x < 0 || x >= width ? 0 : values[(y * width + x) * channels + c];
  const normaliser = channels * windowTotal(radius);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let i = 0; i < channels; i++) {
        for (let j = 0; j < channels; j++) {
          let sum = 0;
          for (let dy = -radius; dy <= radius; dy++)
            for (let dx = -radius; dx <= radius; dx++) sum += weight(dx, dy) * at(y, x, i) * at(y + dy, x + dx, j);
          out[((y * width + x) * channels + i) * channels + j] = sum / normaliser;
        }
      }
    }
  }
  return out;
}

/**
 * The definition in TensorFlow.js ops — one shifted copy and one batch of outer products per (dx, dy) — for autodiff to
 * differentiate.
 */
function localGramByShifts(features: tf.Tensor4D, radius: number): tf.Tensor4D {
  const [, height, width, channels] = features.shape;
  const padded = tf.pad(features, [
    [0, 0],
    [radius, radius],
    [radius, radius],
    [0, 0],
  ]);
  const columns = tf.reshape(features, [height, width, channels, 1]);
  const terms: tf.Tensor[] = [];
  for (let dy = -radius; dy <= radius; dy++) {
    for (let dx = -radius; dx <= radius; dx++) {
      const shifted = tf.slice(padded, [0, radius + dy, radius + dx, 0], [1, height, width, channels]);
      terms.push(tf.mul(tf.mul(columns, tf.reshape(shifted, [height, width, 1, channels])), weight(dx, dy)));
    }
  }
  return tf.div(tf.addN(terms), channels * windowTotal(radius)) as tf.Tensor4D;
}

describe('localGram (Nikulin & Novak §9)', () => {
  it('at radius 0 is the pixel-wise product Fᵢ ⊙ Fⱼ over C, whose average over positions is the Gram matrix', () => {
    tf.tidy(() => {
      const [height, width, channels] = [3, 5, 4];
      const features = tf.randomNormal([1, height, width, channels], 0, 1, 'float32', 1) as tf.Tensor4D;
      const f = features.dataSync();
      const expected = new Float32Array(height * width * channels * channels);
      for (let p = 0; p < height * width; p++) {
        for (let i = 0; i < channels; i++)
          for (let j = 0; j < channels; j++)
            expected[(p * channels + i) * channels + j] = (f[p * channels + i] * f[p * channels + j]) / channels;
      }
      const statistic = localGram(features, 0);
      assert.deepEqual(statistic.shape, [height, width, channels, channels]);
      assert.ok(maxAbsDifference(statistic.dataSync(), expected) <= 1e-6 * maxAbs(expected));
      const averaged = tf.mean(tf.reshape(statistic, [height * width, channels, channels]), 0);
      assert.ok(
        maxAbsDifference(averaged.dataSync(), gramMatrix(features).dataSync()) <= 1e-6 * maxAbs(averaged.dataSync()),
      );
    });
  });

  it('weights its window by 1/(1 + dx² + dy²)', () => {
    assert.deepEqual(windowWeights(1), [1 / 3, 1 / 2, 1 / 3, 1 / 2, 1, 1 / 2, 1 / 3, 1 / 2, 1 / 3]);
  });

  // A window wider than the map (3×4 at radius 3) has only borders.
  const cases: Array<[number, number, number, number]> = [
    [5, 6, 3, 1],
    [6, 5, 2, 2],
    [3, 4, 2, 3],
    [7, 7, 3, 2],
  ];
  for (const [height, width, channels, radius] of cases) {
    it(
      `at radius ${radius} equals the windowed sum’s nested loops, borders included ` +
        `(${height}×${width}×${channels})`,
      () => {
        tf.tidy(() => {
          const features = tf.randomNormal(
            [1, height, width, channels],
            0.2,
            1,
            'float32',
            height * 13 + radius,
          ) as tf.Tensor4D;
          const expected = localGramByLoops(features.dataSync(), [height, width, channels], radius);
          const actual = localGram(features, radius);
          assert.deepEqual(actual.shape, [height, width, channels, channels]);
          const error = maxAbsDifference(actual.dataSync(), expected);
          assert.ok(error <= 1e-5 * maxAbs(expected), `off by ${error}`);
        });
      },
    );
  }

  it('refuses a radius that is not a whole number ≥ 0', () => {
    tf.tidy(() => {
      const features = tf.zeros([1, 3, 3, 2]) as tf.Tensor4D;
      for (const radius of [-1, 1.5, NaN]) assert.throws(() => localGram(features, radius), PasticheError);
    });
  });
});

describe('local style gradients', () => {
  const shape: [number, number, number, number] = [1, 5, 6, 3];
  for (const radius of [0, 1, 2]) {
    it(`radius ${radius}: localGram’s gradient equals autodiff of the definition for any upstream gradient`, () => {
      tf.tidy(() => {
        const features = tf.randomNormal(shape, 0, 1, 'float32', 10 + radius) as tf.Tensor4D;
        const weights = tf.randomNormal([5, 6, 3, 3], 0, 1, 'float32', 20 + radius);
        const projected = (by: (f: tf.Tensor4D) => tf.Tensor4D) =>
          tf.grad((x: tf.Tensor) => tf.sum(tf.mul(by(x as tf.Tensor4D), weights)) as tf.Scalar)(features);
        const [actual, expected] = [
          projected((f) => localGram(f, radius)),
          projected((f) => localGramByShifts(f, radius)),
        ];
        const error = maxAbsDifference(actual.dataSync(), expected.dataSync());
        assert.ok(error <= 1e-5 * maxAbs(expected.dataSync()), `off by ${error}`);
      });
    });

    it(
      `radius ${radius}: the loss’s hand-written gradient matches finite differences and autodiff of the ` +
        `definition`,
      () => {
        tf.tidy(() => {
          const features = tf.randomNormal(shape, 0.3, 1, 'float32', 30 + radius) as tf.Tensor4D;
          const target = localGramByShifts(
            tf.randomNormal(shape, 0.3, 1, 'float32', 40 + radius) as tf.Tensor4D,
            radius,
          );
          const loss = (x: tf.Tensor) => localStyleLoss(x as tf.Tensor4D, target, radius);
          const reference = (x: tf.Tensor) =>
            tf.mean(tf.squaredDifference(localGramByShifts(x as tf.Tensor4D, radius), target)) as tf.Scalar;
          const [value, expectedValue] = [loss(features).dataSync()[0], reference(features).dataSync()[0]];
          assert.ok(Math.abs(value - expectedValue) <= 1e-5 * expectedValue, `loss ${value} vs ${expectedValue}`);
          assertGradient(loss, features, { step: 1e-2, seed: 50, tolerance: 1e-2, reference });
        });
      },
    );
  }
});

describe('localStyleLoss', () => {
  it('refuses a target of another size or radius-independent shape', () => {
    tf.tidy(() => {
      const features = tf.zeros([1, 4, 5, 3]) as tf.Tensor4D;
      assert.throws(() => localStyleLoss(features, tf.zeros([4, 4, 3, 3]), 1), PasticheError);
      assert.throws(() => localStyleLoss(features, tf.zeros([4, 5, 3]), 1), PasticheError);
      assert.throws(() => localStyleLoss(features, tf.zeros([4, 5, 3, 3]), -2), PasticheError);
    });
  });

  it('leaves no tensor behind after a loss and gradient evaluation', () => {
    const features = tf.randomNormal([1, 9, 7, 6], 0, 1, 'float32', 61) as tf.Tensor4D;
    const target = localGram(tf.randomNormal([1, 9, 7, 6], 0, 1, 'float32', 62) as tf.Tensor4D, 2);
    const evaluate = () =>
      tf.tidy(() => {
        const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => localStyleLoss(x as tf.Tensor4D, target, 2))(
          features,
        );
        return value.dataSync()[0] + grad.dataSync()[0];
      });
    evaluate();
    const before = tf.memory();
    for (let i = 0; i < 3; i++) evaluate();
    tf.tidy(() => localStyleLoss(features, target, 2).dataSync()); // forward only: nothing kept for a gradient
    assert.equal(tf.memory().numTensors, before.numTensors);
    assert.equal(tf.memory().numBytes, before.numBytes);
    tf.dispose([features, target]);
  });
});

describe('localStyleBytes', () => {
  it('grows as C²·H·W', () => {
    const bytes = (height: number, width: number, channels: number) => localStyleBytes({ height, width, channels }, 2);
    assert.ok(Math.abs(bytes(64, 64, 256) / bytes(32, 32, 256) - 4) < 1e-3, 'four times the positions');
    assert.ok(Math.abs(bytes(32, 32, 512) / bytes(32, 32, 256) - 4) < 0.05, 'twice the channels');
    assert.ok(bytes(32, 32, 256) >= 3 * 4 * 256 * 256 * 32 * 32, 'at least the target, the residual and one temporary');
    assert.throws(() => localStyleBytes({ height: 8, width: 8, channels: 8 }, -1), PasticheError);
  });

  it('is the size of the statistic localGram allocates, three times over', () => {
    const features = tf.randomNormal([1, 10, 12, 16], 0, 1, 'float32', 71) as tf.Tensor4D;
    const before = tf.memory().numBytes;
    const statistic = localGram(features, 2);
    const allocated = tf.memory().numBytes - before;
    assert.equal(allocated, 4 * 16 * 16 * 10 * 12, 'localGram keeps nothing but its [H, W, C, C] result');
    const estimate = localStyleBytes({ height: 10, width: 12, channels: 16 }, 2);
    assert.ok(
      estimate >= 3 * allocated && estimate <= 3.8 * allocated,
      `${estimate} bytes for a ${allocated}-byte statistic`,
    );
    tf.dispose([features, statistic]);
  });

  // tf.profile's peakBytes counts every tensor handle (a reshape or a saved copy counts again), so it
  // bounds the memory from above; the estimate must cover it and be no more than 10% above it.
  for (const [height, width, channels, radius] of [
    [16, 16, 32, 2],
    [12, 20, 16, 0],
  ]) {
    it(
      `covers the peak of a loss and gradient evaluation within 10% (${height}×${width}×${channels}, radius ` +
        `${radius})`,
      async () => {
        const features = tf.randomNormal([1, height, width, channels], 0, 1, 'float32', 81) as tf.Tensor4D;
        const target = localGram(
          tf.randomNormal([1, height, width, channels], 0, 1, 'float32', 82) as tf.Tensor4D,
          radius,
        );
        const unrelated = tf.memory().numBytes - 4 * (features.size + target.size);
        const profile = await tf.profile(() =>
          tf.tidy(() => {
            const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => localStyleLoss(x as tf.Tensor4D, target, radius))(
              features,
            );
            value.dataSync();
            grad.dataSync();
          }),
        );
        const measured = profile.peakBytes - unrelated;
        const estimate = localStyleBytes({ height, width, channels }, radius);
        assert.ok(
          estimate >= measured && estimate <= 1.1 * measured,
          `estimate ${estimate} for a measured peak of ${measured}`,
        );
        tf.dispose([features, target]);
      },
    );
  }
});

describe('local style through the tiny network', () => {
  const network = tinyNetwork(5);
  const layers = ['conv1_1', 'conv2_1'];
  const radius = 2;
  const styleInput = tf.keep(network.preprocess(syntheticImage(16, 16, 3)));
  const targets = tf.tidy(() =>
    [...network.activations(styleInput, layers, 'max').values()].map((f) => localGram(f, radius)),
  );
  targets.forEach((target) => tf.keep(target));
  const loss = (input: tf.Tensor) =>
    tf.tidy(() => {
      const activations = network.activations(input as tf.Tensor4D, layers, 'max');
      return tf.addN(
        layers.map((layer, i) => localStyleLoss(activations.get(layer)!, targets[i], radius)),
      ) as tf.Scalar;
    });

  it('is 0 for the style image itself', () => {
    assert.equal(
      tf.tidy(() => loss(styleInput).dataSync()[0]),
      0,
    );
  });

  it('decreases under a few gradient steps from another image', () => {
    // Steps of 4 (of the input's ±128 range) along the gradient's direction.
    assertDescends(loss, network.preprocess(syntheticImage(16, 16, 9)), 4);
  });
});
