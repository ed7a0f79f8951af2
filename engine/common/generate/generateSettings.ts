import { PasticheError } from '../errors.js';
import { VGG19 } from '../networks/vgg.js';
import {
  checkLossWeights,
  MAX_SIZE,
  NEURAL_STYLE_DEFAULTS,
  POOLINGS,
  checkOptimizer,
  defaultOptimizerSettings,
  recordedOptimizer,
  type LayerWeight,
  type OptimizerSettings,
  type Pooling,
} from '../stylize/settings.js';
import {
  knownFields,
  nonEmptyString,
  nonNegativeInteger,
  oneOf,
  positive,
  positiveInteger,
  record,
} from '../stylize/settingChecks.js';
import { resolveGenerator, type GivenGenerator, type GramGenerator } from './gramGenerator.js';

/**
 * Every hyper-parameter of a `generate` run (Nikulin & Novak 2016, §6): a style descent from noise
 * towards synthetic Gram targets, with no photo. What the run store records and what `generate` uses.
 */
export interface GenerateSettings {
  readonly network: string;
  /** Layers whose Gram matrices are driven to their targets, each with its weight wₗ. */
  readonly styleLayers: readonly LayerWeight[];
  /** β and γ of the loss β·Σ wₗ·Eₗ + γ·TV. */
  readonly styleWeight: number;
  readonly tvWeight: number;
  /**
   * `mimic`'s painting is measured at styleScale × the result's long side, as a stylization's paintings are resized.
   */
  readonly styleScale: number;
  readonly optimizer: OptimizerSettings;
  readonly iterations: number;
  /** The result's size in pixels: with no photo, nothing else gives its shape. */
  readonly width: number;
  readonly height: number;
  readonly pooling: Pooling;
  /** Store a preview every N iterations; 0 for none. */
  readonly previewEvery: number;
  /** How the targets are drawn, with the seed that draws them and the starting noise. */
  readonly generator: GramGenerator;
}

/** What a request gives: anything but the generator's kind may be left to the defaults. */
export type GivenGenerateSettings = Partial<Omit<GenerateSettings, 'generator'>> & {
  readonly generator: GivenGenerator;
};

/** neural-style's weights and layers, as a stylization starts from, at a size a texture shows at. */
export const GENERATE_DEFAULTS: Omit<GenerateSettings, 'generator' | 'optimizer'> = {
  network: NEURAL_STYLE_DEFAULTS.network,
  styleLayers: VGG19.defaultLayers.style.map((layer) => ({ layer, weight: 1 })),
  styleWeight: NEURAL_STYLE_DEFAULTS.styleWeight,
  tvWeight: NEURAL_STYLE_DEFAULTS.tvWeight,
  styleScale: 1,
  iterations: 500,
  width: 256,
  height: 256,
  pooling: NEURAL_STYLE_DEFAULTS.pooling,
  previewEvery: NEURAL_STYLE_DEFAULTS.previewEvery,
};

/**
 * Fills defaults and checks ranges, so a bad value is refused before any work or stored row, and
 * returns exactly the settings' fields. Layer names are checked against the network later. Targets re-drawn at every
 * iteration change the objective at every step: L-BFGS's curvature pairs (s, y) would then mix gradients of different
 * functions and its line search would compare losses of different functions, so such a run takes Adam, whose steps need
 * only the current gradient.
 */
export function resolveGenerateSettings(given: GivenGenerateSettings): GenerateSettings {
  const base = { ...GENERATE_DEFAULTS, ...knownFields(given, { ...GENERATE_DEFAULTS, optimizer: null }) };
  nonEmptyString('network', base.network);
  positiveInteger('width', base.width);
  positiveInteger('height', base.height);
  if (Math.max(base.width, base.height) > MAX_SIZE)
    throw new PasticheError(`must be at most ${MAX_SIZE} px a side, got ${base.width}×${base.height}`, 'size');
  nonNegativeInteger('iterations', base.iterations);
  nonNegativeInteger('preview-every', base.previewEvery);
  positive('style-scale', base.styleScale);
  // mimic's painting goes through the network at styleScale × the long side: no larger than MAX_SIZE either.
  if (longSide(base) * base.styleScale > MAX_SIZE)
    throw new PasticheError(`${base.styleScale} × ${longSide(base)} px is over ${MAX_SIZE} px`, 'style-scale');
  oneOf('pooling', base.pooling, POOLINGS);
  checkLossWeights(base);
  if (base.styleLayers.length === 0) throw new PasticheError('no style layers: nothing to generate', 'style-layers');
  record('generator', given.generator);
  const generator = resolveGenerator(
    given.generator,
    base.styleLayers.map((l) => l.layer),
  );
  const optimizer: OptimizerSettings = given.optimizer ?? defaultOptimizerSettings(generator.redraw ? 'adam' : 'lbfgs');
  checkOptimizer(optimizer);
  if (generator.redraw && optimizer.name === 'lbfgs') {
    throw new PasticheError(
      "targets re-drawn at every iteration change the objective at every step, which L-BFGS's curvature estimate " +
        'cannot follow; use adam',
      'optimizer',
    );
  }
  return {
    network: base.network,
    styleLayers: base.styleLayers.map(({ layer, weight }) => ({ layer, weight })),
    styleWeight: base.styleWeight,
    tvWeight: base.tvWeight,
    styleScale: base.styleScale,
    optimizer: recordedOptimizer(optimizer),
    iterations: base.iterations,
    width: base.width,
    height: base.height,
    pooling: base.pooling,
    previewEvery: base.previewEvery,
    generator,
  };
}

/** The result's long side: what a stylization calls its size. */
export function longSide(settings: Pick<GenerateSettings, 'width' | 'height'>): number {
  return Math.max(settings.width, settings.height);
}
