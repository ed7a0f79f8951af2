import { readFileBytes } from '../../engine/node/fileIO.js';
import {
  contentTypeOf,
  MEDIA_CACHE_CONTROL,
  mediaFile,
  pageFile,
  pagesBuilt,
  securityHeaders,
} from '../../engine/node/studio/studioPages.js';
import { STUDIO_ORIGIN } from '../common/ipc.js';
import { isPasticheError } from '../../engine/common/errors.js';
import { parseMaxSide } from '../../engine/common/view/screenImage.js';
import { screenCopy } from '../../engine/node/studio/screenCopy.js';

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
  if (url.pathname.startsWith('/media/')) return mediaResponse(url, options);
  if (!pagesBuilt(options.pagesDir)) return problem(503, "The studio's pages are not built here: run `npm run build`.");
  const file = pageFile(options.pagesDir, url.pathname);
  return fileResponse(file, 'no-cache');
}

/** A stored image, or with `?maxSide=N` its screen-resolution copy (screenCopy.ts), as the web host's /media. */
async function mediaResponse(url: URL, options: StudioProtocolOptions): Promise<Response> {
  const side = parseMaxSide(url.searchParams.get('maxSide'));
  if ('problem' in side) return problem(400, side.problem);
  const path = await mediaFile(url.pathname.slice('/media/'.length), options.imagePath);
  if (path === null) return problem(404, 'no such image');
  if (side.maxSide === null) return fileResponse(path, MEDIA_CACHE_CONTROL);
  try {
    const copy = await screenCopy(path, side.maxSide);
    if (copy === null) return fileResponse(path, MEDIA_CACHE_CONTROL);
    const headers = { 'Content-Type': copy.contentType, 'Cache-Control': MEDIA_CACHE_CONTROL, ...securityHeaders() };
    return new Response(new Uint8Array(copy.bytes), { status: 200, headers });
  } catch (error) {
    return problem(isPasticheError(error) ? 422 : 500, error instanceof Error ? error.message : String(error));
  }
}

/**
 * Regular files only, bounded by their size: a stored image replaced by a pipe or a device is missing, not read
 * forever.
 */
async function fileResponse(path: string, cache: string): Promise<Response> {
  try {
    const bytes = await readFileBytes(path);
    return new Response(new Uint8Array(bytes), {
      status: 200,
      headers: { 'Content-Type': contentTypeOf(path), 'Cache-Control': cache, ...securityHeaders() },
    });
  } catch {
    return problem(404, 'the file is missing');
  }
}

function problem(status: number, message: string): Response {
  return new Response(message, {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...securityHeaders() },
  });
}
