import { Worker, type MessagePort } from 'node:worker_threads';
import { CHANNELS, type ArgsOf, type Channel, type ResultOf, type StudioEvent } from '../../common/api/studioApi.js';
import { PasticheError } from '../../common/errors.js';
import type { ComputeAttachment } from './computeDevice.js';
import type { StudioOptions } from './studio.js';

/** Messages from the host's thread to the engine's. */
export type ToEngine =
  | { readonly type: 'request'; readonly id: number; readonly channel: Channel; readonly args: unknown }
  /**
   * The port to a compute device (the GPU engine window); answered with a response whose result is a ComputeAttachment.
   */
  | { readonly type: 'compute-device'; readonly id: number; readonly port: MessagePort }
  | { readonly type: 'compute-lost'; readonly reason: string }
  | { readonly type: 'close' };

/** Messages from the engine's thread to the host's. */
export type FromEngine =
  | { readonly type: 'ready' }
  | { readonly type: 'opening-failed'; readonly message: string }
  | {
      readonly type: 'response';
      readonly id: number;
      readonly result?: unknown;
      readonly error?: { readonly message: string; readonly shown: boolean };
    }
  | { readonly type: 'event'; readonly event: StudioEvent }
  | { readonly type: 'closed' };

/** The studio's handlers seen from another thread: every answer arrives later. */
export type RemoteHandlers = { [C in Channel]: (args: ArgsOf<C>) => Promise<ResultOf<C>> };

/** The studio as a host uses it when the engine computes in its own thread. */
export interface StudioConnection {
  readonly handlers: RemoteHandlers;
  subscribe(listener: (event: StudioEvent) => void): () => void;
  /** Hands the engine the port to a compute device (see Studio.attachComputeDevice). */
  attachComputeDevice(port: MessagePort): Promise<ComputeAttachment>;
  loseComputeDevice(reason: string): void;
  close(): Promise<void>;
}

/**
 * Starts the engine (store, queue, TensorFlow.js) in a worker thread, so the thread that serves the
 * UI — Electron's main process, the web host — never waits for an optimisation step. Requests and
 * events cross as structured-clone messages typed by the studio contract.
 */
export async function openStudioThread(options: StudioOptions): Promise<StudioConnection> {
  const worker = new Worker(new URL('./studioWorker.js', import.meta.url), { workerData: options });
  const listeners = new Set<(event: StudioEvent) => void>();
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  let closed: (() => void) | null = null;

  worker.on('message', (message: FromEngine) => {
    if (message.type === 'event') listeners.forEach((listener) => listener(message.event));
    else if (message.type === 'response') settle(pending, message);
    else if (message.type === 'closed') closed?.();
  });
  await new Promise<void>((resolve, reject) => {
    const first = (message: FromEngine) => {
      if (message.type === 'ready') resolve();
      // The reason is one line for a person (a data folder that cannot be created, a forced backend missing).
      else if (message.type === 'opening-failed') reject(new PasticheError(message.message));
      worker.off('message', first);
    };
    worker.on('message', first);
    worker.once('error', reject);
  });
  // A crashed engine fails what waits for it and whatever is asked later, rather than leaving it hanging.
  let stopped: Error | null = null;
  const stop = (reason: string) => {
    stopped ??= new Error(`the engine stopped: ${reason}`);
    pending.forEach(({ reject }) => reject(stopped!));
    pending.clear();
  };
  worker.on('error', (error) => stop(error.message));
  worker.on('exit', (code) => stop(`its thread exited (code ${code})`));

  const ask = <T>(message: (id: number) => ToEngine, transfer: Array<MessagePort | ArrayBuffer> = []): Promise<T> =>
    new Promise((resolve, reject) => {
      if (stopped) return reject(stopped);
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage(message(id), transfer);
    });
  const request = <C extends Channel>(channel: C, args: ArgsOf<C>) =>
    ask<ResultOf<C>>((id) => ({ type: 'request', id, channel, args }), uploadTransfer(args));
  const handlers = Object.fromEntries(
    CHANNELS.map((channel) => [channel, (args: never) => request(channel, args)]),
  ) as unknown as RemoteHandlers;

  return {
    handlers,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    attachComputeDevice: (port) => ask<ComputeAttachment>((id) => ({ type: 'compute-device', id, port }), [port]),
    loseComputeDevice: (reason) => {
      if (!stopped) worker.postMessage({ type: 'compute-lost', reason } satisfies ToEngine);
    },
    async close() {
      if (stopped) return;
      await new Promise<void>((resolve) => {
        closed = resolve;
        worker.postMessage({ type: 'close' } satisfies ToEngine);
      });
      await worker.terminate();
    },
  };
}

function settle(
  pending: Map<number, { resolve(value: unknown): void; reject(error: Error): void }>,
  message: Extract<FromEngine, { type: 'response' }>,
): void {
  const waiting = pending.get(message.id);
  if (!waiting) return;
  pending.delete(message.id);
  if (!message.error) waiting.resolve(message.result);
  // A PasticheError stays one: hosts show its one line as it is, and anything else as an internal error.
  else
    waiting.reject(message.error.shown ? new PasticheError(message.error.message) : new Error(message.error.message));
}

/** Below this an upload's bytes may sit in Node's shared Buffer pool, which must never be moved to another thread. */
const MIN_TRANSFERRED_BYTES = 1024 * 1024;

/**
 * An upload's memory moves to the engine's thread instead of being copied, so a 100 MB picture is not
 * held twice; the caller (the web host, IPC) has no use for it once asked. Only memory of its own:
 * a large Uint8Array that spans its whole ArrayBuffer or one the request body allocated alone.
 */
function uploadTransfer(args: unknown): ArrayBuffer[] {
  const bytes = (args as { bytes?: unknown } | null | undefined)?.bytes;
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < MIN_TRANSFERRED_BYTES) return [];
  return bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : [];
}
