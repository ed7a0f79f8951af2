import type { RunRecord, StylizeRunRecord } from '../../engine/common/runs/records.js';

/** The run as the stylization it must be (a test's own run), so its photo and stylization settings can be read. */
export function asStylization(run: RunRecord): StylizeRunRecord {
  if (run.kind !== 'stylize') throw new Error(`run ${run.id} is a ${run.kind} run, not a stylization`);
  return run;
}
