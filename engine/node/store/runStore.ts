import { PasticheError } from '../../common/errors.js';
import { needsPainting } from '../../common/generate/gramGenerator.js';
import { makeFolder } from '../fileIO.js';
import { dataHome, storePaths, type StorePaths } from '../paths.js';
import { checkDatabase, openDatabase, type Db } from './database.js';
import { withSqliteProblems } from './sqliteErrors.js';
import { refuseLostDatabase, storeIsReadOnly } from './storeFolder.js';
import { removeHalfWrittenFolders, removeOrphanMedia } from './storeLeftovers.js';
import { ImageTable } from './imageTable.js';
import { MetricTable } from './metricTable.js';
import { OutputTable } from './outputTable.js';
import { ProjectTable } from './projectTable.js';
import type {
  ImageInfo,
  ImageRecord,
  MetricRow,
  NewRun,
  OutputKind,
  OutputRecord,
  ProjectRecord,
  ReachedImage,
  RunFilter,
  RunRecord,
} from '../../common/runs/records.js';
import { claimOwner, ownerIsAlive, releaseOwner } from './runOwners.js';
import { RunTable, type EndStatus } from './runTable.js';
import { GridTable, type NewGrid } from './gridTable.js';
import type { GridRecord } from '../../common/grids/grid.js';

export type * from '../../common/runs/records.js';

export const INTERRUPTED_ERROR = 'interrupted: Pastiche stopped during the run';

export interface OpenStoreOptions {
  /** Reads every page first, so a damaged database is reported on opening (the studio's start). */
  readonly verify?: boolean;
}

/**
 * Opens the store in the data folder (or `home`), and clears what a crash left: its runs left running
 * fail, and half-written files and folders go. A store that cannot be written opens read-only.
 */
export function openRunStore(home: string = dataHome(), { verify = false }: OpenStoreOptions = {}): RunStore {
  const paths = storePaths(home);
  refuseLostDatabase(paths);
  const readOnly = storeIsReadOnly(paths);
  if (!readOnly) {
    makeFolder(paths.media);
    makeFolder(paths.models);
  }
  const db = openDatabase(paths.database, { readOnly });
  const store = withSqliteProblems(new RunStore(paths, db), paths.database);
  try {
    if (verify) checkDatabase(db, paths.database);
    if (!readOnly) store.recoverAfterCrash();
    return store;
  } catch (error) {
    store.close();
    throw error;
  }
}

/**
 * Every run, everything it used and everything it made. Writes that belong together happen in one
 * transaction, so the database never holds half a run.
 */
export class RunStore {
  /** Marks the runs this store starts, so no other store takes them for interrupted while it is open. */
  private readonly owner = claimOwner();
  private readonly imageTable: ImageTable;
  private readonly projectTable: ProjectTable;
  private readonly runTable: RunTable;
  private readonly metricTable: MetricTable;
  private readonly outputTable: OutputTable;
  private readonly gridTable: GridTable;

  constructor(
    readonly paths: StorePaths,
    private readonly db: Db,
  ) {
    this.imageTable = new ImageTable(db, paths.media);
    this.projectTable = new ProjectTable(db);
    this.runTable = new RunTable(db, this.imageTable);
    this.metricTable = new MetricTable(db);
    this.outputTable = new OutputTable(db, this.imageTable);
    this.gridTable = new GridTable(db);
  }

  close(): void {
    releaseOwner(this.owner);
    this.db.close();
  }

  /** Keeps a byte-for-byte copy under media/; the same bytes give the same record and one copy. */
  addImage(bytes: Uint8Array, info: ImageInfo): ImageRecord {
    return this.imageTable.add(bytes, info);
  }

  image(id: number): ImageRecord {
    return this.imageTable.get(id);
  }

  /** Records a queued run with its project, layers and styles, all or nothing. */
  createRun(run: NewRun): RunRecord {
    const id = this.write(() => {
      this.checkNewRun(run);
      return this.runTable.insert(run, this.projectTable.idFor(run.project));
    });
    return this.run(id);
  }

  /** queued → running, on the given backend with the network's weights of this digest. */
  startRun(id: number, backend: string, weightsSha256: string): void {
    this.write(() => this.runTable.start(id, backend, weightsSha256, this.owner));
  }

  /** A running run's backend as it turned out (runTable.recordComputedOn). */
  recordComputedOn(id: number, backend: string): void {
    this.write(() => this.runTable.recordComputedOn(id, backend));
  }

  /**
   * A training stopped by a crash or a cancel, running again from its checkpoint's step: the metrics
   * and images of the steps after it are dropped, as those steps are taken again.
   */
  resumeTraining(id: number, step: number, backend: string, weightsSha256: string): void {
    this.write(() => {
      this.runTable.resumeTraining(id, step, backend, weightsSha256, this.owner);
      this.metricTable.discardAfter(id, step);
      this.outputTable.discardAfter(id, step);
    });
  }

  /** running → done for a training, with the digest of the style it saved and its last preview as its result. */
  finishTraining(id: number, result: ReachedImage, styleSha256: string): void {
    this.write(() => {
      this.runTable.recordTrainedStyle(id, styleSha256);
      this.end(id, 'done', null, { ...result, kind: 'result' });
    });
  }

  recordMetrics(id: number, rows: readonly MetricRow[]): void {
    if (rows.length === 0) return;
    this.write(() => {
      this.runTable.requireExists(id);
      this.metricTable.add(id, rows);
      this.runTable.reachIteration(id, Math.max(...rows.map((row) => row.iteration)));
    });
  }

