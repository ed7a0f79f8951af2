import * as tf from '@tensorflow/tfjs';
import { PasticheError } from '../errors.js';
import type { RgbImage } from '../image.js';
import { imageToTensor } from '../imageTensor.js';
import { gramMatrix } from '../losses/style.js';
import { disposeStyleTarget, type StyleTarget } from '../losses/styleRepresentation.js';
import { styleTransferTerms, type StyleTransferTargets } from '../losses/styleTransferLoss.js';
import { layerChannels } from '../networks/architecture.js';
import type { FeatureNetwork } from '../networks/featureNetwork.js';
import {
  descend,
  lossObjective,
  makeOptimizer,
  noiseStart,
  type DescentHooks,
  type DescentResult,
} from '../stylize/descent.js';
import type { GenerateSettings } from './generateSettings.js';
import { checkEntry, needsPainting, type GramGenerator } from './gramGenerator.js';
import { measureGramStatistics, type SquareMatrix } from './gramStatistics.js';
import { gramTargets, type TargetLayer } from './syntheticGrams.js';

export interface GenerateRequest extends DescentHooks {
  readonly network: FeatureNetwork;
  readonly settings: GenerateSettings;
  /** `mimic`'s painting, already at its working size (style scale applied). */
  readonly painting?: RgbImage;
}

/**
 * The starting noise's deviation, in 0..255 pixel units. Texture synthesis starts from white noise
 * (Gatys et al. 2015, texture paper §2): neural-style's nearly flat 0.001 leaves most features dead
 * (zero after ReLU), and a target on a dead feature has no gradient, so generation never leaves the
 * flat start — measured: a single conv2_1 entry stayed at its starting loss for 40 iterations.
 */
export const GENERATION_NOISE_SIGMA = 32;

/**
 * Style without content (Nikulin & Novak 2016, §6): starting from noise, descend on an image's pixels
 * until its Gram matrices match synthetic targets, β·Σ wₗ·Eₗ + γ·TV with stylization's own loss and
 * no content term.
 */
export async function generate(request: GenerateRequest): Promise<DescentResult> {
  const { network, settings } = request;
  const styleLayers = settings.styleLayers.map((l) => l.layer);
  network.checkLayers(styleLayers);
  checkEntry(settings.generator, (layer) => layerChannels(network.architecture, layer));
  const targets = targetSchedule(settings.generator, targetLayers(request));
  const start = noiseStart(network, settings.height, settings.width, settings.generator.seed, GENERATION_NOISE_SIGMA);
  const image = tf.variable(start, true, undefined, 'float32') as tf.Variable<tf.Rank.R4>;
  start.dispose();
  const lossSettings = {
    ...settings,
    contentLayers: [],
    contentWeight: 0,
    styleBlend: [],
    styleRepr: 'gram' as const,
    localRadius: 0,
    gramMix: 0,
  };
  // The targets are re-drawn as the iterations go (beforeStep), so the terms are made from the current ones.
  const { layers, pooling } = styleTransferTerms(lossSettings, targets.current());
  const objective = lossObjective(network, {
    layers,
    pooling,
    tvWeight: settings.tvWeight,
    terms: (activations, input) => styleTransferTerms(lossSettings, targets.current()).terms(activations, input),
  });
  const optimizer = makeOptimizer(settings.optimizer, image, objective);
  try {
    return await descend({
      ...request,
      image,
      optimizer,
      iterations: settings.iterations,
      previewEvery: settings.previewEvery,
      beforeStep: (iteration) => targets.drawFor(iteration),
    });
  } finally {
    optimizer.dispose();
    image.dispose();
    targets.dispose();
  }
}

/** Each style layer's size and, for `mimic`, the painting's statistics there. */
function targetLayers({ network, settings, painting }: GenerateRequest): TargetLayer[] {
  const layers = settings.styleLayers.map(({ layer }) => ({
    layer,
    channels: layerChannels(network.architecture, layer),
  }));
  if (!needsPainting(settings.generator)) return layers;
  if (!painting) throw new PasticheError('mimic measures a painting, and none was given', 'style');
  const statistics = measureGramStatistics(paintingGrams(network, settings, painting));
  return layers.map((target) => ({ ...target, statistics: statistics.get(target.layer) }));
}

function paintingGrams(
  network: FeatureNetwork,
  settings: GenerateSettings,
  painting: RgbImage,
): Map<string, SquareMatrix> {
  const layers = settings.styleLayers.map((l) => l.layer);
  const grams = new Map<string, SquareMatrix>();
  tf.tidy(() => {
    const activations = network.activations(network.preprocess(imageToTensor(painting)), layers, settings.pooling);
    for (const layer of layers) {
      const gram = gramMatrix(activations.get(layer)!);
      grams.set(layer, { size: gram.shape[0], values: gram.dataSync() as Float32Array });
    }
  });
  return grams;
}

/**
 * The targets of the iteration under way, as tensors. Re-drawn targets are replaced before each
 * step; with Adam (the only optimiser such runs take), step t thus moves along the gradient
 * towards iteration t − 1's targets and reports the loss against iteration t's.
 */
function targetSchedule(generator: GramGenerator, layers: readonly TargetLayer[]) {
  let current = asTensors(gramTargets(generator, layers, 0));
  return {
    current: () => current,
    drawFor(iteration: number) {
      if (!generator.redraw) return;
      current.dispose();
      current = asTensors(gramTargets(generator, layers, iteration));
    },
    dispose: () => current.dispose(),
  };
}

function asTensors(matrices: ReadonlyMap<string, SquareMatrix>): StyleTransferTargets {
  const style = new Map(
    [...matrices].map(([layer, { size, values }]): [string, StyleTarget] => [
      layer,
      { statistic: tf.tensor2d(values, [size, size]), gram: null },
    ]),
  );
  return { content: new Map(), style, dispose: () => style.forEach(disposeStyleTarget) };
}
