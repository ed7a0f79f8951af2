import { PasticheError } from '../errors.js';
import { randomStream } from '../generate/randomStream.js';

/**
 * Which photos each step trains on. Every epoch visits the photos in its own seeded order, in
 * batches; the last, incomplete batch of an epoch is left out (as the recipe's loop does). The order
 * is a function of the seed, the epoch and the number of photos only, so a training resumed at step
 * t sees exactly the batches an uninterrupted one would.
 */
export interface TrainingSchedule {
  readonly stepsPerEpoch: number;
  /** Steps of the whole training. */
  readonly totalSteps: number;
  /** Indices of the photos of step t (0-based), in the order they form the batch. */
  batchAt(step: number): number[];
  /** The epoch (0-based) step t belongs to. */
  epochOf(step: number): number;
}

export function trainingSchedule(
  photoCount: number,
  settings: { batchSize: number; epochs: number; steps: number; seed: number },
): TrainingSchedule {
  const { batchSize, epochs, steps, seed } = settings;
  if (photoCount < batchSize)
    throw new PasticheError(
      `${photoCount} photo${photoCount === 1 ? '' : 's'} cannot fill a batch of ${batchSize}`,
      'photos',
    );
  const stepsPerEpoch = Math.floor(photoCount / batchSize);
  const whole = stepsPerEpoch * epochs;
  if (steps > whole)
    throw new PasticheError(
      `${steps} steps are more than ${epochs} epoch${epochs === 1 ? '' : 's'} of ${photoCount} photos in batches of ` +
        `${batchSize} take (${whole}); raise --epochs`,
      'steps',
    );
  let cached: { epoch: number; order: number[] } | null = null;
  const orderOf = (epoch: number) => {
    if (cached?.epoch !== epoch) cached = { epoch, order: shuffled(photoCount, seed, epoch) };
    return cached.order;
  };
  const epochOf = (step: number) => Math.floor(step / stepsPerEpoch);
  return {
    stepsPerEpoch,
    totalSteps: steps > 0 ? steps : whole,
    batchAt: (step) => {
      const start = (step % stepsPerEpoch) * batchSize;
      return orderOf(epochOf(step)).slice(start, start + batchSize);
    },
    epochOf,
  };
}

/** 0 … n − 1 in the Fisher–Yates (Durstenfeld) order drawn from (seed, epoch). */
function shuffled(n: number, seed: number, epoch: number): number[] {
  const random = randomStream(seed, epoch);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = random.below(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
