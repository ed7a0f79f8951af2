import { PasticheError } from '../errors.js';
import type { StylizeSettings } from './settings.js';

// The studio's one "Style strength" control. What shapes a picture is the ratio of the style weight β
// to the content weight α (Gatys et al. 2015, §3 and fig. 3: α/β from 10⁻⁵ to 10⁻² runs from texture to
// photo), not either weight alone, and equal ratios are equal steps. So the control is the logarithm
// of β/α, measured from the network's own default ratio: the middle is the network's balance on every
// network, whatever the scale of its features (Darknet's α and β are a million times VGG's).

export type LossWeights = Pick<StylizeSettings, 'contentWeight' | 'styleWeight'>;

export const MIN_STRENGTH = 0;
export const MAX_STRENGTH = 100;
/** The network's default ratio of style to content. */
export const DEFAULT_STRENGTH = 50;
/**
 * Decades of β/α on either side of the default that the control spans: ×0.01 to ×100, wider than
 * fig. 3's three decades, so that both a photo barely touched and a near texture are in reach.
 */
export const STRENGTH_DECADES = 2;
const PER_DECADE = (MAX_STRENGTH - DEFAULT_STRENGTH) / STRENGTH_DECADES;
/** Significant digits of a weight the control sets: the weight shown beside it is the weight stored. */
export const STRENGTH_WEIGHT_DIGITS = 3;

/**
 * Where `weights` put the control, given the network's default weights: clamped to the control's
 * ends; no style weight is its weakest end, no content weight its strongest.
 */
export function strengthOf(weights: LossWeights, defaults: LossWeights): number {
  checkWeights(weights, 'weights');
  checkWeights(defaults, 'network defaults', true);
  if (weights.styleWeight === 0) return MIN_STRENGTH;
  if (weights.contentWeight === 0) return MAX_STRENGTH;
  const decades = Math.log10(ratio(weights) / ratio(defaults));
  return clampStrength(DEFAULT_STRENGTH + decades * PER_DECADE);
}

/**
 * The weights at `strength` (clamped to the control's ends): the content weight stays, as the photo's
 * pull, and the style weight becomes α times the default ratio moved by the strength, to
 * STRENGTH_WEIGHT_DIGITS significant digits. Without a content weight the network's default α is used.
 */
export function weightsAtStrength(strength: number, weights: LossWeights, defaults: LossWeights): LossWeights {
  if (!Number.isFinite(strength)) throw new PasticheError(`must be a number, got ${strength}`, 'style strength');
  checkWeights(weights, 'weights');
  checkWeights(defaults, 'network defaults', true);
  const contentWeight = weights.contentWeight > 0 ? weights.contentWeight : defaults.contentWeight;
  const decades = (clampStrength(strength) - DEFAULT_STRENGTH) / PER_DECADE;
  const styleWeight = contentWeight * ratio(defaults) * 10 ** decades;
  return { contentWeight, styleWeight: Number(styleWeight.toPrecision(STRENGTH_WEIGHT_DIGITS)) };
}

export function clampStrength(strength: number): number {
  return Math.min(MAX_STRENGTH, Math.max(MIN_STRENGTH, strength));
}

function ratio(weights: LossWeights): number {
  return weights.styleWeight / weights.contentWeight;
}

/** Weights are finite and ≥ 0 (the engine's own check, settings.ts); a network's defaults are > 0. */
function checkWeights(weights: LossWeights, subject: string, positive = false): void {
  for (const [name, value] of Object.entries({ content: weights.contentWeight, style: weights.styleWeight })) {
    if (!Number.isFinite(value) || value < 0 || (positive && value === 0)) {
      throw new PasticheError(`the ${name} weight must be a number ${positive ? '>' : '≥'} 0, got ${value}`, subject);
    }
  }
}

/**
 * A weight as the control shows it beside itself: as it is between 10⁻³ and 10⁵, else as the papers
 * write it (7e8, 1e-4); either reads back as exactly the weight stored. No number is a dash.
 */
export function weightText(weight: number): string {
  // A field being typed holds no number yet (an empty one binds null): shown as a dash, not "NaN".
  if (typeof weight !== 'number' || !Number.isFinite(weight)) return '—';
  const magnitude = Math.abs(weight);
  if (weight === 0 || (magnitude >= 1e-3 && magnitude < 1e5)) return String(weight);
  return weight.toExponential().replace('e+', 'e');
}
