import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PasticheError } from '../../../../engine/common/errors.js';
import {
  blendHistogramTargets,
  histogramLoss,
  histogramLosses,
  histogramTarget,
  matchHistogram,
  type HistogramTarget,
} from '../../../../engine/common/losses/histogramLoss.js';
import { gramMatrix, styleLoss } from '../../../../engine/common/losses/style.js';
import { assertGradient, maxAbsDifference, syntheticImage, tinyNetwork, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

/**
 * Activations [1, H, W, 4] whose channels have unlike distributions — a ReLU's atom at 0, a shifted uniform, a
 * log-normal, a narrow normal of negative mean — so that matching one channel to another's target shows.
 */
function unlikeChannels(height: number, width: number, seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    const normal = (s: number) => tf.randomNormal([1, height, width, 1], 0, 1, 'float32', seed + s);
    return tf.concat(
      [
        tf.relu(tf.add(tf.mul(normal(0), 2), 0.5)),
        tf.randomUniform([1, height, width, 1], 3, 5, 'float32', seed + 1),
        tf.exp(normal(2)),
        tf.sub(tf.mul(normal(3), 0.1), 1),
      ],
      3,
    ) as tf.Tensor4D;
  });
}

/** Each channel's values of [1, H, W, C], as plain numbers. */
function channelValues(features: tf.Tensor4D): number[][] {
  const channels = features.shape[3];
  const data = features.dataSync();
  return Array.from({ length: channels }, (_, c) => Array.from(data.filter((_, i) => i % channels === c)));
}

/** The quantile function of ascending `sorted` at probabilities (k+½)/count, linearly interpolated (plain numbers). */
function quantilesOf(sorted: readonly number[], count: number): number[] {
  return Array.from({ length: count }, (_, k) => {
    const position = Math.min(Math.max(((k + 0.5) * sorted.length) / count - 0.5, 0), sorted.length - 1);
    const below = Math.floor(position);
    const above = Math.min(below + 1, sorted.length - 1);
    return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
  });
}

const ascending = (values: readonly number[]) => [...values].sort((a, b) => a - b);
const meanOf = (values: readonly number[]) => values.reduce((s, v) => s + v, 0) / values.length;
const varianceOf = (values: readonly number[]) => meanOf(values.map((v) => (v - meanOf(values)) ** 2));

/** Asserts the matched values reproduce the painting's per-channel quantiles, mean and variance, keeping O's order. */
function assertMatched(picture: tf.Tensor4D, painting: tf.Tensor4D, target: HistogramTarget, close: number): void {
  const matched = matchHistogram(picture, target);
  const [original, result, reference] = [picture, matched, painting].map(channelValues);
  const stored = target.quantiles.arraySync();
  matched.dispose();
  result.forEach((values, c) => {
    // The matched values, sorted, are the target's quantile function at (r+½)/M: its distribution exactly.
    assert.ok(maxAbsDifference(ascending(values), quantilesOf(stored[c], values.length)) < 1e-5, `channel ${c}`);
    const [mean, variance] = [meanOf(reference[c]), varianceOf(reference[c])];
    assert.ok(Math.abs(meanOf(values) - mean) <= (close / 10) * (Math.abs(mean) + Math.sqrt(variance)), `mean of ${c}`);
    assert.ok(Math.abs(varianceOf(values) - variance) <= close * variance, `variance of ${c}`);
    // Rank-preserving: a larger activation never gets a smaller matched value (the least-squares matching); tied
    // activations (a ReLU's zeros) may share their matched values in any order.
    const order = original[c].map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
    let [largestBefore, largestSoFar] = [-Infinity, -Infinity];
    order.forEach(([v, i], k) => {
      if (k > 0 && v > order[k - 1][0]) largestBefore = largestSoFar;
      assert.ok(values[i] >= largestBefore - 1e-6, `order in ${c}`);
      largestSoFar = Math.max(largestSoFar, values[i]);
    });
  });
}

