import type { Studio } from '../../engine/node/studio/studio.js';

/**
 * Resolves once every run has ended; a failed one rejects with its message. Shared by the scripts
 * that paint through the studio in-process (`npm run figures`, `npm run docs:pictures`).
 */
export function runsFinished(studio: Studio, runIds: readonly number[]): Promise<void> {
  const open = new Set(runIds);
  return new Promise((resolve, reject) => {
    const stop = studio.subscribe((event) => {
      if (event.type !== 'run.status' || !open.has(event.runId)) return;
      if (event.status === 'failed') {
        stop();
        reject(new Error(`run ${event.runId} failed: ${event.error}`));
      } else if (event.status === 'done' || event.status === 'cancelled') {
        open.delete(event.runId);
        if (open.size === 0) {
          stop();
          resolve();
        }
      }
    });
    // A run that ended before this listened is settled from the store.
    for (const runId of runIds) {
      const { status, error } = studio.store.run(runId);
      if (status === 'failed') {
        stop();
        return reject(new Error(`run ${runId} failed: ${error}`));
      }
      if (status === 'done' || status === 'cancelled') open.delete(runId);
    }
    if (open.size === 0) {
      stop();
      resolve();
    }
  });
}
