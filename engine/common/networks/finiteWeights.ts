import { PasticheError } from '../errors.js';

/**
 * The first NaN or ±Infinity among a tensor's values, in words; null when all are finite. Weights
 * holding one would store a network or style that paints nothing but NaN, and the loss would fail
 * only well into a run, so every reader refuses them.
 */
export function nonFiniteValue(values: ArrayLike<number>): string | null {
  for (let i = 0; i < values.length; i++)
    if (!Number.isFinite(values[i])) return `value ${i} is ${values[i]}, not a finite number`;
  return null;
}

/** Refuses weights holding NaN or ±Infinity, naming the file (`subject`), the tensor and the first bad value. */
export function assertFiniteWeights(values: ArrayLike<number>, tensor: string, subject: string): void {
  const problem = nonFiniteValue(values);
  if (problem !== null) throw new PasticheError(`${tensor}: ${problem}`, subject);
}