describe('histogram loss (Risser et al. 2017)', () => {
  it('stores each channel sorted, all values when few and resampled quantiles when many', () => {
    const painting = unlikeChannels(16, 16, 1);
    const all = histogramTarget(painting);
    const few = histogramTarget(painting, 64);
    const values = channelValues(painting).map(ascending);
    assert.deepEqual(all.quantiles.shape, [4, 256]);
    assert.deepEqual(few.quantiles.shape, [4, 64]);
    assert.ok(maxAbsDifference(all.quantiles.dataSync(), values.flat()) === 0);
    assert.ok(
      maxAbsDifference(
        few.quantiles.dataSync(),
        values.flatMap((v) => quantilesOf(v, 64)),
      ) < 1e-5,
    );
    tf.dispose([painting, all.quantiles, few.quantiles]);
  });

  it('matches each channel to the painting’s histogram, for a picture of the painting’s size and of another', () => {
    const painting = unlikeChannels(16, 16, 1);
    const target = histogramTarget(painting);
    for (const [height, width, seed] of [
      [16, 16, 10],
      [10, 13, 20],
      [23, 21, 30],
    ]) {
      // A picture whose channels have other distributions still (its channels rotated), so matching must move them.
      const own = unlikeChannels(height, width, seed);
      const picture = tf.concat(
        [tf.slice(own, [0, 0, 0, 1], [-1, -1, -1, 3]), tf.slice(own, [0, 0, 0, 0], [-1, -1, -1, 1])],
        3,
      );
      assertMatched(picture as tf.Tensor4D, painting, target, height * width === 256 ? 1e-5 : 0.15);
      tf.dispose([own, picture]);
    }
    // The painting summarised by fewer quantiles than it has values.
    const coarse = histogramTarget(painting, 128);
    const picture = unlikeChannels(12, 12, 40);
    assertMatched(picture, painting, coarse, 0.15);
    tf.dispose([painting, target.quantiles, coarse.quantiles, picture]);
  });

  it('leaves activations that already have the target distribution as they are, at zero loss', () => {
    const painting = unlikeChannels(9, 11, 3);
    const target = histogramTarget(painting);
    // The painting's values moved to other positions, each channel shuffled its own way: the same histograms.
    const shuffled = tf.tidy(() => {
      const rows = tf.transpose(tf.reshape(painting, [99, 4]));
      const permutations = [0, 1, 2, 3].map(
        (c) => tf.topk(tf.randomUniform([99], 0, 1, 'float32', 50 + c), 99).indices,
      );
      const moved = tf.stack(permutations.map((p, c) => tf.gather(tf.gather(rows, c), p)));
      return tf.reshape(tf.transpose(moved), [1, 9, 11, 4]) as tf.Tensor4D;
    });
    assert.ok(maxAbsDifference(shuffled.dataSync(), painting.dataSync()) > 0.5, 'the shuffle moved values');
    for (const same of [painting, shuffled]) {
      const matched = matchHistogram(same, target);
      assert.equal(maxAbsDifference(matched.dataSync(), same.dataSync()), 0);
      assert.equal(histogramLoss(same, target).dataSync()[0], 0);
      matched.dispose();
    }
    const other = unlikeChannels(9, 11, 4);
    const scaled = tf.mul(painting, 1.5) as tf.Tensor4D;
    for (const different of [other, scaled]) assert.ok(histogramLoss(different, target).dataSync()[0] > 1e-3);
    tf.dispose([painting, target.quantiles, shuffled, other, scaled]);
  });

  it('has the gradient 2·w·(O − R(O))/(C·H·W), R held constant, which finite differences confirm', () => {
    const painting = unlikeChannels(8, 8, 5);
    const target = histogramTarget(painting);
    // No ties (no ReLU zeros), where the loss, a minimum over the ways of pairing values, has kinks.
    const picture = tf.randomNormal([1, 6, 7, 4], 1, 2, 'float32', 6) as tf.Tensor4D;
    const weight = 3;
    const loss = (x: tf.Tensor) =>
      histogramLosses(new Map([['conv1_1', x as tf.Tensor4D]]), new Map([['conv1_1', target]]), [
        { layer: 'conv1_1', weight },
      ]);
    tf.tidy(() => {
      const gradient = tf.grad(loss)(picture);
      const expected = tf.mul(tf.sub(picture, matchHistogram(picture, target)), (2 * weight) / (6 * 7 * 4));
      assert.ok(tf.max(tf.abs(expected)).dataSync()[0] > 1e-2, 'the picture is far from the target');
      assert.ok(maxAbsDifference(gradient.dataSync(), expected.dataSync()) < 1e-6);
    });
    // The distinct values of a continuous random picture stay in their ranks under a step of 1e-3 along v.
    assertGradient(loss, picture, { step: 1e-3, seed: 7, trials: 4 });
    tf.dispose([painting, target.quantiles, picture]);
  });

  it('tells apart activations with the same Gram matrix but other means and variances (§4)', () => {
    const painting = unlikeChannels(12, 12, 8);
    const target = histogramTarget(painting);
    const positions = 12 * 12;
    tf.tidy(() => {
      // Both keep FᵀF: the activations negated, and the positions mixed by a Householder reflection I − 2uuᵀ.
      const rows = tf.reshape(painting, [positions, 4]);
      // u near the constant direction, so the reflection moves the means (a random u would barely move them).
      const u = tf.add(1, tf.randomNormal([positions, 1], 0, 0.5, 'float32', 9));
      const unit = tf.div(u, tf.norm(u));
      const reflected = tf.sub(rows, tf.mul(2, tf.matMul(unit, tf.matMul(unit, rows, true, false))));
      const twins = [tf.neg(painting), tf.reshape(reflected, [1, 12, 12, 4])] as tf.Tensor4D[];
      const gram = gramMatrix(painting);
      const gramScale = tf.mean(tf.square(gram)).dataSync()[0];
      const ownScale = tf.mean(tf.square(tf.sub(painting, tf.mean(painting, [0, 1, 2])))).dataSync()[0];
      for (const twin of twins) {
        assert.ok(styleLoss(twin, gram).dataSync()[0] < 1e-9 * gramScale, 'the Gram loss cannot see the difference');
        const [own, theirs] = [twin, painting].map((f) => tf.moments(f, [0, 1, 2]));
        const meanGap = maxAbsDifference(own.mean.dataSync(), theirs.mean.dataSync());
        const varianceGap = maxAbsDifference(own.variance.dataSync(), theirs.variance.dataSync());
        assert.ok(meanGap > 1 && (twin === twins[0] || varianceGap > 1), 'the means (and variances) differ');
        assert.ok(histogramLoss(twin, target).dataSync()[0] > 0.05 * ownScale, 'the histogram loss sees it');
      }
    });
    tf.dispose([painting, target.quantiles]);
  });

  it('brings a picture’s channel means and variances towards the painting’s in a few dozen steps', () => {
    const network = tinyNetwork(3);
    const layers = [
      { layer: 'conv1_1', weight: 1 },
      { layer: 'conv2_1', weight: 0.5 },
    ];
    const names = layers.map((l) => l.layer);
    const measure = (x: tf.Tensor4D) => network.activations(x, names, 'max');
    const painting = tf.tidy(() => network.preprocess(syntheticImage(16, 16, 11)));
    const paintingActivations = measure(painting);
    const targets = new Map([...paintingActivations].map(([layer, f]) => [layer, histogramTarget(f)]));
    const image = tf.variable(tf.tidy(() => network.preprocess(syntheticImage(12, 20, 12))));
    const loss = () => histogramLosses(measure(image), targets, layers);
    // Each channel's |Δmean| + |Δstd| against the painting's, layer by layer.
    const momentGap = (): number[][] =>
      tf.tidy(() =>
        names.map((layer) => {
          const [own, theirs] = [measure(image).get(layer)!, paintingActivations.get(layer)!].map((f) =>
            tf.moments(f, [0, 1, 2]),
          );
          const gap = tf.add(
            tf.abs(tf.sub(own.mean, theirs.mean)),
            tf.abs(tf.sub(tf.sqrt(own.variance), tf.sqrt(theirs.variance))),
          );
          return Array.from(gap.dataSync());
        }),
      );
    const before = { loss: tf.tidy(() => loss().dataSync()[0]), gaps: momentGap() };
    const optimizer = tf.train.adam(2);
    for (let step = 0; step < 40; step++) optimizer.minimize(loss, true)?.dispose();
    const after = { loss: tf.tidy(() => loss().dataSync()[0]), gaps: momentGap() };
    assert.ok(after.loss < 0.3 * before.loss, `loss ${before.loss} → ${after.loss}`);
    before.gaps.forEach((gaps, i) =>
      gaps.forEach((gap, c) =>
        assert.ok(after.gaps[i][c] < 0.75 * gap, `${names[i]}/${c}: ${gap} → ${after.gaps[i][c]}`),
      ),
    );
    optimizer.dispose();
    tf.dispose([painting, image, ...paintingActivations.values(), ...[...targets.values()].map((t) => t.quantiles)]);
  });

  it('blends targets as a mixture: a painting’s halves by area give the whole, two paintings mix their moments', () => {
    const painting = unlikeChannels(16, 16, 13);
    const whole = histogramTarget(painting);
    const halves = [0, 8].map((top) => {
      const half = tf.slice(painting, [0, top, 0, 0], [1, 8, 16, 4]) as tf.Tensor4D;
      const target = histogramTarget(half);
      half.dispose();
      return target;
    });
    const joined = blendHistogramTargets(halves, [0.5, 0.5]);
    assert.ok(maxAbsDifference(joined.quantiles.dataSync(), whole.quantiles.dataSync()) < 1e-6);
    const alone = blendHistogramTargets([whole], [2]);
    assert.ok(maxAbsDifference(alone.quantiles.dataSync(), whole.quantiles.dataSync()) < 1e-6);
    // 3:1 of this painting and another: a picture matched to the blend has the mixture's mean and second moment.
    const other = tf.tidy(() => tf.add(tf.mul(unlikeChannels(12, 12, 14), 2), 1)) as tf.Tensor4D;
    const otherTarget = histogramTarget(other);
    const mixed = blendHistogramTargets([whole, otherTarget], [0.75, 0.25]);
    const picture = unlikeChannels(20, 20, 15);
    const matched = matchHistogram(picture, mixed);
    const [ours, theirs, result] = [painting, other, matched].map(channelValues);
    result.forEach((values, c) => {
      const mixture = (f: (v: number) => number) => 0.75 * meanOf(ours[c].map(f)) + 0.25 * meanOf(theirs[c].map(f));
      const [mean, square] = [mixture((v) => v), mixture((v) => v * v)];
      assert.ok(Math.abs(meanOf(values) - mean) < 0.02 * Math.sqrt(square), `mean of ${c}`);
      assert.ok(Math.abs(meanOf(values.map((v) => v * v)) - square) < 0.1 * square, `second moment of ${c}`);
    });
    assert.throws(() => blendHistogramTargets([whole], [1, 1]), /one weight per target, not 2 for 1/);
    assert.throws(() => blendHistogramTargets([whole], [-1]), PasticheError);
    const targets = [whole, ...halves, joined, alone, otherTarget, mixed];
    tf.dispose([painting, other, picture, matched, ...targets.map((t) => t.quantiles)]);
  });

  it('refuses a batch, a target of another layer, and a missing layer, and leaves no tensor behind', () => {
    const painting = unlikeChannels(6, 6, 12);
    const target = histogramTarget(painting);
    const before = tf.memory().numTensors;
    tf.dispose(histogramLoss(painting, target));
    tf.dispose(tf.grad((x: tf.Tensor) => histogramLoss(x as tf.Tensor4D, target))(painting));
    assert.equal(tf.memory().numTensors, before);
    const batch = tf.concat([painting, painting]) as tf.Tensor4D;
    const narrow = tf.slice(painting, [0, 0, 0, 0], [-1, -1, -1, 3]) as tf.Tensor4D;
    assert.throws(() => histogramLoss(batch, target), PasticheError);
    assert.throws(() => matchHistogram(narrow, target), /histogram target has shape \[4,36\], not \[3, quantiles\]/);
    assert.throws(() => histogramTarget(painting, 0), PasticheError);
    assert.throws(
      () => histogramLosses(new Map([['conv1_1', painting]]), new Map(), [{ layer: 'conv1_1', weight: 1 }]),
      /no activations or target for conv1_1/,
    );
    tf.dispose([painting, target.quantiles, batch, narrow]);
  });
});
