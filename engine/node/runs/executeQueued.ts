import type { BackendInfo } from '../backend.js';
import type { RunStore } from '../store/runStore.js';
import { executeGenerate } from './generateRun.js';
import type { RunHooks, RunOutcome } from './recordedRun.js';
import { executeStylize } from './stylizeRun.js';

/** Runs a queued run of whichever kind the store holds. */
export function executeQueuedRun(store: RunStore, runId: number, backend: BackendInfo, hooks: RunHooks = {}): Promise<RunOutcome> {
  return store.run(runId).kind === 'generate' ? executeGenerate(store, runId, backend, hooks) : executeStylize(store, runId, backend, hooks);
}
