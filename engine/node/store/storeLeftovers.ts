import { readdirSync, renameSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { halfWrittenFolder } from '../fileIO.js';
import { processIsAlive } from './runOwners.js';

// What a process killed while writing leaves behind, found and removed when a store opens.

const MEDIA_FILE = /^[0-9a-f]{64}\.[a-z0-9]+$/;
/** writeFileAtomicallySync's temp file: `.NAME.HEX.tmp`. */
const TEMP_FILE = /^\..+\.[0-9a-f]{12}\.tmp$/;

/**
 * Copies under media/ that no `images` row names, and temp files. The caller holds the write lock,
 * and every copy is written under it (see ImageTable.add): so no live process is between writing a
 * copy and committing its row, and what is found here was left by one that died there.
 */
export function removeOrphanMedia(media: string, recorded: ReadonlySet<string>): number {
  if (!existsSync(media)) return 0;
  let removed = 0;
  for (const folder of readdirSync(media, { withFileTypes: true })) {
    if (!folder.isDirectory() || !/^[0-9a-f]{2}$/.test(folder.name)) continue;
    for (const name of readdirSync(join(media, folder.name))) {
      const orphan = TEMP_FILE.test(name) || (MEDIA_FILE.test(name) && !recorded.has(`${folder.name}/${name}`));
      if (!orphan) continue;
      rmSync(join(media, folder.name, name), { force: true });
      removed++;
    }
  }
  return removed;
}

/**
 * The half-written folders (`NAME.partial-PID-…`) and set-aside ones (`NAME.previous-PID-…`) that
 * writeFolderAtomically left in a library when its process died: the first are removed; the second are
 * put back where the new folder never arrived, else removed. A live process's are left alone.
 */
export function removeHalfWrittenFolders(library: string): number {
  if (!existsSync(library)) return 0;
  let removed = 0;
  for (const name of readdirSync(library)) {
    const left = halfWrittenFolder(name);
    if (!left || processIsAlive(left.pid)) continue;
    const path = join(library, name);
    const original = join(library, left.name);
    if (left.kind === 'previous' && !existsSync(original)) renameSync(path, original);
    else rmSync(path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}
