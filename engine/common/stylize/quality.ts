import { pasticheSchedule } from './pasticheDefaults.js';
import type { StylizeSchedule } from './schedule.js';

/** What the studio's Quality control offers: a quick look at a style, or the finished picture. */
export type Quality = 'quick' | 'finished';

/** The smallest picture a quick preview of a one-stage run is made at. */
const SMALLEST_PREVIEW = 16;

/**
 * A quick preview: the finished schedule's coarse stages only (pasticheDefaults.ts), so the picture
 * is exactly what the finished run holds before its last stage, at half the size. The last stage is
 * where the time goes: at 512 px it is 200 of 410 iterations on 4× the pixels of the stage before,
 * so the coarse stages are (150·128² + 60·256²) / (… + 200·512²) = 11 % of the work. Measured
 * (Tübingen × The Starry Night, vgg19-random, onnxruntime, two cores): idle, the finished run's
 * coarse stages end at 31 s of its 269 s (docs/finish-time.md); this preview alone took 164 s on the
 * same cores loaded by four other builds. It is worth judging a look by: the coarse stages settle
 * the colours and strokes and the photo's layout (Gatys et al. 2017 §5: large-scale structure is
 * fixed at the coarse sizes, the final size adds fine detail), and its picture is a Starry Night
 * Tübingen at 256 px. A run small enough to be one stage is that stage at half the size.
 */
export function quickPreviewSchedule(size: number): StylizeSchedule {
  const finished = pasticheSchedule(size);
  if (finished.stages.length > 1) return { ...finished, stages: finished.stages.slice(0, -1) };
  const [only] = finished.stages;
  return { ...finished, stages: [{ ...only, size: Math.max(SMALLEST_PREVIEW, Math.round(size / 2)) }] };
}

/** The schedule a quality makes at `size` (the size a finished run would have). */
export function qualitySchedule(quality: Quality, size: number): StylizeSchedule {
  return quality === 'quick' ? quickPreviewSchedule(size) : pasticheSchedule(size);
}

/**
 * True when `schedule` is a quick preview of a finished run at twice its size and not, as well, a
 * default schedule of its own (a one-stage preview is both; a fork of it reads as the latter).
 */
export function isQuickPreviewSchedule(schedule: StylizeSchedule | null): boolean {
  if (!schedule || schedule.stages.length < 2) return false;
  const expected = quickPreviewSchedule(2 * schedule.stages.at(-1)!.size).stages;
  return (
    expected.length === schedule.stages.length &&
    expected.every(
      (stage, i) => stage.size === schedule.stages[i].size && stage.iterations === schedule.stages[i].iterations,
    )
  );
}

/** Pixels times iterations of every stage: the work of a schedule, to compare one with another. */
export function scheduleWork(schedule: StylizeSchedule): number {
  return schedule.stages.reduce((sum, stage) => sum + stage.size * stage.size * stage.iterations, 0);
}
