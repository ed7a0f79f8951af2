import { PasticheError } from '../errors.js';
import { nonEmptyString, nonNegativeInteger, positive, record, stringList } from '../stylize/settingChecks.js';

/**
 * How the synthetic Gram targets of a `generate` run are drawn (Nikulin & Novak 2016, "Exploring the
 * Neural Algorithm of Artistic Style", §6): a style is invented instead of measured from a painting,
 * and the image descends from noise towards it. Every style layer of the run has a target; the layers
 * a generator does not name have zero targets.
 *
 * Amplitudes are in the units of `gramMatrix` (losses/style.ts): Gatys et al.'s Gᵢⱼ = Σₖ FᵢₖFⱼₖ
 * divided by C·H·W, as neural-style's style loss divides it. An amplitude A is thus A·C·H·W in eq. 3's
 * unnormalised units, and asks for the same mean correlation per position at any image size.
 *
 * Targets are symmetric: a Gram matrix is, so a non-symmetric target would only be matched through
 * its symmetric part ((T + Tᵀ)/2, the loss's minimiser), and the recorded amplitude would not be the
 * one the image is pushed towards.
 */
export type GramGenerator = SingleEntryGenerator | SparseGenerator | MimicGenerator;
export type GeneratorKind = GramGenerator['kind'];
export const GENERATOR_KINDS: readonly GeneratorKind[] = ['single', 'sparse', 'mimic'];

interface GeneratorBase {
  /** Draws every random choice, and the starting noise: the same seed gives the same run, bit for bit. */
  readonly seed: number;
  /** Draws new targets at every iteration instead of once at the start (§6 tries both). */
  readonly redraw: boolean;
}

/**
 * §6's first experiment: every target zero but one entry of one layer's Gram matrix, to see what that entry stands for.
 */
export interface SingleEntryGenerator extends GeneratorBase {
  readonly kind: 'single';
  readonly layer: string;
  /** The entry set (with its mirror entry); null: drawn from the seed, anew at every iteration when redrawing. */
  readonly entry: GramEntry | null;
  readonly amplitude: number;
}

export interface GramEntry {
  readonly row: number;
  readonly column: number;
}

/**
 * §6's random targets: on each chosen layer a matrix of absolute Gaussian values, amplitude·|N(0, 1)|
 * (non-negative like the Gram matrix of ReLU features), where a random 0/1 mask zeroes a `sparsity`
 * fraction of the entries. One layer is a single random matrix; several are figure 7's layer sets
 * ({1,2,4}, {1,2,3}, {1,4}, {1,2,5}: conv1_1 … conv5_1).
 */
export interface SparseGenerator extends GeneratorBase {
  readonly kind: 'sparse';
  readonly layers: readonly string[];
  readonly amplitude: number;
  /** The fraction of entries that are zero, in [0, 1). */
  readonly sparsity: number;
}

/**
 * §6's last experiment: random targets as above on every style layer, with each layer's sparsity and
 * amplitude measured from a painting's Gram matrices (the run's one style image), so the invented
 * style has the painting's statistics but none of its actual correlations.
 */
export interface MimicGenerator extends GeneratorBase {
  readonly kind: 'mimic';
}

/** A generator as a request gives it: its kind, and anything else left to the defaults. */
export type GivenGenerator = {
  [K in GeneratorKind]: Partial<Extract<GramGenerator, { kind: K }>> & { readonly kind: K };
}[GeneratorKind];

/**
 * In gramMatrix's units, of the order of a random VGG-19's Gram entries on a picture (conv1_1 up to
 * ~160, conv2_1 up to ~2600, measured at 64 px): large enough to dominate what noise gives.
 */
export const DEFAULT_AMPLITUDE = 100;
export const DEFAULT_SPARSITY = 0.9;
/**
 * The loss is the mean of (G − target)², of the order of amplitude²: 1e8 keeps it within the 1e16 that MAX_LOSS_WEIGHT
 * allows for.
 */
export const MAX_AMPLITUDE = 1e8;

/**
 * Fills defaults and checks the generator against the run's style layers, refusing what cannot be
 * drawn before any work or stored row. Returns a new object holding exactly the generator's fields,
 * so what the store records is what the run used. Entries are checked against a layer's channels
 * later, by `checkEntry`, where the network is known.
 */
