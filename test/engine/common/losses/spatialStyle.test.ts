import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PasticheError } from '../../../../engine/common/errors.js';
import {
  autocorrelation,
  autocorrelationByDft,
  autocorrelationDirect,
  DIRECT_MAX_POSITIONS,
  spatialStyleLoss,
} from '../../../../engine/common/losses/spatialStyle.js';
import { gramMatrix } from '../../../../engine/common/losses/style.js';
import {
  assertDescends,
  assertGradient,
  directionalDerivative,
  directionalDifference,
  maxAbs,
  maxAbsDifference,
  syntheticImage,
  tinyNetwork,
  useTestBackend,
} from '../../../helpers/tf.js';

await useTestBackend();

/** Nikulin & Novak §7 by its definition: Gᵢ(dy, dx) = Σ Fᵢ(y, x)·Fᵢ(y+dy, x+dx) / (C·H·W), lag (0, 0) at the centre. */
function autocorrelationByLoops(values: ArrayLike<number>, [height, width, channels]: number[]): Float32Array {
  const [rows, cols] = [2 * height - 1, 2 * width - 1];
  const out = new Float32Array(rows * cols * channels);
  const at = (y: number, x: number, c: number) =>
    y < 0 || y >= height || x < 0 || x >= width ? 0 : values[(y * width + x) * channels + c];
  for (let dy = -(height - 1); dy < height; dy++) {
    for (let dx = -(width - 1); dx < width; dx++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) sum += at(y, x, c) * at(y + dy, x + dx, c);
        out[((dy + height - 1) * cols + dx + width - 1) * channels + c] = sum / (channels * height * width);
      }
    }
  }
  return out;
}

/**
 * The same definition in TensorFlow.js ops (a slice per lag), so autodiff gives its gradient independently of the
 * module's.
 */
function autocorrelationByShifts(features: tf.Tensor4D): tf.Tensor4D {
  const [, height, width, channels] = features.shape;
  const padded = tf.pad(features, [
    [0, 0],
    [height - 1, height - 1],
    [width - 1, width - 1],
    [0, 0],
  ]);
  const rows: tf.Tensor[] = [];
  for (let dy = -(height - 1); dy < height; dy++) {
    const row: tf.Tensor[] = [];
    for (let dx = -(width - 1); dx < width; dx++) {
      const shifted = tf.slice(padded, [0, height - 1 + dy, width - 1 + dx, 0], [1, height, width, channels]);
      row.push(tf.sum(tf.mul(features, shifted), [1, 2]));
    }
    rows.push(tf.stack(row, 1));
  }
  return tf.div(tf.stack(rows, 1), channels * height * width) as tf.Tensor4D;
}

const implementations = [
  ['by DFT', autocorrelationByDft],
  ['directly', autocorrelationDirect],
  ['as dispatched', autocorrelation],
] as const;

// Odd and even sides, square and not, a single position, and one past the direct-sum threshold.
const SIZES: Array<[number, number, number]> = [
  [1, 1, 2],
  [2, 3, 2],
  [4, 4, 3],
  [5, 7, 3],
  [6, 5, 2],
  [8, 8, 3],
  [9, 4, 2],
  [3, 12, 2],
];

