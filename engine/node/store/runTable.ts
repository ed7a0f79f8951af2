import { PasticheError } from '../../common/errors.js';
import type { Db } from './database.js';
import type { ImageTable } from './imageTable.js';
import type { NewRun, RunFilter, RunRecord, RunStatus } from '../../common/runs/records.js';
import type { RunOwner } from './runOwners.js';
import {
  fromFeedforwardColumns,
  NO_FEEDFORWARD_COLUMNS,
  toFeedforwardColumns,
  type FeedforwardColumns,
} from './feedforwardColumns.js';
import {
  fromGenerateColumns,
  STYLIZE_GENERATE_COLUMNS,
  toGenerateColumns,
  type GenerateColumns,
} from './generateColumns.js';
import {
  fromSettingsColumns,
  NO_SCHEDULE_COLUMNS,
  toLayerRows,
  toSettingsColumns,
  type LayerRow,
  type ScheduleColumns,
  type SettingsColumns,
} from './settingsColumns.js';
import {
  fromTrainStyleColumns,
  NO_TRAIN_STYLE_COLUMNS,
  toTrainStyleColumns,
  type TrainStyleColumns,
} from './trainStyleColumns.js';

/** The statuses each status may be reached from; every status change goes through this table. */
const REACHABLE_FROM: Readonly<Record<Exclude<RunStatus, 'queued'>, readonly RunStatus[]>> = {
  running: ['queued'],
  done: ['running'],
  failed: ['queued', 'running'],
  cancelled: ['queued', 'running'],
};
export type EndStatus = 'done' | 'failed' | 'cancelled';

const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ')";

const RUN_SELECT = `SELECT runs.id, projects.name AS project, kind, status, content_image_id AS contentImageId,
    init_image_id AS initImageId, network, init, content_weight AS contentWeight, style_weight AS styleWeight,
    tv_weight AS tvWeight, style_scale AS styleScale, optimizer, optimizer_settings AS optimizerSettings, iterations,
    size, seed, pooling, preview_every AS previewEvery, preserve_colors AS preserveColors, style_repr AS styleRepr,
    local_radius AS localRadius, gram_mix AS gramMix, width, height, generator, feedforward, training,
    trained_style_sha256 AS trainedStyleSha256, schedule, backend, weights_sha256 AS weightsSha256,
    iterations_done AS iterationsDone, runs.created_at AS createdAt, started_at AS startedAt, finished_at AS finishedAt,
    duration_ms AS durationMs, error
  FROM runs JOIN projects ON projects.id = runs.project_id`;

/**
 * A row of RUN_SELECT: the record's own columns, with its images as ids and its settings as columns.
 * A feed-forward run's optimisation columns are NULL; the schema's checks guarantee the others have them.
 */
interface RunRow
  extends
    SettingsColumns,
    ScheduleColumns,
    GenerateColumns,
    FeedforwardColumns,
    TrainStyleColumns,
    Omit<RunRecord, 'contentImage' | 'styles' | 'initImage' | 'settings'> {
  /** NULL for a generate run, which has no photo. */
  readonly contentImageId: number | null;
  readonly initImageId: number | null;
}

/** The `runs` table with its `run_layers` and `run_styles`: what a run is, and where it stands. */
export class RunTable {
  private readonly statements;

