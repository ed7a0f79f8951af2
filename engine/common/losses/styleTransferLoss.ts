import * as tf from '@tensorflow/tfjs';
import { tidyMap, type FeatureMatching, type FeatureNetwork } from '../networks/featureNetwork.js';
import type { Pooling, StylizeSettings } from '../stylize/settings.js';
import { contentLoss } from './content.js';
import {
  disposeStyleTarget,
  styleRepresentation,
  type StyleRepresentationOps,
  type StyleTarget,
} from './styleRepresentation.js';
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

/** The settings a style-transfer loss reads: its layers, weights, pooling and style representation. */
export type LossSettings = Pick<
  StylizeSettings,
  | 'contentLayers'
  | 'styleLayers'
  | 'contentWeight'
  | 'styleWeight'
  | 'tvWeight'
  | 'pooling'
  | 'styleBlend'
  | 'styleRepr'
  | 'localRadius'
  | 'gramMix'
>;

/**
 * Computes the targets once per run — the photo's activations and the paintings' blended style
 * statistics — so that iterations only run the network on the image being optimised. The network
 * measures them where it runs fastest (`measure`: natively, on a native backend).
 */
export async function styleTransferTargets(
  network: FeatureNetwork,
  settings: LossSettings,
  contentInput: tf.Tensor4D,
  styleInputs: readonly tf.Tensor4D[],
): Promise<StyleTransferTargets> {
  const content = await contentTargets(network, settings, contentInput);
  const style = await measureStyleTargets(network, settings, styleInputs);
  return {
    content,
    style,
    dispose: () => {
      tf.dispose([...content.values()]);
      style.forEach(disposeStyleTarget);
    },
  };
}

/**
 * The photo's activations on each content layer (a tile of it, in a tiled optimisation, against the whole picture's
 * style targets).
 */
export function contentTargets(
  network: FeatureNetwork,
  settings: Pick<LossSettings, 'contentLayers' | 'pooling'>,
  contentInput: tf.Tensor4D,
): Promise<Map<string, tf.Tensor4D>> {
  return network.measure(contentInput, settings.contentLayers, settings.pooling);
}

/**
 * How a painting too large to measure in one piece is measured: at print sizes its activations alone
 * exceed wasm's heap (conv1_1 of a 4000×3000 painting is 3 GB). Tiles of at most `maxPixels` are each
 * measured with a `halo` of the painting around them, cut off again at every layer, so that features
 * near a tile's edge see what they would see in the whole painting: VGG-19's conv5_1 sees 98 px each way.
 */
export interface PaintingTiling {
  readonly maxPixels: number;
  /** A multiple of 32, so that VGG's pools keep whole cells. */
  readonly halo: number;
}

export const PAINTING_TILING: PaintingTiling = { maxPixels: 1024 * 1024, halo: 96 };

/** The paintings' blended style statistics on each style layer, measured one painting (or one tile of it) at a time. */
export async function measureStyleTargets(
  network: FeatureNetwork,
  settings: Omit<LossSettings, 'contentLayers'>,
  styleInputs: readonly tf.Tensor4D[],
  tiling = PAINTING_TILING,
): Promise<Map<string, StyleTarget>> {
  const representation = styleRepresentation(settings);
  const layers = styleLayersOf(settings);
  const perImage: Map<string, StyleTarget>[] = [];
  for (const input of styleInputs) {
    const [, height, width] = input.shape;
    const tiles = settings.styleRepr === 'gram' ? paintingTiles(height, width, tiling.maxPixels) : [];
    if (tiles.length <= 1) {
      perImage.push(paintingTargets(representation, await network.measure(input, layers, settings.pooling), layers));
      continue;
    }
    // A normalised Gram matrix is a mean over positions: the painting's is its tiles' weighted by their area.
    const perTile: Map<string, StyleTarget>[] = [];
    for (const tile of tiles)
      perTile.push(
        paintingTargets(
          representation,
          await measureTile(network, input, tile, tiling.halo, layers, settings.pooling),
          layers,
        ),
      );
    perImage.push(
      blendTargets(
        representation,
        perTile,
        layers,
        tiles.map((t) => (t.height * t.width) / (height * width)),
      ),
    );
  }
  return blendTargets(representation, perImage, layers, settings.styleBlend);
}

interface Region {
  readonly y: number;
  readonly x: number;
  readonly height: number;
  readonly width: number;
}

/** A tile's activations: measured on the tile and its halo, then cut to the tile at each layer's scale. */
async function measureTile(
  network: FeatureNetwork,
  input: tf.Tensor4D,
  tile: Region,
  halo: number,
  layers: readonly string[],
  pooling: Pooling,
): Promise<Map<string, tf.Tensor4D>> {
  const [, height, width] = input.shape;
  const y0 = Math.max(0, tile.y - halo);
  const x0 = Math.max(0, tile.x - halo);
  const y1 = Math.min(height, tile.y + tile.height + halo);
  const x1 = Math.min(width, tile.x + tile.width + halo);
  const piece = tf.slice(input, [0, y0, x0, 0], [1, y1 - y0, x1 - x0, -1]);
  const activations = await network.measure(piece, layers, pooling);
  piece.dispose();
  return new Map(
    [...activations].map(([layer, activation]) => {
      const [, h, w] = activation.shape;
      const scale = (length: number, full: number, size: number) => Math.max(1, Math.round((length * size) / full));
      const top = Math.round(((tile.y - y0) * h) / (y1 - y0));
      const left = Math.round(((tile.x - x0) * w) / (x1 - x0));
      const cut = tf.slice(
        activation,
        [0, top, left, 0],
        [1, Math.min(h - top, scale(tile.height, y1 - y0, h)), Math.min(w - left, scale(tile.width, x1 - x0, w)), -1],
      );
      activation.dispose();
      return [layer, cut];
    }),
  );
}

