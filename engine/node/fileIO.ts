import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isPasticheError, PasticheError } from '../common/errors.js';

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

/**
 * The most bytes a file read whole may hold unless its reader says otherwise: more than any photo,
 * painting or network the product reads (VGG-19's Keras file is 0.55 GB), less than a Buffer's limit.
 */
export const MAX_FILE_BYTES = 2 * 1024 ** 3;

/** What a JSON file (a model.json, a manifest, a spec) may hold: a network's topology is well under 1 MB. */
export const MAX_JSON_BYTES = 64 * 1024 ** 2;

/**
 * The whole file, or a PasticheError naming it. Only a regular file is read (a link to one is
 * followed): a device, a pipe or a socket reports no size that bounds what reading it costs, and
 * would be read until memory runs out. The size is checked against `maxBytes` before anything is
 * read, and no more than the size found is read even if the file grows meanwhile.
 */
export async function readFileBytes(file: string, maxBytes = MAX_FILE_BYTES): Promise<Buffer> {
  const { handle, size } = await openRegularFile(file, maxBytes);
  try {
    const bytes = Buffer.alloc(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(bytes, filled, size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === size ? bytes : bytes.subarray(0, filled);
  } catch (error) {
    throw readProblem(error, file);
  } finally {
    await handle.close();
  }
}

/**
 * An open regular file and its size, with readFileBytes' refusals, for a reader that streams it (a
 * stored image sent to the browser): the caller closes the handle and reads no more than `size`.
 */
export async function openRegularFile(
  file: string,
  maxBytes = MAX_FILE_BYTES,
): Promise<{ handle: FileHandle; size: number }> {
  const handle = await openForReading(file);
  try {
    return { handle, size: regularFileSize(await handle.stat(), file, maxBytes) };
  } catch (error) {
    await handle.close();
    throw readProblem(error, file);
  }
}

/** Non-blocking, so that opening a pipe with no writer returns (to be refused) instead of waiting for one. */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

async function openForReading(file: string): Promise<FileHandle> {
  try {
    return await open(file, READ_FLAGS);
  } catch (error) {
    throw new PasticheError(fileProblem(error), file);
  }
}

/**
 * A regular file's status and first `headBytes` bytes, with readFileBytes' refusals, for a reader
 * that hands the path to a library opening the file itself (h5wasm): the status lets it check that
 * the library opens this same file.
 */
export async function inspectFile(
  file: string,
  headBytes: number,
  maxBytes = MAX_FILE_BYTES,
): Promise<{ stats: Stats; head: Buffer }> {
  const handle = await openForReading(file);
  try {
    const stats = await handle.stat();
    const head = Buffer.alloc(Math.min(headBytes, regularFileSize(stats, file, maxBytes)));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return { stats, head: head.subarray(0, bytesRead) };
  } catch (error) {
    throw readProblem(error, file);
  } finally {
    await handle.close();
  }
}

/** readFileBytes for synchronous callers (a folder's small descriptor files). */
export function readFileBytesSync(file: string, maxBytes = MAX_FILE_BYTES): Buffer {
  let fd: number;
  try {
    fd = openSync(file, READ_FLAGS);
  } catch (error) {
    throw new PasticheError(fileProblem(error), file);
  }
  try {
    const size = regularFileSize(fstatSync(fd), file, maxBytes);
    const bytes = Buffer.alloc(size);
    let filled = 0;
    while (filled < size) {
      const bytesRead = readSync(fd, bytes, filled, size - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === size ? bytes : bytes.subarray(0, filled);
  } catch (error) {
    throw readProblem(error, file);
  } finally {
    closeSync(fd);
  }
}

/** The parsed JSON of a file of at most `maxBytes`, or a one-line PasticheError naming it. */
export async function readJsonFile(file: string, maxBytes = MAX_JSON_BYTES): Promise<unknown> {
  return parseJson((await readFileBytes(file, maxBytes)).toString('utf8'), file);
}

/** readJsonFile for synchronous callers. */
export function readJsonFileSync(file: string, maxBytes = MAX_JSON_BYTES): unknown {
  return parseJson(readFileBytesSync(file, maxBytes).toString('utf8'), file);
}

/** A refusal stays as it is; a failure of the file system mid-read names the file. */
function readProblem(error: unknown, file: string): PasticheError {
  return isPasticheError(error) ? error : new PasticheError(`cannot read (${fileProblem(error)})`, file);
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new PasticheError('is not valid JSON', file);
  }
}

function regularFileSize(info: Stats, file: string, maxBytes: number): number {
  if (info.isDirectory()) throw new PasticheError(problemByCode.EISDIR, file);
  if (!info.isFile()) throw new PasticheError('is not a regular file (a device, a pipe or a socket): refused', file);
  if (info.size > maxBytes)
    throw new PasticheError(`holds ${info.size} bytes, more than the ${maxBytes} such a file may have`, file);
  return info.size;
}

/**
 * The path of `name` (a file a folder's descriptor names: a weight shard, a checkpoint variable)
 * inside `folder`, or a PasticheError naming `subject` (the descriptor): `..`, an absolute path or a
 * link whose target lies outside the folder would let a model folder read any file the user can.
 */
export function fileInside(folder: string, name: string, subject: string, what = 'file'): string {
  const root = resolve(folder);
  const file = resolve(root, name);
  const refuse = () =>
    new PasticheError(`${what} ${JSON.stringify(name)} leads outside the folder ${root}: refused`, subject);
  if (name.includes('\0') || !isBelow(root, file)) throw refuse();
  const target = realPath(file);
  // A missing file is left to its reader to report; an existing one must resolve inside the real folder.
  if (target !== null && !isBelow(realPath(root) ?? root, target)) throw refuse();
  return file;
}

function isBelow(folder: string, path: string): boolean {
  const way = relative(folder, path);
  return way !== '' && way !== '..' && !way.startsWith(`..${sep}`) && !isAbsolute(way);
}

function realPath(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
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

/** The writer's pid is in the name, so what a dead process left can be told from what a live one is writing. */
function asideName(folder: string, kind: 'partial' | 'previous'): string {
  return `${folder}.${kind}-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** The folder name and writer of one of writeFolderAtomically's temporary folders; null for any other name. */
export function halfWrittenFolder(name: string): { name: string; kind: 'partial' | 'previous'; pid: number } | null {
  const match = /^(.+)\.(partial|previous)-(\d+)-[0-9a-f]{12}$/.exec(name);
  return match ? { name: match[1], kind: match[2] as 'partial' | 'previous', pid: Number(match[3]) } : null;
}

function tempFileFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
}

/** A failed write as a one-line PasticheError naming the file. */
export function writeProblem(error: unknown, file: string): PasticheError {
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
export async function writeFolderAtomically(
  folder: string,
  files: Record<string, Uint8Array | string>,
  { replace = false } = {},
): Promise<void> {
  const temporary = asideName(folder, 'partial');
  const previous = asideName(folder, 'previous');
  let movedAside = false;
  try {
    await mkdir(temporary, { recursive: true });
    for (const [name, content] of Object.entries(files))
      await writeSynced(join(temporary, name), typeof content === 'string' ? Buffer.from(content) : content);
    if (replace)
      movedAside = await rename(folder, previous).then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return false;
          throw error;
        },
      );
    await rename(temporary, folder);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true }).catch(() => undefined);
    if (movedAside) await rename(previous, folder).catch(() => undefined);
    throw writeProblem(error, folder);
  }
  if (movedAside) await rm(previous, { recursive: true, force: true });
}
