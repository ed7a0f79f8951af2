import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isPasticheError, PasticheError } from '../../common/errors.js';
import { makeFolder } from '../fileIO.js';
import { MIGRATIONS, TABLE_REBUILDS } from './migrations.js';
import { sqliteProblem } from './sqliteErrors.js';

export type Db = Database.Database;

// better-sqlite3 reads this when it loads its native module, at the first connection: a WAL database
// in a folder that cannot be written can only be read through a URI filename's `immutable` parameter.
process.env.SQLITE_USE_URI ??= '1';

/** How long a statement waits for another process's write transaction: the longest write a copy of a print. */
const BUSY_TIMEOUT_MS = 20_000;

export interface OpenOptions {
  /** Reads only, and applies no migration: for a data folder or file that cannot be written. */
  readonly readOnly?: boolean;
}

/**
 * Opens (creating if needed) the SQLite database and brings its schema up to date. WAL lets the
 * studio read while a run writes; foreign keys keep runs, images and outputs consistent.
 */
export function openDatabase(file: string, { readOnly = false }: OpenOptions = {}): Db {
  if (!readOnly) makeFolder(dirname(file));
  const db = readOnly ? connectReadOnly(file) : connect(file);
  try {
    db.pragma('foreign_keys = ON');
    if (readOnly) requireCurrentSchema(db, file);
    else migrate(db, file);
    return db;
  } catch (error) {
    db.close();
    throw sqliteProblem(error, file);
  }
}

/**
 * Reads every page of the database: damage (a failing disk, a file overwritten in part) is then
 * reported when the store opens, rather than by whichever request first reads a damaged page.
 */
export function checkDatabase(db: Db, file: string): void {
  let problems: unknown[];
  try {
    problems = db.pragma('quick_check(1)', { simple: false }) as unknown[];
  } catch (error) {
    throw sqliteProblem(error, file);
  }
  const first = Object.values((problems[0] ?? {}) as Record<string, unknown>)[0];
  if (first !== 'ok') throw sqliteProblem(Object.assign(new Error(String(first)), { code: 'SQLITE_CORRUPT' }), file);
}

/** The first statements that read the file, so a file that is not a database is refused here. */
function connect(file: string): Db {
  let db: Db | undefined;
  try {
    db = new Database(file, nativeBinding());
    // Before WAL, which needs a lock another process may briefly hold.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    return db;
  } catch (error) {
    db?.close();
    throw openProblem(error, file);
  }
}

/**
 * A connection that cannot write. SQLite reads a WAL database through a shared-memory file beside
 * it, which a read-only folder cannot hold: there the file is read as immutable, which is safe when
 * no write-ahead log is beside it (nothing pending in one) and no one can write the folder.
 */
function connectReadOnly(file: string): Db {
  try {
    return readingConnection(file);
  } catch (error) {
    const cannotOpen = (error as { code?: string }).code === 'SQLITE_CANTOPEN';
    if (!cannotOpen || existsSync(`${file}-wal`)) throw openProblem(error, file);
  }
  try {
    return readingConnection(`${pathToFileURL(file).href}?immutable=1`);
  } catch (error) {
    throw openProblem(error, file);
  }
}

function readingConnection(name: string): Db {
  const db = new Database(name, { ...nativeBinding(), readonly: true, fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // The first statement that reads the file, so that one that is not a database is refused here.
    db.pragma('schema_version');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function requireCurrentSchema(db: Db, file: string): void {
  const applied = schemaVersion(db);
  refuseNewerSchema(applied, file);
  if (applied < MIGRATIONS.length) {
    const upgrade = `needs upgrading from schema ${applied} to ${MIGRATIONS.length}`;
    throw new PasticheError(`${upgrade}, which cannot be done read-only: open it once where it can be written`, file);
  }
}

function refuseNewerSchema(applied: number, file: string): void {
  if (applied > MIGRATIONS.length) {
    const versions = `schema ${applied}, this one knows ${MIGRATIONS.length}`;
    throw new PasticheError(`${file} was written by a newer Pastiche (${versions})`);
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

function openProblem(error: unknown, file: string): PasticheError {
  const known = sqliteProblem(error, file);
  if (isPasticheError(known)) return known;
  const message = error instanceof Error ? error.message : String(error);
  return new PasticheError(`cannot open the database (${message.split('\n')[0]})`, file);
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
  refuseNewerSchema(applied, file);
  if (applied === MIGRATIONS.length) return true;
  db.exec(MIGRATIONS[applied]);
  if (TABLE_REBUILDS.has(applied + 1) && (db.pragma('foreign_key_check') as unknown[]).length > 0) {
    throw new PasticheError(
      `rebuilding its tables for schema ${applied + 1} would break references between rows; nothing was changed`,
      file,
    );
  }
  db.pragma(`user_version = ${applied + 1}`);
  return false;
}
