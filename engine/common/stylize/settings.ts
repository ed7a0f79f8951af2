import { PasticheError } from '../errors.js';
import { fitLongSide, type ImageSize } from '../image.js';
import { VGG19 } from '../networks/vgg.js';
import { checkSchedule, normalisedSchedule, type StylizeSchedule } from './schedule.js';
import {
  ADAM_EPSILON_RANGE,
  MAX_LBFGS_HISTORY,
  MAX_PIXEL_LEARNING_RATE,
  between,
  knownFields,
  lossWeight,
  nonEmptyString,
  nonNegativeInteger,
  numberList,
  oneOf,
  positive,
  positiveInteger,
  record,
  shownValue,
  stringList,
} from './settingChecks.js';

export { nonNegative, nonNegativeInteger, oneOf, positive, positiveInteger } from './settingChecks.js';

/**
 * The terms of the loss a run minimises, as recorded: in which network's features, on which layers,
 * and weighed how — α·content + β·Σ wₗ·Eₗ + γ·TV (Gatys et al. 2015, eq. 7; Johnson et al. 2016's
 * perceptual loss, eq. 2–5, with TV).
 */
export interface LossTermSettings {
  /** Catalogue name of the feature network (e.g. `vgg19-random`, `vgg19`). */
  readonly network: string;
  readonly contentLayers: readonly string[];
  readonly styleLayers: readonly LayerWeight[];
  readonly contentWeight: number;
  readonly styleWeight: number;
  readonly tvWeight: number;
}

/**
 * Every hyper-parameter of an optimisation run. This is exactly what the run store records and what
 * `stylize` uses: a run is reproducible from its settings, its images and its network.
 */
export interface StylizeSettings extends LossTermSettings {
  /** One weight per style image, normalised to sum to 1 (neural-style's -style_blend_weights). */
  readonly styleBlend: readonly number[];
  /** Style images are resized to styleScale × the content's long side (neural-style's -style_scale). */
  readonly styleScale: number;
  readonly init: InitMethod;
  readonly optimizer: OptimizerSettings;
  readonly iterations: number;
  /** Long side of the result in pixels. */
  readonly size: number;
  readonly seed: number;
  readonly pooling: Pooling;
  /**
   * Emit a preview image every N iterations (neural-style's -save_iter, 100); 0 for none. The store
   * keeps each, so a run that crashes still has its latest image. A schedule's stage results are
   * previews whatever N (scheduledStylize.ts): 0 turns off only the previews between them.
   */
  readonly previewEvery: number;
  /**
   * Whose colours the result has (Gatys et al. 2017): `none`, the painting's; `luminance`, the photo's,
   * by transferring style on luminance only; `histogram`, the photo's, by recolouring the painting
   * to the photo's colour statistics first.
   */
  readonly preserveColors: ColourPreservation;
  /**
   * What "style" is matched as (Nikulin & Novak 2016): `gram`, feature correlations anywhere in the
   * image (Gatys et al.); `spatial`, each map's autocorrelation, which keeps where patterns repeat
   * (§7); `local`, correlations of neighbouring features at each position, which keeps where the
   * style is (§9). The last two compare positions, so the paintings take the photo's exact size.
   */
  readonly styleRepr: StyleRepresentation;
  /** Window radius sˡ of the `local` representation, in feature positions; 0 is the pixel-wise Fᵢ ⊙ Fⱼ. */
  readonly localRadius: number;
  /** Share of the style loss still given to Gram matrices when `styleRepr` is spatial or local (0: none). */
  readonly gramMix: number;
  /**
   * Coarse-to-fine stages, some perhaps tiled (Gatys et al. 2017 §5): null optimises at `size` in one
   * piece for `iterations`, as every run did before print sizes.
   */
  readonly schedule: StylizeSchedule | null;
}

export type StyleRepresentation = 'gram' | 'spatial' | 'local';
export const STYLE_REPRESENTATIONS: readonly StyleRepresentation[] = ['gram', 'spatial', 'local'];
/** What each representation keeps of the painting, in words for people. */
export const STYLE_REPRESENTATION_LABELS: Readonly<Record<StyleRepresentation, string>> = {
  gram: 'Gram matrices (texture anywhere)',
  spatial: 'autocorrelation (texture and its spacing)',
  local: 'local correlations (texture where it is)',
};
/**
 * The representation with its parameters, as the CLI and the studio show a run ("local correlations …, radius 2, 30 %
 * Gram").
 */
