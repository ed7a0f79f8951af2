import type { QueueStylize } from '../../common/api/studioApi.js';
import { PasticheError } from '../../common/errors.js';
import type { GridAxis, GridRecord } from '../../common/grids/grid.js';
import type { Db } from './database.js';

export interface NewGrid {
  readonly projectId: number;
  readonly name: string;
  readonly base: QueueStylize;
  readonly axes: readonly GridAxis[];
  readonly cells: GridRecord['cells'];
}

interface GridRow {
  readonly id: number;
  readonly project: string;
  readonly name: string;
  readonly base: string;
  readonly axes: string;
  readonly createdAt: string;
}

const GRID_SELECT = `SELECT grids.id, projects.name AS project, grids.name, base, axes, grids.created_at AS createdAt
  FROM grids JOIN projects ON projects.id = grids.project_id`;

/** The `grids` and `grid_cells` tables: comparison grids and the run in each of their cells. */
export class GridTable {
  private readonly statements;

  constructor(db: Db) {
    this.statements = {
      insert: db.prepare<[{ projectId: number; name: string; base: string; axes: string }]>(
        'INSERT INTO grids (project_id, name, base, axes) VALUES (@projectId, @name, @base, @axes)',
      ),
      insertCell: db.prepare<[{ gridId: number; row: number; column: number; runId: number }]>(
        'INSERT INTO grid_cells (grid_id, row, col, run_id) VALUES (@gridId, @row, @column, @runId)',
      ),
      byId: db.prepare<[number], GridRow>(`${GRID_SELECT} WHERE grids.id = ?`),
      list: db.prepare<[{ project: string | null }], GridRow>(
        `${GRID_SELECT} WHERE (@project IS NULL OR projects.name = @project) ORDER BY grids.id DESC`,
      ),
      cells: db.prepare<[number], { row: number; column: number; runId: number }>(
        'SELECT row, col AS column, run_id AS runId FROM grid_cells WHERE grid_id = ? ORDER BY row, col',
      ),
    };
  }

  /** Call inside a transaction, with the cells' runs already recorded. */
  add(grid: NewGrid): number {
    const gridId = Number(
      this.statements.insert.run({
        projectId: grid.projectId,
        name: grid.name,
        base: JSON.stringify(grid.base),
        axes: JSON.stringify(grid.axes),
      }).lastInsertRowid,
    );
    for (const cell of grid.cells) this.statements.insertCell.run({ gridId, ...cell });
    return gridId;
  }

  get(id: number): GridRecord {
    const row = this.statements.byId.get(id);
    if (!row) throw new PasticheError('no such grid', `grid ${id}`);
    return this.toRecord(row);
  }

  list(project?: string): GridRecord[] {
    return this.statements.list.all({ project: project ?? null }).map((row) => this.toRecord(row));
  }

  private toRecord(row: GridRow): GridRecord {
    return {
      id: row.id,
      project: row.project,
      name: row.name,
      base: JSON.parse(row.base),
      axes: JSON.parse(row.axes),
      cells: this.statements.cells.all(row.id),
      createdAt: row.createdAt,
    };
  }
}
