import type { MenuCommand, StudioEvent } from '../../engine/common/api/studioApi.js';

/** Where the main process's `pastiche://` protocol serves the studio's pages and stored images. */
export const STUDIO_ORIGIN = 'pastiche://studio';

/**
 * How the studio's contract crosses Electron's IPC. Requests use the contract's own channel names
 * (`runs.queue`, `desktop.saveFile`, …) with `ipcRenderer.invoke`; these two carry what the main
 * process sends unasked.
 */
export const IPC_EVENTS = {
  /** A StudioEvent from the engine's queue. */
  studio: 'pastiche:studio-event',
  /** A MenuCommand from the application menu. */
  menu: 'pastiche:menu-command',
} as const;

/** What the main process sends on each of IPC_EVENTS. */
export interface IpcEventPayloads {
  [IPC_EVENTS.studio]: StudioEvent;
  [IPC_EVENTS.menu]: MenuCommand;
}

/**
 * Every answer to an invoke. Electron rewrites a thrown error's message ("Error invoking remote
 * method …: Error: …"), so failures travel as data and the page shows the engine's one line as it is.
 */
export type IpcReply =
  { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly message: string };
