import * as tf from '@tensorflow/tfjs';
import type { FeatureNetwork } from '../networks/featureNetwork.js';
import type { Pooling, StylizeSettings } from '../stylize/settings.js';
import { contentLoss } from './content.js';
import { disposeStyleTarget, styleRepresentation, type StyleRepresentationOps, type StyleTarget } from './styleRepresentation.js';
import { totalVariationLoss } from './totalVariation.js';

/** The loss terms as weighted contributions, so that total = content + style + tv. */
export interface LossTerms<T = number> {
  readonly total: T;
  readonly content: T;
  readonly style: T;
  readonly tv: T;
}

/** What the image is compared with: content activations and the paintings' blended style statistics, per layer. */
export interface StyleTransferTargets {
  readonly content: ReadonlyMap<string, tf.Tensor4D>;
  readonly style: ReadonlyMap<string, StyleTarget>;
  dispose(): void;
}

type LossSettings = Pick<StylizeSettings, 'contentLayers' | 'styleLayers' | 'contentWeight' | 'styleWeight' | 'tvWeight' | 'pooling' | 'styleBlend' | 'styleRepr' | 'localRadius' | 'gramMix'>;

/**
 * Computes the targets once per run — the photo's activations and the paintings' blended style
 * statistics — so that iterations only run the network on the image being optimised.
 */
export function styleTransferTargets(network: FeatureNetwork, settings: LossSettings, contentInput: tf.Tensor4D, styleInputs: readonly tf.Tensor4D[]): StyleTransferTargets {
  const content = contentTargets(network, settings, contentInput);
  const style = styleTargets(network, settings, styleInputs);
  return { content, style, dispose: () => { tf.dispose([...content.values()]); style.forEach(disposeStyleTarget); } };
}

/** The photo's activations on each content layer (a tile of it, in a tiled optimisation, against the whole picture's style targets). */
export function contentTargets(network: FeatureNetwork, settings: Pick<LossSettings, 'contentLayers' | 'pooling'>, contentInput: tf.Tensor4D): Map<string, tf.Tensor4D> {
  return tidyMap(() => network.activations(contentInput, settings.contentLayers, settings.pooling));
}

/** The paintings' blended style statistics on each style layer: what a stylization, or a style network's training, matches throughout. */
export function styleTargets(network: FeatureNetwork, settings: Omit<LossSettings, 'contentLayers'>, styleInputs: readonly tf.Tensor4D[]): Map<string, StyleTarget> {
  const representation = styleRepresentation(settings);
  const styleLayers = [...new Set(settings.styleLayers.map((l) => l.layer))];
  const perImage = styleInputs.map((input) => paintingTargets(network, representation, input, styleLayers, settings.pooling));
  const style = new Map(styleLayers.map((layer) => [layer, representation.blend(perImage.map((targets) => targets.get(layer)!), settings.styleBlend)]));
  perImage.forEach((targets) => targets.forEach(disposeStyleTarget));
  return style;
}

/** One painting's statistics on each style layer, from one pass of the network. */
function paintingTargets(network: FeatureNetwork, representation: StyleRepresentationOps, input: tf.Tensor4D, layers: readonly string[], pooling: Pooling): Map<string, StyleTarget> {
  const kept: StyleTarget[] = [];
  tf.tidy(() => {
    const activations = network.activations(input, layers, pooling);
    for (const layer of layers) kept.push(representation.target(activations.get(layer)!));
    return kept.flatMap((target) => (target.gram ? [target.statistic, target.gram] : [target.statistic]));
  });
  return new Map(layers.map((layer, i) => [layer, kept[i]]));
}

/** tf.tidy for a Map result: keeps the map's tensors, disposes every intermediate. */
function tidyMap<T extends tf.Tensor>(compute: () => Map<string, T>): Map<string, T> {
  let names: string[] = [];
  const tensors = tf.tidy(() => {
    const result = compute();
    names = [...result.keys()];
    return [...result.values()];
  });
  return new Map(names.map((name, i) => [name, tensors[i] as T]));
}

/**
 * The total loss of Gatys et al. 2015 (eq. 7) with a smoothness term:
 * L = α·Σ_content Lc + β·Σ_style wₗ·Eₗ + γ·TV, evaluated in the network's input space. On a batch
 * (a style network's training, whose content targets are each photo's activations) every term is
 * the mean of each picture's: Johnson et al.'s perceptual loss (2016, eq. 2–5).
 */
export function styleTransferLoss(network: FeatureNetwork, settings: LossSettings, targets: StyleTransferTargets) {
  const representation = styleRepresentation(settings);
  const layers = [...new Set([...settings.contentLayers, ...settings.styleLayers.map((l) => l.layer)])];
  return (image: tf.Tensor4D): LossTerms<tf.Scalar> => {
    const activations = network.activations(image, layers, settings.pooling);
    const content = weightedSum(settings.contentLayers.map((layer) => contentLoss(activations.get(layer)!, targets.content.get(layer)!)), settings.contentWeight);
    const style = weightedSum(settings.styleLayers.map(({ layer, weight }) => tf.mul(representation.loss(activations.get(layer)!, targets.style.get(layer)!), weight)), settings.styleWeight);
    const tv = settings.tvWeight > 0 ? tf.mul(totalVariationLoss(image), settings.tvWeight) as tf.Scalar : tf.scalar(0);
    return { total: tf.addN([content, style, tv]) as tf.Scalar, content, style, tv };
  };
}

function weightedSum(terms: tf.Tensor[], weight: number): tf.Scalar {
  return terms.length === 0 ? tf.scalar(0) : (tf.mul(tf.addN(terms), weight) as tf.Scalar);
}
