import { PasticheError } from '../errors.js';
import type { ImageSize } from '../image.js';
import type { NetworkArchitecture } from '../networks/architecture.js';
import {
  coarseToFineSchedule,
  DEFAULT_TILE_OVERLAP,
  defaultStageCount,
  MAX_DEFAULT_STAGES,
  withTiles,
  type StylizeSchedule,
} from './schedule.js';
import { planSchedule, type PlanningBackend, type SchedulePlan } from './schedulePlan.js';
import type { StylizeSettings } from './settings.js';

// A run repainted at a print's size (the export dialog's "Repaint at print size"): its exact
// settings — photo, paintings, init, weights, layers — at the print's long side, optimised coarse
// to fine (Gatys et al. 2017, §5) rather than resampled.

/** What the artist chooses; the rest is the run's. */
export interface RepaintChoice {
  /** In all, shared 4 : 2 : 1 … from the coarsest stage. */
  readonly iterations: number;
  /** Stages halving the size down from the print's (1: the print's size alone). */
  readonly stages: number;
  /** Tiles of this side on every stage larger than one, besides those memory needs; null: only those. */
  readonly tile: number | null;
  /** Pixels neighbouring tiles share. */
  readonly overlap: number;
}

/** The run's iterations, the default schedule's stages, tiles only where memory needs them. */
export function defaultRepaintChoice(run: StylizeSettings, size: number): RepaintChoice {
  return { iterations: run.iterations, stages: defaultStageCount(size), tile: null, overlap: DEFAULT_TILE_OVERLAP };
}

/** The run's settings at a long side of `size` with the chosen schedule (tiles memory needs not yet added). */
export function repaintSettings(
  run: StylizeSettings,
  size: number,
  choice: RepaintChoice,
): StylizeSettings & { readonly schedule: StylizeSchedule } {
  if (!(Number.isInteger(choice.stages) && choice.stages >= 1 && choice.stages <= MAX_DEFAULT_STAGES)) {
    throw new PasticheError(`must be a whole number from 1 to ${MAX_DEFAULT_STAGES}, got ${choice.stages}`, 'stages');
  }
  if (choice.tile !== null && !(Number.isInteger(choice.tile) && choice.tile > 0))
    throw new PasticheError(`must be a whole number of pixels above 0, got ${choice.tile}`, 'tile');
  const stages = coarseToFineSchedule(size, choice.iterations, choice.stages);
  return {
    ...run,
    size,
    iterations: choice.iterations,
    schedule: choice.tile === null ? stages : withTiles(stages, { size: choice.tile, overlap: choice.overlap }),
  };
}

/** The repaint's plan; `settings` is what to queue (null when the choice itself is refused). */
export function planRepaint(
  run: StylizeSettings,
  photo: ImageSize,
  size: number,
  choice: RepaintChoice,
  architecture: NetworkArchitecture,
  backend: PlanningBackend,
): SchedulePlan & { readonly settings: StylizeSettings | null } {
  let asked: ReturnType<typeof repaintSettings>;
  try {
    asked = repaintSettings(run, size, choice);
  } catch (failure) {
    return { schedule: { stages: [] }, estimate: null, problem: (failure as Error).message, settings: null };
  }
  const plan = planSchedule(asked, photo, architecture, backend, choice.overlap);
  return { ...plan, settings: { ...asked, schedule: plan.schedule } };
}
