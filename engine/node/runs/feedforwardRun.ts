import {
  resolveFeedforwardSettings,
  type FeedforwardRequest,
  type FeedforwardSettings,
} from '../../common/fast/feedforwardSettings.js';
import type { RgbImage } from '../../common/image.js';
import type { BackendInfo } from '../backend.js';
import { readFileBytes } from '../fileIO.js';
import type { PictureStylizer } from '../../common/fast/pictureStylizer.js';
import { fastStylizer } from '../fast/fastStylizer.js';
import { paintPicture, tileCount, type PaintHooks } from '../fast/paintPicture.js';
import { DEFAULT_TILE, NATIVE_DEFAULT_TILE } from '../../common/fast/tiling.js';
import { nativeGradientRuntime } from '../backend.js';
import { providerRuns } from '../onnxruntime/sessions.js';
import { describeStyle, loadStyle, type LoadedStyle, type StyleSummary } from '../fast/styleLibrary.js';
import { decodeImage, maxPixelsFromEnv } from '../image/imageIO.js';
import type { ImageRecord, ReachedImage, RunStore } from '../store/runStore.js';
import { failureMessage, queuedRun, readInput, recordComputedOn, savePng, storeInput } from './recordedRun.js';

/**
 * What a person asks for: a photo on disk, a style, a size and a tiling (FeedforwardRequest's defaults for what is left
 * out).
 */
export interface FeedforwardJob {
  readonly project: string;
  readonly contentFile: string;
  readonly request: FeedforwardRequest;
}

export interface FeedforwardHooks extends PaintHooks {
  /** Called once the run is recorded and its style loaded, before the first tile. */
  onStart?(info: { runId: number; style: StyleSummary; settings: FeedforwardSettings; tiles: number }): void;
}

export interface FeedforwardOutcome {
  readonly runId: number;
  readonly status: 'done' | 'cancelled';
  /** The result; for a cancelled run the lines finished, or null. */
  readonly image: RgbImage | null;
  readonly output: ImageRecord | null;
  readonly style: StyleSummary;
  readonly settings: FeedforwardSettings;
  readonly elapsedMs: number;
}

/**
 * Records one feed-forward run and computes it at once: what `pastiche fast` does. The style, the
 * photo (decoded, so corrupt data is found) and the size are checked before the run's row is
 * written; once recorded, the run ends done, cancelled or failed, keeping the lines finished.
 */
export async function runFeedforward(
  store: RunStore,
  job: FeedforwardJob,
  backend: BackendInfo,
  hooks: FeedforwardHooks = {},
): Promise<FeedforwardOutcome> {
  // Loaded once: a style used from a folder is read (and its digest computed) here, not again to run.
  const style = await loadStyle(job.request.style, store.paths.styles);
  let recorded: Awaited<ReturnType<typeof checkAndRecord>>;
  try {
    recorded = await checkAndRecord(store, job, style.summary);
  } catch (error) {
    style.network.dispose();
    throw error;
  }
  return executeFeedforward(store, recorded.runId, backend, hooks, { picture: recorded.picture, style });
}

/** Checks a feed-forward run and records it as queued, its photo copied into the store; returns its run id. */
export async function enqueueFeedforward(store: RunStore, job: FeedforwardJob): Promise<number> {
  return (await checkAndRecord(store, job, await describeStyle(job.request.style, store.paths.styles))).runId;
}

/**
 * Runs a queued feed-forward run from what the store holds; `prepared` is its photo as decoded and its
 * style as loaded when it was recorded, when that was just now (the run then owns the style).
 */
export async function executeFeedforward(
  store: RunStore,
  runId: number,
  backend: BackendInfo,
  hooks: FeedforwardHooks = {},
  prepared?: { picture: RgbImage; style: LoadedStyle },
): Promise<FeedforwardOutcome> {
  // Refused before the try: a run that is not queued is not this run's to fail (a prepared run was just recorded).
  const run = queuedRun(store, runId, 'feedforward');
  const { settings } = run;
  let loaded = prepared?.style;
  let stylizer: PictureStylizer | undefined;
  let finished: RgbImage | null = null;
  const before = providerRuns();
  try {
    loaded ??= await loadStyle(settings.style, store.paths.styles);
    const picture =
      prepared?.picture ??
      (await decodePhoto(run.contentImage.path, await readFileBytes(run.contentImage.path), settings));
    stylizer = await fastStylizer(loaded, backend.name);
    // What computes the picture: onnxruntime's graphs, or TensorFlow.js's backend when it runs alone.
    store.startRun(runId, stylizer.backend, loaded.summary.weightsSha256);
    hooks.onStart?.({ runId, style: loaded.summary, settings, tiles: tileCount(settings) });
    const started = performance.now();
    const result = await paintPicture(stylizer, picture, settings, {
      ...hooks,
      onTile: (progress) => {
        finished = progress.finished;
        hooks.onTile?.(progress);
      },
    });
    const outcome = { runId, style: loaded.summary, settings, elapsedMs: performance.now() - started };
    recordComputedOn(store, runId, stylizer.backend, before);
    if (result.status === 'cancelled') {
      const partial = finished && (await savePng(store, finished, `run ${runId} partial`));
      store.cancelRun(runId, partial ? reached(partial) : undefined);
      return { ...outcome, status: 'cancelled', image: finished, output: partial };
    }
    const output = await savePng(store, result.image, `run ${runId} result`);
    store.finishRun(runId, reached(output));
    return { ...outcome, status: 'done', image: result.image, output };
  } catch (error) {
    if (stylizer) recordComputedOn(store, runId, stylizer.backend, before);
    store.failRun(runId, failureMessage(error), await keepFinished(store, runId, finished));
    throw error;
  } finally {
    // The stylizer owns the style's network once made.
    if (stylizer) stylizer.dispose();
    else loaded?.network.dispose();
  }
}

async function checkAndRecord(
  store: RunStore,
  job: FeedforwardJob,
  style: StyleSummary,
): Promise<{ runId: number; picture: RgbImage }> {
  const input = await readInput(job.contentFile);
  // A library style is recorded by its name, one used from a folder by that folder's absolute path.
  const request = { ...job.request, style: style.savedAt === null ? style.location : style.name };
  // Larger tiles where onnxruntime computes (fastStylizer): less of the picture computed twice.
  const defaultTile = nativeGradientRuntime() ? NATIVE_DEFAULT_TILE : DEFAULT_TILE;
  const settings = resolveFeedforwardSettings(request, input.original, maxPixelsFromEnv(), defaultTile);
  const picture = await decodePhoto(job.contentFile, input.bytes, settings);
  const run = store.createRun({
    project: job.project,
    kind: 'feedforward',
    contentImageId: storeInput(store, input),
    settings,
  });
  return { runId: run.id, picture };
}

/** The photo at the run's size (lanczos3, as every run sizes its photo). */
function decodePhoto(label: string, bytes: Uint8Array, settings: FeedforwardSettings): Promise<RgbImage> {
  return decodeImage(bytes, label, settings.size === null ? {} : { longSide: settings.size });
}

/** A feed-forward result is one pass: iteration 0 of none. */
function reached(image: ImageRecord): ReachedImage {
  return { imageId: image.id, iteration: 0 };
}

/** The lines a failed run finished, stored as its partial picture when they can be. */
async function keepFinished(
  store: RunStore,
  runId: number,
  finished: RgbImage | null,
): Promise<ReachedImage | undefined> {
  if (!finished) return undefined;
  try {
    return reached(await savePng(store, finished, `run ${runId} partial`));
  } catch {
    // The failure itself is what must be recorded.
    return undefined;
  }
}
