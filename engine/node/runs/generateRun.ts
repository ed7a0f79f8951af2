import { PasticheError } from '../../common/errors.js';
import { longSide, type GenerateSettings } from '../../common/generate/generateSettings.js';
import { checkEntry, needsPainting } from '../../common/generate/gramGenerator.js';
import type { RgbImage } from '../../common/image.js';
import { layerChannels } from '../../common/networks/architecture.js';
import { checkInputSize, checkNetworkLayers } from '../../common/networks/featureNetwork.js';
import { styleLongSide } from '../../common/stylize/settings.js';
import type { DescentBackend } from '../backend.js';
import { checkPixelLimit, decodeImage } from '../image/imageIO.js';
import { describeNetwork } from '../networks/registry.js';
import type { RunStore } from '../store/runStore.js';
import {
  executeRecorded,
  queuedRun,
  readInput,
  storeInput,
  type PreparedInput,
  type RunHooks,
  type RunOutcome,
} from './recordedRun.js';

/** What a person asks for: the run's settings and, for `mimic`, the painting it measures. */
export interface GenerateJob {
  readonly project: string;
  /** `mimic`'s painting; the other generators take none. */
  readonly styleFile?: string;
  readonly settings: GenerateSettings;
}

/** The painting read and decoded at its working size, for `mimic`. */
interface PreparedPainting {
  readonly file: PreparedInput;
  readonly image: RgbImage;
}

/**
 * Records one generation and runs it at once: what the CLI does. As for a stylization, everything
 * that can be refused — settings, network, layers, entry, painting, size — is refused before the
 * run's row is written; once recorded, the run ends done, failed or cancelled, with its last image.
 */
export async function runGenerate(
  store: RunStore,
  job: GenerateJob,
  backend: DescentBackend,
  hooks: RunHooks = {},
): Promise<RunOutcome> {
  const { runId, painting } = await checkAndRecord(store, job);
  return executeGenerate(store, runId, backend, hooks, painting);
}

/** Checks a generation and records it as queued, its painting copied into the store; returns its run id. */
export async function enqueueGenerate(store: RunStore, job: GenerateJob): Promise<number> {
  return (await checkAndRecord(store, job)).runId;
}

/**
 * Runs a queued generation from what the store holds (see executeRecorded). `prepared` is its
 * painting as decoded when it was recorded, when that was just now.
 */
export async function executeGenerate(
  store: RunStore,
  runId: number,
  backend: DescentBackend,
  hooks: RunHooks = {},
  prepared?: PreparedPainting,
): Promise<RunOutcome> {
  const run = queuedRun(store, runId, 'generate');
  const job: GenerateJob = { project: run.project, settings: run.settings, styleFile: run.styles[0]?.image.path };
  return executeRecorded(store, run, backend, hooks, async () => {
    const painting = prepared ?? (await preparePainting(job));
    return {
      width: job.settings.width,
      height: job.settings.height,
      job: { kind: 'generate', settings: job.settings, painting: painting?.image },
    };
  });
}

async function checkAndRecord(
  store: RunStore,
  job: GenerateJob,
): Promise<{ runId: number; painting?: PreparedPainting }> {
  const { settings } = job;
  checkPixelLimit(settings, 'size', 'a result of');
  const network = await describeNetwork(settings.network, store.paths.models);
  const styleLayers = settings.styleLayers.map((l) => l.layer);
  checkNetworkLayers(network, styleLayers);
  checkEntry(settings.generator, (layer) => layerChannels(network.architecture, layer));
  checkInputSize(network, styleLayers, settings);
  // Decoding at the working size now finds truncated or corrupt pixel data, which headers do not show.
  const painting = await preparePainting(job);
  if (painting) checkInputSize(network, styleLayers, painting.image);
  const run = store.createRun({
    project: job.project,
    kind: 'generate',
    settings,
    styles: painting ? [{ imageId: storeInput(store, painting.file), blendWeight: 1 }] : [],
  });
  return { runId: run.id, painting };
}

/**
 * `mimic`'s painting at styleScale × the result's long side, as a stylization sizes its paintings; none for the other
 * generators.
 */
async function preparePainting(job: GenerateJob): Promise<PreparedPainting | undefined> {
  const { generator } = job.settings;
  if (!needsPainting(generator)) {
    if (job.styleFile !== undefined)
      throw new PasticheError(`the ${generator.kind} generator takes no painting (only mimic measures one)`, 'style');
    return undefined;
  }
  if (job.styleFile === undefined) throw new PasticheError('mimic measures a painting: give one', 'style');
  const file = await readInput(job.styleFile);
  const image = await decodeImage(file.bytes, job.styleFile, {
    longSide: styleLongSide({ size: longSide(job.settings), styleScale: job.settings.styleScale }),
  });
  return { file, image };
}
