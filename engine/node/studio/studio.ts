import type { ComputePort } from '../../common/api/computeProtocol.js';
import type { StudioEvent } from '../../common/api/studioApi.js';
import { selectBackend, type ComputeDevice } from '../backend.js';
import { RunQueue } from '../queue/runQueue.js';
import { openRunStore, type RunStore } from '../store/runStore.js';
import { connectComputeDevice, type ComputeAttachment } from './computeDevice.js';
import { studioHandlers, type StudioHandlers } from './studioHandlers.js';

export interface StudioOptions {
  /** The data folder; the per-user one (or PASTICHE_HOME) by default. */
  readonly home?: string;
  /** A backend to force; the fastest present by default. */
  readonly backend?: string;
  readonly version: string;
}

/** The engine as the studio's hosts (Electron's worker, the web host) see it: handlers and events. */
export interface Studio {
  readonly handlers: StudioHandlers;
  readonly store: RunStore;
  /** Hears every event; returns the unsubscribe function. */
  subscribe(listener: (event: StudioEvent) => void): () => void;
  /**
   * Offers the compute device on `port` (the desktop studio's hidden engine window): stylizations and
   * generations queued from then on descend on it when it started a GPU backend.
   */
  attachComputeDevice(port: ComputePort): Promise<ComputeAttachment>;
  /**
   * The device's window is gone: what it was computing fails (keeping its last preview), and later runs compute here.
   */
  loseComputeDevice(reason: string): void;
  /** Stops the running run (it is recorded as cancelled, keeping its image); queued runs wait for next time. */
  close(): Promise<void>;
}

/** Opens the store, picks the backend and starts the queue, taking up runs queued before. */
export async function openStudio(options: StudioOptions): Promise<Studio> {
  const backend = await selectBackend(options.backend);
  // A damaged database is reported as the studio starts, not by whichever page a request reads first.
  const store = openRunStore(options.home, { verify: true });
  const listeners = new Set<(event: StudioEvent) => void>();
  const emit = (event: StudioEvent) => listeners.forEach((listener) => listener(event));
  const queue = new RunQueue(store, backend, { onEvent: emit });
  queue.start();
  let device: ComputeDevice | undefined;
  return {
    handlers: studioHandlers({ store, queue, backend, version: options.version, emit }),
    store,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async attachComputeDevice(port) {
      const attached = await connectComputeDevice(port);
      device?.compute.lose('another engine window replaced it');
      device = attached.device;
      queue.useDevice(device);
      return { backend: attached.backend, used: device !== undefined };
    },
    loseComputeDevice(reason) {
      device?.compute.lose(reason);
      device = undefined;
      queue.useDevice(undefined);
    },
    async close() {
      await queue.close();
      store.close();
    },
  };
}
