import type { Db } from './database.js';
import type { ProjectRecord } from '../../common/runs/records.js';

/** The `projects` table: named groups of runs, created by their first run. */
export class ProjectTable {
  private readonly insert;
  private readonly byName;
  private readonly all;

  constructor(db: Db) {
    this.insert = db.prepare<[string]>('INSERT INTO projects (name) VALUES (?) ON CONFLICT (name) DO NOTHING');
    this.byName = db.prepare<[string], { id: number }>('SELECT id FROM projects WHERE name = ?');
    this.all = db.prepare<
      [],
      ProjectRecord
    >(`SELECT projects.id, projects.name, projects.created_at AS createdAt, count(runs.id) AS runCount
      FROM projects LEFT JOIN runs ON runs.project_id = projects.id GROUP BY projects.id ORDER BY projects.name`);
  }

  /** The project's id, creating the project on first use. */
  idFor(name: string): number {
    this.insert.run(name);
    return this.byName.get(name)!.id;
  }

  list(): ProjectRecord[] {
    return this.all.all();
  }
}