export function resolveGenerator(given: GivenGenerator, styleLayers: readonly string[]): GramGenerator {
  const seed = given.seed ?? 0;
  const redraw = given.redraw ?? false;
  nonNegativeInteger('seed', seed);
  if (typeof redraw !== 'boolean') throw new PasticheError(`must be true or false, got ${String(redraw)}`, 'redraw');
  switch (given.kind) {
    case 'single': {
      const layer = given.layer ?? styleLayers[0];
      const entry = given.entry ?? null;
      const amplitude = given.amplitude ?? DEFAULT_AMPLITUDE;
      nonEmptyString('layer', layer);
      requireStyleLayers('layer', [layer], styleLayers);
      if (entry) {
        record('entry', entry);
        nonNegativeInteger('entry row', entry.row);
        nonNegativeInteger('entry column', entry.column);
      }
      if (entry && redraw)
        throw new PasticheError('re-draws the entry at each iteration, so no entry may be given', 'redraw');
      positive('amplitude', amplitude, MAX_AMPLITUDE);
      return {
        kind: 'single',
        seed,
        redraw,
        layer,
        entry: entry && { row: entry.row, column: entry.column },
        amplitude,
      };
    }
    case 'sparse': {
      const layers = given.layers ?? styleLayers.slice(0, 1);
      stringList('layers', layers);
      const amplitude = given.amplitude ?? DEFAULT_AMPLITUDE;
      const sparsity = given.sparsity ?? DEFAULT_SPARSITY;
      requireStyleLayers('layers', layers, styleLayers);
      if (new Set(layers).size !== layers.length)
        throw new PasticheError(`names a layer twice: ${layers.join(', ')}`, 'layers');
      positive('amplitude', amplitude, MAX_AMPLITUDE);
      if (!(typeof sparsity === 'number' && sparsity >= 0 && sparsity < 1))
        throw new PasticheError(`must be in [0, 1), got ${sparsity}`, 'sparsity');
      return { kind: 'sparse', seed, redraw, layers: [...layers], amplitude, sparsity };
    }
    case 'mimic':
      return { kind: 'mimic', seed, redraw };
    default:
      throw new PasticheError(
        `must be one of ${GENERATOR_KINDS.join(', ')}, got '${(given as { kind: unknown }).kind}'`,
        'generator',
      );
  }
}

/** Refuses an entry outside a layer of `channels` feature maps. */
export function checkEntry(generator: GramGenerator, channels: (layer: string) => number): void {
  if (generator.kind !== 'single' || !generator.entry) return;
  const size = channels(generator.layer);
  const { row, column } = generator.entry;
  if (row >= size || column >= size) {
    throw new PasticheError(`(${row}, ${column}) is outside ${generator.layer}'s ${size}×${size} Gram matrix`, 'entry');
  }
}

/** Whether the run's painting is an input: only `mimic` reads one. */
export function needsPainting(generator: GramGenerator): boolean {
  return generator.kind === 'mimic';
}

/** The generator's parameters as people read them, one (name, value) pair each, for the CLI and the studio. */
export function generatorParameters(generator: GramGenerator): Array<[string, string]> {
  const redraw: [string, string] = ['targets', generator.redraw ? 're-drawn at every iteration' : 'drawn once'];
  const seed: [string, string] = ['seed', String(generator.seed)];
  switch (generator.kind) {
    case 'single': {
      const entry = generator.entry ? `(${generator.entry.row}, ${generator.entry.column})` : 'drawn from the seed';
      return [
        ['generator', 'single entry'],
        ['layer', generator.layer],
        ['entry', entry],
        ['amplitude', String(generator.amplitude)],
        redraw,
        seed,
      ];
    }
    case 'sparse':
      return [
        ['generator', 'sparse random'],
        ['layers', generator.layers.join(', ')],
        ['amplitude', String(generator.amplitude)],
        ['sparsity', String(generator.sparsity)],
        redraw,
        seed,
      ];
    case 'mimic':
      return [['generator', "the painting's Gram statistics"], redraw, seed];
  }
}

function requireStyleLayers(option: string, layers: readonly string[], styleLayers: readonly string[]): void {
  if (layers.length === 0) throw new PasticheError('must name at least one layer', option);
  const missing = layers.find((layer) => !styleLayers.includes(layer));
  if (missing !== undefined) {
    throw new PasticheError(
      `'${missing}' is not one of the run's style layers (${styleLayers.join(', ')}), whose targets are what the run ` +
        `matches`,
      option,
    );
  }
}
