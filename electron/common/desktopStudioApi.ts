import {
  isChannel,
  isDesktopChannel,
  type DesktopApi,
  type StudioApi,
  type StudioEvent,
} from '../../engine/common/api/studioApi.js';
import { IPC_EVENTS, STUDIO_ORIGIN, type IpcEventPayloads, type IpcReply } from './ipc.js';

/** The part of Electron's `ipcRenderer` the preload uses (structural, so it is tested without Electron). */
export interface IpcRendererLike {
  invoke(channel: string, args: unknown): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
}

/**
 * The StudioApi the preload hands the page through `contextBridge`: only the contract's channels
 * (the page never touches `ipcRenderer` itself), answers unwrapped from their IpcReply, events and
 * menu commands as subscriptions.
 */
export function desktopStudioApi(ipc: IpcRendererLike): StudioApi {
  const invoke = async (channel: string, args: unknown): Promise<never> => {
    if (!isChannel(channel) && !isDesktopChannel(channel)) throw new Error(`unknown request: ${channel}`);
    const reply = (await ipc.invoke(channel, args)) as IpcReply;
    if (!reply.ok) throw new Error(reply.message);
    return reply.result as never;
  };
  const desktop: DesktopApi = {
    invoke: (channel, args) => invoke(channel, args),
    onMenu: (listener) => subscribe(ipc, IPC_EVENTS.menu, listener),
  };
  return {
    invoke: (channel, args) => invoke(channel, args),
    onEvent: (listener: (event: StudioEvent) => void) => subscribe(ipc, IPC_EVENTS.studio, listener),
    imageUrl: (imageId, maxSide) =>
      `${STUDIO_ORIGIN}/media/${imageId}${maxSide === undefined ? '' : `?maxSide=${maxSide}`}`,
    desktop,
  };
}

function subscribe<E extends keyof IpcEventPayloads>(
  ipc: IpcRendererLike,
  channel: E,
  listener: (payload: IpcEventPayloads[E]) => void,
): () => void {
  // The page's listener never sees Electron's event object, which would expose the sender.
  const relay = (_event: unknown, payload: unknown) => listener(payload as IpcEventPayloads[E]);
  ipc.on(channel, relay);
  return () => void ipc.removeListener(channel, relay);
}
