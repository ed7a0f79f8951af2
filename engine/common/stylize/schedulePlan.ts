import { approximateDuration } from '../duration.js';
import { fitLongSide, type ImageSize } from '../image.js';
import type { NetworkArchitecture } from '../networks/architecture.js';
import {
  checkScheduleFits,
  costModelFor,
  estimateSchedule,
  scheduleFittingMemory,
  type ScheduleEstimate,
} from './optimisationCost.js';
import { DEFAULT_TILE_OVERLAP, type StylizeSchedule } from './schedule.js';
import { resolveSettings, type StylizeSettings } from './settings.js';
import { checkLocalStyleMemory, formatBytes } from './styleMemory.js';

// What the studio shows before it queues a scheduled stylization (the editor's "Coarse to fine",
// the export dialog's repaint at print size): the schedule as the engine will run it on this
// backend, what it will cost, and why the engine would refuse it — computed on the engine's own code.

/** The engine's backend as studio.info describes it: its name picks the cost model, the budgets bound memory. */
export interface PlanningBackend {
  readonly name: string;
  /** Bytes one optimisation may take: stages larger are tiled. */
  readonly optimisationMemoryBytes: number;
  /** Bytes local style statistics may take. */
  readonly styleMemoryBytes: number;
}

export interface SchedulePlan {
  /** The stages given, with tiles where this backend's memory needs them: exactly what the run will record. */
  readonly schedule: StylizeSchedule;
  /** Null when the schedule is refused before it can be costed (its tiles cannot hold their overlaps, say). */
  readonly estimate: ScheduleEstimate | null;
  /** Why the engine would refuse it, in its own words; null when it would run. */
  readonly problem: string | null;
}

/**
 * `settings.schedule` with the tiles the engine would add (each stage too large for memory in one
 * piece, in tiles overlapping by `overlap`), its estimate on `backend`, and the first refusal of
 * the settings' checks, the memory's or local style's.
 */
export function planSchedule(
  settings: StylizeSettings & { readonly schedule: StylizeSchedule },
  photo: ImageSize,
  architecture: NetworkArchitecture,
  backend: PlanningBackend,
  overlap = DEFAULT_TILE_OVERLAP,
): SchedulePlan {
  const cost = costModelFor(backend.name);
  const schedule = scheduleFittingMemory(
    settings.schedule,
    photo,
    architecture,
    settings,
    backend.optimisationMemoryBytes,
    overlap,
    cost.memory,
  );
  const fitted = { ...settings, schedule };
  try {
    resolveSettings(fitted, settings.styleBlend.length);
  } catch (failure) {
    return { schedule, estimate: null, problem: (failure as Error).message };
  }
  const estimate = estimateSchedule(schedule, photo, architecture, settings, cost);
  try {
    checkScheduleFits(schedule, photo, architecture, settings, backend.optimisationMemoryBytes, cost.memory);
    checkLocalStyleMemory(
      settings.network,
      architecture,
      settings,
      fitLongSide(photo.width, photo.height, settings.size),
      backend.styleMemoryBytes,
    );
    return { schedule, estimate, problem: null };
  } catch (failure) {
    return { schedule, estimate, problem: (failure as Error).message };
  }
}

/**
 * "3 stages (256 → 512 → 1024 px), stage 3 in 4 tiles: about 12 min on onnxruntime, at most 4.1 GB" — the editor's one
 * line.
 */
export function estimateText(estimate: ScheduleEstimate, backendName: string): string {
  const stages = estimate.stages.length === 1 ? 'one stage' : `${estimate.stages.length} stages`;
  const sizes = estimate.stages.map((stage) => Math.max(stage.size.width, stage.size.height)).join(' → ');
  const tiled = estimate.stages.flatMap((stage, i) =>
    stage.tiles > 1 ? [`stage ${i + 1} in ${stage.tiles} tiles`] : [],
  );
  return (
    `${stages} (${sizes} px)${tiled.map((text) => `, ${text}`).join('')}: ` +
    `${approximateDuration(estimate.ms)} on ${backendName}, at most ${formatBytes(estimate.peakBytes)}`
  );
}
