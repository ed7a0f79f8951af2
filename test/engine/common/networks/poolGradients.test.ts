import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PoolLayerSpec } from '../../../../engine/common/networks/architecture.js';
import { pool } from '../../../../engine/common/networks/layerOps.js';
import { avgPoolTiled, maxPoolTiled } from '../../../../engine/common/networks/poolGradients.js';
import { maxAbsDifference, relativeDifference, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();
const testBackend = tf.getBackend();
const BACKENDS = [...new Set([testBackend, 'cpu'])];

/** ∂/∂x of Σ f(x) ⊙ r for a fixed random r, so that every output's gradient differs. */
function gradientOf(f: (x: tf.Tensor4D) => tf.Tensor4D, x: tf.Tensor4D, seed: number): tf.Tensor4D {
  const outShape = tf.tidy(() => f(x).shape);
  const r = tf.randomNormal(outShape, 0, 1, 'float32', seed);
  return tf.grad((input: tf.Tensor) => tf.sum(tf.mul(f(input as tf.Tensor4D), r)))(x) as tf.Tensor4D;
}

async function onEachBackend(check: (backend: string) => void): Promise<void> {
  for (const backend of BACKENDS) {
    await tf.setBackend(backend);
    try {
      check(backend);
    } finally {
      await tf.setBackend(testBackend);
    }
  }
}

/**
 * Named results computed on each backend. References are taken from the cpu backend: tfjs 4.22's
 * wasm MaxPoolGrad is wrong for windows whose maximum is negative (its gradient lands elsewhere or
 * nowhere), which a leaky ReLU's activations (Darknet) have.
 */
async function computedOnEachBackend(
  compute: () => Record<string, tf.Tensor>,
): Promise<Map<string, Record<string, Float32Array>>> {
  const results = new Map<string, Record<string, Float32Array>>();
  await onEachBackend((backend) =>
    tf.tidy(() => {
      results.set(
        backend,
        Object.fromEntries(Object.entries(compute()).map(([name, t]) => [name, t.dataSync() as Float32Array])),
      );
    }),
  );
  return results;
}

/** ‖a − b‖ / ‖b‖ of two lists of numbers. */
function relativeDistance(a: Float32Array, b: Float32Array): number {
  return relativeDifference(tf.tensor(a), tf.tensor(b));
}

describe('non-overlapping pooling with hand-written gradients', () => {
  it(
    'equals tf.maxPool and tf.avgPool and their autodiff ' + '(cpu’s) on random inputs, 2×2 and 3×3, on each backend',
    async () => {
      for (const [k, height, width, seed] of [
        [2, 8, 6, 1],
        [3, 9, 12, 2],
      ]) {
        const results = await computedOnEachBackend(() => {
          const x = tf.randomNormal([2, height, width, 5], 0, 1, 'float32', seed) as tf.Tensor4D;
          const [plainMax, plainAvg] = [
            (input: tf.Tensor4D) => tf.maxPool(input, k, k, 'valid'),
            (input: tf.Tensor4D) => tf.avgPool(input, k, k, 'valid'),
          ];
          const [fastMax, fastAvg] = [
            (input: tf.Tensor4D) => maxPoolTiled(input, k),
            (input: tf.Tensor4D) => avgPoolTiled(input, k),
          ];
          return {
            plainMax: plainMax(x),
            fastMax: fastMax(x),
            plainAvg: plainAvg(x),
            fastAvg: fastAvg(x),
            plainMaxGradient: gradientOf(plainMax, x, seed),
            fastMaxGradient: gradientOf(fastMax, x, seed),
            plainAvgGradient: gradientOf(plainAvg, x, seed),
            fastAvgGradient: gradientOf(fastAvg, x, seed),
          };
        });
        const reference = results.get('cpu')!;
        for (const [backend, result] of results) {
          for (const name of ['Max', 'Avg', 'MaxGradient', 'AvgGradient']) {
            const difference = relativeDistance(result[`fast${name}`], reference[`plain${name}`]);
            assert.ok(difference < 1e-6, `${backend}, ${k}×${k}: ${name} differs by ${difference}`);
          }
        }
      }
    },
  );

  it('routes a tied window’s gradient to its first maximum only, as TensorFlow and the cpu backend do', () =>
    onEachBackend((backend) =>
      tf.tidy(() => {
        // Windows: all zeros; 3 3 / 1 3 (ties in the first row and across rows); 5 in the last cell alone; −1
        // everywhere.
        const x = tf.tensor4d([0, 0, 3, 3, 0, 1, -1, -1, 0, 0, 1, 3, 2, 5, -1, -1], [1, 2, 8, 1]);
        const dx = gradientOf((input) => maxPoolTiled(input, 2), x, 3).dataSync();
        const dy = tf.randomNormal([1, 1, 4, 1], 0, 1, 'float32', 3).dataSync();
        const expected = [dy[0], 0, dy[1], 0, 0, 0, dy[3], 0, 0, 0, 0, 0, 0, dy[2], 0, 0];
        assert.equal(maxAbsDifference(dx, expected), 0, `${backend}: ${Array.from(dx)}`);
        if (backend === 'cpu') {
          const autodiff = gradientOf((input) => tf.maxPool(input, 2, 2, 'valid'), x, 3).dataSync();
          assert.equal(
            maxAbsDifference(dx, autodiff),
            0,
            'the cpu backend’s own MaxPoolGrad picks the first maximum too',
          );
        }
      }),
    ));

  it(
    'after a ReLU, where all-zero windows tie, equals autodiff on every backend: the ReLU’s gradient is zero ' +
      'there',
    () =>
      onEachBackend((backend) =>
        tf.tidy(() => {
          const x = tf.randomNormal([1, 16, 10, 8], 0, 1, 'float32', 4) as tf.Tensor4D;
          const ties = tf.sum(tf.cast(tf.equal(tf.maxPool(tf.relu(x), 2, 2, 'valid'), 0), 'float32')).dataSync()[0];
          assert.ok(ties > 10, `the input has all-zero windows (${ties})`);
          const difference = relativeDifference(
            gradientOf((input) => maxPoolTiled(tf.relu(input), 2), x, 4),
            gradientOf((input) => tf.maxPool(tf.relu(input), 2, 2, 'valid'), x, 4),
          );
          assert.ok(difference < 1e-6, `${backend}: ${difference}`);
        }),
      ),
  );
});

describe('pool (Caffe padding and rounding) with the fast gradients where they pay', () => {
  const vggPool: PoolLayerSpec = { kind: 'pool', name: 'pool', size: 2, stride: 2 };
  const ceilPool: PoolLayerSpec = { ...vggPool, ceil: true };

  /**
   * What pool computes, with tf's own pooling: the image padded (−∞ or counted out) to whole windows, or cut to them.
   */
  function plainPool(spec: PoolLayerSpec, pooling: 'max' | 'avg', x: tf.Tensor4D): tf.Tensor4D {
    const [, height, width] = x.shape;
    const size = (n: number) => (spec.ceil ? Math.ceil(n / 2) : Math.floor(n / 2)) * 2;
    const fit = (t: tf.Tensor4D, value: number) =>
      tf.pad(
        tf.slice(t, [0, 0, 0, 0], [-1, Math.min(height, size(height)), Math.min(width, size(width)), -1]),
        [
          [0, 0],
          [0, Math.max(0, size(height) - height)],
          [0, Math.max(0, size(width) - width)],
          [0, 0],
        ],
        value,
      );
    if (pooling === 'max') return tf.maxPool(fit(x, -Infinity), 2, 2, 'valid');
    return tf.div(tf.avgPool(fit(x, 0), 2, 2, 'valid'), tf.avgPool(fit(tf.onesLike(x), 0), 2, 2, 'valid'));
  }

  it(
    'equals autodiff (cpu’s) of tf’s pooling on odd sizes, rounded down (VGG) and up (Caffe, Darknet), on each ' +
      'backend',
    async () => {
      for (const spec of [vggPool, ceilPool]) {
        for (const pooling of ['max', 'avg'] as const) {
          const results = await computedOnEachBackend(() => {
            const x = tf.randomNormal([1, 7, 9, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
            return {
              fast: pool(spec, pooling, x),
              plain: plainPool(spec, pooling, x),
              fastGradient: gradientOf((input) => pool(spec, pooling, input), x, 6),
              plainGradient: gradientOf((input) => plainPool(spec, pooling, input), x, 6),
            };
          });
          for (const [backend, result] of results) {
            const label = `${backend} ${pooling} ${spec.ceil ? 'ceil' : 'floor'}`;
            assert.ok(relativeDistance(result.fast, results.get('cpu')!.plain) < 1e-6, `${label}: values`);
            const difference = relativeDistance(result.fastGradient, results.get('cpu')!.plainGradient);
            assert.ok(difference < 1e-6, `${label}: gradients differ by ${difference}`);
          }
        }
      }
    },
  );
});