  constructor(
    db: Db,
    private readonly images: ImageTable,
  ) {
    this.statements = {
      insertRun: db.prepare(`INSERT INTO runs (project_id, kind, status, content_image_id, init_image_id,
          network, init, content_weight, style_weight, tv_weight, style_scale, optimizer, optimizer_settings,
          iterations, size, seed, pooling, preview_every, preserve_colors, style_repr, local_radius, gram_mix,
          width, height, generator, feedforward, training, trained_style_sha256, schedule)
        VALUES (@projectId, @kind, 'queued', @contentImageId, @initImageId,
          @network, @init, @contentWeight, @styleWeight, @tvWeight, @styleScale, @optimizer, @optimizerSettings,
          @iterations, @size, @seed, @pooling, @previewEvery, @preserveColors, @styleRepr, @localRadius, @gramMix,
          @width, @height, @generator, @feedforward, @training, @trainedStyleSha256, @schedule)`),
      insertLayer: db.prepare<[LayerRow & { runId: number }]>(
        'INSERT INTO run_layers (run_id, role, position, layer, ' +
          'weight) VALUES (@runId, @role, @position, @layer, @weight)',
      ),
      insertStyle: db.prepare<[number, number, number, number]>(
        'INSERT INTO run_styles (run_id, position, image_id, blend_weight) VALUES (?, ?, ?, ?)',
      ),
      byId: db.prepare<[number], RunRow>(`${RUN_SELECT} WHERE runs.id = ?`),
      // Newest first; a NULL filter matches every run, and LIMIT -1 means no limit.
      list: db.prepare<[{ project: string | null; status: RunStatus | null; limit: number }], RunRow>(`${RUN_SELECT}
        WHERE (@project IS NULL OR projects.name = @project) AND (@status IS NULL OR status = @status)
        ORDER BY runs.id DESC LIMIT @limit`),
      layers: db.prepare<[number], LayerRow>(
        'SELECT role, position, layer, weight FROM run_layers WHERE run_id = ? ORDER BY role, position',
      ),
      styles: db.prepare<[number], { imageId: number; blendWeight: number }>(
        'SELECT image_id AS imageId, blend_weight AS blendWeight FROM run_styles WHERE run_id = ? ORDER BY position',
      ),
      status: db.prepare<[number], { status: RunStatus }>('SELECT status FROM runs WHERE id = ?'),
      start: db.prepare(`UPDATE runs SET status = 'running', started_at = ${NOW}, backend = @backend,
          weights_sha256 = @weightsSha256, owner_pid = @pid, owner_store = @store
        WHERE id = @id AND status IN (SELECT value FROM json_each(@from))`),
      end: db.prepare(`UPDATE runs SET status = @status, error = @error, finished_at = ${NOW},
          duration_ms = CAST(round((julianday(${NOW}) - julianday(started_at)) * 86400000) AS INTEGER)
        WHERE id = @id AND status IN (SELECT value FROM json_each(@from))`),
      // A training stopped by a crash or a cancel goes on from its checkpoint's step as the same run.
      resumeTraining:
        db.prepare(`UPDATE runs SET status = 'running', error = NULL, finished_at = NULL, duration_ms = NULL,
          iterations_done = @step, backend = @backend, weights_sha256 = @weightsSha256,
          owner_pid = @pid, owner_store = @store
        WHERE id = @id AND kind = 'train-style' AND status IN ('failed', 'cancelled')`),
      computedOn: db.prepare<[string, number]>("UPDATE runs SET backend = ? WHERE id = ? AND status = 'running'"),
      trainedStyle: db.prepare<[string, number]>(
        "UPDATE runs SET trained_style_sha256 = ? WHERE id = ? AND kind = 'train-style'",
      ),
      reachIteration: db.prepare<[number, number]>(
        'UPDATE runs SET iterations_done = max(iterations_done, ?) WHERE id = ?',
      ),
      running: db.prepare<[], { id: number; pid: number; store: string }>(
        "SELECT id, owner_pid AS pid, owner_store AS store FROM runs WHERE status = 'running'",
      ),
    };
  }

  /** Writes the run (queued), its layers and its styles; the caller holds the transaction. */
  insert(run: NewRun, projectId: number): number {
    const { lastInsertRowid } = this.statements.insertRun.run({ ...kindColumns(run), projectId, kind: run.kind });
    const runId = Number(lastInsertRowid);
    const layers =
      run.kind === 'stylize' || run.kind === 'train-style'
        ? toLayerRows(run.settings)
        : run.kind === 'generate'
          ? toLayerRows({ contentLayers: [], styleLayers: run.settings.styleLayers })
          : [];
    for (const row of layers) this.statements.insertLayer.run({ ...row, runId });
    if (run.kind !== 'feedforward')
      run.styles.forEach((style, position) =>
        this.statements.insertStyle.run(runId, position, style.imageId, style.blendWeight),
      );
    return runId;
  }

  get(id: number): RunRecord {
    const row = this.statements.byId.get(id);
    if (!row) throw noSuchRun(id);
    return this.toRecord(row);
  }

  list(filter: RunFilter): RunRecord[] {
    const rows = this.statements.list.all({
      project: filter.project ?? null,
      status: filter.status ?? null,
      limit: filter.limit ?? -1,
    });
    return rows.map((row) => this.toRecord(row));
  }

  /** Refuses an id with no run, before writing rows that refer to it. */
  requireExists(id: number): void {
    if (!this.statements.status.get(id)) throw noSuchRun(id);
  }

  start(id: number, backend: string, weightsSha256: string, owner: RunOwner): void {
    const { changes } = this.statements.start.run({
      id,
      backend,
      weightsSha256,
      ...owner,
      from: JSON.stringify(REACHABLE_FROM.running),
    });
    if (changes === 0) this.refuseTransition(id, 'running');
  }

  /** A stopped training (failed or cancelled) running again from `step`, its checkpoint's. */
  resumeTraining(id: number, step: number, backend: string, weightsSha256: string, owner: RunOwner): void {
    const { changes } = this.statements.resumeTraining.run({ id, step, backend, weightsSha256, ...owner });
    if (changes === 0) {
      const run = this.get(id);
      throw new PasticheError(
        run.kind === 'train-style'
          ? `is ${run.status}, so it cannot be resumed`
          : `is a ${run.kind} run, not a training`,
        `run ${id}`,
      );
    }
  }

