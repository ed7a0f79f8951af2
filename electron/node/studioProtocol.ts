import { readFileBytes } from '../../engine/node/fileIO.js';
import { contentTypeOf, MEDIA_CACHE_CONTROL, mediaFile, pageFile, pagesBuilt, securityHeaders } from '../../engine/node/studio/studioPages.js';
import { STUDIO_ORIGIN } from '../common/ipc.js';

export interface StudioProtocolOptions {
  /** The built renderer (dist/renderer). */
  readonly pagesDir: string;
  /** A stored image's file, through the engine ('images.get'); throws when there is no such image. */
  imagePath(imageId: number): Promise<string>;
}

/**
 * Answers `pastiche://studio/…` — the studio's pages, and `/media/ID` for stored images — with the
 * same files and security policy as the web host. A custom protocol rather than file:// gives the
 * page a real origin, so its CSP can say 'self' and nothing on disk but these files is reachable.
 */
export async function answerStudioProtocol(request: Request, options: StudioProtocolOptions): Promise<Response> {
  const url = new URL(request.url);
  // Node's URL gives a custom scheme the opaque origin "null", so the scheme and host are compared.
  if (`${url.protocol}//${url.host}` !== STUDIO_ORIGIN) return problem(404, 'not part of the studio');
  if (request.method !== 'GET') return problem(405, 'only GET');
  if (url.pathname.startsWith('/media/')) {
    const path = await mediaFile(url.pathname.slice('/media/'.length), options.imagePath);
    return path === null ? problem(404, 'no such image') : fileResponse(path, MEDIA_CACHE_CONTROL);
  }
  if (!pagesBuilt(options.pagesDir)) return problem(503, 'The studio\'s pages are not built here: run `npm run build`.');
  const file = pageFile(options.pagesDir, url.pathname);
  return fileResponse(file, 'no-cache');
}

/** Regular files only, bounded by their size: a stored image replaced by a pipe or a device is missing, not read forever. */
async function fileResponse(path: string, cache: string): Promise<Response> {
  try {
    const bytes = await readFileBytes(path);
    return new Response(new Uint8Array(bytes), { status: 200, headers: { 'Content-Type': contentTypeOf(path), 'Cache-Control': cache, ...securityHeaders() } });
  } catch {
    return problem(404, 'the file is missing');
  }
}

function problem(status: number, message: string): Response {
  return new Response(message, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...securityHeaders() } });
}
