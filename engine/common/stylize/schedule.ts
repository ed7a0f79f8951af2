import { PasticheError } from '../errors.js';
import { isRecord, shownValue } from './settingChecks.js';
import { fitLongSide, type ImageSize } from '../image.js';
import { alignedTiling, planTiles, tileRegions, type TileGeometry, type TilePlan } from '../tiles/tiling.js';

/**
 * Coarse-to-fine optimisation for print sizes (Gatys, Ecker, Bethge, Hertzmann & Shechtman 2017,
 * "Controlling Perceptual Factors in Neural Style Transfer", §5 "high resolution"): optimise at a
 * small size, upsample the result and continue from it at larger sizes with fewer iterations — the
 * coarse stage lays out the composition and the large strokes cheaply, the fine ones only sharpen
 * it. A stage too large for memory is optimised in overlapping tiles. This is what the run records,
 * stage by stage, exactly as computed.
 */
export interface StylizeSchedule {
  /** Smallest first; the last one's size is the run's size, and their iterations add up to the run's. */
  readonly stages: readonly ScheduleStage[];
  /**
   * Whether each stage after the first starts from the previous result upsampled plus the photo's
   * detail between the two sizes (photoDetail.ts), or from the upsampled result alone — what runs
   * recorded before it existed (their schedules lack the field). New runs have it unless asked otherwise.
   */
  readonly photoDetail?: boolean;
}

export interface ScheduleStage {
  /** Long side in pixels. */
  readonly size: number;
  /** Iterations at this size — of each tile, when tiled. */
  readonly iterations: number;
  /**
   * Square tiles with overlap, each optimised alone against the whole picture's style statistics; null: in one piece.
   */
  readonly tile: StageTiling | null;
}

export interface StageTiling {
  /** Side of a tile in pixels. */
  readonly size: number;
  /** Pixels neighbouring tiles share, blended with raised-cosine weights. */
  readonly overlap: number;
}

/**
 * A tiled optimisation cuts anywhere (no stride grid: the image is pixels, not a network's output),
 * and blends over the whole overlap: a tile's pixels near its cut are not wrong, only optimised from
 * one side, so there is no band to keep out of the blend.
 */
export const OPTIMISATION_TILE_GEOMETRY: TileGeometry = { alignment: 1, reach: 0 };

/** 64 px: four positions of VGG's conv4 (a stride of 8) shared, enough for the texture to cross-fade. */
export const DEFAULT_TILE_OVERLAP = 64;

/**
 * The coarsest stage's long side: 256 px, where neural-style's multi-resolution scripts (Johnson,
 * examples/multires.sh and its forks) start, large enough for VGG's deep layers to see the
 * composition.
 */
export const COARSEST_STAGE = 256;

/** At most four stages (×8 in size): beyond that the coarse result is too small to say anything about a print. */
export const MAX_DEFAULT_STAGES = 4;

/**
 * The default schedule to a long side of `size` with `iterations` in all: stages halving the size
 * from `size` down to COARSEST_STAGE (at most MAX_DEFAULT_STAGES), the iterations shared 4 : 2 : 1
 * … from the coarsest — each stage twice the side, four times the pixels and half the iterations of
 * the one before, as neural-style's multires script (1000 iterations at 256 px, 500 at 512, 300 at
 * 1024, 100 at 2048); the fine stages start from an upsampled result that is already stylised, and
 * only add detail. A stage's cost is pixels × iterations, so each costs about twice the one before
 * and the last about half of the whole: a schedule to 1024 px with 1000 iterations costs a quarter
 * of 1000 iterations at 1024 px. Tiles are left out (null): the engine decides them against memory.
 */
export function defaultSchedule(size: number, iterations: number): StylizeSchedule {
  return coarseToFineSchedule(size, iterations, defaultStageCount(size));
}

/**
 * How many stages the default schedule to `size` has: halvings that stay at or above COARSEST_STAGE, at most
 * MAX_DEFAULT_STAGES.
 */
