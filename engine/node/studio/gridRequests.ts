import type { ArgsOf, CreateGrid, GridDetail, PrintFileResult, QueueStylize } from '../../common/api/studioApi.js';
import { PasticheError } from '../../common/errors.js';
import { axisValueLabel, gridCells, PARAMETER_NAMES, type GridRecord } from '../../common/grids/grid.js';
import { FILE_EXTENSIONS, fileNameStem, fitLongSide } from '../../common/image.js';
import { layersForNetwork, weightsForNetwork } from '../../common/stylize/presets.js';
import { styleWorkingSize } from '../../common/stylize/settings.js';
import { describeNetwork } from '../networks/registry.js';
import { checkSheetSize, contactSheet } from '../export/contactSheet.js';
import { readImage } from '../image/imageIO.js';
import type { RunQueue } from '../queue/runQueue.js';
import { checkImageSizes, checkSettingsNetworks } from '../runs/stylizeRun.js';
import type { RunStore } from '../store/runStore.js';
import { jobOf } from './queueRequest.js';

// The studio's requests about comparison grids: create, read, export as a contact sheet.

/**
 * Every cell is checked (settings, images, networks and their layers) before any is queued, so a bad
 * grid records nothing; then the runs are queued row by row and the grid is recorded over them.
 */
export async function createGrid(store: RunStore, queue: RunQueue, request: CreateGrid): Promise<GridRecord> {
  const planned = gridCells(request.base, request.axes);
  const cellRequests = request.axes.some((axis) => axis.parameter === 'network')
    ? await withNetworkLayers(
        store,
        planned.map((cell) => cell.request),
      )
    : planned.map((cell) => cell.request);
  const jobs = planned.map((cell, i) => ({ ...cell, request: cellRequests[i], job: jobOf(store, cellRequests[i]) }));
  const networks = await checkSettingsNetworks(
    store,
    jobs.map(({ job }) => job.settings),
  );
  // Sizes from the stored images' dimensions, so no cell is refused after others were queued.
  for (const { request: cell, job } of jobs) {
    const { width, height } = store.image(cell.contentImageId);
    const content = fitLongSide(width, height, job.settings.size);
    const styles = cell.styleImageIds.map((id) => styleWorkingSize(job.settings, store.image(id), content));
    checkImageSizes(networks.get(job.settings.network)!, job.settings, content, styles);
  }
  const cells: Array<{ row: number; column: number; runId: number }> = [];
  for (const { row, column, job } of jobs) cells.push({ row, column, runId: await queue.enqueue(job) });
  const name = request.name ?? request.axes.map((axis) => PARAMETER_NAMES[axis.parameter]).join(' × ');
  return store.createGrid({ project: request.project, name, base: request.base, axes: request.axes, cells });
}

/**
 * Cells of a network axis read each network at its own layers where it lacks the base's (see
 * layersForNetwork), and at its own weights where the base leaves them to the defaults.
 */
async function withNetworkLayers(store: RunStore, requests: readonly QueueStylize[]): Promise<QueueStylize[]> {
  const described = new Map<string, ReturnType<typeof describeNetwork>>();
  return Promise.all(
    requests.map(async (request) => {
      const { settings } = jobOf(store, request);
      if (!described.has(settings.network))
        described.set(settings.network, describeNetwork(settings.network, store.paths.models));
      const network = await described.get(settings.network)!;
      const given = Object.fromEntries(Object.entries(request.settings).filter(([, value]) => value !== undefined));
      return {
        ...request,
        settings: {
          ...weightsForNetwork(network.architecture),
          ...given,
          ...layersForNetwork(network.architecture, network.layers, settings),
        },
      };
    }),
  );
}

/** 300 DPI: a sheet of 256-px cells prints at about 2 cm a cell, the size of a figure in a paper. */
const SHEET_DPI = 300;

export async function exportGridSheet(store: RunStore, request: ArgsOf<'grids.export'>): Promise<PrintFileResult> {
  if (!(Number.isInteger(request.cellSize) && request.cellSize >= 16 && request.cellSize <= 4096)) {
    throw new PasticheError(`must be a whole number of pixels from 16 to 4096, got ${request.cellSize}`, 'cell size');
  }
  const { grid, cells } = gridDetail(store, request.gridId);
  const [rows, columns] = grid.axes;
  const imageName = (id: number) => store.image(id).originalName ?? `image ${id}`;
  const layout = {
    title: `${grid.project}: ${grid.name}`,
    cellSize: request.cellSize,
    rowLabels: rows.values.map((_, i) => axisValueLabel(rows, i, imageName)),
    columnLabels: columns ? columns.values.map((_, i) => axisValueLabel(columns, i, imageName)) : [''],
  };
  // Refused before a single cell's image is read.
  checkSheetSize(layout);
  const readCell = async (cell: GridDetail['cells'][number]) => ({
    row: cell.row,
    column: cell.column,
    image: cell.latestImageId === null ? null : await readImage(store.image(cell.latestImageId).path),
  });
  const sheet = await contactSheet(await Promise.all(cells.map(readCell)), layout, {
    format: request.format,
    quality: request.quality,
    dpi: SHEET_DPI,
  });
  return {
    ...sheet,
    dpi: SHEET_DPI,
    fileName: `${fileNameStem(grid.project)}-grid-${grid.id}-sheet.${FILE_EXTENSIONS[request.format]}`,
  };
}

export function gridDetail(store: RunStore, gridId: number): GridDetail {
  const grid = store.grid(gridId);
  return {
    grid,
    cells: grid.cells.map((cell) => ({
      ...cell,
      run: store.run(cell.runId),
      latestImageId: store.latestImage(cell.runId)?.image.id ?? null,
    })),
  };
}
