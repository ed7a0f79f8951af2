import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PasticheError } from '../../common/errors.js';
import { writeFileAtomicallySync } from '../fileIO.js';

// Content-addressed copies under media/: `ab/abcdef….png`, named by the SHA-256 of their bytes, so
// the same picture is kept once and a run never depends on the user's file staying put.

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The copy's path relative to media/, with `/` on every platform so the database moves between them. */
export function mediaPath(sha256: string, format: string): string {
  if (!/^[a-z0-9]+$/i.test(format)) throw new PasticheError(`'${format}' cannot be a file extension`, 'image format');
  return `${sha256.slice(0, 2)}/${sha256}.${format === 'jpeg' ? 'jpg' : format.toLowerCase()}`;
}

/** Writes the bytes at media/relativePath unless a copy is already there. */
export function storeMediaFile(mediaDir: string, relativePath: string, bytes: Uint8Array): void {
  const target = join(mediaDir, relativePath);
  if (existsSync(target)) return;
  writeFileAtomicallySync(target, bytes);
}
