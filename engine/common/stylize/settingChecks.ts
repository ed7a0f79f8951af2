import { PasticheError } from '../errors.js';

// The checks every run's settings go through (stylize, generate, fast, train-style): each refuses a
// value of the wrong type, not finite or out of range in one line naming the setting, so a setting
// from a hostile request or a careless file is refused before any work or any stored row.

/**
 * The largest weight a loss term may have (α, β, γ, a style layer's or a painting's weight). The
 * terms are means of squared differences of Gram matrices or features normalised by their size, on
 * activations of 0..255 pictures that stay below ~1e4, so a term stays below ~1e16; 1e12 times that
 * is 1e28, ten orders under float32's largest number (3.4e38): room for the sums over layers and the
 * batch and for the gradient's factors. Above it a loss can overflow to Infinity and the run ends NaN.
 */
export const MAX_LOSS_WEIGHT = 1e12;

/**
 * Adam's steps are about its learning rate in size whatever the gradient (Kingma & Ba 2015, §2.1):
 * on pixels of 0..255 a step over 255 crosses the whole range, so no larger rate can help.
 */
export const MAX_PIXEL_LEARNING_RATE = 255;

/** Adam's ε is added to √v (float32); below 1e-12 it vanishes beside √v's rounding, above 1 it drowns √v itself. */
export const ADAM_EPSILON_RANGE = { min: 1e-12, max: 1 } as const;

/** L-BFGS keeps 2 × history pictures of floats: 1000 at 512 px is 6 GB, beyond any backend's memory. */
export const MAX_LBFGS_HISTORY = 1000;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as a refusal shows it: on one line and short, whatever it is. */
export function shownValue(value: unknown): string {
  const text =
    typeof value === 'string'
      ? `'${value}'`
      : typeof value === 'number'
        ? String(value)
        : (JSON.stringify(value) ?? String(value));
  const line = text.replace(/[\r\n]+/g, ' ');
  return line.length > 60 ? `${line.slice(0, 57)}…` : line;
}

/** A finite number of the kind `what` says (`valid`), at most `max`: each refusal says which it is not. */
function checkNumber(
  name: string,
  value: unknown,
  what: string,
  valid: (n: number) => boolean,
  max: number,
): asserts value is number {
  if (!(typeof value === 'number' && Number.isFinite(value) && valid(value)))
    throw new PasticheError(`must be ${what}, got ${shownValue(value)}`, name);
  if (value > max) throw new PasticheError(`must be at most ${max}, got ${value}`, name);
}

// Counts and seeds are whole numbers float64 holds exactly (up to 2⁵³ − 1), so they are counted and stored exactly.
export function positive(name: string, value: unknown, max = Number.MAX_VALUE): asserts value is number {
  checkNumber(name, value, 'a positive number', (n) => n > 0, max);
}
export function nonNegative(name: string, value: unknown, max = Number.MAX_VALUE): asserts value is number {
  checkNumber(name, value, 'a number ≥ 0', (n) => n >= 0, max);
}
export function between(name: string, value: unknown, min: number, max: number): asserts value is number {
  checkNumber(name, value, `a number from ${min} to ${max}`, (n) => n >= min && n <= max, max);
}
export function positiveInteger(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  checkNumber(name, value, 'a whole number > 0', (n) => Number.isSafeInteger(n) && n > 0, max);
}
export function nonNegativeInteger(
  name: string,
  value: unknown,
  max = Number.MAX_SAFE_INTEGER,
): asserts value is number {
  checkNumber(name, value, 'a whole number ≥ 0', (n) => Number.isSafeInteger(n) && n >= 0, max);
}
export function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): asserts value is T {
  if (!(allowed as readonly unknown[]).includes(value))
    throw new PasticheError(`must be one of ${allowed.join(', ')}, got ${shownValue(value)}`, name);
}
/**
 * A loss term's weight: switched off at 0, never a reward, never large enough to overflow float32 (MAX_LOSS_WEIGHT).
 */
export function lossWeight(name: string, value: unknown): asserts value is number {
  nonNegative(name, value, MAX_LOSS_WEIGHT);
}
export function nonEmptyString(name: string, value: unknown): asserts value is string {
  if (!(typeof value === 'string' && value.trim() !== ''))
    throw new PasticheError(`must be a name, got ${shownValue(value)}`, name);
}
export function stringList(name: string, value: unknown): asserts value is string[] {
  if (!Array.isArray(value)) throw new PasticheError(`must be a list of names, got ${shownValue(value)}`, name);
  value.forEach((item) => nonEmptyString(name, item));
}
export function numberList(name: string, value: unknown): asserts value is unknown[] {
  if (!Array.isArray(value)) throw new PasticheError(`must be a list of numbers, got ${shownValue(value)}`, name);
}
export function record(name: string, value: unknown): asserts value is Record<string, unknown> {
  if (!isRecord(value)) throw new PasticheError(`must be an object, got ${shownValue(value)}`, name);
}

/**
 * The fields of `given` that `defaults` has and that are not undefined: a request's unknown fields
 * are left out (never recorded with a run), as are the ones left to the defaults.
 */
export function knownFields<T extends object>(given: unknown, defaults: T, name = 'settings'): Partial<T> {
  record(name, given);
  const present = Object.keys(defaults).filter((key) => Object.hasOwn(given, key) && given[key] !== undefined);
  return Object.fromEntries(present.map((key) => [key, given[key]])) as Partial<T>;
}
