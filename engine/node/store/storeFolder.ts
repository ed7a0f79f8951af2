import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { PasticheError } from '../../common/errors.js';
import type { StorePaths } from '../paths.js';

/** The file's size, or undefined when there is none. */
function sizeOf(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch {
    return undefined;
  }
}

/** The pictures under media/, not counting temp files a write left. */
function mediaFileCount(media: string): number {
  if (!existsSync(media)) return 0;
  const entries = readdirSync(media, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile() && !entry.name.startsWith('.')).length;
}

/**
 * Refuses a database that is missing or empty beside a media/ that holds pictures: the store's
 * records are lost (a failed copy, a truncated file), and starting a new store over them would hide that.
 */
export function refuseLostDatabase(paths: StorePaths): void {
  const size = sizeOf(paths.database);
  if ((size ?? 0) > 0 || (sizeOf(`${paths.database}-wal`) ?? 0) > 0) return;
  const pictures = mediaFileCount(paths.media);
  if (pictures === 0) return;
  const state = size === undefined ? 'missing' : 'empty (0 bytes)';
  const held = `${pictures} ${pictures === 1 ? 'file' : 'files'}`;
  const recovery = 'restore pastiche.db from a backup, or move media/ aside to start a new store';
  const found = `the database is ${state} but media/ holds ${held} of the runs it recorded`;
  throw new PasticheError(`${found}; nothing was changed: ${recovery}`, paths.database);
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * True when the store can only be read: its folder or its database cannot be written (a read-only
 * disk, an immutable file, another user's folder). A folder yet to be made is not read-only.
 */
export function storeIsReadOnly(paths: StorePaths): boolean {
  if (!existsSync(paths.home)) return false;
  return !writable(paths.home) || (existsSync(paths.database) && !writable(paths.database));
}
