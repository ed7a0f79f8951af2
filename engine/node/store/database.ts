import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { PasticheError } from '../../common/errors.js';
import { makeFolder } from '../fileIO.js';
import { MIGRATIONS, TABLE_REBUILDS } from './migrations.js';

export type Db = Database.Database;

/**
 * Opens (creating if needed) the SQLite database and brings its schema up to date. WAL lets the
 * studio read while a run writes; foreign keys keep runs, images and outputs consistent.
 */
export function openDatabase(file: string): Db {
  makeFolder(dirname(file));
  const db = connect(file);
  try {
    db.pragma('foreign_keys = ON');
    migrate(db, file);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The first statements that read the file, so a file that is not a database is refused here. */
function connect(file: string): Db {
  let db: Db | undefined;
  try {
    db = new Database(file, nativeBinding());
    // Before WAL, which needs a lock another process may briefly hold.
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    return db;
  } catch (error) {
    db?.close();
    throw new PasticheError(openProblem(error), file);
  }
}

/**
 * The compiled module to load, when not the one npm built for Node: the desktop studio runs the engine
 * inside Electron, whose ABI differs, and passes its own build (see electron/node/electronInstall.ts).
 */
function nativeBinding(): Database.Options {
  const binding = process.env.PASTICHE_SQLITE_BINDING;
  return binding ? { nativeBinding: binding } : {};
}

function openProblem(error: unknown): string {
  if ((error as { code?: string }).code === 'SQLITE_NOTADB') return 'not a Pastiche database (not an SQLite file)';
  const message = error instanceof Error ? error.message : String(error);
  return `cannot open the database (${message.split('\n')[0]})`;
}

function migrate(db: Db, file: string): void {
  for (;;) {
    // SQLite ignores this pragma inside a transaction, so it is set around the one that rebuilds.
    const rebuilding = TABLE_REBUILDS.has(schemaVersion(db) + 1);
    if (rebuilding) db.pragma('foreign_keys = OFF');
    try {
      // IMMEDIATE takes the write lock before reading the version, so two processes never apply the same step.
      if (db.transaction(() => applyNextMigration(db, file)).immediate()) return;
    } finally {
      if (rebuilding) db.pragma('foreign_keys = ON');
    }
  }
}

function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies the first missing script with its version number, in the caller's transaction; true when none is missing. */
function applyNextMigration(db: Db, file: string): boolean {
  const applied = schemaVersion(db);
  if (applied > MIGRATIONS.length) {
    throw new PasticheError(`${file} was written by a newer Pastiche (schema ${applied}, this one knows ${MIGRATIONS.length})`);
  }
  if (applied === MIGRATIONS.length) return true;
  db.exec(MIGRATIONS[applied]);
  if (TABLE_REBUILDS.has(applied + 1) && (db.pragma('foreign_key_check') as unknown[]).length > 0) {
    throw new PasticheError(`rebuilding its tables for schema ${applied + 1} would break references between rows; nothing was changed`, file);
  }
  db.pragma(`user_version = ${applied + 1}`);
  return false;
}
