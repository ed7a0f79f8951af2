import type { IncomingMessage } from 'node:http';
import { MAX_CONCURRENT_UPLOADS } from './bodyLimits.js';

/** The uploads being read or decoded now, across all of a host's connections. */
export class UploadSlots {
  private active = 0;

  /** True, and the slot is held until `release`, when fewer than MAX_CONCURRENT_UPLOADS are under way. */
  take(): boolean {
    if (this.active >= MAX_CONCURRENT_UPLOADS) return false;
    this.active++;
    return true;
  }

  release(): void {
    this.active--;
  }
}

/** The Content-Length the client declared; 0 when it sent none (a chunked body) or nonsense. */
export function declaredLength(request: IncomingMessage): number {
  const declared = Number(request.headers['content-length'] ?? 0);
  return Number.isSafeInteger(declared) && declared > 0 ? declared : 0;
}

/**
 * The body, or null past `limit` (the rest is then discarded as it arrives, never kept). With a
 * declared length it is read into one buffer of that size, so the chunks are never held twice; a
 * chunked body is joined at the end. Neither comes from the shared pool: the bytes handed on are
 * views of this buffer, which must hold nothing else.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const declared = declaredLength(request);
    const whole = declared > 0 ? Buffer.allocUnsafeSlow(declared) : null;
    const chunks: Buffer[] = [];
    let size = 0;
    const take = (chunk: Buffer) => {
      if (size + chunk.length > limit || (whole && size + chunk.length > whole.length)) {
        request.off('data', take);
        request.resume();
        return resolve(null);
      }
      if (whole) chunk.copy(whole, size);
      else chunks.push(chunk);
      size += chunk.length;
    };
    request.on('data', take);
    request.once('end', () => resolve(whole ? whole.subarray(0, size) : joined(chunks, size)));
    request.once('error', reject);
    request.once('close', () => reject(new Error('the connection closed before the request was read')));
  });
}

function joined(chunks: readonly Buffer[], size: number): Buffer {
  const whole = Buffer.allocUnsafeSlow(size);
  let at = 0;
  for (const chunk of chunks) at += chunk.copy(whole, at);
  return whole;
}
