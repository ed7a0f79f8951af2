import type { Channel } from '../../common/api/studioApi.js';
import { maxPixelsFromEnv } from '../image/imageIO.js';

/**
 * How large a request body the web host reads, by channel. Every channel but `images.add` carries a
 * few fields and settings: 1 MiB is hundreds of times what the largest valid request needs. An image
 * may be as large as an uncompressed 8-bit RGB picture at the pixel limit (PASTICHE_MAX_PIXELS, 100
 * megapixels by default) plus 1 MiB of metadata, as base64 (4 characters per 3 bytes): 400 MiB at the default.
 */
export const DEFAULT_BODY_LIMIT = 1024 ** 2;

const BYTES_PER_PIXEL = 3;
const IMAGE_METADATA_BYTES = 1024 ** 2;

export function bodyLimit(channel: Channel): number {
  if (channel !== 'images.add') return DEFAULT_BODY_LIMIT;
  const fileBytes = maxPixelsFromEnv() * BYTES_PER_PIXEL + IMAGE_METADATA_BYTES;
  return Math.ceil(fileBytes / 3) * 4 + DEFAULT_BODY_LIMIT;
}

/**
 * At most this many uploads (`images.add`) are read and decoded at once: each holds its body and its
 * decoded pixels, up to about 700 MB at the pixel limit. Another one is answered 503 with
 * Retry-After rather than queued: a queue would keep the sockets (and a page's requests) open with no
 * bound, while the studio's page retries after the time it is given.
 */
export const MAX_CONCURRENT_UPLOADS = 2;
export const UPLOAD_RETRY_AFTER_SECONDS = 1;

export function isUpload(channel: Channel): boolean {
  return channel === 'images.add';
}
