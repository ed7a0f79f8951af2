import {
  CHANNELS,
  DESKTOP_CHANNELS,
  isChannel,
  type ArgsOf,
  type Channel,
  type DesktopChannel,
  type DesktopRequests,
  type ResultOf,
} from '../../engine/common/api/studioApi.js';
import { validateArgs, validateDesktopArgs } from '../../engine/common/api/studioSchemas.js';
import { isPasticheError } from '../../engine/common/errors.js';
import type { IpcReply } from './ipc.js';

/** The studio's requests as the main process answers them: the engine's (through its thread) and the shell's own. */
export type MainHandlers = { [C in Channel]: (args: ArgsOf<C>) => Promise<ResultOf<C>> } & {
  [C in DesktopChannel]: (args: DesktopRequests[C]['args']) => Promise<DesktopRequests[C]['result']>;
};

/** The part of Electron's `ipcMain` this uses (structural, so the wiring is tested without Electron). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, args: unknown) => Promise<IpcReply>): void;
  removeHandler(channel: string): void;
}

export interface IpcInvokeEventLike {
  /** The frame that asked; null once it has navigated away or been destroyed. */
  readonly senderFrame: { readonly url: string } | null;
}

/**
 * Answers every channel of the contract on `ipc`, for frames whose URL `isTrusted` accepts (the
 * studio's own pages, never a page it might have been navigated to). Returns the function that
 * stops answering.
 */
export function serveStudioIpc(
  ipc: IpcMainLike,
  handlers: MainHandlers,
  isTrusted: (url: string) => boolean,
): () => void {
  const channels = [...CHANNELS, ...DESKTOP_CHANNELS];
  for (const channel of channels) {
    const handler = handlers[channel] as (args: unknown) => Promise<unknown>;
    ipc.handle(channel, async (event, args) => {
      const url = event.senderFrame?.url;
      if (url === undefined || !isTrusted(url)) return { ok: false, message: 'refused: this page is not the studio' };
      // The page is trusted, what it sends is not: its arguments are checked as the web host checks them.
      return reply(() =>
        handler(isChannel(channel) ? validateArgs(channel, args) : validateDesktopArgs(channel, args)),
      );
    });
  }
  return () => channels.forEach((channel) => ipc.removeHandler(channel));
}

/** The studio's one-line problems as they are; anything else named as internal, as the web host does. */
async function reply(work: () => Promise<unknown>): Promise<IpcReply> {
  try {
    return { ok: true, result: await work() };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, message: isPasticheError(error) ? message : `internal error: ${message}` };
  }
}
