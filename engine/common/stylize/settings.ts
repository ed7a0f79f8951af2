import { PasticheError } from '../errors.js';
import { VGG19 } from '../networks/vgg.js';

/**
 * Every hyper-parameter of an optimisation run. This is exactly what the run store records and what
 * `stylize` uses: a run is reproducible from its settings, its images and its network.
 */
export interface StylizeSettings {
  /** Catalogue name of the feature network (e.g. `vgg19-random`, `vgg19`). */
  readonly network: string;
  readonly contentLayers: readonly string[];
  readonly styleLayers: readonly LayerWeight[];
  /** α, β, γ of the total loss α·content + β·Σ wₗ·Eₗ + γ·TV. */
  readonly contentWeight: number;
  readonly styleWeight: number;
  readonly tvWeight: number;
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
   * keeps each, so a run that crashes still has its latest image.
   */
  readonly previewEvery: number;
  /**
   * Whose colours the result has (Gatys et al. 2017): `none`, the painting's; `luminance`, the photo's,
   * by transferring style on luminance only; `histogram`, the photo's, by recolouring the painting
   * to the photo's colour statistics first.
   */
  readonly preserveColors: ColourPreservation;
}

export type ColourPreservation = 'none' | 'luminance' | 'histogram';
export const COLOUR_PRESERVATIONS: readonly ColourPreservation[] = ['none', 'luminance', 'histogram'];
/** Whose colours each mode gives the result, in words for people. */
export const COLOUR_PRESERVATION_LABELS: Readonly<Record<ColourPreservation, string>> = {
  none: "the paintings'", luminance: "the photo's (style on luminance only)", histogram: "the photo's (paintings recoloured to it)",
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
};

/** The long side the paintings are resized to: styleScale × the result's (neural-style's -style_scale). */
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
 * Fills defaults and checks ranges, so a bad value is refused before any work or any stored row.
 * Layer names are checked later against the chosen network, which alone knows its layers.
 */
export function resolveSettings(given: Partial<StylizeSettings>, styleCount = 1): StylizeSettings {
  const defined = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
  const settings: StylizeSettings = { ...NEURAL_STYLE_DEFAULTS, ...defined };
  const blend = given.styleBlend ?? new Array<number>(styleCount).fill(1);
  if (blend.length !== styleCount) {
    throw new PasticheError(`${blend.length} blend weights given for ${styleCount} style images`, 'style-blend');
  }
  blend.forEach((w) => nonNegative('style-blend', w));
  const blendSum = blend.reduce((a, b) => a + b, 0);
  if (!(blendSum > 0)) throw new PasticheError('blend weights must not all be zero', 'style-blend');
  positiveInteger('size', settings.size);
  if (settings.size > MAX_SIZE) throw new PasticheError(`must be at most ${MAX_SIZE} px, got ${settings.size}`, 'size');
  nonNegativeInteger('iterations', settings.iterations);
  nonNegativeInteger('seed', settings.seed);
  nonNegativeInteger('preview-every', settings.previewEvery);
  nonNegative('content-weight', settings.contentWeight);
  nonNegative('style-weight', settings.styleWeight);
  nonNegative('tv-weight', settings.tvWeight);
  positive('style-scale', settings.styleScale);
  oneOf('init', settings.init, INIT_METHODS);
  oneOf('pooling', settings.pooling, POOLINGS);
  oneOf('preserve-colors', settings.preserveColors, COLOUR_PRESERVATIONS);
  checkOptimizer(settings.optimizer);
  if (settings.contentLayers.length === 0 && settings.styleLayers.length === 0) {
    throw new PasticheError('no content layers and no style layers: nothing to optimise', 'layers');
  }
  settings.styleLayers.forEach((l) => nonNegative(`style-layer-weights (${l.layer})`, l.weight));
  return { ...settings, styleBlend: blend.map((w) => w / blendSum) };
}

// Range checks, also generate's (generate/generateSettings.ts): each error names the setting it refuses.
export function checkOptimizer(optimizer: OptimizerSettings): void {
  oneOf('optimizer', optimizer.name, OPTIMIZER_NAMES);
  if (optimizer.name === 'lbfgs') positiveInteger('lbfgs history', optimizer.historySize);
  else {
    positive('lr', optimizer.learningRate);
    [optimizer.beta1, optimizer.beta2].forEach((b) => {
      if (!(b >= 0 && b < 1)) throw new PasticheError(`Adam's betas must be in [0, 1), got ${b}`, 'optimizer');
    });
    positive('adam epsilon', optimizer.epsilon);
  }
}

export function positive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) throw new PasticheError(`must be a positive number, got ${value}`, name);
}
export function nonNegative(name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) throw new PasticheError(`must be a number ≥ 0, got ${value}`, name);
}
export function positiveInteger(name: string, value: number): void {
  if (!(Number.isInteger(value) && value > 0)) throw new PasticheError(`must be a whole number > 0, got ${value}`, name);
}
export function nonNegativeInteger(name: string, value: number): void {
  if (!(Number.isInteger(value) && value >= 0)) throw new PasticheError(`must be a whole number ≥ 0, got ${value}`, name);
}
export function oneOf<T extends string>(name: string, value: T, allowed: readonly T[]): void {
  if (!allowed.includes(value)) throw new PasticheError(`must be one of ${allowed.join(', ')}, got '${value}'`, name);
}
