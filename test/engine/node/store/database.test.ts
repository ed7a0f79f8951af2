import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PasticheError } from '../../../../engine/common/errors.js';
import { openDatabase, type Db } from '../../../../engine/node/store/database.js';
import { MIGRATIONS } from '../../../../engine/node/store/migrations.js';
import { TABLES, tempFolder } from './storeFixtures.js';

const userVersion = (db: Db) => db.pragma('user_version', { simple: true });

function tableNames(db: Db): string[] {
  return (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>
  ).map((row) => row.name);
}

function withDatabase<T>(file: string, use: (db: Db) => T): T {
  const db = openDatabase(file);
  try {
    return use(db);
  } finally {
    db.close();
  }
}

describe('openDatabase', () => {
  it('creates the folder and the latest schema, in WAL mode with foreign keys enforced', () => {
    const file = join(tempFolder(), 'nested', 'folder', 'pastiche.db');
    withDatabase(file, (db) => {
      assert.equal(userVersion(db), MIGRATIONS.length);
      assert.deepEqual(tableNames(db), [...TABLES].sort());
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
      assert.ok((db.pragma('busy_timeout', { simple: true }) as number) > 0);
      assert.throws(
        () =>
          db.prepare("INSERT INTO run_outputs (run_id, kind, iteration, image_id) VALUES (42, 'result', 1, 42)").run(),
        /FOREIGN KEY/,
      );
    });
  });

  it('opens an up-to-date database again without changing it', () => {
    const file = join(tempFolder(), 'pastiche.db');
    withDatabase(file, (db) => db.prepare("INSERT INTO projects (name) VALUES ('kept')").run());
    withDatabase(file, (db) => {
      assert.equal(userVersion(db), MIGRATIONS.length);
      assert.deepEqual(db.prepare('SELECT name FROM projects').all(), [{ name: 'kept' }]);
    });
  });

  it('upgrades a version-1 database with its data to the latest schema', () => {
    const file = join(tempFolder(), 'pastiche.db');
    const old = new Database(file);
    old.exec(MIGRATIONS[0]);
    old.pragma('user_version = 1');
    old.prepare("INSERT INTO projects (name) VALUES ('from version 1')").run();
    old.close();
    withDatabase(file, (db) => {
      assert.equal(userVersion(db), MIGRATIONS.length);
      assert.deepEqual(tableNames(db), [...TABLES].sort());
      assert.deepEqual(db.prepare('SELECT name FROM projects').all(), [{ name: 'from version 1' }]);
    });
  });

  it('builds the schema in an existing empty file', () => {
    const file = join(tempFolder(), 'pastiche.db');
    writeFileSync(file, '');
    withDatabase(file, (db) => {
      assert.equal(userVersion(db), MIGRATIONS.length);
      assert.ok(tableNames(db).includes('runs'));
    });
  });

  it('refuses a database written by a newer Pastiche, leaving it untouched', () => {
    const file = join(tempFolder(), 'pastiche.db');
    const newer = new Database(file);
    newer.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    newer.close();
    assert.throws(
      () => openDatabase(file),
      (error: Error) => {
        assert.ok(error instanceof PasticheError);
        assert.equal(
          error.message,
          `${file} was written by a newer Pastiche (schema ${MIGRATIONS.length + 1}, this one knows ` +
            `${MIGRATIONS.length})`,
        );
        return true;
      },
    );
    const after = new Database(file, { readonly: true });
    assert.deepEqual(tableNames(after), []);
    after.close();
  });

  it('refuses a file that is not a SQLite database with one line naming it', () => {
    const file = join(tempFolder(), 'pastiche.db');
    writeFileSync(file, 'a shopping list, not a database\n'.repeat(200));
    assert.throws(
      () => openDatabase(file),
      (error: Error) => {
        assert.ok(error instanceof PasticheError);
        assert.ok(error.message.startsWith(`${file}: `), error.message);
        assert.match(error.message, /not a Pastiche database/);
        assert.ok(!error.message.includes('\n'));
        return true;
      },
    );
  });
});
