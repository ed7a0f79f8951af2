import type { RunStatus } from '../../../engine/common/runs/records.js';
import type { LossTerms } from '../../../engine/common/losses/styleTransferLoss.js';

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
  readonly error: string | null;
  /** Every iteration heard so far, from 0 (the starting image). */
  readonly history: readonly LossPoint[];
  readonly remainingMs: number | null;
}
