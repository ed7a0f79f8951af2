import { externalLinkAllowed, navigationAllowed, permissionAllowed, type WindowOpenRequest } from './webPolicy.js';

/**
 * The web policy (webPolicy.ts) wired to a web contents' and a session's events. Typed by the parts
 * of Electron's WebContents and Session used (structural, so the wiring is tested without Electron);
 * electron/main/guardEverything.ts applies it to every one the app creates.
 */

/** An event a guard may cancel: a navigation, a redirect, a frame's navigation, a webview about to attach. */
export interface CancellableEvent {
  readonly url?: string;
  /** The frame navigating (will-frame-navigate), at its current address. */
  readonly frame?: { readonly url: string } | null;
  preventDefault(): void;
}

export type GuardedEventName = 'will-navigate' | 'will-frame-navigate' | 'will-redirect' | 'will-attach-webview';

/** What a window-open handler is told (Electron's HandlerDetails, the part used). */
export type WindowOpenDetails = Omit<WindowOpenRequest, 'openerUrl'>;

export interface GuardedContents {
  getURL(): string;
  on(event: GuardedEventName, listener: (event: CancellableEvent) => void): unknown;
  on(event: 'devtools-opened', listener: () => void): unknown;
  setWindowOpenHandler(handler: (details: WindowOpenDetails) => { action: 'deny' }): void;
  closeDevTools(): void;
}

export interface ContentsGuardOptions {
  /** Whether DevTools may stay open (development); in a release build they are closed as they open. */
  readonly devTools: boolean;
  /** Opens a link in the system's browser (Electron's shell.openExternal). */
  openExternal(url: string): Promise<void>;
}

/**
 * Keeps `contents` on its own pages: navigations and redirects leave the studio's pages for nowhere,
 * webviews never attach, new windows never open; a clicked https link opens in the browser instead.
 */
export function guardWebContents(contents: GuardedContents, options: ContentsGuardOptions): void {
  const refuseUnless = (allowed: (event: CancellableEvent) => boolean) => (event: CancellableEvent) => {
    if (!allowed(event)) event.preventDefault();
  };
  contents.on(
    'will-navigate',
    refuseUnless((event) => navigationAllowed(contents.getURL(), event.url ?? '')),
  );
  contents.on(
    'will-redirect',
    refuseUnless((event) => navigationAllowed(contents.getURL(), event.url ?? '')),
  );
  const frameMayMove = (event: CancellableEvent) => navigationAllowed(event.frame?.url ?? '', event.url ?? '');
  contents.on('will-frame-navigate', refuseUnless(frameMayMove));
  contents.on(
    'will-attach-webview',
    refuseUnless(() => false),
  );
  contents.setWindowOpenHandler((details) => {
    const link = externalLinkAllowed({ ...details, openerUrl: contents.getURL() });
    // A system without a browser for the link has nothing to show; the studio carries on.
    if (link !== null) void options.openExternal(link).catch(() => {});
    return { action: 'deny' };
  });
  if (!options.devTools) contents.on('devtools-opened', () => contents.closeDevTools());
}

/** The part of Electron's Session whose handlers decide what its pages may use. */
export interface GuardedSession {
  setPermissionRequestHandler(
    handler: (
      contents: unknown,
      permission: string,
      callback: (granted: boolean) => void,
      details: { readonly requestingUrl?: string },
    ) => void,
  ): void;
  setPermissionCheckHandler(handler: (contents: unknown, permission: string, origin: string) => boolean): void;
  setDevicePermissionHandler(handler: () => boolean): void;
}

/** Grants a session's pages only the studio's permissions (none), on its own origin; no device ever. */
export function guardSession(session: GuardedSession): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(permissionAllowed(permission, details.requestingUrl ?? ''));
  });
  session.setPermissionCheckHandler((_contents, permission, origin) => permissionAllowed(permission, origin));
  // HID, serial and USB devices: none is ever chosen for a page.
  session.setDevicePermissionHandler(() => false);
}
