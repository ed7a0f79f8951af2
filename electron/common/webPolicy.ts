import { STUDIO_ORIGIN } from './ipc.js';

/**
 * What the desktop studio's web contents may do, decided here without Electron so it is tested
 * everywhere; electron/main/webGuards.ts applies it to every web contents and session. The studio
 * shows only its own pages (`pastiche://studio/…`), the engine window only its one file, and
 * neither needs a browser permission, another window, a webview or a page on the web.
 */

const STUDIO = new URL(STUDIO_ORIGIN);

/** The longest link handed to the system's browser: more than any real link, less than what breaks a shell. */
export const MAX_EXTERNAL_LINK_LENGTH = 2048;

/**
 * Whether `url` (a page's address or an origin) is one of the studio's own: the `pastiche:` scheme
 * and the `studio` host exactly, with no user, password or port (`pastiche://studio@evil/` is evil's).
 */
export function isStudioUrl(url: string): boolean {
  const parsed = parsedUrl(url);
  return (
    parsed !== null &&
    parsed.protocol === STUDIO.protocol &&
    parsed.host === STUDIO.host &&
    parsed.username === '' &&
    parsed.password === ''
  );
}

/**
 * Whether a page at `from` may navigate (or be redirected) to `to`: from one of the studio's pages to
 * another, nothing else. The engine window's page is a file and so never moves.
 */
export function navigationAllowed(from: string, to: string): boolean {
  return isStudioUrl(from) && isStudioUrl(to);
}

/** What Electron's window-open handler is told about a new window a page asks for. */
export interface WindowOpenRequest {
  readonly url: string;
  /** How the page asked: a link clicked (a tab), a script's window.open with features (a new window). */
  readonly disposition: 'default' | 'foreground-tab' | 'background-tab' | 'new-window' | 'other';
  /** window.open's features; empty for a link. */
  readonly features: string;
  /** Set when the page posted a form into the new window. */
  readonly postBody?: unknown;
  /** The address of the page that asked. */
  readonly openerUrl: string;
}

/**
 * The link to open in the system's browser instead of a new window, or null: only an `https:` link
 * the user clicked on one of the studio's pages (a tab, not a script's popup with features nor a
 * posted form), with a host and without credentials, at most MAX_EXTERNAL_LINK_LENGTH long. The
 * result is the link as the URL parser writes it, so what is opened is what was checked.
 */
export function externalLinkAllowed(request: WindowOpenRequest): string | null {
  const clicked =
    (request.disposition === 'foreground-tab' || request.disposition === 'background-tab') &&
    request.features === '' &&
    request.postBody === undefined;
  if (!clicked || !isStudioUrl(request.openerUrl) || request.url.length > MAX_EXTERNAL_LINK_LENGTH) return null;
  const link = parsedUrl(request.url);
  if (link === null || !isPlainHttps(link) || link.href.length > MAX_EXTERNAL_LINK_LENGTH) return null;
  return link.href;
}

/** An https address with a host and no credentials. */
function isPlainHttps(link: URL): boolean {
  return link.protocol === 'https:' && link.hostname !== '' && link.username === '' && link.password === '';
}

/**
 * The browser permissions the studio's pages are granted. None: the studio uses no clipboard API
 * (copy and paste are the native Edit menu's), no camera, notifications, fullscreen API or devices.
 * A feature that needs one adds it here; it is then granted to the studio's own origin only.
 */
export const STUDIO_PERMISSIONS: ReadonlySet<string> = new Set<string>();

/** Whether the page at `origin` (an origin or a page's address) may use `permission`. */
export function permissionAllowed(permission: string, origin: string, granted = STUDIO_PERMISSIONS): boolean {
  return granted.has(permission) && isStudioUrl(origin);
}

/** The URL, or null where it does not parse (URL.parse itself needs Node 22; the tests run on 20). */
function parsedUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}
