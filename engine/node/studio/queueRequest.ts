import type { QueueFeedforward, QueueGenerate, QueueStylize } from '../../common/api/studioApi.js';
import { resolveGenerateSettings } from '../../common/generate/generateSettings.js';
import { resolveSettings } from '../../common/stylize/settings.js';
import type { FeedforwardJob } from '../runs/feedforwardRun.js';
import type { GenerateJob } from '../runs/generateRun.js';
import type { StylizeJob } from '../runs/stylizeRun.js';
import type { RunStore } from '../store/runStore.js';

/** A stylization of stored images, as a job on their copies in media/. */
export function jobOf(store: RunStore, request: QueueStylize): StylizeJob {
  const settings = resolveSettings(request.settings, request.styleImageIds.length);
  return {
    project: request.project,
    contentFile: store.image(request.contentImageId).path,
    styleFiles: request.styleImageIds.map((id) => store.image(id).path),
    initFile: request.initImageId === undefined ? undefined : store.image(request.initImageId).path,
    settings,
  };
}

/** A generation, its painting (for `mimic`) as the store's copy in media/. */
export function generateJobOf(store: RunStore, request: QueueGenerate): GenerateJob {
  return {
    project: request.project,
    styleFile: request.paintingImageId === undefined ? undefined : store.image(request.paintingImageId).path,
    settings: resolveGenerateSettings(request.settings),
  };
}

/** A stored photo through a style network, as a job on its copy in media/. */
export function feedforwardJobOf(store: RunStore, { project, contentImageId, ...request }: QueueFeedforward): FeedforwardJob {
  return { project, contentFile: store.image(contentImageId).path, request };
}
