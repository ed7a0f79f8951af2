import type { Db } from './database.js';
import type { MetricRow } from '../../common/runs/records.js';

/** A row as stored: SQLite stores NaN as NULL, and losses are NaN when an optimisation diverges. */
interface StoredMetric {
  readonly iteration: number;
  readonly total: number | null;
  readonly content: number | null;
  readonly style: number | null;
  readonly tv: number | null;
  readonly elapsedMs: number;
}

/** The `run_metrics` table: the losses of every iteration of a run. */
export class MetricTable {
  private readonly insert;
  private readonly ofRun;
  private readonly after;

  constructor(db: Db) {
    this.insert = db.prepare<
      [MetricRow & { runId: number }]
    >(`INSERT INTO run_metrics (run_id, iteration, total, content, style, tv, elapsed_ms)
      VALUES (@runId, @iteration, @total, @content, @style, @tv, @elapsedMs)`);
    this.after = db.prepare<[number, number]>('DELETE FROM run_metrics WHERE run_id = ? AND iteration > ?');
    this.ofRun = db.prepare<[number], StoredMetric>(
      'SELECT iteration, total, content, style, tv, elapsed_ms AS ' +
        'elapsedMs FROM run_metrics WHERE run_id = ? ORDER BY iteration',
    );
  }

  /** Adds the rows; the caller holds the transaction. */
  add(runId: number, rows: readonly MetricRow[]): void {
    for (const row of rows) this.insert.run({ ...row, runId });
  }

  /**
   * Removes the rows after `iteration` (a training resumed from an earlier checkpoint takes those steps again); the
   * caller holds the transaction.
   */
  discardAfter(runId: number, iteration: number): void {
    this.after.run(runId, iteration);
  }

  list(runId: number): MetricRow[] {
    return this.ofRun.all(runId).map((row) => ({
      ...row,
      total: row.total ?? NaN,
      content: row.content ?? NaN,
      style: row.style ?? NaN,
      tv: row.tv ?? NaN,
    }));
  }
}
