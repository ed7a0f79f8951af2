import { PasticheError, isPasticheError } from '../../common/errors.js';
import type { RgbImage } from '../../common/image.js';
import { styleWorkingSize, type StylizeSettings } from '../../common/stylize/settings.js';
import { stylize, type StylizeProgress, type StylizeResult } from '../../common/stylize/stylize.js';
import { styleMemoryBudget, type BackendInfo } from '../backend.js';
import { checkLocalStyleMemory } from '../../common/stylize/styleMemory.js';
import { readFileBytes } from '../fileIO.js';
import { decodeImage, describeImage, encodeImage, resizeImage, type ReadImageOptions } from '../image/imageIO.js';
import { checkInputSize, checkNetworkLayers } from '../../common/networks/featureNetwork.js';
import { describeNetwork, loadNetwork, type LoadedNetwork, type NetworkDescription, type NetworkSummary } from '../networks/registry.js';
import type { ImageRecord, MetricRow, ReachedImage, RunStore } from '../store/runStore.js';

/** What a person asks for: files on disk and the run's settings. */
export interface StylizeJob {
  readonly project: string;
  readonly contentFile: string;
  readonly styleFiles: readonly string[];
  /** The starting image for init `image`. */
  readonly initFile?: string;
  readonly settings: StylizeSettings;
}

export interface StylizeRunHooks {
  readonly signal?: AbortSignal;
  /** Called once the run is recorded, before the first iteration. */
  onStart?(info: { runId: number; network: NetworkSummary; width: number; height: number }): void;
  onProgress?(progress: StylizeProgress): void;
  onPreview?(preview: { iteration: number; image: RgbImage; record: ImageRecord }): void;
}

export interface StylizeRunOutcome extends StylizeResult {
  readonly runId: number;
  readonly output: ImageRecord;
  readonly network: NetworkSummary;
}

/**
 * Records one stylization and runs it at once: what the CLI does. Everything that can be refused —
 * settings, network, layers, images — is refused before the run's row is written, so bad input leaves
 * nothing in the store; once recorded, the run ends done, failed or cancelled, with its last image.
 */
