import type { QueueFeedforward, QueueGenerate, QueueStylize, QueueTraining } from '../../common/api/studioApi.js';
import { TRAIN_STYLE_DEFAULTS, trainStyleSettingsFor } from '../../common/fast/trainingSettings.js';
import { describeNetwork } from '../networks/registry.js';
import type { TrainStyleJob } from '../runs/trainStyleRun.js';
import { resolveGenerateSettings } from '../../common/generate/generateSettings.js';
import { resolveSettings, type StylizeSettings } from '../../common/stylize/settings.js';
import { networkDefaults } from '../../common/stylize/presets.js';
import { ARCHITECTURES } from '../../common/networks/architectures.js';
import { defaultNetwork } from '../networks/defaultNetwork.js';
import type { FeedforwardJob } from '../runs/feedforwardRun.js';
import type { GenerateJob } from '../runs/generateRun.js';
import type { StylizeJob } from '../runs/stylizeRun.js';
import type { RunStore } from '../store/runStore.js';

/**
 * Settings that leave out the network take the best one installed (defaultNetwork.ts), with that
 * network's own layers and weights where they leave those out too: what the CLI does without --network.
 */
function withDefaultNetwork<S extends { readonly network?: string }>(
  store: RunStore,
  given: S,
  fields: ReadonlyArray<keyof StylizeSettings>,
): S {
  if (given.network !== undefined) return given;
  const choice = defaultNetwork(store.paths.models);
  const defaults = networkDefaults(ARCHITECTURES[choice.architecture] ?? ARCHITECTURES.vgg19);
  const filled = Object.fromEntries(fields.map((field) => [field, defaults[field as keyof typeof defaults]]));
  const stated = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
  return { ...filled, ...stated, network: choice.name } as S;
}

/** A stylization of stored images, as a job on their copies in media/. */
export function jobOf(store: RunStore, request: QueueStylize): StylizeJob {
  const given = withDefaultNetwork(store, request.settings, [
    'contentLayers',
    'styleLayers',
    'contentWeight',
    'styleWeight',
  ]);
  const settings = resolveSettings(given, request.styleImageIds.length);
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
    settings: resolveGenerateSettings(withDefaultNetwork(store, request.settings, ['styleLayers', 'styleWeight'])),
  };
}

/** A stored photo through a style network, as a job on its copy in media/. */
export function feedforwardJobOf(
  store: RunStore,
  { project, contentImageId, ...request }: QueueFeedforward,
): FeedforwardJob {
  return { project, contentFile: store.image(contentImageId).path, request };
}

/**
 * A training of a stored painting on a folder of photos, with the loss network's own defaults for what is not given.
 */
export async function trainingJobOf(store: RunStore, request: QueueTraining): Promise<TrainStyleJob> {
  const painting = store.image(request.paintingImageId);
  const network = await describeNetwork(request.settings.network ?? TRAIN_STYLE_DEFAULTS.network, store.paths.models);
  return {
    project: request.project ?? (painting.originalName ?? `image ${painting.id}`).replace(/\.[^.]+$/, ''),
    styleName: request.styleName,
    styleFile: painting.path,
    photosFolder: request.photosFolder,
    validationFile: request.validationImageId === undefined ? undefined : store.image(request.validationImageId).path,
    settings: trainStyleSettingsFor(request.settings, network),
  };
}
