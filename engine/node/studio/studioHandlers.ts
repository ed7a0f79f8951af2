import type {
  ArgsOf,
  Channel,
  ExportPrint,
  PrintFileResult,
  ResultOf,
  StudioEvent,
} from '../../common/api/studioApi.js';
import { FILE_EXTENSIONS, fileNameStem } from '../../common/image.js';
import { optimisationMemoryBudget, styleMemoryBudget, type BackendInfo } from '../backend.js';
import { exportPrint } from '../export/printExport.js';
import { decodeImage, describeImage, readImage } from '../image/imageIO.js';
import type { NetworkSummary } from '../../common/networks/networkSummary.js';
import { requireCatalogueEntry } from '../networks/catalogue.js';
import { catalogueStyles } from '../fast/styleCatalogue.js';
import { installNetwork } from '../networks/installNetwork.js';
import { listNetworks } from '../networks/registry.js';
import type { RunQueue } from '../queue/runQueue.js';
import type { ImageRecord, RunStore } from '../store/runStore.js';
import { createGrid, exportGridSheet, gridDetail } from './gridRequests.js';
import { dismissedNotices, dismissNotice } from './noticeFile.js';
import { projectDetail, projectOverviews } from './projectRequests.js';
import { installCatalogueStyle, styleListings } from './styleRequests.js';
import { feedforwardJobOf, generateJobOf, jobOf, trainingJobOf } from './queueRequest.js';

/** One handler per channel of the contract; the compiler refuses a missing channel or a wrong payload. */
export type StudioHandlers = { [C in Channel]: (args: ArgsOf<C>) => ResultOf<C> | Promise<ResultOf<C>> };

export interface StudioContext {
  readonly store: RunStore;
  readonly queue: RunQueue;
  readonly backend: BackendInfo;
  readonly version: string;
  /** Tells every listener (the UI) something it did not ask for: a download's progress (a network's or a style's). */
  emit(event: StudioEvent): void;
}

/**
 * What every request of the studio does, whatever carries it (Electron IPC, the web host, tests).
 * Errors are PasticheErrors with one line to show where the request came from.
 */
export function studioHandlers({ store, queue, backend, version, emit }: StudioContext): StudioHandlers {
  return {
    'studio.info': () => ({
      version,
      backend: { name: backend.name, description: backend.description },
      dataHome: store.paths.home,
      styleMemoryBytes: styleMemoryBudget(),
      optimisationMemoryBytes: optimisationMemoryBudget(),
      dismissedNotices: dismissedNotices(store.paths.home),
    }),
    'networks.list': () => listNetworks(store.paths.models),
    'networks.install': ({ name }) => installCatalogueNetwork(store, name, emit),
    'projects.list': () => projectOverviews(store),
    'projects.get': ({ name }) => projectDetail(store, name),
    'images.add': ({ name, bytes }) => addImage(store, name, bytes),
    'images.get': ({ imageId }) => store.image(imageId),
    'images.export': (request) => exportStoredPrint(store, request),
    'runs.list': (filter) => store.listRuns(filter),
    'runs.get': ({ runId }) => ({
      run: store.run(runId),
      metrics: store.metrics(runId),
      outputs: store.outputs(runId),
    }),
    'runs.queue': async (request) => ({ runId: await queue.enqueue(jobOf(store, request)) }),
    'runs.generate': async (request) => ({ runId: await queue.enqueueGenerate(generateJobOf(store, request)) }),
    'runs.fast': async (request) => ({ runId: await queue.enqueueFeedforward(feedforwardJobOf(store, request)) }),
    'styles.list': () => styleListings(store),
    'styles.catalogue': () => catalogueStyles(store.paths.styles),
    'styles.install': ({ name }) => installCatalogueStyle(store, name, emit),
    'styles.train': async (request) => ({ runId: await queue.enqueueTraining(await trainingJobOf(store, request)) }),
    'runs.cancel': ({ runId }) => {
      store.run(runId);
      queue.cancel(runId);
    },
    'queue.get': () => queue.snapshot(),
    'grids.create': (request) => createGrid(store, queue, request),
    'grids.list': ({ project }) => store.grids(project),
    'grids.get': ({ gridId }) => gridDetail(store, gridId),
    'grids.export': (request) => exportGridSheet(store, request),
    'notices.dismiss': ({ notice }) => dismissNotice(store.paths.home, notice),
  };
}

async function installCatalogueNetwork(
  store: RunStore,
  name: string,
  emit: StudioContext['emit'],
): Promise<NetworkSummary> {
  await installNetwork(requireCatalogueEntry(name), store.paths.models, {
    onProgress: (progress) => emit({ type: 'network.progress', name, ...progress }),
  });
  return listNetworks(store.paths.models).find((network) => network.name === name)!;
}

/** Decodes the whole image first, so a corrupt or unsupported file is refused before anything is stored. */
async function addImage(store: RunStore, name: string, bytes: Uint8Array): Promise<ImageRecord> {
  const header = await describeImage(bytes, name);
  await decodeImage(bytes, name);
  return store.addImage(bytes, { originalName: name, ...header });
}

async function exportStoredPrint(
  store: RunStore,
  { imageId, print, format, quality, fileStem }: ExportPrint,
): Promise<PrintFileResult> {
  const image = store.image(imageId);
  const file = await exportPrint(await readImage(image.path), print, { format, quality }, `image ${imageId}`);
  const stem = fileNameStem(fileStem ?? (image.originalName ?? `image-${imageId}`).replace(/\.[^.]+$/, ''));
  const size = `${print.width}${print.height === undefined ? '' : `x${print.height}`}${print.unit}`;
  return { ...file, fileName: `${stem}-${size}-${print.dpi}dpi.${FILE_EXTENSIONS[format]}` };
}
