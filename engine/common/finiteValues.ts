/**
 * The first NaN or ±Infinity among a tensor's values, in words; null when all are finite. Weights
 * holding one would store a network or style that paints nothing but NaN, so every reader refuses them.
 */
export function nonFiniteValue(values: ArrayLike<number>): string | null {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return `value ${i} is ${values[i]}, not a finite number`;
  return null;
}
