import { PasticheError } from '../../common/errors.js';
import type { ImageSize, RgbImage } from '../../common/image.js';
import { checkScheduleFits, costModelFor, scheduleFittingMemory } from '../../common/stylize/optimisationCost.js';
import { stagePlan, stageSize, type StylizeSchedule } from '../../common/stylize/schedule.js';
import { stylizeScheduled } from '../../common/stylize/scheduledStylize.js';
import {
  checkSettingsSchedule,
  styleLongSide,
  styleWorkingSize,
  type StylizeSettings,
} from '../../common/stylize/settings.js';
import { checkLocalStyleMemory } from '../../common/stylize/styleMemory.js';
import { tileRegions } from '../../common/tiles/tiling.js';
import { optimisationMemoryBudget, selectedBackendName, styleMemoryBudget, type DescentBackend } from '../backend.js';
import { decodeImage, resizeImage, type ReadImageOptions } from '../image/imageIO.js';
import { checkInputSize, checkNetworkLayers } from '../../common/networks/featureNetwork.js';
import { describeNetwork, type NetworkDescription } from '../networks/registry.js';
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

/** What a person asks for: files on disk and the run's settings. */
export interface StylizeJob {
  readonly project: string;
  readonly contentFile: string;
  readonly styleFiles: readonly string[];
  /** The starting image for init `image`. */
  readonly initFile?: string;
  readonly settings: StylizeSettings;
  /**
   * The overlap of the tiles the engine gives a stage of the schedule that does not fit in memory
   * in one piece (DEFAULT_TILE_OVERLAP when absent). Stages with tiles given keep them.
   */
  readonly tileOverlap?: number;
}

/**
 * Records one stylization and runs it at once: what the CLI does. Everything that can be refused —
 * settings, network, layers, images — is refused before the run's row is written, so bad input leaves
 * nothing in the store; once recorded, the run ends done, failed or cancelled, with its last image.
 */
export async function runStylize(
  store: RunStore,
  job: StylizeJob,
  backend: DescentBackend,
  hooks: RunHooks = {},
): Promise<RunOutcome> {
  const { runId, inputs } = await checkAndRecord(store, job);
  // The images just decoded to check them are the ones the run needs: no second decode.
  return executeStylize(store, runId, backend, hooks, inputs);
}

/**
 * Checks a stylization and records it as queued, with its images copied into the store; returns
 * its run id. The run then depends only on the store: a queue can start it later, after a restart.
 */
export async function enqueueStylize(store: RunStore, job: StylizeJob): Promise<number> {
  return (await checkAndRecord(store, job)).runId;
}

async function checkAndRecord(store: RunStore, given: StylizeJob): Promise<{ runId: number; inputs: PreparedInputs }> {
  const network = (await checkSettingsNetworks(store, [given.settings])).get(given.settings.network)!;
  // Decoding at the working size now finds truncated or corrupt pixel data, which headers do not show.
  const inputs = await prepareInputs(given);
  // The tiles a stage gets depend on the photo's size and this backend's memory: decided now, so the run records them.
  const job = { ...given, settings: withTilesThatFit(given, network, inputs.content) };
  checkImageSizes(network, job.settings, inputs.content, inputs.styles);
  return { runId: recordRun(store, job, inputs).id, inputs };
}

/** The job's settings with tiles for every stage of its schedule too large for this backend's memory in one piece. */
function withTilesThatFit(job: StylizeJob, network: NetworkDescription, content: ImageSize): StylizeSettings {
  const { settings } = job;
  if (!settings.schedule) return settings;
  const budget = optimisationMemoryBudget();
  const { memory } = costModelFor(selectedBackendName());
  const schedule = scheduleFittingMemory(
    settings.schedule,
    content,
    network.architecture,
    settings,
    budget,
    job.tileOverlap,
    memory,
  );
  const fitted = { ...settings, schedule };
  checkSettingsSchedule(fitted);
  // Tiles given by hand may still be too large: refused here, naming the stage, rather than failing mid-run.
  checkScheduleFits(schedule, content, network.architecture, settings, budget, memory);
  return fitted;
}

/**
 * Refuses a photo (or painting) too small, at its working size, for the deepest layer the run reads
 * from it (AlexNet's first layers need 39 px before pool5). The result has the photo's size, so all
 * layers are computed on it; the paintings feed the style layers only. Also refuses local style whose
 * statistics would not fit in this backend's memory.
 */
export function checkImageSizes(
  network: NetworkDescription,
  settings: StylizeSettings,
  content: Size,
  styles: readonly Size[],
): void {
  const styleLayers = settings.styleLayers.map((l) => l.layer);
  checkInputSize(network, [...settings.contentLayers, ...styleLayers], content);
  for (const style of styles) checkInputSize(network, styleLayers, style);
  checkLocalStyleMemory(network.name, network.architecture, settings, content, styleMemoryBudget());
  if (settings.schedule) checkScheduleSizes(network, settings, settings.schedule, content);
}

/** Every stage's picture and every tile of it must be large enough for the deepest layer. */
function checkScheduleSizes(
  network: NetworkDescription,
  settings: StylizeSettings,
  schedule: StylizeSchedule,
  content: Size,
): void {
  const layers = [...settings.contentLayers, ...settings.styleLayers.map((l) => l.layer)];
  for (const stage of schedule.stages) {
    const picture = stageSize(stage, content);
    for (const region of tileRegions(stagePlan(stage, picture)))
      checkInputSize(network, layers, { width: region.x.length, height: region.y.length });
  }
}