  /**
   * The backend that computed a running run, once known: a GPU provider that refused some of its
   * graphs leaves them to the CPU (`onnxruntime/webgpu+cpu`).
   */
  recordComputedOn(id: number, backend: string): void {
    this.statements.computedOn.run(backend, id);
  }

  /** The digest of the style a training saved. */
  recordTrainedStyle(id: number, sha256: string): void {
    if (this.statements.trainedStyle.run(sha256, id).changes === 0)
      throw new PasticheError('is not a training', `run ${id}`);
  }

  end(id: number, status: EndStatus, error: string | null): void {
    const { changes } = this.statements.end.run({ id, status, error, from: JSON.stringify(REACHABLE_FROM[status]) });
    if (changes === 0) this.refuseTransition(id, status);
  }

  /** Records that the run has reached `iteration`; iterations done never go back. */
  reachIteration(id: number, iteration: number): void {
    this.statements.reachIteration.run(iteration, id);
  }

  /** Runs marked running, with whoever claimed them. */
  running(): Array<{ id: number; owner: RunOwner }> {
    return this.statements.running.all().map(({ id, pid, store }) => ({ id, owner: { pid, store } }));
  }

  private refuseTransition(id: number, to: RunStatus): never {
    const current = this.statements.status.get(id);
    if (!current) throw noSuchRun(id);
    throw new PasticheError(`is ${current.status}, so it cannot become ${to}`, `run ${id}`);
  }

  private kindFields(row: RunRow, layers: LayerRow[], styles: { blendWeight: number }[]) {
    switch (row.kind) {
      case 'generate':
        return { kind: row.kind, contentImage: null, initImage: null, settings: fromGenerateColumns(row, layers) };
      case 'feedforward':
        return {
          kind: row.kind,
          contentImage: this.images.get(row.contentImageId!),
          initImage: null,
          settings: fromFeedforwardColumns(row),
        };
      case 'train-style':
        return {
          kind: row.kind,
          contentImage: this.images.get(row.contentImageId!),
          initImage: null,
          ...fromTrainStyleColumns(row, layers),
        };
      case 'stylize':
        return {
          kind: row.kind,
          contentImage: this.images.get(row.contentImageId!),
          initImage: row.initImageId === null ? null : this.images.get(row.initImageId),
          settings: fromSettingsColumns(
            row,
            layers,
            styles.map((style) => style.blendWeight),
          ),
        };
    }
  }

  private toRecord(row: RunRow): RunRecord {
    const styles = this.statements.styles.all(row.id);
    const layers = this.statements.layers.all(row.id);
    const kindFields = this.kindFields(row, layers, styles);
    return {
      id: row.id,
      project: row.project,
      ...kindFields,
      status: row.status,
      styles: styles.map((style) => ({ image: this.images.get(style.imageId), blendWeight: style.blendWeight })),
      backend: row.backend,
      weightsSha256: row.weightsSha256,
      iterationsDone: row.iterationsDone,
      createdAt: row.createdAt,
      startedAt: row.startedAt,
      finishedAt: row.finishedAt,
      durationMs: row.durationMs,
      error: row.error,
    };
  }
}

/** The kind's own columns of a new run's row; what a kind lacks is NULL. */
function kindColumns(run: NewRun) {
  switch (run.kind) {
    case 'stylize':
      return {
        ...toSettingsColumns(run.settings),
        ...STYLIZE_GENERATE_COLUMNS,
        ...NO_FEEDFORWARD_COLUMNS,
        ...NO_TRAIN_STYLE_COLUMNS,
        contentImageId: run.contentImageId,
        initImageId: run.initImageId ?? null,
      };
    case 'generate':
      return {
        ...toGenerateColumns(run.settings),
        ...NO_SCHEDULE_COLUMNS,
        ...NO_FEEDFORWARD_COLUMNS,
        ...NO_TRAIN_STYLE_COLUMNS,
        contentImageId: null,
        initImageId: null,
      };
    case 'feedforward':
      return {
        ...toFeedforwardColumns(run.settings),
        ...NO_SCHEDULE_COLUMNS,
        ...NO_TRAIN_STYLE_COLUMNS,
        contentImageId: run.contentImageId,
        initImageId: null,
      };
    case 'train-style':
      return {
        ...toTrainStyleColumns(run.settings, run.training),
        ...NO_SCHEDULE_COLUMNS,
        contentImageId: run.contentImageId,
        initImageId: null,
      };
  }
}

function noSuchRun(id: number): PasticheError {
  return new PasticheError('no such run', `run ${id}`);
}