export function styleRepresentationText(
  settings: Pick<StylizeSettings, 'styleRepr' | 'localRadius' | 'gramMix'>,
): string {
  const parts = [STYLE_REPRESENTATION_LABELS[settings.styleRepr]];
  if (settings.styleRepr === 'local') parts.push(`radius ${settings.localRadius}`);
  if (settings.styleRepr !== 'gram' && settings.gramMix > 0)
    parts.push(`${Math.round(settings.gramMix * 1000) / 10} % Gram`);
  return parts.join(', ');
}

/** Beyond this window radius the local representation costs more than it tells (its window sum grows as (2s+1)²). */
export const MAX_LOCAL_RADIUS = 8;

export type ColourPreservation = 'none' | 'luminance' | 'histogram';
export const COLOUR_PRESERVATIONS: readonly ColourPreservation[] = ['none', 'luminance', 'histogram'];
/** Whose colours each mode gives the result, in words for people. */
export const COLOUR_PRESERVATION_LABELS: Readonly<Record<ColourPreservation, string>> = {
  none: "the paintings'",
  luminance: "the photo's (style on luminance only)",
  histogram: "the photo's (paintings recoloured to it)",
};

export interface LayerWeight {
  readonly layer: string;
  readonly weight: number;
}

/** `image` starts from a file given alongside the settings (the run records which one). */
export type InitMethod = 'noise' | 'content' | 'style' | 'image';
export const INIT_METHODS: readonly InitMethod[] = ['noise', 'content', 'style', 'image'];

export type Pooling = 'max' | 'avg';
export const POOLINGS: readonly Pooling[] = ['max', 'avg'];

export type OptimizerSettings = LbfgsSettings | AdamSettings;
export interface LbfgsSettings {
  readonly name: 'lbfgs';
  /** Number of correction pairs kept (neural-style's -lbfgs_num_correction, 100 by default). */
  readonly historySize: number;
}
export interface AdamSettings {
  readonly name: 'adam';
  /** Step size on 0..255 pixel values (neural-style's -learning_rate 1e1). */
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}
export type OptimizerName = OptimizerSettings['name'];
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ['lbfgs', 'adam'];

/**
 * neural-style's defaults (Johnson, github.com/jcjohnson/neural-style), so that its well-known
 * settings and weights carry over unchanged.
 */
export const NEURAL_STYLE_DEFAULTS: StylizeSettings = {
  network: 'vgg19-random',
  contentLayers: [...VGG19.defaultLayers.content],
  styleLayers: VGG19.defaultLayers.style.map((layer) => ({ layer, weight: 1 })),
  contentWeight: 5,
  styleWeight: 100,
  tvWeight: 1e-3,
  styleBlend: [1],
  styleScale: 1,
  init: 'noise',
  optimizer: { name: 'lbfgs', historySize: 100 },
  iterations: 1000,
  size: 512,
  seed: 0,
  pooling: 'max',
  previewEvery: 100,
  preserveColors: 'none',
  styleRepr: 'gram',
  localRadius: 0,
  gramMix: 0,
  schedule: null,
};

/**
 * The size a painting is worked at. For Gram statistics, styleScale × the result's long side with
 * the painting's own aspect (neural-style's -style_scale); the spatial and local representations
 * compare positions, so there the painting takes the photo's exact size (Nikulin & Novak §7, §9).
 */
export function styleWorkingSize(
  settings: Pick<StylizeSettings, 'size' | 'styleScale' | 'styleRepr'>,
  painting: ImageSize,
  content: ImageSize,
): ImageSize & { readonly fit: 'inside' | 'cover' } {
  if (settings.styleRepr !== 'gram') return { width: content.width, height: content.height, fit: 'cover' };
  return { ...fitLongSide(painting.width, painting.height, styleLongSide(settings)), fit: 'inside' };
}

/**
 * The long side a painting is measured at for Gram statistics: styleScale × the result's (neural-style's -style_scale).
 */
export function styleLongSide(settings: Pick<StylizeSettings, 'size' | 'styleScale'>): number {
  return Math.max(1, Math.round(settings.size * settings.styleScale));
}

