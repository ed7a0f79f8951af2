import type { ArgsOf, Channel, CreateGrid, ExportPrint, GridDetail, PrintFileResult, ProjectOverview, QueueStylize, ResultOf } from '../../common/api/studioApi.js';
import { PasticheError } from '../../common/errors.js';
import { FILE_EXTENSIONS } from '../../common/image.js';
import { axisValueLabel, gridCells, PARAMETER_NAMES, type GridRecord } from '../../common/grids/grid.js';
import { resolveSettings } from '../../common/stylize/settings.js';
import type { BackendInfo } from '../backend.js';
import { contactSheet } from '../export/contactSheet.js';
import { exportPrint } from '../export/printExport.js';
import { decodeImage, describeImage, readImage } from '../image/imageIO.js';
import { listNetworks } from '../networks/registry.js';
import type { RunQueue } from '../queue/runQueue.js';
import { checkNetworkLayers, type StylizeJob } from '../runs/stylizeRun.js';
import type { ImageRecord, RunStore } from '../store/runStore.js';

/** One handler per channel of the contract; the compiler refuses a missing channel or a wrong payload. */
export type StudioHandlers = { [C in Channel]: (args: ArgsOf<C>) => ResultOf<C> | Promise<ResultOf<C>> };

export interface StudioContext {
  readonly store: RunStore;
  readonly queue: RunQueue;
  readonly backend: BackendInfo;
  readonly version: string;
}

/**
 * What every request of the studio does, whatever carries it (Electron IPC, the web host, tests).
 * Errors are PasticheErrors with one line to show where the request came from.
 */
export function studioHandlers({ store, queue, backend, version }: StudioContext): StudioHandlers {
  return {
    'studio.info': () => ({ version, backend: { name: backend.name, description: backend.description }, dataHome: store.paths.home }),
    'networks.list': () => listNetworks(store.paths.models),
    'projects.list': () => projectOverviews(store),
    'images.add': ({ name, bytes }) => addImage(store, name, bytes),
    'images.get': ({ imageId }) => store.image(imageId),
    'images.export': (request) => exportStoredPrint(store, request),
    'runs.list': (filter) => store.listRuns(filter),
    'runs.get': ({ runId }) => ({ run: store.run(runId), metrics: store.metrics(runId), outputs: store.outputs(runId) }),
    'runs.queue': async (request) => ({ runId: await queue.enqueue(jobOf(store, request)) }),
    'runs.cancel': ({ runId }) => {
      store.run(runId);
      queue.cancel(runId);
    },
    'queue.get': () => queue.snapshot(),
    'grids.create': (request) => createGrid(store, queue, request),
    'grids.list': ({ project }) => store.grids(project),
    'grids.get': ({ gridId }) => gridDetail(store, gridId),
    'grids.export': (request) => exportGridSheet(store, request),
  };
}

/**
 * Every cell is checked (settings, images, networks and their layers) before any is queued, so a bad
 * grid records nothing; then the runs are queued row by row and the grid is recorded over them.
 */
async function createGrid(store: RunStore, queue: RunQueue, request: CreateGrid): Promise<GridRecord> {
  const jobs = gridCells(request.base, request.axes).map((cell) => ({ ...cell, job: jobOf(store, cell.request) }));
  await checkNetworkLayers(store, jobs.map(({ job }) => job.settings));
  const cells: Array<{ row: number; column: number; runId: number }> = [];
  for (const { row, column, job } of jobs) cells.push({ row, column, runId: await queue.enqueue(job) });
  const name = request.name ?? request.axes.map((axis) => PARAMETER_NAMES[axis.parameter]).join(' × ');
  return store.createGrid({ project: request.project, name, base: request.base, axes: request.axes, cells });
}

/** 300 DPI: a sheet of 256-px cells prints at about 2 cm a cell, the size of a figure in a paper. */
const SHEET_DPI = 300;

async function exportGridSheet(store: RunStore, request: ArgsOf<'grids.export'>): Promise<PrintFileResult> {
  if (!(Number.isInteger(request.cellSize) && request.cellSize >= 16 && request.cellSize <= 4096)) {
    throw new PasticheError(`must be a whole number of pixels from 16 to 4096, got ${request.cellSize}`, 'cell size');
  }
  const { grid, cells } = gridDetail(store, request.gridId);
  const [rows, columns] = grid.axes;
  const imageName = (id: number) => store.image(id).originalName ?? `image ${id}`;
  const sheet = await contactSheet(
    await Promise.all(cells.map(async (cell) => ({ row: cell.row, column: cell.column, image: cell.latestImageId === null ? null : await readImage(store.image(cell.latestImageId).path) }))),
    {
      title: `${grid.project}: ${grid.name}`, cellSize: request.cellSize,
      rowLabels: rows.values.map((_, i) => axisValueLabel(rows, i, imageName)),
      columnLabels: columns ? columns.values.map((_, i) => axisValueLabel(columns, i, imageName)) : [''],
    },
    { format: request.format, quality: request.quality, dpi: SHEET_DPI },
  );
  return { ...sheet, dpi: SHEET_DPI, fileName: `${grid.project}-grid-${grid.id}-sheet.${FILE_EXTENSIONS[request.format]}` };
}

function gridDetail(store: RunStore, gridId: number): GridDetail {
  const grid = store.grid(gridId);
  return { grid, cells: grid.cells.map((cell) => ({ ...cell, run: store.run(cell.runId), latestImageId: store.latestImage(cell.runId)?.image.id ?? null })) };
}

/** Decodes the whole image first, so a corrupt or unsupported file is refused before anything is stored. */
async function addImage(store: RunStore, name: string, bytes: Uint8Array): Promise<ImageRecord> {
  const header = await describeImage(bytes, name);
  await decodeImage(bytes, name);
  return store.addImage(bytes, { originalName: name, ...header });
}

async function exportStoredPrint(store: RunStore, { imageId, print, format, quality }: ExportPrint): Promise<PrintFileResult> {
  const image = store.image(imageId);
  const file = await exportPrint(await readImage(image.path), print, { format, quality }, `image ${imageId}`);
  const stem = (image.originalName ?? `image-${imageId}`).replace(/\.[^.]+$/, '');
  const size = `${print.width}${print.height === undefined ? '' : `x${print.height}`}${print.unit}`;
  return { ...file, fileName: `${stem}-${size}-${print.dpi}dpi.${FILE_EXTENSIONS[format]}` };
}

/** A stylization of stored images, as a job on their copies in media/. */
function jobOf(store: RunStore, request: QueueStylize): StylizeJob {
  const settings = resolveSettings(request.settings, request.styleImageIds.length);
  return {
    project: request.project,
    contentFile: store.image(request.contentImageId).path,
    styleFiles: request.styleImageIds.map((id) => store.image(id).path),
    initFile: request.initImageId === undefined ? undefined : store.image(request.initImageId).path,
    settings,
  };
}

function projectOverviews(store: RunStore): ProjectOverview[] {
  return store.projects().map((project) => {
    const runs = store.listRuns({ project: project.name });
    const latest = runs.map((run) => store.latestImage(run.id)).find((output) => output !== null);
    return {
      name: project.name, createdAt: project.createdAt, runCount: project.runCount,
      latestImageId: latest?.image.id ?? null, contentImageId: runs[0]?.contentImage.id ?? null,
    };
  });
}
