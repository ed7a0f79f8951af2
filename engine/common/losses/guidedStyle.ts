import * as tf from '@tensorflow/tfjs';
import { PasticheError } from '../errors.js';
import type { LayerGuide } from './guidanceMasks.js';
import { blendStatistics } from './styleRepresentation.js';
import { gramMatrices, gramMatrix } from './style.js';

/**
 * The guided Gram matrix of Gatys et al. 2017, §4: the features weighted by the region's mask, F_r = F ∘ m_r,
 * and G_r = F_rᵀF_r. Normalised as the authors' code (`gram_matrix_guided`, whose guides are first divided by
 * √(Σ m²/P)) and gramMatrix's 1/C: G_r = Σ_p m(p)² F(p)F(p)ᵀ / (C·Σ_p m(p)²), the mask-weighted mean of each
 * position's outer product. So a small region's statistics are as strong as a large one's and comparable with a
 * whole painting's Gram matrix, and an all-ones mask gives gramMatrix exactly. features: one picture [1, h, w, C].
 */
export function guidedGramMatrix(features: tf.Tensor4D, guide: LayerGuide): tf.Tensor2D {
  const [batch, height, width] = features.shape;
  if (batch !== 1) throw new PasticheError(`a guided Gram matrix takes one picture, not ${batch}`);
  if (guide.mask.shape[0] !== height || guide.mask.shape[1] !== width)
    throw new PasticheError(
      `the guide is ${guide.mask.shape.join('×')} but the feature map is ${height}×${width}: bring it there first`,
    );
  if (!(guide.mass > 0)) throw new PasticheError('the guide is empty on this layer: its region has no neuron here');
  return tf.tidy(() => {
    const weighted = tf.mul(features, tf.reshape(guide.mask, [1, height, width, 1])) as tf.Tensor4D;
    // gramMatrices divides by C·h·w; the region's mass replaces h·w.
    return tf.mul(tf.squeeze(gramMatrices(weighted), [0]), (height * width) / guide.mass) as tf.Tensor2D;
  });
}

/**
 * A region's target on one layer from one painting: its whole Gram matrix, or its guided one under a mask on the
 * painting (that layer's guide of the mask), so that the photo's sky can take the painting's sky (§4, fig. 2).
 */
export function regionTarget(paintingFeatures: tf.Tensor4D, paintingGuide?: LayerGuide): tf.Tensor2D {
  return paintingGuide ? guidedGramMatrix(paintingFeatures, paintingGuide) : gramMatrix(paintingFeatures);
}

/** Several paintings' targets for one region mixed by blend weights summing to 1, as whole-image style blends. */
export function blendedRegionTarget(targets: readonly tf.Tensor2D[], weights: readonly number[]): tf.Tensor2D {
  if (targets.length === 0 || targets.length !== weights.length)
    throw new PasticheError(`${targets.length} paintings for ${weights.length} blend weights in a region`);
  return blendStatistics(targets, weights) as tf.Tensor2D;
}

/**
 * One styled region on one layer: its guide at that layer, its target and its style weight λ_r. A "keep the photo"
 * region is no StyleRegion at all: it has no style term (see guidedContentLoss for its content term).
 */
export interface StyleRegion {
  readonly guide: LayerGuide;
  readonly target: tf.Tensor2D;
  readonly weight: number;
}

/**
 * The guided style loss on one layer (Gatys et al. 2017, §4): Σ_r λ_r·E_r with E_r the mean squared difference
 * between the image's guided Gram matrix and the region's target (styleLoss's normalisation, so a single region with
 * an all-ones mask and λ = 1 is styleLoss). A region whose guide is empty on this layer (an `inside` guide eroded
 * away on a deep layer) has no neuron there and adds nothing.
 */
export function guidedStyleLoss(features: tf.Tensor4D, regions: readonly StyleRegion[]): tf.Scalar {
  return tf.tidy(() => {
    const terms = regions
      .filter((region) => region.guide.mass > 0 && region.weight !== 0)
      .map((region) =>
        tf.mul(tf.mean(tf.squaredDifference(guidedGramMatrix(features, region.guide), region.target)), region.weight),
      );
    return (terms.length === 0 ? tf.scalar(0) : tf.addN(terms)) as tf.Scalar;
  });
}

/**
 * A style strength map s (0..1 per neuron: the grey mask brought to the layer) applied to a region, so that the style
 * stays a Gatys loss of guided statistics: the region's guide m becomes m·√s, making
 * G = Σ m²s·F(p)F(p)ᵀ / (C·Σ m²s), the strength-weighted statistics of the region, and its weight λ becomes
 * λ·Σ m²s / Σ m². Then each position's gradient is s(p) times what the region alone would give it at the same Gram
 * matrix (∂E/∂F(p) ∝ m²s(p)/Σm²s · Σm²s/Σm²): linear in the grey value, nothing where s = 0, and s ≡ 1 is the region
 * unchanged. The content term is left as it is: where s = 0 the image is a content reconstruction. Returns a new
 * region whose guide mask is the caller's to dispose; a region the map empties has mass 0 and adds nothing.
 */
export function withStrength(region: StyleRegion, strength: tf.Tensor2D): StyleRegion {
  const { mask, mass } = region.guide;
  if (strength.shape[0] !== mask.shape[0] || strength.shape[1] !== mask.shape[1])
    throw new PasticheError(`the strength map is ${strength.shape.join('×')} but the guide is ${mask.shape.join('×')}`);
  if (!(mass > 0)) return { ...region, guide: { mask: tf.clone(mask), mass: 0 } };
  const [strong, strongMass] = tf.tidy(() => {
    const guided = tf.mul(mask, tf.sqrt(tf.clipByValue(strength, 0, 1))) as tf.Tensor2D;
    return [guided, tf.sum(tf.square(guided)).dataSync()[0]] as const;
  });
  return {
    guide: { mask: strong, mass: strongMass },
    target: region.target,
    weight: (region.weight * strongMass) / mass,
  };
}

/** A strength map over the whole picture: withStrength of the one region that is everything (mask of ones). */
export function strengthRegion(strength: tf.Tensor2D, target: tf.Tensor2D, weight: number): StyleRegion {
  const everywhere = tf.onesLike(strength) as tf.Tensor2D;
  try {
    return withStrength({ guide: { mask: everywhere, mass: everywhere.size }, target, weight }, strength);
  } finally {
    everywhere.dispose();
  }
}

/**
 * The content term restricted to a region (a "keep the photo" region held to the photo, weighted by how strictly):
 * mean over C·h·w of m(p)·(F − P)², so an all-ones mask is contentLoss (Gatys et al. 2015, eq. 1, neural-style's
 * normalisation). Meant to be added, with its own weight, to the whole image's content loss at the content layers,
 * with the mask in `simple` mode; the region gets no style term.
 */
export function guidedContentLoss(features: tf.Tensor4D, target: tf.Tensor4D, mask: tf.Tensor2D): tf.Scalar {
  const [, height, width] = features.shape;
  if (mask.shape[0] !== height || mask.shape[1] !== width)
    throw new PasticheError(`the keep-photo mask is ${mask.shape.join('×')} but the layer is ${height}×${width}`);
  return tf.tidy(
    () => tf.mean(tf.mul(tf.squaredDifference(features, target), tf.reshape(mask, [1, height, width, 1]))) as tf.Scalar,
  );
}
