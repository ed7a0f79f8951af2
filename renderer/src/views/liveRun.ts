import type { RunStatus } from '../../../engine/common/runs/records.js';
import type { LossTerms } from '../../../engine/common/losses/styleTransferLoss.js';
import type { StagePosition } from '../../../engine/common/stylize/schedule.js';

/** One iteration's losses, as the live chart plots them. */
export interface LossPoint extends LossTerms {
  readonly iteration: number;
  readonly elapsedMs: number;
}

/** What the studio knows of a run from its events while it is queued or computing. */
export interface LiveRun {
  readonly runId: number;
  readonly status: RunStatus;
  readonly iteration: number;
  readonly iterations: number;
  readonly loss: number | null;
  readonly previewId: number | null;
  /** A scheduled run's stage being computed, and the stage whose picture the preview is (`done`: its result). */
  readonly stage: StagePosition | null;
  readonly previewStage: { readonly stage: StagePosition; readonly done: boolean } | null;
  readonly error: string | null;
  /** Every iteration heard so far, from 0 (the starting image). */
  readonly history: readonly LossPoint[];
  readonly remainingMs: number | null;
}

/** `Stage 2 of 3 · 256 px`: how the live view names a stage. */
export function stageLabel(stage: StagePosition): string {
  return `Stage ${stage.index + 1} of ${stage.count} · ${stage.size} px`;
}
