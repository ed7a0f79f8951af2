import { decodeImage, describeImage, encodeImage } from '../image/imageIO.js';
import { readFileBytes } from '../fileIO.js';

/** A stored image made smaller for the screen: its bytes and their content type. */
export interface ScreenCopy {
  readonly bytes: Buffer;
  readonly contentType: string;
}

/**
 * Copies made lately, newest last, within this many bytes: ←/→ back to a print or a second window
 * asks for the same copy again, and resizing a 6000 × 4000 image takes about a second.
 */
const CACHE_BYTES = 64 * 1024 ** 2;
const cache = new Map<string, ScreenCopy>();

/**
 * The stored image at `path` with its longest side `maxSide` pixels (Lanczos 3, sRGB), for the viewer's
 * first look at a print-size result; null when the image is no larger, so the file itself is served. The
 * copy is a JPEG (quality 90, full chroma), whatever the file: it is only ever shown smaller than the
 * file's own pixels (the viewer loads the file past that), where JPEG's losses do not show, and a 2048-px
 * copy of a 6000 × 4000 painting is 0.6 MB as JPEG against 6.9 MB as PNG (measured). The file is read
 * as the engine reads images (a regular file, bounded, within the pixel limit); a problem is a
 * PasticheError naming it.
 */
export async function screenCopy(path: string, maxSide: number): Promise<ScreenCopy | null> {
  const key = `${maxSide}:${path}`;
  const cached = cache.get(key);
  if (cached) {
    cache.delete(key);
    cache.set(key, cached);
    return cached;
  }
  const bytes = await readFileBytes(path);
  const header = await describeImage(bytes, path);
  if (Math.max(header.width, header.height) <= maxSide) return null;
  const image = await decodeImage(bytes, path, { longSide: maxSide });
  const encoded = await encodeImage(image, { format: 'jpeg', quality: 90 }, path);
  return remember(key, { bytes: encoded, contentType: 'image/jpeg' });
}

function remember(key: string, copy: ScreenCopy): ScreenCopy {
  cache.set(key, copy);
  let total = 0;
  for (const entry of cache.values()) total += entry.bytes.length;
  for (const [oldest, entry] of cache) {
    if (total <= CACHE_BYTES) break;
    cache.delete(oldest);
    total -= entry.bytes.length;
  }
  return copy;
}