/**
 * Non-overlapping tiles of at most maxPixels covering a painting, as even as multiples of 32 allow
 * (VGG's pools then keep whole cells, and no last tile is too small for the deepest layer).
 */
function paintingTiles(height: number, width: number, maxPixels: number): Region[] {
  if (height * width <= maxPixels) return [{ y: 0, x: 0, height, width }];
  const side = Math.max(32, Math.floor(Math.sqrt(maxPixels) / 32) * 32);
  const spans = (length: number) => {
    const count = Math.ceil(length / side);
    const step = Math.ceil(length / count / 32) * 32;
    return Array.from({ length: count }, (_, i) => ({
      start: i * step,
      length: Math.min(step, length - i * step),
    })).filter((span) => span.length > 0);
  };
  return spans(height).flatMap((y) =>
    spans(width).map((x) => ({ y: y.start, x: x.start, height: y.length, width: x.length })),
  );
}

/**
 * The paintings' blended style statistics on each style layer, synchronously: what a style network's training matches
 * throughout.
 */
export function styleTargets(
  network: FeatureNetwork,
  settings: Omit<LossSettings, 'contentLayers'>,
  styleInputs: readonly tf.Tensor4D[],
): Map<string, StyleTarget> {
  const representation = styleRepresentation(settings);
  const layers = styleLayersOf(settings);
  const perImage = styleInputs.map((input) =>
    paintingTargets(
      representation,
      tidyMap(() => network.activations(input, layers, settings.pooling)),
      layers,
    ),
  );
  return blendTargets(representation, perImage, layers, settings.styleBlend);
}

function styleLayersOf(settings: Pick<LossSettings, 'styleLayers'>): string[] {
  return [...new Set(settings.styleLayers.map((l) => l.layer))];
}

/** One painting's statistics on each style layer from its activations there, which it disposes. */
function paintingTargets(
  representation: StyleRepresentationOps,
  activations: Map<string, tf.Tensor4D>,
  layers: readonly string[],
): Map<string, StyleTarget> {
  const kept: StyleTarget[] = [];
  tf.tidy(() => {
    for (const layer of layers) kept.push(representation.target(activations.get(layer)!));
    return kept.flatMap((target) => (target.gram ? [target.statistic, target.gram] : [target.statistic]));
  });
  tf.dispose([...activations.values()]);
  return new Map(layers.map((layer, i) => [layer, kept[i]]));
}

/** Each layer's statistics of several paintings mixed by their blend weights; disposes the per-painting ones. */
function blendTargets(
  representation: StyleRepresentationOps,
  perImage: readonly Map<string, StyleTarget>[],
  layers: readonly string[],
  blend: readonly number[],
): Map<string, StyleTarget> {
  const style = new Map(
    layers.map((layer) => [
      layer,
      representation.blend(
        perImage.map((targets) => targets.get(layer)!),
        blend,
      ),
    ]),
  );
  perImage.forEach((targets) => targets.forEach(disposeStyleTarget));
  return style;
}

/** A loss as a function of a network's activations at `layers` and of the image itself. */
export interface ActivationTerms {
  readonly layers: readonly string[];
  readonly pooling: Pooling;
  terms(activations: ReadonlyMap<string, tf.Tensor4D>, image: tf.Tensor4D): LossTerms<tf.Scalar>;
  /**
   * The content and style terms as targets to match, when they are Gatys et al.'s plain ones (Gram style): a native
   * network may compute them itself.
   */
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
  const matching: FeatureMatching | undefined =
    settings.styleRepr === 'gram'
      ? {
          content: settings.contentLayers.map((layer) => ({
            layer,
            target: targets.content.get(layer)!,
            weight: settings.contentWeight,
          })),
          gram: settings.styleLayers.map(({ layer, weight }) => ({
            layer,
            target: targets.style.get(layer)!.statistic as tf.Tensor2D,
            weight: weight * settings.styleWeight,
          })),
        }
      : undefined;
  return {
    layers,
    pooling: settings.pooling,
    matching,
    tvWeight: settings.tvWeight,
    terms: (activations, image) => {
      const content = weightedSum(
        settings.contentLayers.map((layer) => contentLoss(activations.get(layer)!, targets.content.get(layer)!)),
        settings.contentWeight,
      );
      const style = weightedSum(
        settings.styleLayers.map(({ layer, weight }) =>
          tf.mul(representation.loss(activations.get(layer)!, targets.style.get(layer)!), weight),
        ),
        settings.styleWeight,
      );
      const tv =
        settings.tvWeight > 0 ? (tf.mul(totalVariationLoss(image), settings.tvWeight) as tf.Scalar) : tf.scalar(0);
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
