import { scheduleIterations, type StylizeSchedule } from './schedule.js';
import { NEURAL_STYLE_DEFAULTS, type StylizeSettings } from './settings.js';

/**
 * The shape of Pastiche's default schedule, whatever the run's size: stages halving from the run's
 * size down to no smaller than `coarsest` px, `coarsestIterations` at the smallest, `finalIterations`
 * at the run's size and `middleIterations` at each stage between (a run at or below `coarsest` px
 * is one stage of `coarsestIterations`).
 */
export interface ScheduleShape {
  readonly coarsest: number;
  readonly coarsestIterations: number;
  readonly middleIterations: number;
  readonly finalIterations: number;
}

/**
 * 128:150,256:60,512:200 at 512 px, chosen by measurement (docs/finish-time.md; vgg19-random, Tübingen ×
 * The Starry Night, from the photo, each later stage with the photo's detail): its loss at 512 px ends
 * 2.9 % above 1000 plain iterations' and passes the "finished" line (5 % above) at the last stage's
 * 159th iteration, 221 s into the run on two idle cores (all of it 269 s) against 20 min for the plain
 * 1000. What the measurements showed: the plain run itself is finished after about 190 of its 1000 iterations,
 * and on this network the coarse stages save about as many 512-px iterations as they cost, so the
 * time goes to the final size; they stay because they put a picture on screen within seconds and,
 * with the photo's detail, keep its structure. Neither reaches "finished" in 60 s on two cores there:
 * that needs about 160–190 evaluations at 512 px, 1.2 s each. On VGG-19 blocks 1–3 the default is
 * finished in 43 s (plain: 32 s).
 */
export const PASTICHE_SCHEDULE_SHAPE: ScheduleShape = {
  coarsest: 128,
  coarsestIterations: 150,
  middleIterations: 60,
  finalIterations: 200,
};

/** L-BFGS history of the default (neural-style's 100). */
export const PASTICHE_DEFAULT_HISTORY = 100;

/** The shape's stages to a long side of `size`. */
export function scheduleFor(size: number, shape: ScheduleShape): StylizeSchedule {
  const sizes = [size];
  while (Math.round(sizes[0] / 2) >= shape.coarsest) sizes.unshift(Math.round(sizes[0] / 2));
  const last = sizes.length - 1;
  const iterationsAt = (i: number) =>
    i === 0 ? shape.coarsestIterations : i === last ? shape.finalIterations : shape.middleIterations;
  const stages = sizes.map((stageSize, i) => ({ size: stageSize, iterations: iterationsAt(i), tile: null }));
  return { stages, photoDetail: true };
}

/** Pastiche's default schedule to a long side of `size`. */
export function pasticheSchedule(size: number): StylizeSchedule {
  return scheduleFor(size, PASTICHE_SCHEDULE_SHAPE);
}

/** True when `schedule` is exactly Pastiche's default to its last stage's size (tiles aside). */
export function isPasticheSchedule(schedule: StylizeSchedule | null): boolean {
  if (!schedule || schedule.stages.length === 0) return false;
  const expected = pasticheSchedule(schedule.stages.at(-1)!.size).stages;
  return (
    expected.length === schedule.stages.length &&
    expected.every(
      (stage, i) => stage.size === schedule.stages[i].size && stage.iterations === schedule.stages[i].iterations,
    )
  );
}

/**
 * Where a run starts when nobody asked for a schedule: neural-style's settings (NEURAL_STYLE_DEFAULTS,
 * kept as they are for reproducing papers) but from the photo and through Pastiche's default
 * schedule, which reaches neural-style's final loss in a fraction of its time (docs/finish-time.md).
 */
export function pasticheDefaults(size: number = NEURAL_STYLE_DEFAULTS.size): StylizeSettings {
  const schedule = pasticheSchedule(size);
  return {
    ...NEURAL_STYLE_DEFAULTS,
    init: 'content',
    optimizer: { name: 'lbfgs', historySize: PASTICHE_DEFAULT_HISTORY },
    size,
    iterations: scheduleIterations(schedule),
    schedule,
  };
}

export const PASTICHE_DEFAULTS: StylizeSettings = pasticheDefaults();
