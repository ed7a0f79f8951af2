import { PasticheError } from '../errors.js';
import { flatLayers, type NetworkArchitecture } from '../networks/architecture.js';
import { defaultStyleLayers, weightsForNetwork } from '../stylize/presets.js';
import {
  MAX_SIZE,
  NEURAL_STYLE_DEFAULTS,
  POOLINGS,
  checkOptimizer,
  recordedOptimizer,
  checkLossWeights,
  type AdamSettings,
  type LossTermSettings,
  type Pooling,
} from '../stylize/settings.js';
import { knownFields, nonEmptyString, nonNegativeInteger, oneOf, positiveInteger } from '../stylize/settingChecks.js';

/**
 * Every hyper-parameter of a style network's training (Johnson et al. 2016, §3): the transformer
 * learns, over a folder of photos, to minimise the perceptual loss — content on a loss network's
 * layer, the painting's Gram matrices on several, total variation — with Adam. What the run store
 * records; with the photos and the painting, a training is reproducible from it.
 */
/** `network` is the loss network; each term of the loss is the mean of the batch's pictures'. */
export interface TrainStyleSettings extends LossTermSettings {
  /** Side of the square training pictures: each photo resized and centre-cropped to it. */
  readonly size: number;
  /** The painting's long side when its Gram matrices are measured (fast-neural-style's -style_image_size). */
  readonly styleSize: number;
  readonly batchSize: number;
  /** Passes over the photos; the steps are epochs × ⌊photos / batch⌋ unless `steps` stops earlier. */
  readonly epochs: number;
  /** Stop after this many steps (0: the epochs' whole length), for a training shorter than an epoch. */
  readonly steps: number;
  readonly optimizer: AdamSettings;
  /** Draws the initial weights and each epoch's order of the photos. */
  readonly seed: number;
  /** Keep a resumable checkpoint every N steps (and when stopped). */
  readonly checkpointEvery: number;
  /** Stylize the validation photo every N steps; 0 for none. */
  readonly previewEvery: number;
  readonly pooling: Pooling;
}

/** The photos a training learns from, as recorded: a resumed training must find the same ones. */
export interface TrainingPhotos {
  /** Absolute path of the folder. */
  readonly folder: string;
  readonly count: number;
  /** SHA-256 of their names in order, each followed by a line break. */
  readonly namesSha256: string;
}

/**
 * The recipe (lengstrom/fast-style-transfer, style.py): Adam at 1e-3, batches of 4, 2 epochs of
 * 256 px photos. Its weights do not carry over (its TV term is normalised otherwise), so the
 * defaults here are measured: see docs/fast-styles.md, "Training a style".
 */