describe('autocorrelation (Nikulin & Novak §7)', () => {
  for (const [name, compute] of implementations) {
    it(`${name} equals the nested-loop definition for sizes ${SIZES.map(([h, w]) => `${h}×${w}`).join(', ')}`, () => {
      tf.tidy(() => {
        for (const [height, width, channels] of SIZES) {
          const features = tf.randomNormal(
            [1, height, width, channels],
            0.3,
            1,
            'float32',
            height * 17 + width,
          ) as tf.Tensor4D;
          const expected = autocorrelationByLoops(features.dataSync(), [height, width, channels]);
          const actual = compute(features);
          assert.deepEqual(actual.shape, [1, 2 * height - 1, 2 * width - 1, channels]);
          const error = maxAbsDifference(actual.dataSync(), expected);
          assert.ok(error <= 1e-5 * maxAbs(expected), `${height}×${width}×${channels}: off by ${error}`);
        }
      });
    });
  }

  it('is centred on lag (0, 0), which equals the Gram matrix’s diagonal (same C·H·W normalisation)', () => {
    tf.tidy(() => {
      const features = tf.randomNormal([1, 6, 9, 4], 0, 1, 'float32', 3) as tf.Tensor4D;
      const centre = tf.slice(autocorrelation(features), [0, 5, 8, 0], [1, 1, 1, 4]);
      const diagonal = tf.tensor1d(Array.from({ length: 4 }, (_, c) => gramMatrix(features).arraySync()[c][c]));
      assert.ok(maxAbsDifference(centre.dataSync(), diagonal.dataSync()) <= 1e-5 * maxAbs(diagonal.dataSync()));
    });
  });

  it('dispatches maps of at most DIRECT_MAX_POSITIONS positions to the direct sum, larger ones to the DFT', () => {
    // Their float32 rounding differs, which tells the two paths apart.
    tf.tidy(() => {
      for (const [height, width] of [
        [4, 4],
        [5, 5],
      ]) {
        const features = tf.randomNormal([1, height, width, 8], 0, 1, 'float32', 11) as tf.Tensor4D;
        const expected =
          height * width <= DIRECT_MAX_POSITIONS ? autocorrelationDirect(features) : autocorrelationByDft(features);
        assert.deepEqual(autocorrelation(features).dataSync(), expected.dataSync(), `${height}×${width}`);
      }
    });
  });
});

describe('autocorrelation gradients', () => {
  const shape: [number, number, number, number] = [1, 5, 6, 3];
  for (const [name, compute] of implementations.slice(0, 2)) {
    it(`${name}: for any upstream gradient, equal autodiff of the definition`, () => {
      tf.tidy(() => {
        const features = tf.randomNormal(shape, 0, 1, 'float32', 21) as tf.Tensor4D;
        // A weighting that is not even in the lag, so both terms F(y+d) and F(y−d) of ∂A/∂F count.
        const weights = tf.randomNormal([1, 9, 11, 3], 0, 1, 'float32', 22);
        const projected = (by: (f: tf.Tensor4D) => tf.Tensor4D) =>
          tf.grad((x: tf.Tensor) => tf.sum(tf.mul(by(x as tf.Tensor4D), weights)) as tf.Scalar)(features);
        const [actual, expected] = [projected(compute), projected(autocorrelationByShifts)];
        const error = maxAbsDifference(actual.dataSync(), expected.dataSync());
        assert.ok(
          error <= 1e-4 * maxAbs(expected.dataSync()),
          `off by ${error} (scale ${maxAbs(expected.dataSync())})`,
        );
      });
    });

    it(`${name}: the loss’s gradient matches finite differences and autodiff of the definition`, () => {
      tf.tidy(() => {
        const features = tf.randomNormal(shape, 0, 1, 'float32', 31) as tf.Tensor4D;
        const target = autocorrelationByShifts(tf.randomNormal(shape, 0, 1, 'float32', 32) as tf.Tensor4D);
        const loss = (x: tf.Tensor) => tf.mean(tf.squaredDifference(compute(x as tf.Tensor4D), target)) as tf.Scalar;
        const reference = (x: tf.Tensor) =>
          tf.mean(tf.squaredDifference(autocorrelationByShifts(x as tf.Tensor4D), target)) as tf.Scalar;
        assertGradient(loss, features, { step: 1e-2, seed: 40, tolerance: 1e-2, reference });
      });
    });
  }
});

