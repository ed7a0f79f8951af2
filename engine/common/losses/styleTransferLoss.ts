import * as tf from '@tensorflow/tfjs';
import { tidyMap, type FeatureMatching, type FeatureNetwork } from '../networks/featureNetwork.js';
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
 * statistics — so that iterations only run the network on the image being optimised. The network
 * measures them where it runs fastest (`measure`: natively, on a native backend).
 */
export async function styleTransferTargets(network: FeatureNetwork, settings: LossSettings, contentInput: tf.Tensor4D, styleInputs: readonly tf.Tensor4D[]): Promise<StyleTransferTargets> {
  const content = await contentTargets(network, settings, contentInput);
  const style = await measureStyleTargets(network, settings, styleInputs);
  return { content, style, dispose: () => { tf.dispose([...content.values()]); style.forEach(disposeStyleTarget); } };
}

/** The photo's activations on each content layer (a tile of it, in a tiled optimisation, against the whole picture's style targets). */
export function contentTargets(network: FeatureNetwork, settings: Pick<LossSettings, 'contentLayers' | 'pooling'>, contentInput: tf.Tensor4D): Promise<Map<string, tf.Tensor4D>> {
  return network.measure(contentInput, settings.contentLayers, settings.pooling);
}

/** The paintings' blended style statistics on each style layer, measured one painting at a time. */
export async function measureStyleTargets(network: FeatureNetwork, settings: Omit<LossSettings, 'contentLayers'>, styleInputs: readonly tf.Tensor4D[]): Promise<Map<string, StyleTarget>> {
  const representation = styleRepresentation(settings);
  const layers = styleLayersOf(settings);
  const perImage: Map<string, StyleTarget>[] = [];
  for (const input of styleInputs) perImage.push(paintingTargets(representation, await network.measure(input, layers, settings.pooling), layers));
  return blendTargets(representation, perImage, layers, settings.styleBlend);
}

/** The paintings' blended style statistics on each style layer, synchronously: what a style network's training matches throughout. */
export function styleTargets(network: FeatureNetwork, settings: Omit<LossSettings, 'contentLayers'>, styleInputs: readonly tf.Tensor4D[]): Map<string, StyleTarget> {
  const representation = styleRepresentation(settings);
  const layers = styleLayersOf(settings);
  const perImage = styleInputs.map((input) => paintingTargets(representation, tidyMap(() => network.activations(input, layers, settings.pooling)), layers));
  return blendTargets(representation, perImage, layers, settings.styleBlend);
}

function styleLayersOf(settings: Pick<LossSettings, 'styleLayers'>): string[] {
  return [...new Set(settings.styleLayers.map((l) => l.layer))];
}

/** One painting's statistics on each style layer from its activations there, which it disposes. */
function paintingTargets(representation: StyleRepresentationOps, activations: Map<string, tf.Tensor4D>, layers: readonly string[]): Map<string, StyleTarget> {
  const kept: StyleTarget[] = [];
  tf.tidy(() => {
    for (const layer of layers) kept.push(representation.target(activations.get(layer)!));
    return kept.flatMap((target) => (target.gram ? [target.statistic, target.gram] : [target.statistic]));
  });
  tf.dispose([...activations.values()]);
  return new Map(layers.map((layer, i) => [layer, kept[i]]));
}

/** Each layer's statistics of several paintings mixed by their blend weights; disposes the per-painting ones. */
function blendTargets(representation: StyleRepresentationOps, perImage: readonly Map<string, StyleTarget>[], layers: readonly string[], blend: readonly number[]): Map<string, StyleTarget> {
  const style = new Map(layers.map((layer) => [layer, representation.blend(perImage.map((targets) => targets.get(layer)!), blend)]));
  perImage.forEach((targets) => targets.forEach(disposeStyleTarget));
  return style;
}

/** A loss as a function of a network's activations at `layers` and of the image itself. */
export interface ActivationTerms {
  readonly layers: readonly string[];
  readonly pooling: Pooling;
  terms(activations: ReadonlyMap<string, tf.Tensor4D>, image: tf.Tensor4D): LossTerms<tf.Scalar>;
  /** The content and style terms as targets to match, when they are Gatys et al.'s plain ones (Gram style): a native network may compute them itself. */
  readonly matching?: FeatureMatching;
  readonly tvWeight: number;
}

/**
 * The total loss of Gatys et al. 2015 (eq. 7) with a smoothness term:
 * L = α·Σ_content Lc + β·Σ_style wₗ·Eₗ + γ·TV, evaluated in the network's input space. On a batch
 * (a style network's training, whose content targets are each photo's activations) every term is
 * the mean of each picture's: Johnson et al.'s perceptual loss (2016, eq. 2–5).
 */
export function styleTransferTerms(settings: LossSettings, targets: StyleTransferTargets): ActivationTerms {
  const representation = styleRepresentation(settings);
  const layers = [...new Set([...settings.contentLayers, ...settings.styleLayers.map((l) => l.layer)])];
  const matching: FeatureMatching | undefined = settings.styleRepr === 'gram'
    ? {
      content: settings.contentLayers.map((layer) => ({ layer, target: targets.content.get(layer)!, weight: settings.contentWeight })),
      gram: settings.styleLayers.map(({ layer, weight }) => ({ layer, target: targets.style.get(layer)!.statistic as tf.Tensor2D, weight: weight * settings.styleWeight })),
    }
    : undefined;
  return {
    layers,
    pooling: settings.pooling,
    matching,
    tvWeight: settings.tvWeight,
    terms: (activations, image) => {
      const content = weightedSum(settings.contentLayers.map((layer) => contentLoss(activations.get(layer)!, targets.content.get(layer)!)), settings.contentWeight);
      const style = weightedSum(settings.styleLayers.map(({ layer, weight }) => tf.mul(representation.loss(activations.get(layer)!, targets.style.get(layer)!), weight)), settings.styleWeight);
      const tv = settings.tvWeight > 0 ? tf.mul(totalVariationLoss(image), settings.tvWeight) as tf.Scalar : tf.scalar(0);
      return { total: tf.addN([content, style, tv]) as tf.Scalar, content, style, tv };
    },
  };
}

/** styleTransferTerms as a function of the image alone, running the network on it. */
export function styleTransferLoss(network: FeatureNetwork, settings: LossSettings, targets: StyleTransferTargets) {
  const { layers, pooling, terms } = styleTransferTerms(settings, targets);
  return (image: tf.Tensor4D): LossTerms<tf.Scalar> => terms(network.activations(image, layers, pooling), image);
}

function weightedSum(terms: tf.Tensor[], weight: number): tf.Scalar {
  return terms.length === 0 ? tf.scalar(0) : (tf.mul(tf.addN(terms), weight) as tf.Scalar);
}
