import { existsSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';

/**
 * What both hosts of the studio's pages share — the web host over HTTP and Electron's `pastiche://`
 * protocol: which file answers a path, its content type, and the security policy sent with it.
 */

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpeg': 'image/jpeg',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.tiff': 'image/tiff',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export function contentTypeOf(path: string): string {
  return contentTypes[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** True when the built pages are there to serve. */
export function pagesBuilt(pagesDir: string): boolean {
  return existsSync(join(pagesDir, 'index.html'));
}

/**
 * The file a page path names. The single-page app owns every other path, and a path escaping the
 * folder (`/../`, encoded or not) gets index.html too, never a file outside it.
 */
export function pageFile(pagesDir: string, pathname: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    decoded = '/';
  }
  const relative = normalize(decoded).replace(/^([/\\])+/, '');
  const file = join(pagesDir, relative === '' ? 'index.html' : relative);
  return file.startsWith(pagesDir + sep) && existsSync(file) && statSync(file).isFile()
    ? file
    : join(pagesDir, 'index.html');
}

/**
 * The file of the stored image a `/media/ID` path names, or null when ID is not an image id or names
 * no image; `imagePath` is the engine's lookup ('images.get'), which throws for an unknown id.
 */
export async function mediaFile(id: string, imagePath: (imageId: number) => Promise<string>): Promise<string | null> {
  if (!/^[1-9][0-9]{0,15}$/.test(id)) return null;
  try {
    return await imagePath(Number(id));
  } catch {
    return null;
  }
}

/** The store is content-addressed: a stored image's bytes never change, so a browser may keep them for good. */
export const MEDIA_CACHE_CONTROL = 'private, max-age=31536000, immutable';

/**
 * The page may load only its own scripts and styles and talk only to its host (`connect` adds what
 * else it may open, such as the web host's WebSocket).
 */
export function securityHeaders(connect: readonly string[] = []): Readonly<Record<string, string>> {
  return {
    'Content-Security-Policy':
      `default-src 'self'; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; connect-src ` +
      `${["'self'", ...connect].join(' ')}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'`,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
}
