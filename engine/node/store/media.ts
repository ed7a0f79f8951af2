import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PasticheError } from '../../common/errors.js';

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
  writeAtomically(target, bytes);
}

/** A synced temp file renamed into place, so a crash leaves no half-written copy under the real name. */
function writeAtomically(target: string, bytes: Uint8Array): void {
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    mkdirSync(dirname(target), { recursive: true });
    const fd = openSync(temp, 'wx');
    try {
      writeFileSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new PasticheError(`cannot store a copy (${(error as NodeJS.ErrnoException).code ?? String(error)})`, target);
  }
}
