import Database from 'better-sqlite3';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { storePaths } from '../../engine/node/paths.js';

/**
 * What a store must be after any crash and the restart's recovery: an intact database, no run left
 * running, every recorded output's copy on disk, no copy under media/ that no row names (a temp file
 * counts as one: recovery removes both), no half-written or set-aside library folder. The problems
 * found, none when the store is sound.
 */
export function storeProblems(home: string): string[] {
  const paths = storePaths(home);
  if (!existsSync(paths.database)) return [];
  const db = new Database(paths.database, { readonly: true });
  try {
    const problems: string[] = [];
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') problems.push(`integrity_check: ${String(integrity)}`);
    const running = db.prepare("SELECT id FROM runs WHERE status = 'running'").pluck().all();
    if (running.length > 0) problems.push(`runs still running: ${running.join(', ')}`);
    const done = db
      .prepare(
        `SELECT runs.id FROM runs WHERE status = 'done'
      AND NOT EXISTS (SELECT 1 FROM run_outputs o WHERE o.run_id = runs.id AND o.kind = 'result')`,
      )
      .pluck()
      .all();
    if (done.length > 0) problems.push(`done runs without a result: ${done.join(', ')}`);
    const recorded = db.prepare('SELECT path FROM images').pluck().all() as string[];
    const missing = db
      .prepare(
        `SELECT DISTINCT images.path FROM run_outputs JOIN images ON images.id = run_outputs.image_id
      JOIN runs ON runs.id = run_outputs.run_id WHERE runs.status <> 'queued'`,
      )
      .pluck()
      .all() as string[];
    const lost = missing.filter((path) => !existsSync(join(paths.media, path)));
    if (lost.length > 0) problems.push(`outputs missing from media/: ${lost.join(', ')}`);
    const orphans = mediaFiles(paths.media).filter((path) => !recorded.includes(path));
    if (orphans.length > 0) problems.push(`media/ files no row names: ${orphans.join(', ')}`);
    const halves = [paths.models, paths.styles, paths.training].flatMap(halfWritten);
    if (halves.length > 0) problems.push(`half-written library folders: ${halves.join(', ')}`);
    return problems;
  } finally {
    db.close();
  }
}

function mediaFiles(media: string): string[] {
  if (!existsSync(media)) return [];
  return readdirSync(media, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) =>
      join(entry.parentPath, entry.name)
        .slice(media.length + 1)
        .split('\\')
        .join('/'),
    );
}

function halfWritten(library: string): string[] {
  if (!existsSync(library)) return [];
  const aside = readdirSync(library).filter((name) => name.includes('.partial-') || name.includes('.previous-'));
  return aside.map((name) => join(library, name));
}