export const TRAIN_STYLE_DEFAULTS: TrainStyleSettings = {
  network: NEURAL_STYLE_DEFAULTS.network,
  contentLayers: [...NEURAL_STYLE_DEFAULTS.contentLayers],
  styleLayers: [...NEURAL_STYLE_DEFAULTS.styleLayers],
  contentWeight: 7.5,
  styleWeight: 100,
  tvWeight: 2e-3,
  size: 256,
  styleSize: 256,
  batchSize: 4,
  epochs: 2,
  steps: 0,
  optimizer: { name: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  seed: 0,
  checkpointEvery: 100,
  previewEvery: 100,
  pooling: 'max',
};

/**
 * Adam moves every weight by about its learning rate at each step (Kingma & Ba 2015, §2.1); the
 * transformer's weights start well below 1, so a rate above 1 throws them out of range in one step.
 */
export const MAX_TRAINING_LEARNING_RATE = 1;

/**
 * Photos per step: each holds the loss network's activations for its picture (about 200 MB at
 * 256 px on VGG-19), so 64 is already 13 GB; the recipe takes 4.
 */
export const MAX_BATCH = 64;

/** Fills defaults and checks types and ranges before any work; layer names are checked against the network later. */
export function resolveTrainStyleSettings(given: Partial<TrainStyleSettings>): TrainStyleSettings {
  const settings: TrainStyleSettings = { ...TRAIN_STYLE_DEFAULTS, ...knownFields(given, TRAIN_STYLE_DEFAULTS) };
  nonEmptyString('network', settings.network);
  for (const [name, value] of [
    ['size', settings.size],
    ['style-size', settings.styleSize],
  ] as const) {
    positiveInteger(name, value);
    if (value > MAX_SIZE) throw new PasticheError(`must be at most ${MAX_SIZE} px, got ${value}`, name);
  }
  // The transformer halves the picture twice and doubles it back: other sides would come back resized.
  if (settings.size % 4 !== 0)
    throw new PasticheError(`must be a multiple of 4 (the network downsamples by 4), got ${settings.size}`, 'size');
  positiveInteger('batch', settings.batchSize, MAX_BATCH);
  positiveInteger('epochs', settings.epochs);
  nonNegativeInteger('steps', settings.steps);
  nonNegativeInteger('seed', settings.seed);
  positiveInteger('checkpoint-every', settings.checkpointEvery);
  nonNegativeInteger('preview-every', settings.previewEvery);
  oneOf('pooling', settings.pooling, POOLINGS);
  checkOptimizer(settings.optimizer, MAX_TRAINING_LEARNING_RATE);
  if (settings.optimizer.name !== 'adam')
    throw new PasticheError(`a style network is trained with adam, got '${settings.optimizer.name}'`, 'optimizer');
  checkLossWeights(settings);
  if (settings.contentLayers.length === 0)
    throw new PasticheError('a style network learns to keep the photo: give a content layer', 'content-layers');
  if (settings.styleLayers.length === 0)
    throw new PasticheError('a style network learns a painting: give style layers', 'style-layers');
  return {
    ...settings,
    contentLayers: [...settings.contentLayers],
    styleLayers: settings.styleLayers.map(({ layer, weight }) => ({ layer, weight })),
    optimizer: recordedOptimizer(settings.optimizer),
  };
}

/**
 * The settings a training records on a loss network: what is given, the network's own default
 * layers and weights for what is not, then TRAIN_STYLE_DEFAULTS; checked.
 */
export function trainStyleSettingsFor(
  given: Partial<TrainStyleSettings>,
  network: { architecture: NetworkArchitecture; layers: readonly string[] },
): TrainStyleSettings {
  knownFields(given, TRAIN_STYLE_DEFAULTS);
  const defaults =
    given.contentLayers && given.styleLayers ? null : trainingLayers(network.architecture, network.layers);
  const weights = trainingWeightsFor(network.architecture);
  return resolveTrainStyleSettings({
    ...given,
    contentLayers: given.contentLayers ?? defaults!.contentLayers,
    styleLayers: given.styleLayers ?? defaults!.styleLayers,
    contentWeight: given.contentWeight ?? weights.contentWeight,
    styleWeight: given.styleWeight ?? weights.styleWeight,
    styleSize: given.styleSize ?? given.size,
  });
}

/**
 * The layers a training uses by default on a network: the architecture's own split (the recipe's
 * on VGG-19: content relu4_2, style relu1_1 … relu5_1, which this engine names conv4_2, conv1_1 …)
 * where the network has it. A network holding only its first blocks keeps the style layers it has,
 * and takes for content the layer after the deepest of them (conv3_2 on VGG-19 blocks 1–3, as
 * conv4_2 follows conv4_1), or that style layer itself when nothing follows it.
 */
export function trainingLayers(
  architecture: NetworkArchitecture,
  available: readonly string[],
): Pick<TrainStyleSettings, 'contentLayers' | 'styleLayers'> {
  const { content, style } = architecture.defaultLayers;
  const styleLayers = defaultStyleLayers(architecture).filter(({ layer }) => available.includes(layer));
  if (styleLayers.length === 0)
    throw new PasticheError(
      `holds none of its default style layers (${style.join(', ')}); give --style-layers`,
      architecture.family,
    );
  const deepest = styleLayers.at(-1)!.layer;
  const following = available.slice(available.indexOf(deepest) + 1).find((layer) => isConvolution(architecture, layer));
  const contentLayers = content.every((layer) => available.includes(layer)) ? [...content] : [following ?? deepest];
  return { contentLayers, styleLayers };
}

/**
 * α and β a training starts from on this network: the defaults, scaled as the network's own
 * stylization weights are scaled from neural-style's where its features' size differs from VGG's
 * (Darknet Tiny's); TV is measured on pixels, the same for every network.
 */
export function trainingWeightsFor(
  architecture: NetworkArchitecture,
): Pick<TrainStyleSettings, 'contentWeight' | 'styleWeight'> {
  const own = weightsForNetwork(architecture);
  return {
    contentWeight: TRAIN_STYLE_DEFAULTS.contentWeight * (own.contentWeight / NEURAL_STYLE_DEFAULTS.contentWeight),
    styleWeight: TRAIN_STYLE_DEFAULTS.styleWeight * (own.styleWeight / NEURAL_STYLE_DEFAULTS.styleWeight),
  };
}

function isConvolution(architecture: NetworkArchitecture, layer: string): boolean {
  return flatLayers(architecture.layers).some((spec) => spec.name === layer && spec.kind === 'conv');
}
