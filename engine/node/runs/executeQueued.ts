import type { TileProgress } from '../../common/fast/tiledStylize.js';
import type { BackendInfo, ComputeDevice } from '../backend.js';
import type { RunStore } from '../store/runStore.js';
import { executeFeedforward } from './feedforwardRun.js';
import { executeGenerate } from './generateRun.js';
import type { RunHooks } from './recordedRun.js';
import { executeStylize } from './stylizeRun.js';
import { executeTraining } from './trainStyleRun.js';

/**
 * What the queue hears from a run of any kind: that it started, then an optimisation's iterations and
 * previews (and a scheduled stylization's stages), or a feed-forward run's tiles.
 */
export interface QueuedRunHooks extends Pick<RunHooks, 'signal' | 'onProgress' | 'onPreview' | 'onStage'> {
  onRunning?(): void;
  onTile?(progress: Omit<TileProgress, 'finished'>): void;
}

/**
 * Runs a queued run of whichever kind the store holds; resolves with how it ended (a failure rejects).
 * Stylizations and generations descend on `device` when there is one (the studio's GPU engine window);
 * a scheduled stylization (coarse-to-fine, tiles), feed-forward runs and trainings compute on this
 * thread's backend, since they decode their inputs at each stage or tile as they go.
 */
export async function executeQueuedRun(
  store: RunStore,
  runId: number,
  backend: BackendInfo,
  hooks: QueuedRunHooks = {},
  device?: ComputeDevice,
): Promise<{ readonly status: 'done' | 'cancelled' }> {
  const { onRunning, onTile, ...descentHooks } = hooks;
  const run = store.run(runId);
  switch (run.kind) {
    case 'stylize':
      return executeStylize(store, runId, run.settings.schedule ? backend : (device ?? backend), {
        ...descentHooks,
        onStart: onRunning,
      });
    case 'generate':
      return executeGenerate(store, runId, device ?? backend, { ...descentHooks, onStart: onRunning });
    case 'feedforward':
      return executeFeedforward(store, runId, backend, {
        signal: hooks.signal,
        onStart: ({ tiles }) => {
          onRunning?.();
          onTile?.({ done: 0, total: tiles });
        },
        onTile: ({ done, total }) => onTile?.({ done, total }),
      });
    case 'train-style':
      return executeTraining(store, runId, backend, { ...descentHooks, onStart: onRunning });
  }
}
