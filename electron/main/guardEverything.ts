import { app, shell } from 'electron';
import { guardSession, guardWebContents } from '../common/webGuards.js';

/**
 * Applies the studio's web policy (electron/common/webGuards.ts) to every web contents the app
 * creates — the studio's window, the hidden engine window, and anything either might open — and to
 * every session. Called before the app is ready, so nothing exists unguarded; the default session,
 * which exists before 'session-created' can be heard, is guarded in main.ts once the app is ready.
 */
export function guardEverything(options: { readonly devTools: boolean }): void {
  const guard = { devTools: options.devTools, openExternal: (url: string) => shell.openExternal(url) };
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, guard));
  app.on('session-created', guardSession);
}
