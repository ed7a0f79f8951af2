import type { ComputePort } from '../api/computeProtocol.js';

/**
 * A MessagePort as the DOM and Node's worker_threads both define it (Node's is an EventTarget too);
 * typed loosely because their event types differ.
 */
export interface MessagePortLike {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  // `any`: a MessageEvent in the DOM, an Event carrying `data` in Node.
  addEventListener(type: 'message', listener: (event: any) => void): void;
  start(): void;
  close(): void;
}

/** The protocol's view of a MessagePort; messages queued before this are delivered once it starts. */
export function computePort(port: MessagePortLike): ComputePort {
  return {
    postMessage: (message, transfer = []) => port.postMessage(message, transfer),
    onMessage(listener) {
      port.addEventListener('message', (event: { data: unknown }) => listener(event.data));
      port.start();
    },
    close: () => port.close(),
  };
}
