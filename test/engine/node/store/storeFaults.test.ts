import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  openSync,
  rmSync,
  readFileSync,
  statSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isPasticheError } from '../../../../engine/common/errors.js';
import { MIGRATIONS } from '../../../../engine/node/store/migrations.js';
import { openRunStore } from '../../../../engine/node/store/runStore.js';
import { pasticheIn } from '../../../helpers/cli.js';
import { bindReadOnly, unmount } from '../../../helpers/mounts.js';
import { fakeImage, sampleRun, tempFolder } from './storeFixtures.js';

/** A store with a few runs, each with enough metrics to fill several pages. */
function storeWithRuns(runs = 3): string {
  const home = tempFolder();
  const store = openRunStore(home);
  for (let i = 0; i < runs; i++) {
    const { id } = store.createRun(sampleRun(store));
    store.recordMetrics(
      id,
      Array.from({ length: 200 }, (_, n) => ({ iteration: n, total: n, content: 1, style: 2, tv: 3, elapsedMs: n })),
    );
  }
  store.close();
  return home;
}

function oneLine(text: string): string {
  const lines = text.trim().split('\n');
  assert.equal(lines.length, 1, `one line, not:\n${text}`);
  return lines[0];
}

describe('a store whose database was emptied', () => {
  it('is refused, naming the file and what media/ holds, rather than silently started again', () => {
    const home = storeWithRuns(1);
    writeFileSync(join(home, 'pastiche.db'), '');
    const result = pasticheIn(home, 'runs');
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      oneLine(result.stderr),
      /pastiche\.db: the database is empty \(0 bytes\) but media\/ holds 2 files .*back ?up/,
    );
    assert.equal(statSync(join(home, 'pastiche.db')).size, 0, 'nothing was created over it');
  });

  it('is refused when it is missing beside a media/ that holds pictures', () => {
    const home = storeWithRuns(1);
    rmSync(join(home, 'pastiche.db'));
    assert.throws(
      () => openRunStore(home),
      (error) =>
        isPasticheError(error) && /pastiche\.db: the database is missing but media\/ holds 2 files/.test(error.message),
    );
    assert.ok(!existsSync(join(home, 'pastiche.db')), 'no new database was made');
  });

  it('opens an empty database beside an empty media/ as the new store it is', () => {
    const home = tempFolder();
    mkdirSync(join(home, 'media'));
    writeFileSync(join(home, 'pastiche.db'), '');
    const store = openRunStore(home);
    assert.deepEqual(store.listRuns(), []);
    store.close();
  });
});

describe('a database with damaged pages', () => {
  /** Overwrites the second half of the pages (metrics, past the schema's) with garbage, as a failing disk might. */
  function damage(home: string): string {
    const file = join(home, 'pastiche.db');
    const pageSize = readFileSync(file).readUInt16BE(16);
    const pages = statSync(file).size / pageSize;
    assert.ok(pages > 4, `${pages} pages`);
    const fd = openSync(file, 'r+');
    for (let page = Math.floor(pages / 2); page < pages; page++)
      writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, page * pageSize);
    closeSync(fd);
    return file;
  }

  it('the CLI says so in one line naming the file', () => {
    const home = storeWithRuns();
    const file = damage(home);
    const result = pasticheIn(home, 'show', '3');
    assert.equal(result.code, 1, result.stderr);
    assert.ok(
      oneLine(result.stderr).startsWith(`pastiche: ${file}: the database is damaged (SQLITE_CORRUPT)`),
      result.stderr,
    );
  });

  it('the studio, which checks the whole file when it opens the store, says so in one line', () => {
    const home = storeWithRuns();
    const file = damage(home);
    assert.throws(
      () => openRunStore(home, { verify: true }),
      (error) =>
        isPasticheError(error) && error.message.startsWith(`${file}: the database is damaged (SQLITE_CORRUPT)`),
    );
  });
});

describe('a read-only data folder', () => {
  function readOnlyCopy(t: { skip(message: string): void }, home: string): string | null {
    const view = join(tempFolder(), 'read-only');
    const why = bindReadOnly(home, view);
    if (why) {
      t.skip(`the folder cannot be made read-only here: ${why}`);
      return null;
    }
    return view;
  }

  it('lists its runs and shows one, writing nothing', (t) => {
    const home = storeWithRuns(2);
    const view = readOnlyCopy(t, home);
    if (!view) return;
    try {
      const listed = pasticheIn(view, 'runs', '--json');
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(
        JSON.parse(listed.stdout).map((run: { id: number }) => run.id),
        [2, 1],
      );
      const shown = pasticheIn(view, 'show', '1', '--json');
      assert.equal(shown.code, 0, shown.stderr);
      assert.equal(JSON.parse(shown.stdout).metrics.iterations, 199);
    } finally {
      unmount(view);
    }
  });

  it('refuses a write in one line', (t) => {
    const home = storeWithRuns(1);
    const view = readOnlyCopy(t, home);
    if (!view) return;
    try {
      const store = openRunStore(view);
      assert.throws(
        () => fakeImage(store, 'new'),
        (error) => isPasticheError(error) && /read-only/.test(error.message) && !error.message.includes('\n'),
      );
      assert.throws(
        () => store.createRun(sampleRun(store)),
        (error) => isPasticheError(error) && /read-only/.test(error.message),
      );
      store.close();
    } finally {
      unmount(view);
    }
  });

  it('says in one line that a store needing an upgrade cannot be upgraded there', (t) => {
    const home = tempFolder();
    mkdirSync(join(home, 'media'));
    const old = new Database(join(home, 'pastiche.db'));
    old.exec(MIGRATIONS[0]);
    old.pragma('user_version = 1');
    old.close();
    const view = readOnlyCopy(t, home);
    if (!view) return;
    try {
      const result = pasticheIn(view, 'runs');
      assert.equal(result.code, 1, result.stderr);
      assert.match(
        oneLine(result.stderr),
        new RegExp(`pastiche\\.db: needs upgrading from schema 1 to ${MIGRATIONS.length}.*read-only`),
      );
    } finally {
      unmount(view);
    }
  });
});