export function defaultStageCount(size: number): number {
  let count = 1;
  for (let side = size; count < MAX_DEFAULT_STAGES && Math.round(side / 2) >= COARSEST_STAGE; count += 1)
    side = Math.round(side / 2);
  return count;
}

/**
 * `stageCount` stages halving the size from `size`, the iterations shared 4 : 2 : 1 … from the
 * coarsest as in defaultSchedule — the count the artist chose rather than the default (one: the
 * size alone, in one stage).
 */
export function coarseToFineSchedule(size: number, iterations: number, stageCount: number): StylizeSchedule {
  const sizes = [size];
  while (sizes.length < stageCount) sizes.unshift(Math.round(sizes[0] / 2));
  const shares = sizes.map((_, i) => 2 ** (sizes.length - 1 - i));
  const total = shares.reduce((a, b) => a + b, 0);
  const counts = shares.map((share) => Math.floor((iterations * share) / total));
  // What rounding leaves goes to the coarsest stage, the cheapest, so the total is exactly `iterations`.
  counts[0] += iterations - counts.reduce((a, b) => a + b, 0);
  return {
    stages: sizes.map((stageSize, i) => ({ size: stageSize, iterations: counts[i], tile: null })),
    photoDetail: true,
  };
}

/**
 * The schedule with tiles of `tiling.size` on every stage larger than a tile (the CLI's --tile):
 * the artist asks for tiles beyond what memory needs, to bound a stage's memory or try the seams.
 */
export function withTiles(schedule: StylizeSchedule, tiling: StageTiling): StylizeSchedule {
  return {
    ...schedule,
    stages: schedule.stages.map((stage) => ({ ...stage, tile: stage.size > tiling.size ? { ...tiling } : stage.tile })),
  };
}

/**
 * The schedule with exactly the fields it records, in one order (a stage given without tiles has tile
 * null; a new run's stages start with the photo's detail unless the schedule says false).
 */
export function normalisedSchedule(schedule: StylizeSchedule): StylizeSchedule {
  return {
    stages: schedule.stages.map(({ size, iterations, tile }) => ({
      size,
      iterations,
      tile: tile ? { size: tile.size, overlap: tile.overlap } : null,
    })),
    photoDetail: schedule.photoDetail ?? true,
  };
}

/** Iterations the schedule runs in all, counting a tiled stage's once (each tile runs them). */
export function scheduleIterations(schedule: StylizeSchedule): number {
  return schedule.stages.reduce((sum, stage) => sum + stage.iterations, 0);
}

/**
 * Refuses a schedule that is not a strict coarse-to-fine sequence ending at the run's size with its
 * iterations, or whose tiles cannot hold two overlaps, or that is not made of the right types at all
 * (a hostile request's); each error names what is wrong.
 */
export function checkSchedule(schedule: StylizeSchedule, size: number, iterations: number): void {
  if (!isRecord(schedule) || !Array.isArray(schedule.stages)) {
    throw new PasticheError(`must be an object with a list of stages, got ${shownValue(schedule)}`, 'schedule');
  }
  const { stages } = schedule;
  if (stages.length === 0) throw new PasticheError('has no stages', 'schedule');
  if (schedule.photoDetail !== undefined && typeof schedule.photoDetail !== 'boolean') {
    throw new PasticheError(`photoDetail must be true or false, got ${shownValue(schedule.photoDetail)}`, 'schedule');
  }
  stages.forEach((stage: unknown, i) => checkStage(stage, i, stages[i - 1]));
  const last = stages[stages.length - 1];
  if (last.size !== size)
    throw new PasticheError(`the last stage's size ${last.size} is not the run's size ${size}`, 'schedule');
  const total = scheduleIterations(schedule);
  if (total !== iterations)
    throw new PasticheError(`the stages' iterations add up to ${total}, not the run's ${iterations}`, 'schedule');
}

/**
 * Sizes and iterations are whole numbers float64 counts exactly; the sizes grow, so the last (the run's, ≤ MAX_SIZE)
 * bounds them all.
 */
