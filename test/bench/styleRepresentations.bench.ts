import * as tf from '@tensorflow/tfjs';
import { localGram, localStyleLoss } from '../../engine/common/losses/localStyle.js';
import { localStyleBytes } from '../../engine/common/losses/localStyleBytes.js';
import {
  autocorrelationByDft,
  autocorrelationDirect,
  spatialStyleLoss,
} from '../../engine/common/losses/spatialStyle.js';
import { gramMatrix, styleLoss } from '../../engine/common/losses/style.js';
import { selectBackend } from '../../engine/node/backend.js';

/**
 * `node dist/test/bench/styleRepresentations.bench.js [--direct]`: milliseconds per loss-and-gradient
 * evaluation of one style layer for the Gram matrix, the spatial (§7) and the local (§9) style
 * representations, on [1, 64, 64, 64] and [1, 128, 128, 64] feature maps, on the backend in use
 * (PASTICHE_BACKEND, else the fastest), after a warm-up. `--direct` adds the
 * spatial representation's direct sum at 64×64 — one run, tens of seconds.
 */
const SIZES = [64, 128];
const CHANNELS = 64;

type Loss = (features: tf.Tensor4D) => tf.Scalar;

/** The fastest and the median of `runs` timed evaluations: on a shared machine the fastest is the least disturbed. */
function millisecondsPerEvaluation(
  loss: Loss,
  features: tf.Tensor4D,
  runs: number,
): { fastest: number; median: number } {
  const evaluate = () =>
    tf.tidy(() => {
      const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => loss(x as tf.Tensor4D))(features);
      value.dataSync();
      grad.dataSync();
    });
  evaluate();
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    evaluate();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { fastest: Math.round(times[0]), median: Math.round(times[Math.floor(times.length / 2)]) };
}

/** The loss of `representation` against the representation of another random map, its target. */
function against<T extends tf.Tensor>(
  shape: [number, number, number, number],
  represent: (f: tf.Tensor4D) => T,
  loss: (f: tf.Tensor4D, target: T) => tf.Scalar,
): { loss: Loss; target: T } {
  const target = tf.tidy(() => represent(tf.randomNormal(shape, 0, 1, 'float32', 2) as tf.Tensor4D));
  return { loss: (f) => loss(f, target), target };
}

const backend = await selectBackend();
const withDirect = process.argv.includes('--direct');
const results = [];
for (const size of SIZES) {
  const shape: [number, number, number, number] = [1, size, size, CHANNELS];
  const features = tf.randomNormal(shape, 0, 1, 'float32', 1) as tf.Tensor4D;
  const runs = size <= 64 ? 7 : 5;
  const cases = [
    { name: 'gram', ...against(shape, gramMatrix, styleLoss) },
    { name: 'spatial (DFT)', ...against(shape, autocorrelationByDft, spatialStyleLoss) },
    {
      name: 'local radius 0',
      ...against(
        shape,
        (f) => localGram(f, 0),
        (f, t) => localStyleLoss(f, t, 0),
      ),
    },
    {
      name: 'local radius 2',
      ...against(
        shape,
        (f) => localGram(f, 2),
        (f, t) => localStyleLoss(f, t, 2),
      ),
    },
  ];
  if (withDirect && size === 64) {
    cases.push({
      name: 'spatial (direct sum)',
      ...against(
        shape,
        autocorrelationDirect,
        (f, t) => tf.mean(tf.squaredDifference(autocorrelationDirect(f), t)) as tf.Scalar,
      ),
    });
  }
  for (const { name, loss, target } of cases) {
    results.push({
      representation: name,
      shape: shape.join('×'),
      msPerLossAndGradient: millisecondsPerEvaluation(loss, features, name.includes('direct') ? 1 : runs),
    });
    target.dispose();
  }
  results.push({
    representation: 'local (either radius)',
    shape: shape.join('×'),
    localStyleBytesMiB: Math.round(localStyleBytes({ height: size, width: size, channels: CHANNELS }, 2) / 2 ** 20),
  });
  features.dispose();
}
console.log(
  JSON.stringify(
    {
      benchmark: 'style representations, one layer, loss + gradient',
      backend: backend.description,
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
      results,
    },
    null,
    2,
  ),
);
