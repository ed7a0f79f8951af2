import type { QueueStylize } from '../../common/api/studioApi.js';
import { resolveSettings } from '../../common/stylize/settings.js';
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
