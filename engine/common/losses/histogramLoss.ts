import * as tf from '@tensorflow/tfjs';
import { PasticheError } from '../errors.js';
import type { LayerWeight } from '../stylize/settings.js';
import { withCustomGradient } from './customGradient.js';

/**
 * The histogram loss of Risser, Wilmot & Barnes 2017 ("Stable and Controllable Neural Texture Synthesis and Style
 * Transfer Using Histogram Losses", §4.3–4.4): per layer and channel, the current activations O are histogram-matched
 * to the painting's, R(O), and the loss is the squared distance to the matched values,
 *   L_hist = Σ_l γ_l ‖O_l − R(O_l)‖²_F   (§4.3),
 * with R(O) held constant (no gradient through the matching, §4.3). Gram matrices cannot tell apart activations with
 * the same second moments but different means and variances (§4: the instability it explains); the histogram can.
 *
 * The target is each channel's quantile function: its activations sorted and resampled to at most
 * HISTOGRAM_QUANTILES values, each standing for an equal share of the values. We keep quantiles rather than the
 * paper's 256-bin histogram with min/max because (1) matching by rank needs the inverse CDF, which the quantiles
 * are, so R(O) is exact and cheap — sort O, give the value of rank r the target's quantile at (r+½)/M — with no bin
 * search; (2) equal-mass quantiles spend their resolution where the values are, and a ReLU layer's atom at 0 (often
 * half the values) stays an exact run of zeros instead of being smeared over the first bin; (3) the size is fixed,
 * C×Q, so a picture and a painting of different sizes compare through the same function of a probability. The cost:
 * beyond Q values, the extreme tail above the last quantile (the top 1/(2Q) of the mass) is clipped to it.
 */
export interface HistogramTarget {
  /** [C, Q]: each channel's quantiles at probabilities (k+½)/Q, ascending (Q = 1: the median alone). */
  readonly quantiles: tf.Tensor2D;
}

/**
 * At most this many quantiles per channel: a resolution of 1/1024 of the mass (4× the paper's 256 bins) at C·4 KB
 * per layer (2 MB for 512 channels); the sort of the picture's own activations costs far more.
 */
export const HISTOGRAM_QUANTILES = 1024;

/**
 * A painting's target on one layer from its activations [1, H, W, C]: each channel's sorted values resampled to
 * min(H·W, maxQuantiles) quantiles (all of them, exactly, when the layer has no more positions than that).
 */
export function histogramTarget(features: tf.Tensor4D, maxQuantiles = HISTOGRAM_QUANTILES): HistogramTarget {
  const [, height, width] = checkedShape(features);
  if (!Number.isInteger(maxQuantiles) || maxQuantiles < 1)
    throw new PasticheError(`the histogram target needs at least one quantile, not ${maxQuantiles}`);
  const quantiles = tf.tidy(() => {
    const sorted = sortedDescending(channelRows(features)).values;
    return tf.reverse(resampleSorted(sorted, Math.min(height * width, maxQuantiles)), 1) as tf.Tensor2D;
  });
  return { quantiles };
}

/**
 * R(O): the activations histogram-matched to the target, channel by channel (Risser et al. 2017, §4.3). Each value
 * of rank r among a channel's M values becomes the target's quantile function at (r+½)/M, interpolated linearly
 * between the stored quantiles: the matched values then have the target's distribution whatever M is, and values
 * that already have it (same size, same multiset) are left exactly where they are. Ties keep an arbitrary order.
 */
export function matchHistogram(features: tf.Tensor4D, target: HistogramTarget): tf.Tensor4D {
  checkTarget(target, checkedShape(features)[3]);
  return tf.tidy(() => {
    const { matched, positions } = rankMatch(features, target);
    return inOriginalOrder(matched, positions, features.shape);
  });
}

/** A channel's values sorted (largest first) beside the target's at the same ranks, and where each came from. */
interface RankMatch {
  /** [C, M]: O's values, each row sorted, largest first. */
  readonly sorted: tf.Tensor2D;
  /** [C, M]: the target's quantile function at the same ranks, R(O) in sorted order. */
  readonly matched: tf.Tensor2D;
  /** [C·M, 1]: the flat index, in the [C, M] rows, each sorted value came from. */
  readonly positions: tf.Tensor2D;
}

