import type { StylizeSchedule } from './schedule.js';

/**
 * The shape of Pastiche's default schedule, whatever the run's size: stages halving from the run's
 * size down to `coarsest` px, with `coarsestIterations` at the smallest, `finalIterations` at the
 * run's size and `middleIterations` at each stage between.
 */
export interface ScheduleShape {
  readonly coarsest: number;
  readonly coarsestIterations: number;
  readonly middleIterations: number;
  readonly finalIterations: number;
}

export const PASTICHE_DEFAULT_SCHEDULE: ScheduleShape = { coarsest: 128, coarsestIterations: 300, middleIterations: 150, finalIterations: 50 };

export const PASTICHE_DEFAULT_HISTORY = 100;

/** The shape's stages to a long side of `size` (one stage when `size` is at or below the coarsest). */
export function scheduleFor(size: number, shape: ScheduleShape): StylizeSchedule {
  const sizes = [size];
  while (Math.round(sizes[0] / 2) >= shape.coarsest) sizes.unshift(Math.round(sizes[0] / 2));
  const last = sizes.length - 1;
  const iterationsAt = (i: number) => (i === last ? shape.finalIterations : i === 0 ? shape.coarsestIterations : shape.middleIterations);
  return { stages: sizes.map((stageSize, i) => ({ size: stageSize, iterations: iterationsAt(i), tile: null })) };
}
