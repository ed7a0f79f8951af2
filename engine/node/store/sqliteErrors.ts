import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { isPasticheError, PasticheError } from '../../common/errors.js';

/**
 * SQLite's failures a person can act on, by primary result code, in plain words: a store that fails
 * this way says so in one line naming its file instead of ending in an internal error.
 */
const PROBLEM_BY_CODE: Readonly<Record<string, string>> = {
  SQLITE_CORRUPT: 'the database is damaged (SQLITE_CORRUPT); restore it from a backup',
  SQLITE_NOTADB: 'not a Pastiche database (not an SQLite file)',
  SQLITE_FULL: 'the disk is full (SQLITE_FULL)',
  SQLITE_IOERR: 'the disk failed to read or write (SQLITE_IOERR)',
  SQLITE_READONLY: 'the database is read-only here (SQLITE_READONLY)',
  SQLITE_CANTOPEN: 'cannot open the database file (SQLITE_CANTOPEN)',
  SQLITE_PERM: 'permission denied (SQLITE_PERM)',
  SQLITE_BUSY: 'another Pastiche kept the database locked too long (SQLITE_BUSY); try again',
  SQLITE_LOCKED: 'another Pastiche kept the database locked too long (SQLITE_LOCKED); try again',
  SQLITE_PROTOCOL: 'another Pastiche kept the database locked too long (SQLITE_PROTOCOL); try again',
};

/** `SQLITE_IOERR_WRITE` → `SQLITE_IOERR`: extended codes refine the primary one. */
function primaryCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code.split('_').slice(0, 2).join('_') : undefined;
}

/** Less free than this and a failed write is put down to a full disk. */
const NEARLY_FULL_BYTES = 4 * 1024 ** 2;

/**
 * SQLite reports a disk that fills up while it grows its write-ahead log or shared memory as an I/O
 * error, not SQLITE_FULL: the free space tells which it was.
 */
function diskIsFull(file: string): boolean {
  try {
    const { bavail, bsize } = statfsSync(dirname(file));
    return bavail * bsize < NEARLY_FULL_BYTES;
  } catch {
    return false;
  }
}

function problemOf(error: unknown, file: string): string | undefined {
  const code = primaryCode(error);
  if (code === 'SQLITE_IOERR' && diskIsFull(file)) return `the disk is full (${(error as { code: string }).code})`;
  return PROBLEM_BY_CODE[code ?? ''];
}

/** The PasticheError naming `file` for an SQLite failure a person can act on; any other error as it is. */
export function sqliteProblem(error: unknown, file: string): unknown {
  if (isPasticheError(error)) return error;
  const problem = problemOf(error, file);
  if (!problem) return error;
  const detail = error instanceof Error ? error.message.split('\n')[0] : '';
  return new PasticheError(detail ? `${problem}: ${detail}` : problem, file);
}

/**
 * `target` with every method's SQLite failures turned into sqliteProblem's: one place that covers
 * every statement the store runs, whichever table prepared it.
 */
export function withSqliteProblems<T extends object>(target: T, file: string): T {
  return new Proxy(target, {
    get(object, key) {
      const value: unknown = Reflect.get(object, key, object);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          return (value as (...a: unknown[]) => unknown).apply(object, args);
        } catch (error) {
          throw sqliteProblem(error, file);
        }
      };
    },
  });
}
