import { realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, relative, resolve, isAbsolute, basename, join } from 'node:path';
import { PasticheError } from '../../common/errors.js';
import { checkWritable } from '../fileIO.js';
import { outputFormatForPath } from '../image/imageIO.js';
import { dataHome, storePaths } from '../paths.js';

/**
 * Refuses an --out that is not a new or replaceable image file before any work: an unknown
 * extension, a folder that cannot be written, an existing folder, one of the run's own inputs (the
 * same file by device and inode, so a link, a hard link or another spelling of its path is caught),
 * a file inside a folder the run reads (a style or network folder) or inside the store's own
 * folders. The user's photo is never replaced by its own result.
 */
export function checkOutputFile(out: string, inputs: ReadonlyArray<string | undefined>): void {
  outputFormatForPath(out);
  const target = statOrNull(out);
  if (target?.isDirectory()) throw new PasticheError('is a folder: give the file to write (e.g. result.png)', '--out');
  checkWritable(out);
  const store = storePaths(dataHome());
  for (const input of [...inputs, store.media, store.models, store.styles, store.training]) {
    const source = input === undefined ? null : statOrNull(input);
    if (!source) continue;
    if (source.isDirectory()) {
      if (isInside(out, input!))
        throw new PasticheError(
          `is inside ${input}, which the run reads or the store keeps: choose a file elsewhere`,
          '--out',
        );
    } else if (target && source.dev === target.dev && source.ino === target.ino) {
      throw new PasticheError(
        `is the run's own input ${input}: the result would replace it; choose another file`,
        '--out',
      );
    }
  }
}

/** The file's (or, through links, its target's) status; null when there is none to read. */
function statOrNull(file: string): Stats | null {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}

/** Whether `file` (which may not exist yet) lies inside `folder`, both with their links resolved. */
function isInside(file: string, folder: string): boolean {
  const parent = realpathOrSelf(dirname(resolve(file)));
  const path = relative(realpathOrSelf(resolve(folder)), join(parent, basename(file)));
  return path !== '' && !path.startsWith('..') && !isAbsolute(path);
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
