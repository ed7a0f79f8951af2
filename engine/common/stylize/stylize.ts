import * as tf from '@tensorflow/tfjs';
import { PasticheError } from '../errors.js';
import type { RgbImage } from '../image.js';
import { imageToTensor } from '../imageTensor.js';
import { styleTransferTargets, styleTransferTerms } from '../losses/styleTransferLoss.js';
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
 * and its Gram statistics match the paintings' style.
 */
export async function stylize(given: StylizeRequest): Promise<DescentResult> {
  const { network, settings } = given;
  network.checkLayers([...settings.contentLayers, ...settings.styleLayers.map((l) => l.layer)]);
  const { finish, ...images } = preserveColours(settings.preserveColors, settings.init, given);
  const request = { ...given, ...images };
  const targets = await computeTargets(request);
  const start = initialImage(request);
  const image = tf.variable(start, true, undefined, 'float32') as tf.Variable<tf.Rank.R4>;
  start.dispose();
  const optimizer = makeOptimizer(settings.optimizer, image, lossObjective(network, styleTransferTerms(settings, targets)));
  try {
    return await descend({ ...request, image, optimizer, iterations: settings.iterations, previewEvery: settings.previewEvery, finish });
  } finally {
    optimizer.dispose();
    image.dispose();
    targets.dispose();
  }
}

/** The photo's activations and the paintings' style statistics for the request's settings (what a stylization and its loss checks compare with). */
export async function computeTargets(request: Pick<StylizeRequest, 'network' | 'settings' | 'content' | 'styles'>) {
  const { network, settings } = request;
  if (request.styles.length !== settings.styleBlend.length) {
    throw new PasticheError(`${request.styles.length} style images but ${settings.styleBlend.length} blend weights`, 'style');
  }
  const content = tf.tidy(() => network.preprocess(imageToTensor(request.content)));
  const styles = request.styles.map((style) => tf.tidy(() => network.preprocess(imageToTensor(style))));
  try {
    return await styleTransferTargets(network, settings, content, styles);
  } finally {
    tf.dispose([content, ...styles]);
  }
}

/**
 * The starting point in the network's input space: neural-style's noise, or a picture for `content`,
 * `style` and `image` (Nikulin & Novak 2016, §4 compare the three).
 */
function initialImage(request: StylizeRequest): tf.Tensor4D {
  const { content, settings, network } = request;
  return tf.tidy(() => {
    if (settings.init === 'noise') return noiseStart(network, content.height, content.width, settings.seed);
    if (settings.init === 'content') return network.preprocess(imageToTensor(content));
    const start = request.initImage;
    if (!start) throw new PasticheError(`init '${settings.init}' needs a starting image`, 'init');
    if (start.width !== content.width || start.height !== content.height) {
      throw new PasticheError(`starting image is ${start.width}×${start.height}, the content is ${content.width}×${content.height}`, 'init');
    }
    return network.preprocess(imageToTensor(start));
  });
}
