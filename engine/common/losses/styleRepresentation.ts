import * as tf from '@tensorflow/tfjs';
import type { StylizeSettings } from '../stylize/settings.js';
import { localGram, localStyleLoss } from './localStyle.js';
import { autocorrelation, spatialStyleLoss } from './spatialStyle.js';
import { gramMatrix, styleLoss } from './style.js';

/**
 * One layer's style statistics of the painting(s): the chosen representation's, and the Gram
 * matrix too when part of the loss stays on Gram matrices (`gramMix`).
 */
export interface StyleTarget {
  readonly statistic: tf.Tensor;
  readonly gram: tf.Tensor2D | null;
}

type RepresentationSettings = Pick<StylizeSettings, 'styleRepr' | 'localRadius' | 'gramMix'>;

/**
 * What "style" is on one layer and how far an image is from it (Nikulin & Novak 2016): Gram
 * matrices (Gatys et al. 2015, eq. 3–4), autocorrelations (§7) or local correlations (§9),
 * optionally mixed with Gram losses as (1 − m)·L_repr + m·L_gram.
 */
export interface StyleRepresentationOps {
  /** The statistics of a painting's activations on one layer. */
  target(features: tf.Tensor4D): StyleTarget;
  /** Several paintings' statistics blended with weights summing to 1 (neural-style's -style_blend_weights). */
  blend(targets: readonly StyleTarget[], weights: readonly number[]): StyleTarget;
  loss(features: tf.Tensor4D, target: StyleTarget): tf.Scalar;
}

export function styleRepresentation(settings: RepresentationSettings): StyleRepresentationOps {
  const { statistic, distance } = representationOf(settings);
  const gramShare = settings.styleRepr === 'gram' ? 0 : settings.gramMix;
  return {
    target: (features) => ({ statistic: statistic(features), gram: gramShare > 0 ? gramMatrix(features) : null }),
    blend: (targets, weights) => ({
      statistic: blendStatistics(
        targets.map((t) => t.statistic),
        weights,
      ),
      gram:
        gramShare > 0
          ? (blendStatistics(
              targets.map((t) => t.gram!),
              weights,
            ) as tf.Tensor2D)
          : null,
    }),
    loss: (features, target) =>
      tf.tidy(() => {
        const own = distance(features, target.statistic);
        if (gramShare === 0) return own;
        return tf.add(tf.mul(own, 1 - gramShare), tf.mul(styleLoss(features, target.gram!), gramShare)) as tf.Scalar;
      }),
  };
}

function representationOf(settings: RepresentationSettings): {
  statistic: (f: tf.Tensor4D) => tf.Tensor;
  distance: (f: tf.Tensor4D, t: tf.Tensor) => tf.Scalar;
} {
  switch (settings.styleRepr) {
    case 'gram':
      return { statistic: gramMatrix, distance: (f, t) => styleLoss(f, t as tf.Tensor2D) };
    case 'spatial':
      return { statistic: autocorrelation, distance: (f, t) => spatialStyleLoss(f, t as tf.Tensor4D) };
    case 'local':
      return {
        statistic: (f) => localGram(f, settings.localRadius),
        distance: (f, t) => localStyleLoss(f, t, settings.localRadius),
      };
  }
}

export function disposeStyleTarget(target: StyleTarget): void {
  tf.dispose(target.gram ? [target.statistic, target.gram] : [target.statistic]);
}

/** Σ wᵢ·statisticᵢ: the target of several paintings mixed into one texture (neural-style's -style_blend_weights). */
export function blendStatistics(tensors: readonly tf.Tensor[], weights: readonly number[]): tf.Tensor {
  return tf.tidy(() => tf.addN(tensors.map((tensor, i) => tf.mul(tensor, weights[i]))));
}