function checkStage(stage: unknown, i: number, previous: ScheduleStage | undefined): asserts stage is ScheduleStage {
  const refuse = (problem: string) => new PasticheError(`stage ${i + 1}: ${problem}`, 'schedule');
  if (!isRecord(stage)) throw refuse(`must be an object with a size and iterations, got ${shownValue(stage)}`);
  const { size, iterations, tile } = stage;
  if (!(Number.isSafeInteger(size) && (size as number) > 0))
    throw refuse(`size must be a whole number > 0, got ${shownValue(size)}`);
  if (!(Number.isSafeInteger(iterations) && (iterations as number) >= 0))
    throw refuse(`iterations must be a whole number ≥ 0, got ${shownValue(iterations)}`);
  if (previous && (size as number) <= previous.size) {
    throw new PasticheError(`sizes must grow from stage to stage, got ${previous.size} then ${size}`, 'schedule');
  }
  if (tile !== null && tile !== undefined) checkStageTiling(tile, i);
}

function checkStageTiling(tile: unknown, index: number): void {
  const refuse = (problem: string) => new PasticheError(`stage ${index + 1}: ${problem}`, 'schedule');
  if (!isRecord(tile)) throw refuse(`tiles must be an object with a size and an overlap, got ${shownValue(tile)}`);
  const { size, overlap } = tile;
  if (!(Number.isSafeInteger(size) && Number.isSafeInteger(overlap))) {
    throw refuse(
      `tiles' size and overlap must be whole numbers of pixels, got ${shownValue(size)} and ${shownValue(overlap)}`,
    );
  }
  try {
    alignedTiling({ tile: size as number, overlap: overlap as number }, OPTIMISATION_TILE_GEOMETRY.alignment);
  } catch (error) {
    throw new PasticheError(`stage ${index + 1}: ${(error as Error).message.replace(/^[^:]*: /, '')}`, 'schedule');
  }
  if (size === 0) throw new PasticheError(`stage ${index + 1}: tiles must be larger than 0 px`, 'schedule');
}

/** A stage's picture: the photo's aspect at the stage's long side, as the photo is decoded for it. */
export function stageSize(stage: Pick<ScheduleStage, 'size'>, photo: ImageSize): ImageSize {
  return fitLongSide(photo.width, photo.height, stage.size);
}

/** A stage's tiles over its picture (one region when it is not tiled, or fits in a tile). */
export function stagePlan(stage: ScheduleStage, picture: ImageSize): TilePlan {
  const tiling = stage.tile ? { tile: stage.tile.size, overlap: stage.tile.overlap } : { tile: 0, overlap: 0 };
  return planTiles(picture.width, picture.height, tiling, OPTIMISATION_TILE_GEOMETRY);
}

/** Optimiser steps of the whole schedule on a photo of this aspect: each stage's iterations times its tiles. */
export function scheduleSteps(schedule: StylizeSchedule, photo: ImageSize): number {
  return schedule.stages.reduce(
    (sum, stage) => sum + stage.iterations * tileRegions(stagePlan(stage, stageSize(stage, photo))).length,
    0,
  );
}

/** Where a scheduled run is: stage `index` (0-based) of `count`, whose picture's long side is `size` px. */
export interface StagePosition {
  readonly index: number;
  readonly count: number;
  readonly size: number;
}

/** `stage 2/3 · 256 px`: how the CLI names the stage a run is on. */
export function stageText(stage: StagePosition): string {
  return `stage ${stage.index + 1}/${stage.count} · ${stage.size} px`;
}

/** `256:300,512:150,1024:50@512/64` — the CLI's form, also how a schedule is shown. */
export function scheduleText(schedule: StylizeSchedule): string {
  return schedule.stages
    .map((s) => `${s.size}:${s.iterations}${s.tile ? `@${s.tile.size}/${s.tile.overlap}` : ''}`)
    .join(',');
}
