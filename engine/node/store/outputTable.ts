import type { Db } from './database.js';
import type { ImageTable } from './imageTable.js';
import type { OutputKind, OutputRecord } from '../../common/runs/records.js';

const OUTPUT_SELECT = 'SELECT id, kind, iteration, image_id AS imageId, created_at AS createdAt FROM run_outputs';

interface OutputRow {
  readonly id: number;
  readonly kind: OutputKind;
  readonly iteration: number;
  readonly imageId: number;
  readonly createdAt: string;
}

/** The `run_outputs` table: the images a run made, as result, previews or partial result. */
export class OutputTable {
  private readonly insert;
  private readonly byId;
  private readonly ofRun;
  private readonly best;
  private readonly after;

  constructor(
    db: Db,
    private readonly images: ImageTable,
  ) {
    this.insert = db.prepare<[number, OutputKind, number, number]>(
      'INSERT INTO run_outputs (run_id, kind, iteration, image_id) VALUES (?, ?, ?, ?)',
    );
    this.byId = db.prepare<[number], OutputRow>(`${OUTPUT_SELECT} WHERE id = ?`);
    this.ofRun = db.prepare<[number], OutputRow>(`${OUTPUT_SELECT} WHERE run_id = ? ORDER BY id`);
    this.after = db.prepare<[number, number]>('DELETE FROM run_outputs WHERE run_id = ? AND iteration > ?');
    this.best = db.prepare<[number], OutputRow>(`${OUTPUT_SELECT} WHERE run_id = ?
      ORDER BY CASE kind WHEN 'result' THEN 0 WHEN 'partial' THEN 1 ELSE 2 END, id DESC LIMIT 1`);
  }

  add(runId: number, kind: OutputKind, iteration: number, imageId: number): OutputRecord {
    this.images.get(imageId); // a PasticheError naming the image, rather than a foreign-key failure
    const { lastInsertRowid } = this.insert.run(runId, kind, iteration, imageId);
    return this.toRecord(this.byId.get(Number(lastInsertRowid))!);
  }

  /** Forgets the images made after `iteration` (their files stay in media/); the caller holds the transaction. */
  discardAfter(runId: number, iteration: number): void {
    this.after.run(runId, iteration);
  }

  /** In the order they were made. */
  list(runId: number): OutputRecord[] {
    return this.ofRun.all(runId).map((row) => this.toRecord(row));
  }

  /** The image that best shows the run: its result, else its partial result, else its latest preview. */
  latest(runId: number): OutputRecord | null {
    const row = this.best.get(runId);
    return row ? this.toRecord(row) : null;
  }

  private toRecord({ imageId, ...row }: OutputRow): OutputRecord {
    return { ...row, image: this.images.get(imageId) };
  }
}
