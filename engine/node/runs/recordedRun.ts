import { PasticheError, isPasticheError } from '../../common/errors.js';
import type { RgbImage } from '../../common/image.js';
import type { DescentJob } from '../../common/api/computeProtocol.js';
import { runDescentJob } from '../../common/compute/descentJob.js';
import type { FeatureNetwork } from '../../common/networks/featureNetwork.js';
import type { OptimisationRunRecord, RunKind, RunRecord } from '../../common/runs/records.js';
import type { DescentHooks, DescentPreview, DescentProgress, DescentResult } from '../../common/stylize/descent.js';
import type { DescentBackend } from '../backend.js';
import type { PieceOutcome } from '../../common/stylize/scheduledStylize.js';
import type { StagePosition } from '../../common/stylize/schedule.js';
import { readFileBytes } from '../fileIO.js';
import { describeImage, encodeImage } from '../image/imageIO.js';
import { loadNetwork, type LoadedNetwork, type NetworkSummary } from '../networks/registry.js';
import type { ImageRecord, MetricRow, ReachedImage, RunStore } from '../store/runStore.js';
import { computedBackendName, type ProviderName } from '../onnxruntime/providers.js';
import { providerRuns, providersBetween } from '../onnxruntime/sessions.js';

// What running a recorded run means, whatever its kind: the store's lifecycle around one descent,
// its metrics, previews and last image kept whatever happens.

export interface RunHooks {
  readonly signal?: AbortSignal;
  /** Called once the run is recorded, before the first iteration. */
  onStart?(info: { runId: number; network: NetworkSummary; width: number; height: number }): void;
  onProgress?(progress: DescentProgress): void;
  /** A preview was stored (with the stage whose picture it is, for a scheduled run). */
  onPreview?(preview: DescentPreview & { readonly record: ImageRecord }): void;
  /** A scheduled stylization's stage in one piece, or one of its tiles, ended. */
  onPiece?(piece: PieceOutcome): void;
  /** A scheduled stylization's stage started. */
  onStage?(stage: StagePosition): void;
}

export interface RunOutcome extends DescentResult {
  readonly runId: number;
  /** The backend that computed the run, as recorded (`onnxruntime/webgpu+cpu` when graphs fell back). */
  readonly backend: string;
  readonly output: ImageRecord;
  readonly network: NetworkSummary;
}

/** A run's work once its network is loaded: its inputs read at their working sizes, and the descent on them. */
export interface PreparedDescent {
  /** The result's size. */
  readonly width: number;
  readonly height: number;
  /**
   * The descent as data, which a compute device can run as well as this thread; or one only this
   * thread can run (a scheduled stylization decodes its inputs again at each stage's size).
   */
  readonly job: DescentJob | LocalDescent;
}

export type LocalDescent = (network: FeatureNetwork, hooks: DescentHooks) => Promise<DescentResult>;

/**
 * Runs a queued run. From here on whatever fails — a network deleted since it was queued, a full
 * disk — marks the run failed, keeping its latest preview; it is never left queued or running.
 */
export async function executeRecorded(
  store: RunStore,
  run: OptimisationRunRecord,
  backend: DescentBackend,
  hooks: RunHooks,
  prepare: () => Promise<PreparedDescent>,
): Promise<RunOutcome> {
  const runId = run.id;
  const metrics = metricsRecorder(store, runId);
  let lastImage: ReachedImage | undefined;
  let loaded: LoadedNetwork | undefined;
  const before = providerRuns();
  try {
    loaded = await loadNetwork(run.settings.network, store.paths.models);
    const work = await prepare();
    store.startRun(runId, backend.name, loaded.summary.weightsSha256);
    hooks.onStart?.({ runId, network: loaded.summary, width: work.width, height: work.height });
    const result = await descendOn(backend, loaded, work.job, {
      signal: hooks.signal,
      onProgress: (progress) => {
        metrics.add(progress);
        hooks.onProgress?.(progress);
      },
      onPreview: async (preview) => {
        const { iteration, image } = preview;
        metrics.flush();
        const record = await savePng(store, image, `run ${runId} preview ${iteration}`);
        store.addOutput(runId, 'preview', iteration, record.id);
        lastImage = { imageId: record.id, iteration };
        hooks.onPreview?.({ ...preview, record });
      },
    });
    metrics.flush();
    const output = await savePng(store, result.image, `run ${runId} result`);
    const last = { imageId: output.id, iteration: result.iterationsDone };
    const computedOn = recordComputedOn(store, runId, backend.name, before);
    if (result.status === 'cancelled') store.cancelRun(runId, last);
    else store.finishRun(runId, last);
    return { ...result, runId, output, network: loaded.summary, backend: computedOn };
  } catch (error) {
    metrics.flushAfterFailure();
    try {
      recordComputedOn(store, runId, backend.name, before);
    } catch {
      // The failure below is what the run records; a store that cannot take this line fails there too.
    }
    store.failRun(runId, failureMessage(error), lastImage);
    throw error;
  } finally {
    loaded?.network.dispose();
  }
}

