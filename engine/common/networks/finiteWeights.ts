import { PasticheError } from '../errors.js';

/**
 * Refuses weights holding NaN or ±Infinity, naming the tensor and the first bad value: such a
 * network computes nothing but NaN, and the loss would fail only well into a run.
 */
export function assertFiniteWeights(values: Float32Array, tensor: string, subject: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new PasticheError(`${tensor}: value ${i} is ${values[i]}, not a finite number`, subject);
    }
  }
}