export async function runStylize(store: RunStore, job: StylizeJob, backend: BackendInfo, hooks: StylizeRunHooks = {}): Promise<StylizeRunOutcome> {
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

async function checkAndRecord(store: RunStore, job: StylizeJob): Promise<{ runId: number; inputs: PreparedInputs }> {
  const network = (await checkSettingsNetworks(store, [job.settings])).get(job.settings.network)!;
  // Decoding at the working size now finds truncated or corrupt pixel data, which headers do not show.
  const inputs = await prepareInputs(job);
  checkImageSizes(network, job.settings, inputs.content, inputs.styles);
  return { runId: recordRun(store, job, inputs).id, inputs };
}

/**
 * Refuses a photo (or painting) too small, at its working size, for the deepest layer the run reads
 * from it (AlexNet's first layers need 39 px before pool5). The result has the photo's size, so all
 * layers are computed on it; the paintings feed the style layers only. Also refuses local style whose
 * statistics would not fit in this backend's memory.
 */
export function checkImageSizes(network: NetworkDescription, settings: StylizeSettings, content: Size, styles: readonly Size[]): void {
  const styleLayers = settings.styleLayers.map((l) => l.layer);
  checkInputSize(network, [...settings.contentLayers, ...styleLayers], content);
  for (const style of styles) checkInputSize(network, styleLayers, style);
  checkLocalStyleMemory(network.name, network.architecture, settings, content, styleMemoryBudget());
}

type Size = { readonly width: number; readonly height: number };

/** Refuses settings whose network is unknown or not installed, or lacks a layer they name; describes each network once. */
export async function checkSettingsNetworks(store: RunStore, settings: readonly StylizeSettings[]): Promise<Map<string, NetworkDescription>> {
  const networks = new Map<string, NetworkDescription>();
  for (const name of new Set(settings.map((s) => s.network))) {
    const network = await describeNetwork(name, store.paths.models);
    for (const s of settings.filter((s) => s.network === name)) checkNetworkLayers(network, [...s.contentLayers, ...s.styleLayers.map((l) => l.layer)]);
    networks.set(name, network);
  }
  return networks;
}

/**
 * Runs a queued run from what the store holds. From here on whatever fails — a network deleted since
 * it was queued, a full disk — marks the run failed, keeping its latest preview; it is never left
 * queued or running. `prepared` are its images as decoded when it was recorded, when that was just now.
 */
export async function executeStylize(store: RunStore, runId: number, backend: BackendInfo, hooks: StylizeRunHooks = {}, prepared?: PreparedInputs): Promise<StylizeRunOutcome> {
  const job = queuedJob(store, runId);
  const metrics = metricsRecorder(store, runId);
  let lastImage: ReachedImage | undefined;
  let loaded: LoadedNetwork | undefined;
  try {
    loaded = await loadNetwork(job.settings.network, store.paths.models);
    const inputs = prepared ?? (await prepareInputs(job));
    store.startRun(runId, backend.name);
    hooks.onStart?.({ runId, network: loaded.summary, width: inputs.content.width, height: inputs.content.height });
    const result = await stylize({
      network: loaded.network, settings: job.settings, content: inputs.content, styles: inputs.styles, initImage: inputs.initImage, signal: hooks.signal,
      onProgress: (progress) => {
        metrics.add(progress);
        hooks.onProgress?.(progress);
      },
      onPreview: async ({ iteration, image }) => {
        metrics.flush();
        const record = await savePng(store, image, `run ${runId} preview ${iteration}`);
        store.addOutput(runId, 'preview', iteration, record.id);
        lastImage = { imageId: record.id, iteration };
        hooks.onPreview?.({ iteration, image, record });
      },
    });
    metrics.flush();
    const output = await savePng(store, result.image, `run ${runId} result`);
    const last = { imageId: output.id, iteration: result.iterationsDone };
    if (result.status === 'cancelled') store.cancelRun(runId, last);
    else store.finishRun(runId, last);
    return { ...result, runId, output, network: loaded.summary };
  } catch (error) {
    metrics.flushAfterFailure();
    store.failRun(runId, isPasticheError(error) ? error.message : `internal error: ${error instanceof Error ? error.message : String(error)}`, lastImage);
    throw error;
  } finally {
    loaded?.network.dispose();
  }
}

/** A queued run as a job on the store's copies of its images. */
function queuedJob(store: RunStore, runId: number): StylizeJob {
  const run = store.run(runId);
  if (run.status !== 'queued') throw new PasticheError(`is ${run.status}, so it cannot be started`, `run ${runId}`);
  return {
    project: run.project, settings: run.settings,
    contentFile: run.contentImage.path, styleFiles: run.styles.map((style) => style.image.path), initFile: run.initImage?.path,
  };
}

interface PreparedInput {
  readonly bytes: Uint8Array;
  readonly original: { width: number; height: number; format: string };
  readonly name: string;
}

interface PreparedInputs {
  readonly content: RgbImage;
  readonly styles: RgbImage[];
  readonly initImage?: RgbImage;
  readonly files: { content: PreparedInput; styles: PreparedInput[]; init?: PreparedInput };
}

/** Reads and sizes every image: content to the run's size, styles to styleScale × that, init to the content. */
async function prepareInputs(job: StylizeJob): Promise<PreparedInputs> {
  const { size, styleScale, init } = job.settings;
  const contentFile = await readInput(job.contentFile);
  const content = await decodeImage(contentFile.bytes, job.contentFile, { longSide: size });
  const styleFiles = await Promise.all(job.styleFiles.map(readInput));
  const styles = await Promise.all(styleFiles.map((file, i) => decodeImage(file.bytes, job.styleFiles[i], styleDecoding(job.settings, file.original, content))));
  const initFile = init === 'image' ? await readInput(requireInitFile(job)) : undefined;
  // Decoded no larger than the run's size, then stretched to the content's exact shape.
  const initSource = init === 'style'
    ? (styleScale === 1 && job.settings.styleRepr === 'gram' ? styles[0] : await decodeImage(styleFiles[0].bytes, job.styleFiles[0], { longSide: size }))
    : initFile && (await decodeImage(initFile.bytes, job.initFile!, { longSide: size }));
  const initImage = initSource && (await resizeImage(initSource, content.width, content.height));
  return { content, styles, initImage, files: { content: contentFile, styles: styleFiles, init: initFile } };
}

function styleDecoding(settings: StylizeSettings, painting: Size, content: Size): ReadImageOptions {
  const { fit, ...size } = styleWorkingSize(settings, painting, content);
  return fit === 'cover' ? { cover: size } : { longSide: Math.max(size.width, size.height) };
}

function requireInitFile(job: StylizeJob): string {
  if (!job.initFile) throw new PasticheError("init 'image' needs a starting image file", 'init');
  return job.initFile;
}

async function readInput(file: string): Promise<PreparedInput> {
  const bytes = await readFileBytes(file);
  return { bytes, original: await describeImage(bytes, file), name: file };
}

function recordRun(store: RunStore, job: StylizeJob, inputs: PreparedInputs) {
  const add = (input: PreparedInput) => store.addImage(input.bytes, { originalName: input.name, ...input.original });
  return store.createRun({
    project: job.project,
    kind: 'stylize',
    contentImageId: add(inputs.files.content).id,
    styles: inputs.files.styles.map((file, i) => ({ imageId: add(file).id, blendWeight: job.settings.styleBlend[i] })),
    initImageId: inputs.files.init ? add(inputs.files.init).id : null,
    settings: job.settings,
  });
}

/** Buffers per-iteration metrics and writes them in batches of 50, before each preview, and at the end. */
function metricsRecorder(store: RunStore, runId: number) {
  let pending: MetricRow[] = [];
  const flush = () => {
    const rows = pending;
    pending = [];
    if (rows.length > 0) store.recordMetrics(runId, rows);
  };
  return {
    add(progress: StylizeProgress) {
      pending.push({ iteration: progress.iteration, ...progress.loss, elapsedMs: progress.elapsedMs });
      if (pending.length >= 50) flush();
    },
    flush,
    /** Keeps what it can; a store that cannot take the metrics must still record that the run failed. */
    flushAfterFailure() {
      try {
        flush();
      } catch {
        // The run's failure, recorded next, matters more than its last few metrics.
      }
    },
  };
}

async function savePng(store: RunStore, image: RgbImage, label: string): Promise<ImageRecord> {
  const bytes = await encodeImage(image, { format: 'png' }, label);
  return store.addImage(bytes, { originalName: null, width: image.width, height: image.height, format: 'png' });
}