  addOutput(id: number, kind: OutputKind, iteration: number, imageId: number): OutputRecord {
    return this.write(() => {
      this.runTable.requireExists(id);
      return this.outputTable.add(id, kind, iteration, imageId);
    });
  }

  /** running → done, with its result image. */
  finishRun(id: number, result: ReachedImage): void {
    this.end(id, 'done', null, { ...result, kind: 'result' });
  }

  /** → failed, keeping the last good image when there is one. */
  failRun(id: number, error: string, lastImage?: ReachedImage): void {
    this.end(id, 'failed', error, lastImage && { ...lastImage, kind: 'partial' });
  }

  /** → cancelled, keeping the image reached when there is one. */
  cancelRun(id: number, lastImage?: ReachedImage): void {
    this.end(id, 'cancelled', null, lastImage && { ...lastImage, kind: 'partial' });
  }

  /**
   * What processes that died left: their runs left running (see recoverInterruptedRuns), media
   * copies no row names, and half-written library folders. Returns the runs recovered.
   */
  recoverAfterCrash(): number {
    const runs = this.recoverInterruptedRuns();
    this.write(() => removeOrphanMedia(this.paths.media, this.imageTable.recordedPaths()));
    const { models, styles, training } = this.paths;
    for (const library of [models, styles, training]) removeHalfWrittenFolders(library);
    return runs;
  }

  /**
   * Runs left running by a process that has gone (a crash, a kill, a closed store) become failed,
   * their latest preview kept as the partial result; runs of live processes are left alone.
   */
  recoverInterruptedRuns(): number {
    return this.write(() => {
      const interrupted = this.runTable.running().filter((run) => !ownerIsAlive(run.owner));
      for (const { id } of interrupted) {
        const preview = this.outputTable
          .list(id)
          .filter((output) => output.kind === 'preview')
          .at(-1);
        this.failRun(id, INTERRUPTED_ERROR, preview && { imageId: preview.image.id, iteration: preview.iteration });
      }
      return interrupted.length;
    });
  }

  /** PasticheError `run N: no such run` when absent. */
  run(id: number): RunRecord {
    return this.runTable.get(id);
  }

  /** Newest first. */
  listRuns(filter: RunFilter = {}): RunRecord[] {
    return this.runTable.list(filter);
  }

  /** By iteration. */
  metrics(id: number): MetricRow[] {
    this.runTable.requireExists(id);
    return this.metricTable.list(id);
  }

  /** In the order they were made. */
  outputs(id: number): OutputRecord[] {
    this.runTable.requireExists(id);
    return this.outputTable.list(id);
  }

  /** The run's result, else its partial result, else its latest preview. */
  latestImage(id: number): OutputRecord | null {
    this.runTable.requireExists(id);
    return this.outputTable.latest(id);
  }

  /** By name, with how many runs each holds. */
  projects(): ProjectRecord[] {
    return this.projectTable.list();
  }

  private end(id: number, status: EndStatus, error: string | null, output?: ReachedImage & { kind: OutputKind }): void {
    this.write(() => {
      this.runTable.end(id, status, error);
      if (output) this.outputTable.add(id, output.kind, output.iteration, output.imageId);
    });
  }

  /** Refuses what the schema would refuse less clearly, naming what is wrong. */
  private checkNewRun(run: NewRun): void {
    if (run.project.trim() === '') throw new PasticheError('must not be empty', 'project');
    if (run.kind === 'feedforward') {
      this.imageTable.get(run.contentImageId);
      return;
    }
    // The settings are what is recorded, so a blend weight other than theirs would be silently lost.
    const blend =
      run.kind === 'stylize'
        ? run.settings.styleBlend
        : run.kind === 'train-style' || needsPainting(run.settings.generator)
          ? [1]
          : [];
    if (run.styles.length !== blend.length) {
      throw new PasticheError(
        `${run.styles.length} style images but ${blend.length} blend weights in the settings`,
        'style-blend',
      );
    }
    run.styles.forEach((style, i) => {
      if (!Object.is(style.blendWeight, blend[i])) {
        throw new PasticheError(
          `style image ${i + 1} has blend weight ${style.blendWeight} but the settings say ${blend[i]}`,
          'style-blend',
        );
      }
    });
    const photos =
      run.kind === 'stylize'
        ? [run.contentImageId, run.initImageId]
        : run.kind === 'train-style'
          ? [run.contentImageId]
          : [];
    for (const id of [...photos, ...run.styles.map((style) => style.imageId)]) {
      if (id != null) this.imageTable.get(id);
    }
  }

  /** Records a comparison grid over runs already recorded (queued), all in one transaction. */
  createGrid(grid: Omit<NewGrid, 'projectId'> & { project: string }): GridRecord {
    if (grid.project.trim() === '') throw new PasticheError('must not be empty', 'project');
    return this.write(() => {
      grid.cells.forEach((cell) => this.runTable.requireExists(cell.runId));
      const id = this.gridTable.add({ ...grid, projectId: this.projectTable.idFor(grid.project) });
      return this.gridTable.get(id);
    });
  }

  grid(id: number): GridRecord {
    return this.gridTable.get(id);
  }

  /** Newest first. */
  grids(project?: string): GridRecord[] {
    return this.gridTable.list(project);
  }

  /** A write transaction that takes the lock up front, so a concurrent writer makes it wait rather than fail. */
  private write<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }
}