describe('spatialStyleLoss', () => {
  it('is the mean squared difference of autocorrelations, and its gradient matches finite differences', () => {
    tf.tidy(() => {
      const shape: [number, number, number, number] = [1, 7, 6, 4];
      const features = tf.randomNormal(shape, 0.5, 1, 'float32', 51) as tf.Tensor4D;
      const target = autocorrelation(tf.randomNormal(shape, 0.5, 1, 'float32', 52) as tf.Tensor4D);
      const expected = tf.mean(tf.squaredDifference(autocorrelationByShifts(features), target)).dataSync()[0];
      const actual = spatialStyleLoss(features, target).dataSync()[0];
      assert.ok(Math.abs(actual - expected) <= 1e-5 * expected, `${actual} vs ${expected}`);
      const f = (x: tf.Tensor) => spatialStyleLoss(x as tf.Tensor4D, target);
      const v = tf.randomNormal(shape, 0, 1, 'float32', 53);
      const [analytic, numeric] = [directionalDerivative(f, features, v), directionalDifference(f, features, v, 1e-2)];
      assert.ok(
        Math.abs(analytic - numeric) <= 1e-2 * Math.abs(analytic),
        `autodiff ${analytic} vs finite difference ${numeric}`,
      );
    });
  });

  it('compares a style of another size on the lags both share', () => {
    tf.tidy(() => {
      const features = tf.randomNormal([1, 6, 9, 3], 0, 1, 'float32', 61) as tf.Tensor4D;
      const target = autocorrelation(tf.randomNormal([1, 8, 5, 3], 0, 1, 'float32', 62) as tf.Tensor4D); // lags ±7 × ±4
      // Shared lags: ±5 rows, ±4 columns.
      const imageWindow = tf.slice(autocorrelationByShifts(features), [0, 0, 4, 0], [1, 11, 9, 3]);
      const targetWindow = tf.slice(target, [0, 2, 0, 0], [1, 11, 9, 3]);
      const expected = tf.mean(tf.squaredDifference(imageWindow, targetWindow)).dataSync()[0];
      const actual = spatialStyleLoss(features, target).dataSync()[0];
      assert.ok(Math.abs(actual - expected) <= 1e-5 * expected, `${actual} vs ${expected}`);
    });
  });

  it('refuses a target with other channels or an even extent', () => {
    tf.tidy(() => {
      const features = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
      assert.throws(() => spatialStyleLoss(features, tf.zeros([1, 7, 7, 2]) as tf.Tensor4D), PasticheError);
      assert.throws(() => spatialStyleLoss(features, tf.zeros([1, 8, 7, 3]) as tf.Tensor4D), PasticheError);
    });
  });

  it('leaves no tensor behind after a loss and gradient evaluation', () => {
    const features = tf.randomNormal([1, 12, 10, 8], 0, 1, 'float32', 71) as tf.Tensor4D;
    const target = autocorrelation(tf.randomNormal([1, 12, 10, 8], 0, 1, 'float32', 72) as tf.Tensor4D);
    const evaluate = () =>
      tf.tidy(() => {
        const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => spatialStyleLoss(x as tf.Tensor4D, target))(features);
        return value.dataSync()[0] + grad.dataSync()[0];
      });
    evaluate();
    const before = tf.memory();
    for (let i = 0; i < 3; i++) evaluate();
    assert.equal(tf.memory().numTensors, before.numTensors);
    assert.equal(tf.memory().numBytes, before.numBytes);
    tf.dispose([features, target]);
  });
});

describe('spatial style through the tiny network', () => {
  const network = tinyNetwork(5);
  const layers = ['conv1_1', 'conv2_1']; // 16×16×4 and 8×8×6: both past the direct-sum threshold
  const styleInput = tf.keep(network.preprocess(syntheticImage(16, 16, 3)));
  const targets = tf.tidy(() => [...network.activations(styleInput, layers, 'max').values()].map(autocorrelation));
  targets.forEach((target) => tf.keep(target));
  const loss = (input: tf.Tensor) =>
    tf.tidy(() => {
      const activations = network.activations(input as tf.Tensor4D, layers, 'max');
      return tf.addN(layers.map((layer, i) => spatialStyleLoss(activations.get(layer)!, targets[i]))) as tf.Scalar;
    });

  it('is 0 for the style image itself', () => {
    assert.equal(
      tf.tidy(() => loss(styleInput).dataSync()[0]),
      0,
    );
  });

  it('decreases under a few gradient steps from another image', () => {
    // Steps of 2 (of the input's ±128 range) along the gradient's direction.
    assertDescends(loss, network.preprocess(syntheticImage(16, 16, 9)), 2);
  });
});