type Size = { readonly width: number; readonly height: number };

/**
 * Refuses settings whose network is unknown or not installed, or lacks a layer they name; describes each network once.
 */
export async function checkSettingsNetworks(
  store: RunStore,
  settings: readonly StylizeSettings[],
): Promise<Map<string, NetworkDescription>> {
  const networks = new Map<string, NetworkDescription>();
  for (const name of new Set(settings.map((s) => s.network))) {
    const network = await describeNetwork(name, store.paths.models);
    for (const s of settings.filter((s) => s.network === name))
      checkNetworkLayers(network, [...s.contentLayers, ...s.styleLayers.map((l) => l.layer)]);
    networks.set(name, network);
  }
  return networks;
}

/**
 * Runs a queued stylization from what the store holds (see executeRecorded). `prepared` are its images
 * as decoded when it was recorded, when that was just now.
 */
export async function executeStylize(
  store: RunStore,
  runId: number,
  backend: DescentBackend,
  hooks: RunHooks = {},
  prepared?: PreparedInputs,
): Promise<RunOutcome> {
  const run = queuedRun(store, runId, 'stylize');
  const job: StylizeJob = {
    project: run.project,
    settings: run.settings,
    contentFile: run.contentImage.path,
    styleFiles: run.styles.map((style) => style.image.path),
    initFile: run.initImage?.path,
  };
  return executeRecorded(store, run, backend, hooks, async () => {
    const inputs = prepared ?? (await prepareInputs(job));
    const { settings } = job;
    return {
      width: inputs.content.width,
      height: inputs.content.height,
      job: settings.schedule
        ? (network, descentHooks) =>
            stylizeScheduled({
              ...descentHooks,
              network,
              settings: { ...settings, schedule: settings.schedule! },
              size: inputs.content,
              onPiece: hooks.onPiece,
              onStage: hooks.onStage,
              imagesAt: (picture, stageSettings) => decodeInputs(job, inputs.files, stageSettings, picture),
              resize: (image, size) => resizeImage(image, size.width, size.height),
            })
        : { kind: 'stylize', settings, content: inputs.content, styles: inputs.styles, initImage: inputs.initImage },
    };
  });
}

interface DecodedInputs {
  readonly content: RgbImage;
  readonly styles: RgbImage[];
  readonly initImage?: RgbImage;
}

interface PreparedInputs extends DecodedInputs {
  readonly files: InputFiles;
}

interface InputFiles {
  readonly content: PreparedInput;
  readonly styles: PreparedInput[];
  readonly init?: PreparedInput;
}

/** Reads every image file and decodes it at the run's working sizes. */
async function prepareInputs(job: StylizeJob): Promise<PreparedInputs> {
  const content = await readInput(job.contentFile);
  const styles = await Promise.all(job.styleFiles.map(readInput));
  const init = job.settings.init === 'image' ? await readInput(requireInitFile(job)) : undefined;
  const files = { content, styles, init };
  return { ...(await decodeInputs(job, files, job.settings)), files };
}

/**
 * Sizes every image for `settings`: content to its size (exactly `picture` when given: a stage of a
 * schedule, the photo's aspect at the stage's size), styles to styleScale × that, init to the content.
 */
async function decodeInputs(
  job: StylizeJob,
  files: InputFiles,
  settings: StylizeSettings,
  picture?: ImageSize,
): Promise<DecodedInputs> {
  const { size, styleScale, init } = settings;
  const content = await decodeImage(
    files.content.bytes,
    job.contentFile,
    picture ? { cover: picture } : { longSide: size },
  );
  const styles = await Promise.all(
    files.styles.map((file, i) =>
      decodeImage(file.bytes, job.styleFiles[i], styleDecoding(settings, file.original, content)),
    ),
  );
  // Decoded no larger than the run's size, then stretched to the content's exact shape.
  const initSource =
    init === 'style'
      ? styleScale === 1 && settings.styleRepr === 'gram'
        ? styles[0]
        : await decodeImage(files.styles[0].bytes, job.styleFiles[0], { longSide: size })
      : init === 'image' && files.init
        ? await decodeImage(files.init.bytes, job.initFile!, { longSide: size })
        : undefined;
  const initImage = initSource && (await resizeImage(initSource, content.width, content.height));
  return { content, styles, initImage };
}

function styleDecoding(settings: StylizeSettings, painting: Size, content: Size): ReadImageOptions {
  const { fit, ...size } = styleWorkingSize(settings, painting, content);
  return fit === 'cover' ? { cover: size } : { longSide: styleLongSide(settings) };
}

function requireInitFile(job: StylizeJob): string {
  if (!job.initFile) throw new PasticheError("init 'image' needs a starting image file", 'init');
  return job.initFile;
}

function recordRun(store: RunStore, job: StylizeJob, inputs: PreparedInputs) {
  return store.createRun({
    project: job.project,
    kind: 'stylize',
    contentImageId: storeInput(store, inputs.files.content),
    styles: inputs.files.styles.map((file, i) => ({
      imageId: storeInput(store, file),
      blendWeight: job.settings.styleBlend[i],
    })),
    initImageId: inputs.files.init ? storeInput(store, inputs.files.init) : null,
    settings: job.settings,
  });
}
