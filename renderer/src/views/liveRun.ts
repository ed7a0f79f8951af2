import type { RunStatus } from '../../../engine/common/runs/records.js';

/** What the studio knows of a run from its events while it is queued or computing. */
export interface LiveRun {
  readonly runId: number;
  readonly status: RunStatus;
  readonly iteration: number;
  readonly iterations: number;
  readonly loss: number | null;
  readonly previewId: number | null;
  readonly error: string | null;
}
