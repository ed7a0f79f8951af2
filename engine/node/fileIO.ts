import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { PasticheError } from '../common/errors.js';

/** The file-system failures a person can act on, in plain words; anything else is reported by its code. */
const problemByCode: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'part of the path is a file, not a folder',
  // mkdir's answer when the folder to create already exists as a file.
  EEXIST: 'part of the path is a file, not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the disk is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
};

function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown';
  return problemByCode[code] ?? `unexpected file system error (${code})`;
}

/** The whole file, or a PasticheError naming it when it cannot be read (missing, a folder, no permission). */
export async function readFileBytes(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new PasticheError(fileProblem(error), file);
  }
}

/** Creates the folder and its parents if missing, or a PasticheError naming it. */
export function makeFolder(folder: string): void {
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw new PasticheError(`cannot create the folder (${fileProblem(error)})`, folder);
  }
}

/**
 * Refuses, before any work is done, a file that could not be written: its folder is missing, is not
 * a folder, or is not writable. (writeFileAtomically would create a missing folder, but a mistyped
 * path is likelier than a wish for a new folder.)
 */
export function checkWritable(file: string): void {
  const folder = dirname(resolve(file));
  try {
    if (!statSync(folder).isDirectory()) throw Object.assign(new Error(), { code: 'ENOTDIR' });
    accessSync(folder, constants.W_OK);
  } catch (error) {
    const problem = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : fileProblem(error);
    throw new PasticheError(`cannot write into ${folder} (${problem})`, file);
  }
}

/**
 * Writes `bytes` to `file` through a synced temp file in the same folder and a rename, so that a
 * crash or a full disk leaves either the old file or the new one, never half of one. Creates the
 * parent folder.
 */
export async function writeFileAtomically(file: string, bytes: Uint8Array): Promise<void> {
  const temp = tempFileFor(file);
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeSynced(temp, bytes);
    await rename(temp, file);
  } catch (error) {
    // Best effort: the temp file may never have been created, and the write error is the one to report.
    await rm(temp, { force: true }).catch(() => undefined);
    throw writeProblem(error, file);
  }
}

/** writeFileAtomically for callers inside a synchronous database transaction (the store's media copies). */
export function writeFileAtomicallySync(file: string, bytes: Uint8Array): void {
  const temp = tempFileFor(file);
  try {
    mkdirSync(dirname(file), { recursive: true });
    const fd = openSync(temp, 'wx');
    try {
      writeFileSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    // Best effort, as above: `force` forgives a missing temp file but not a path through a file.
    try {
      rmSync(temp, { force: true });
    } catch {
      // The write error is the one to report.
    }
    throw writeProblem(error, file);
  }
}

function tempFileFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
}

function writeProblem(error: unknown, file: string): PasticheError {
  return new PasticheError(`cannot write (${fileProblem(error)})`, file);
}

async function writeSynced(file: string, bytes: Uint8Array): Promise<void> {
  const handle = await open(file, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes every file into a temporary sibling folder, then renames it into place: a reader never sees
 * a half-written folder (a network, a style, a training checkpoint). With `replace`, an existing
 * folder is first renamed aside and removed once the new one is in place, so a crash in between
 * leaves the old folder beside the name rather than nothing; without it, an existing folder is an error.
 */
export async function writeFolderAtomically(folder: string, files: Record<string, Uint8Array | string>, { replace = false } = {}): Promise<void> {
  const temporary = `${folder}.partial-${randomBytes(6).toString('hex')}`;
  const previous = `${folder}.previous-${randomBytes(6).toString('hex')}`;
  let movedAside = false;
  try {
    await mkdir(temporary, { recursive: true });
    for (const [name, content] of Object.entries(files)) await writeSynced(join(temporary, name), typeof content === 'string' ? Buffer.from(content) : content);
    if (replace) movedAside = await rename(folder, previous).then(() => true, (error: NodeJS.ErrnoException) => { if (error.code === 'ENOENT') return false; throw error; });
    await rename(temporary, folder);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true }).catch(() => undefined);
    if (movedAside) await rename(previous, folder).catch(() => undefined);
    throw writeProblem(error, folder);
  }
  if (movedAside) await rm(previous, { recursive: true, force: true });
}