export function defaultOptimizerSettings(name: OptimizerName, learningRate?: number): OptimizerSettings {
  if (name === 'lbfgs') return { name, historySize: 100 };
  return { name, learningRate: learningRate ?? 10, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
}

/**
 * The longest side one optimisation may have. Memory grows with the pixels (about 3 GB at 512 px on
 * the wasm backend, measured), so beyond this no machine holds the network's activations.
 */
export const MAX_SIZE = 8192;

/**
 * Fills defaults and checks types and ranges, so a bad value is refused before any work or any stored
 * row; fields StylizeSettings does not have are left out. Layer names are checked later against the
 * chosen network, which alone knows its layers.
 */
export function resolveSettings(given: Partial<StylizeSettings>, styleCount = 1): StylizeSettings {
  const settings: StylizeSettings = { ...NEURAL_STYLE_DEFAULTS, ...knownFields(given, NEURAL_STYLE_DEFAULTS) };
  const blend = checkStyleBlend(
    settings.styleBlend === NEURAL_STYLE_DEFAULTS.styleBlend
      ? new Array<number>(styleCount).fill(1)
      : settings.styleBlend,
    styleCount,
  );
  nonEmptyString('network', settings.network);
  positiveInteger('size', settings.size);
  if (settings.size > MAX_SIZE) throw new PasticheError(`must be at most ${MAX_SIZE} px, got ${settings.size}`, 'size');
  nonNegativeInteger('iterations', settings.iterations);
  nonNegativeInteger('seed', settings.seed);
  nonNegativeInteger('preview-every', settings.previewEvery);
  checkLossWeights(settings);
  checkStyleScale(settings);
  oneOf('init', settings.init, INIT_METHODS);
  oneOf('pooling', settings.pooling, POOLINGS);
  oneOf('preserve-colors', settings.preserveColors, COLOUR_PRESERVATIONS);
  checkOptimizer(settings.optimizer);
  checkStyleRepresentation(settings);
  checkSettingsSchedule(settings);
  if (settings.contentLayers.length === 0 && settings.styleLayers.length === 0) {
    throw new PasticheError('no content layers and no style layers: nothing to optimise', 'layers');
  }
  return {
    ...settings,
    contentLayers: [...settings.contentLayers],
    styleLayers: settings.styleLayers.map(({ layer, weight }) => ({ layer, weight })),
    optimizer: recordedOptimizer(settings.optimizer),
    ...relevantStyleParameters(settings),
    styleBlend: blend,
    schedule: settings.schedule && normalisedSchedule(settings.schedule),
  };
}

/**
 * One weight per painting, each a loss weight, not all zero; normalised to sum to 1 (the sum stays finite: each is ≤
 * MAX_LOSS_WEIGHT).
 */
function checkStyleBlend(blend: unknown, styleCount: number): number[] {
  numberList('style-blend', blend);
  if (blend.length !== styleCount)
    throw new PasticheError(`${blend.length} blend weights given for ${styleCount} style images`, 'style-blend');
  blend.forEach((w) => lossWeight('style-blend', w));
  const weights = blend as number[];
  const sum = weights.reduce((a, b) => a + b, 0);
  if (!(sum > 0)) throw new PasticheError('blend weights must not all be zero', 'style-blend');
  return weights.map((w) => w / sum);
}

/** The paintings go through the network too: at styleScale × size they may not be larger than MAX_SIZE either. */
function checkStyleScale(settings: StylizeSettings): void {
  positive('style-scale', settings.styleScale);
  const side = settings.size * settings.styleScale;
  if (side > MAX_SIZE)
    throw new PasticheError(
      `${settings.styleScale} × ${settings.size} px makes paintings of ${Math.round(side)} px, over ${MAX_SIZE} px`,
      'style-scale',
    );
}

function checkStyleRepresentation(settings: StylizeSettings): void {
  oneOf('style-repr', settings.styleRepr, STYLE_REPRESENTATIONS);
  nonNegativeInteger('local-radius', settings.localRadius);
  if (settings.localRadius > MAX_LOCAL_RADIUS)
    throw new PasticheError(`must be at most ${MAX_LOCAL_RADIUS}, got ${settings.localRadius}`, 'local-radius');
  const { gramMix } = settings;
  if (!(typeof gramMix === 'number' && gramMix >= 0 && gramMix <= 1))
    throw new PasticheError(`must be between 0 and 1, got ${shownValue(gramMix)}`, 'gram-mix');
  if (settings.styleRepr !== 'gram' && settings.styleScale !== 1) {
    throw new PasticheError(
      `${settings.styleRepr} style compares the images position by position, so the ` +
        `paintings take the photo's size: style scale must be 1, got ${settings.styleScale}`,
      'style-scale',
    );
  }
}

/**
 * A schedule ends at the run's size with its iterations; tiles match Gram statistics, which do not depend on where a
 * pattern is.
 */
export function checkSettingsSchedule(settings: StylizeSettings): void {
  const { schedule } = settings;
  if (schedule === null) return;
  checkSchedule(schedule, settings.size, settings.iterations);
  if (settings.styleRepr !== 'gram' && schedule.stages.some((stage) => stage.tile)) {
    throw new PasticheError(
      `${settings.styleRepr} style compares positions across the whole picture, so ` +
        `it cannot be optimised in tiles: use Gram style or a size that fits in one piece`,
      'schedule',
    );
  }
}

/**
 * Parameters that do not apply to the chosen representation are stored at their defaults, so two
 * runs that computed the same thing never differ in their records (and in comparisons).
 */
function relevantStyleParameters(settings: StylizeSettings): Pick<StylizeSettings, 'localRadius' | 'gramMix'> {
  return {
    localRadius: settings.styleRepr === 'local' ? settings.localRadius : 0,
    gramMix: settings.styleRepr === 'gram' ? 0 : settings.gramMix,
  };
}

// Also generate's and train-style's: each error names the setting it refuses.
export function checkOptimizer(
  optimizer: unknown,
  maxLearningRate: number = MAX_PIXEL_LEARNING_RATE,
): asserts optimizer is OptimizerSettings {
  record('optimizer', optimizer);
  oneOf('optimizer', optimizer.name, OPTIMIZER_NAMES);
  if (optimizer.name === 'lbfgs') positiveInteger('lbfgs history', optimizer.historySize, MAX_LBFGS_HISTORY);
  else {
    positive('lr', optimizer.learningRate, maxLearningRate);
    [optimizer.beta1, optimizer.beta2].forEach((b) => {
      if (!(typeof b === 'number' && b >= 0 && b < 1))
        throw new PasticheError(`Adam's betas must be in [0, 1), got ${shownValue(b)}`, 'optimizer');
    });
    between('adam epsilon', optimizer.epsilon, ADAM_EPSILON_RANGE.min, ADAM_EPSILON_RANGE.max);
  }
}

/** Exactly the optimizer's own fields, as the run records them. */
export function recordedOptimizer<T extends OptimizerSettings>(optimizer: T): T {
  if (optimizer.name === 'lbfgs') return { name: optimizer.name, historySize: optimizer.historySize } as T;
  const { name, learningRate, beta1, beta2, epsilon } = optimizer as AdamSettings;
  return { name, learningRate, beta1, beta2, epsilon } as T;
}

/**
 * α, β, γ and every style layer's weight are loss weights (settingChecks.ts: at least 0, a term may be
 * switched off, never turned into a reward; at most MAX_LOSS_WEIGHT); the layers are lists of names.
 */
export function checkLossWeights(settings: {
  readonly styleWeight: unknown;
  readonly tvWeight: unknown;
  readonly styleLayers: unknown;
  readonly contentWeight?: unknown;
  readonly contentLayers?: unknown;
}): void {
  if (settings.contentWeight !== undefined) lossWeight('content-weight', settings.contentWeight);
  lossWeight('style-weight', settings.styleWeight);
  lossWeight('tv-weight', settings.tvWeight);
  if (settings.contentLayers !== undefined) stringList('content-layers', settings.contentLayers);
  checkLayerWeights(settings.styleLayers);
}

/** A list of { layer, weight } with a name and a loss weight each. */
export function checkLayerWeights(layers: unknown): asserts layers is LayerWeight[] {
  if (!Array.isArray(layers))
    throw new PasticheError(`must be a list of layers with weights, got ${shownValue(layers)}`, 'style-layers');
  for (const item of layers) {
    record('style-layers', item);
    nonEmptyString('style-layers', item.layer);
    lossWeight(`style-layer-weights (${item.layer})`, item.weight);
  }
}