function rankMatch(features: tf.Tensor4D, target: HistogramTarget): RankMatch {
  const [, height, width, channels] = features.shape;
  const count = height * width;
  const { values, indices } = tf.topk(channelRows(features), count, true);
  const offsets = tf.tensor2d(
    Int32Array.from({ length: channels }, (_, row) => row * count),
    [channels, 1],
    'int32',
  );
  return {
    sorted: values as tf.Tensor2D,
    // Reversing the C×Q quantiles, not the C×M result: largest first, as tf.topk sorts.
    matched: resampleSorted(tf.reverse(target.quantiles, 1), count),
    positions: tf.reshape(tf.add(indices, offsets), [channels * count, 1]),
  };
}

/**
 * Values in sorted order [C, M] put back where the sorted ones came from, as activations [1, H, W, C]: a scatter,
 * which wasm runs ~10× faster than the gather of an inverse permutation (measured 5.6 ms against 64 ms plus a second
 * sort of 71 ms, 64 channels of 128×128; tf.gather with batchDims = 1 also returned wrong rows on wasm).
 */
function inOriginalOrder(ranked: tf.Tensor2D, positions: tf.Tensor2D, shape: number[]): tf.Tensor4D {
  const [, height, width, channels] = shape;
  const rows = tf.scatterND(positions, tf.reshape(ranked, [-1]), [channels * height * width]);
  return tf.reshape(tf.transpose(tf.reshape(rows, [channels, height * width])), [1, height, width, channels]);
}

/**
 * The histogram loss on one layer: mean((O − R(O))²) over the C·H·W activations, R(O) a constant, so that
 *   ∂L/∂O = 2·(O − R(O)) / (C·H·W).
 * Normalised as a mean — the paper's sum divided by C·H·W — like contentLoss and, through gramMatrix's 1/(C·H·W),
 * styleLoss: the loss does not grow with the picture's size, so a histogram weight carries over between sizes
 * (and between the stages of a schedule). Its scale is the activations' squared (content loss's), not the Gram
 * loss's fourth power, so its weight is of the content weight's order.
 */
export function histogramLoss(features: tf.Tensor4D, target: HistogramTarget): tf.Scalar {
  const [, height, width, channels] = checkedShape(features);
  checkTarget(target, channels);
  const count = channels * height * width;
  // Σ (O − R(O))² is the same sum over ranks, so the value needs the sort alone; only the gradient puts the
  // residual back in O's order.
  const compute = withCustomGradient<tf.Tensor4D, tf.Scalar>((x, save) => {
    const [residual, positions] = tf.tidy(() => {
      const { sorted, matched, positions } = rankMatch(x, target);
      return [tf.sub(sorted, matched) as tf.Tensor2D, positions];
    });
    save([residual, positions]);
    return {
      value: tf.tidy(() => tf.div(tf.sum(tf.square(residual)), count) as tf.Scalar),
      gradFunc: (dy, [saved, from]) =>
        tf.mul(inOriginalOrder(saved as tf.Tensor2D, from as tf.Tensor2D, x.shape), tf.mul(dy, 2 / count)),
    };
  });
  return compute(features);
}

/** Σ_l γ_l·L_hist,l over the chosen layers (§4.3), γ_l their weights; a layer without activations or target throws. */
export function histogramLosses(
  activations: ReadonlyMap<string, tf.Tensor4D>,
  targets: ReadonlyMap<string, HistogramTarget>,
  layers: readonly LayerWeight[],
): tf.Scalar {
  if (layers.length === 0) return tf.scalar(0);
  return tf.tidy(() => {
    const terms = layers.map(({ layer, weight }) => {
      const features = activations.get(layer);
      const target = targets.get(layer);
      if (!features || !target) throw new PasticheError(`the histogram loss has no activations or target for ${layer}`);
      return tf.mul(histogramLoss(features, target), weight);
    });
    return tf.addN(terms) as tf.Scalar;
  });
}

/**
 * Several targets as one: the mixture of their distributions, Σ wᵢ·Fᵢ (weights normalised to sum 1), resampled to
 * min(ΣQᵢ, maxQuantiles) quantiles. The mixture — not an average of quantile functions — is what blends the way the
 * Gram targets do: Σ wᵢ·Gᵢ is the second-moment matrix of that same mixture over positions. So it serves both
 * neural-style's -style_blend_weights and a painting measured in tiles (weights their areas), where it gives the
 * whole painting's histogram. Computed once per run on C·ΣQᵢ numbers, so in plain numbers.
 */
