import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { STUDIO_NOTICES, type StudioNotice } from '../../common/api/studioApi.js';
import { readJsonFileSync, writeFileAtomicallySync } from '../fileIO.js';

/**
 * The notices dismissed in a data folder, kept in `notices.json` beside the database: the web
 * studio's address changes at every start (and with it the browser's localStorage), the data folder
 * does not, and the desktop and web studios share it.
 */
const FILE_NAME = 'notices.json';
/** Far more than the list of every notice takes. */
const MAX_BYTES = 4096;

const noticesSchema = z.strictObject({ dismissed: z.array(z.enum(STUDIO_NOTICES)).max(STUDIO_NOTICES.length * 4) });

/**
 * The notices dismissed so far. A file that cannot be read or is not such a list counts as none
 * dismissed: showing a notice again is harmless, and the next dismissal writes the file anew.
 */
export function dismissedNotices(home: string): StudioNotice[] {
  const file = join(home, FILE_NAME);
  if (!existsSync(file)) return [];
  try {
    const parsed = noticesSchema.safeParse(readJsonFileSync(file, MAX_BYTES));
    return parsed.success ? [...new Set(parsed.data.dismissed)] : [];
  } catch {
    return [];
  }
}

/** Adds a notice to those dismissed, replacing the file atomically. */
export function dismissNotice(home: string, notice: StudioNotice): void {
  const dismissed = [...new Set([...dismissedNotices(home), notice])];
  writeFileAtomicallySync(join(home, FILE_NAME), new TextEncoder().encode(`${JSON.stringify({ dismissed })}\n`));
}