/**
 * The backend that computed the run, recorded when it differs from the one it started on: a graph
 * the chosen provider refused ran on the CPU provider (`onnxruntime/webgpu+cpu`).
 */
export function recordComputedOn(
  store: RunStore,
  runId: number,
  chosen: string,
  before: ReadonlyMap<ProviderName, number>,
): string {
  const computed = computedBackendName(chosen, providersBetween(before));
  if (computed !== chosen) store.recordComputedOn(runId, computed);
  return computed;
}

/**
 * The descent on this thread's backend, or on a compute device, which is sent the network's weights when it does not
 * hold them.
 */
function descendOn(
  backend: DescentBackend,
  loaded: LoadedNetwork,
  job: DescentJob | LocalDescent,
  hooks: DescentHooks,
): Promise<DescentResult> {
  if (typeof job === 'function') {
    if ('compute' in backend) throw new Error('a descent only this thread can run was given a compute device');
    return job(loaded.network, hooks);
  }
  if (!('compute' in backend)) return runDescentJob(loaded.network, job, hooks);
  const { network, weights, summary } = loaded;
  return backend.compute.descend(
    { key: summary.weightsSha256, name: network.name, architecture: network.architecture, weights },
    job,
    hooks,
  );
}

/** The stored run, refused unless it is queued and of the kind asked for. */
export function queuedRun<K extends RunKind>(store: RunStore, runId: number, kind: K): Extract<RunRecord, { kind: K }> {
  const run = store.run(runId);
  if (run.status !== 'queued') throw new PasticheError(`is ${run.status}, so it cannot be started`, `run ${runId}`);
  if (run.kind !== kind) throw new PasticheError(`is a ${run.kind} run, not a ${kind} run`, `run ${runId}`);
  return run as Extract<RunRecord, { kind: K }>;
}

/** An input file's bytes, as the store will copy them, with its name and original size. */
export interface PreparedInput {
  readonly bytes: Uint8Array;
  readonly original: { width: number; height: number; format: string };
  readonly name: string;
}

export async function readInput(file: string): Promise<PreparedInput> {
  const bytes = await readFileBytes(file);
  return { bytes, original: await describeImage(bytes, file), name: file };
}

/** Copies an input into the store, returning its image id. */
export function storeInput(store: RunStore, input: PreparedInput): number {
  return store.addImage(input.bytes, { originalName: input.name, ...input.original }).id;
}

/** Buffers per-iteration metrics and writes them in batches of 50, before each preview, and at the end. */
export function metricsRecorder(store: RunStore, runId: number) {
  let pending: MetricRow[] = [];
  const flush = () => {
    const rows = pending;
    pending = [];
    if (rows.length > 0) store.recordMetrics(runId, rows);
  };
  return {
    add(progress: DescentProgress) {
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

/** What a failed run records as its error: a PasticheError's own line, else an internal error. */
export function failureMessage(error: unknown): string {
  return isPasticheError(error)
    ? error.message
    : `internal error: ${error instanceof Error ? error.message : String(error)}`;
}

/** Encodes an image as PNG into the store (a run's result, preview or partial picture). */
export async function savePng(store: RunStore, image: RgbImage, label: string): Promise<ImageRecord> {
  const bytes = await encodeImage(image, { format: 'png' }, label);
  return store.addImage(bytes, { originalName: null, width: image.width, height: image.height, format: 'png' });
}