export function blendHistogramTargets(
  targets: readonly HistogramTarget[],
  weights: readonly number[],
  maxQuantiles = HISTOGRAM_QUANTILES,
): HistogramTarget {
  const channels = targets[0]?.quantiles.shape[0];
  if (channels === undefined || targets.length !== weights.length)
    throw new PasticheError(
      `blending histograms needs one weight per target, not ${weights.length} for ${targets.length}`,
    );
  targets.forEach((target) => checkTarget(target, channels));
  const total = weights.reduce((sum, w) => sum + w, 0);
  if (!weights.every((w) => Number.isFinite(w) && w >= 0) || !(total > 0))
    throw new PasticheError(`histogram blend weights must be non-negative with a positive sum, not ${weights}`);
  const rows = targets.map((target) => target.quantiles.arraySync());
  const count = Math.min(
    maxQuantiles,
    rows.reduce((sum, r) => sum + r[0].length, 0),
  );
  const blended = Array.from({ length: channels }, (_, c) =>
    mixtureQuantiles(
      rows.flatMap((r, t) => r[c].map((value) => ({ value, mass: weights[t] / total / r[c].length }))),
      count,
    ),
  );
  return { quantiles: tf.tensor2d(blended) };
}

/**
 * The quantiles at (k+½)/count of values carrying masses that sum to 1: each value sits at the middle of its mass
 * on the cumulative scale, and the quantile function is linear between those points (constant beyond the ends) —
 * for equal masses 1/N, the same function resampleSorted evaluates.
 */
function mixtureQuantiles(samples: { value: number; mass: number }[], count: number): number[] {
  const sorted = samples.filter((s) => s.mass > 0).sort((a, b) => a.value - b.value);
  let cumulative = 0;
  const centres = sorted.map(({ mass }) => {
    cumulative += mass;
    return cumulative - mass / 2;
  });
  let i = 0;
  return Array.from({ length: count }, (_, k) => {
    const p = (k + 0.5) / count;
    while (i < sorted.length - 1 && centres[i + 1] <= p) i++;
    if (p <= centres[i] || i === sorted.length - 1) return sorted[i].value;
    const fraction = (p - centres[i]) / (centres[i + 1] - centres[i]);
    return sorted[i].value + (sorted[i + 1].value - sorted[i].value) * fraction;
  });
}

export function disposeHistogramTarget(target: HistogramTarget): void {
  target.quantiles.dispose();
}

/** [1, H, W, C] → [C, H·W]: one row of values per channel. */
function channelRows(features: tf.Tensor4D): tf.Tensor2D {
  const [, height, width, channels] = features.shape;
  return tf.transpose(tf.reshape(features, [height * width, channels]));
}

/** Each row sorted, largest first, with where each value came from (tf.topk of the whole row). */
function sortedDescending(rows: tf.Tensor2D): { values: tf.Tensor2D; indices: tf.Tensor2D } {
  const { values, indices } = tf.topk(rows, rows.shape[1], true);
  return { values: values as tf.Tensor2D, indices: indices as tf.Tensor2D };
}

/**
 * Sorted rows [C, N] (either order) resampled to `count` values at fractional positions (k+½)·N/count − ½ (clamped
 * to the ends), linearly interpolated: the quantile function at the mid-probabilities (k+½)/count, each value
 * standing for an equal share of the mass — not k/(count−1), which would give the extremes a weight 1/count whatever
 * N is and inflate a heavy tail's variance (measured: +57 % for a log-normal channel matched from 256 values to
 * 130). Those are exactly a half-pixel-centred bilinear resize's sample points along the row, and the resize kernel
 * is ~25× faster on wasm than gathering the two neighbours (3 ms against 82 ms, 64 rows of 1024 to 16384); the
 * positions are computed in float32 there. count = N returns the rows exactly.
 */
function resampleSorted(sorted: tf.Tensor2D, count: number): tf.Tensor2D {
  const [rows, length] = sorted.shape;
  const image = tf.reshape(sorted, [1, rows, length, 1]) as tf.Tensor4D;
  return tf.reshape(tf.image.resizeBilinear(image, [rows, count], false, true), [rows, count]);
}

function checkedShape(features: tf.Tensor4D): [number, number, number, number] {
  const [batch, height, width, channels] = features.shape;
  if (batch !== 1) throw new PasticheError(`the histogram loss takes one image's activations, not a batch of ${batch}`);
  return [batch, height, width, channels];
}

function checkTarget(target: HistogramTarget, channels: number): void {
  const [targetChannels, quantiles] = target.quantiles.shape;
  if (target.quantiles.rank !== 2 || targetChannels !== channels || !(quantiles >= 1))
    throw new PasticheError(
      `the histogram target has shape [${target.quantiles.shape}], not [${channels}, quantiles] for this layer`,
    );
}
