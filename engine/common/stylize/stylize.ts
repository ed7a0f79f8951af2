import * as tf from '@tensorflow/tfjs';
import { PasticheError } from '../errors.js';
import type { RgbImage } from '../image.js';
import { imageToTensor } from '../imageTensor.js';
import {
  contentTargets,
  measureStyleTargets,
  styleTransferTerms,
  type StyleTransferTargets,
} from '../losses/styleTransferLoss.js';
import { disposeStyleTarget, type StyleTarget } from '../losses/styleRepresentation.js';
import type { FeatureNetwork } from '../networks/featureNetwork.js';
import { preserveColours } from './colourPreservation.js';
import { descend, lossObjective, makeOptimizer, noiseStart, type DescentHooks, type DescentResult } from './descent.js';
import type { StylizeSettings } from './settings.js';

export interface StylizeRequest extends DescentHooks {
  readonly network: FeatureNetwork;
  readonly settings: StylizeSettings;
  /** The photo, already at the working size. */
  readonly content: RgbImage;
  /** One per entry of settings.styleBlend, each already at its working size (style scale applied). */
  readonly styles: readonly RgbImage[];
  /** The starting image for init `style` and `image`, at the content's exact size. */
  readonly initImage?: RgbImage;
}

/**
 * Optimisation-based style transfer (Gatys, Ecker & Bethge 2015): starting from noise, the photo or
 * a painting, descend on the pixels of an image until its deep features match the photo's content
 * and its Gram statistics match the paintings' style. One piece at one size; a schedule of sizes
 * and tiles is scheduledStylize.ts.
 */
export async function stylize(given: StylizeRequest): Promise<DescentResult> {
  const { network, settings } = given;
  checkStylizeLayers(network, settings);
  const { finish, ...images } = preserveColours(settings.preserveColors, settings.init, given);
  const request = { ...given, ...images };
  const style = await paintingTargets(network, settings, request.styles);
  try {
    return await stylizePiece({ ...given, content: request.content, style, start: initialImage(request), finish });
  } finally {
    style.forEach(disposeStyleTarget);
  }
}

export function checkStylizeLayers(network: FeatureNetwork, settings: StylizeSettings): void {
  network.checkLayers([...settings.contentLayers, ...settings.styleLayers.map((l) => l.layer)]);
}

/** A picture (or a tile of it) being optimised: its photo, the paintings' targets, where it starts. */
export interface PieceRequest extends DescentHooks {
  readonly network: FeatureNetwork;
  readonly settings: StylizeSettings;
  /** The photo (or its tile) as the optimisation sees it (colour preservation applied). */
  readonly content: RgbImage;
  /**
   * The paintings' blended style statistics per layer, computed once for the whole picture; the caller disposes them.
   */
  readonly style: ReadonlyMap<string, StyleTarget>;
  /** The starting point in the network's input space; taken over (disposed here). */
  readonly start: tf.Tensor4D;
  readonly finish?: (image: RgbImage) => RgbImage;
}

/**
 * The one place an image descends on the style-transfer loss, whole or a tile: the photo's targets
 * are computed here from `content`, the style targets come given (shared by every tile).
 */
export async function stylizePiece(piece: PieceRequest): Promise<DescentResult> {
  const { network, settings } = piece;
  const contentInput = tf.tidy(() => network.preprocess(imageToTensor(piece.content)));
  let content: Map<string, tf.Tensor4D>;
  try {
    content = await contentTargets(network, settings, contentInput);
  } finally {
    contentInput.dispose();
  }
  const targets: StyleTransferTargets = {
    content,
    style: piece.style,
    dispose: () => tf.dispose([...content.values()]),
  };
  const image = tf.variable(piece.start, true, undefined, 'float32') as tf.Variable<tf.Rank.R4>;
  piece.start.dispose();
  const optimizer = makeOptimizer(
    settings.optimizer,
    image,
    lossObjective(network, styleTransferTerms(settings, targets)),
  );
  try {
    return await descend({
      ...piece,
      image,
      optimizer,
      iterations: settings.iterations,
      previewEvery: settings.previewEvery,
      finish: piece.finish,
    });
  } finally {
    optimizer.dispose();
    image.dispose();
    targets.dispose();
  }
}

/** The paintings' blended style statistics on each style layer. */
export async function paintingTargets(
  network: FeatureNetwork,
  settings: StylizeSettings,
  paintings: readonly RgbImage[],
): Promise<Map<string, StyleTarget>> {
  if (paintings.length !== settings.styleBlend.length) {
    throw new PasticheError(
      `${paintings.length} style images but ${settings.styleBlend.length} blend weights`,
      'style',
    );
  }
  const inputs = paintings.map((style) => tf.tidy(() => network.preprocess(imageToTensor(style))));
  try {
    return await measureStyleTargets(network, settings, inputs);
  } finally {
    tf.dispose(inputs);
  }
}

/**
 * The photo's activations and the paintings' style statistics for the request's settings (what a stylization's loss
 * checks compare with).
 */
export async function computeTargets(
  request: Pick<StylizeRequest, 'network' | 'settings' | 'content' | 'styles'>,
): Promise<StyleTransferTargets> {
  const { network, settings } = request;
  const style = await paintingTargets(network, settings, request.styles);
  const contentInput = tf.tidy(() => network.preprocess(imageToTensor(request.content)));
  try {
    const content = await contentTargets(network, settings, contentInput);
    return {
      content,
      style,
      dispose: () => {
        tf.dispose([...content.values()]);
        style.forEach(disposeStyleTarget);
      },
    };
  } finally {
    contentInput.dispose();
  }
}

/**
 * The starting point in the network's input space: neural-style's noise, or a picture for `content`,
 * `style` and `image` (Nikulin & Novak 2016, §4 compare the three).
 */
export function initialImage(
  request: Pick<StylizeRequest, 'content' | 'settings' | 'network' | 'initImage'>,
): tf.Tensor4D {
  const { content, settings, network } = request;
  return tf.tidy(() => {
    if (settings.init === 'noise') return noiseStart(network, content.height, content.width, settings.seed);
    if (settings.init === 'content') return network.preprocess(imageToTensor(content));
    const start = request.initImage;
    if (!start) throw new PasticheError(`init '${settings.init}' needs a starting image`, 'init');
    if (start.width !== content.width || start.height !== content.height) {
      throw new PasticheError(
        `starting image is ${start.width}×${start.height}, the content is ${content.width}×${content.height}`,
        'init',
      );
    }
    return network.preprocess(imageToTensor(start));
  });
}
