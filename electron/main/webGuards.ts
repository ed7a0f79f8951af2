import { app, shell, type Session, type WebContents } from 'electron';
import { externalLinkAllowed, navigationAllowed, permissionAllowed } from '../common/webPolicy.js';

/**
 * Applies the studio's web policy (electron/common/webPolicy.ts) to every web contents the app
 * creates — the studio's window, the hidden engine window, and anything either might open — and to
 * every session. Registered before the first window, so nothing exists unguarded.
 */
export function guardWebContentsAndSessions(options: { readonly devTools: boolean }): void {
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, options.devTools));
  app.on('session-created', guardSession);
}

/** The default session exists before 'session-created' could be heard: it is guarded once the app is ready. */
export function guardSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => callback(permissionAllowed(permission, details.requestingUrl)));
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => permissionAllowed(permission, requestingOrigin));
  // HID, serial and USB devices: none is ever chosen for a page.
  session.setDevicePermissionHandler(() => false);
}

function guardWebContents(contents: WebContents, devTools: boolean): void {
  const refuseNavigation = (event: Electron.Event, from: string, to: string) => {
    if (!navigationAllowed(from, to)) event.preventDefault();
  };
  contents.on('will-navigate', (event) => refuseNavigation(event, contents.getURL(), event.url));
  contents.on('will-frame-navigate', (event) => refuseNavigation(event, event.frame?.url ?? '', event.url));
  contents.on('will-redirect', (event) => refuseNavigation(event, contents.getURL(), event.url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url, disposition, features, postBody }) => {
    const link = externalLinkAllowed({ url, disposition, features, postBody, openerUrl: contents.getURL() });
    if (link !== null) void shell.openExternal(link);
    return { action: 'deny' };
  });
  // webPreferences.devTools is false in a release build; this closes them should anything open them anyway.
  if (!devTools) contents.on('devtools-opened', () => contents.closeDevTools());
}
