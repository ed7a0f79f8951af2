import * as tf from '@tensorflow/tfjs';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PasticheError } from '../../common/errors.js';
import {
  styleTrainer,
  type StyleTrainer,
  type TrainerOptions,
  type TrainerState,
} from '../../common/fast/styleTrainer.js';
import { trainingSchedule, type TrainingSchedule } from '../../common/fast/trainingSchedule.js';
import type { TrainStyleSettings } from '../../common/fast/trainingSettings.js';
import type { RgbImage } from '../../common/image.js';
import { imageToTensor, tensorToImage } from '../../common/imageTensor.js';
import type { LossTerms } from '../../common/losses/styleTransferLoss.js';
import { checkInputSize, checkNetworkLayers } from '../../common/networks/featureNetwork.js';
import type { TrainStyleRunRecord } from '../../common/runs/records.js';
import type { DescentProgress } from '../../common/stylize/descent.js';
import { nativeGradientRuntime, type BackendInfo } from '../backend.js';
import { decodeImage, readImage } from '../image/imageIO.js';
import { isLibraryName } from '../libraryNames.js';
import { describeNetwork, loadNetwork, type LoadedNetwork, type NetworkSummary } from '../networks/registry.js';
import {
  failureMessage,
  metricsRecorder,
  queuedRun,
  readInput,
  recordComputedOn,
  savePng,
  storeInput,
} from './recordedRun.js';
import { providerRuns } from '../onnxruntime/sessions.js';
import type { ImageRecord, ReachedImage, RunStore } from '../store/runStore.js';
import { batchTensor, listPhotos, loadBatch, type LoadedBatch, type PhotoFolder } from '../fast/photoFolder.js';
import { nativeTransformerGradient } from '../fast/nativeTransformerGradient.js';
import { saveStyle, type SavedStyleInfo } from '../fast/savedStyle.js';
import { hasCheckpoint, loadCheckpoint, saveCheckpoint } from '../fast/trainingCheckpoint.js';

/** What a person asks for: a style network named `styleName`, trained for one painting on a folder of photos. */
export interface TrainStyleJob {
  readonly project: string;
  readonly styleName: string;
  readonly styleFile: string;
  readonly photosFolder: string;
  /** The photo the previews show; the first photo when absent. */
  readonly validationFile?: string;
  readonly settings: TrainStyleSettings;
}

/** What a caller hears while a network trains, and how it stops it (after the current step, keeping a checkpoint). */
export interface TrainingHooks {
  readonly signal?: AbortSignal;
  onStart?(info: { runId: number; network: NetworkSummary; step: number; totalSteps: number; photos: number }): void;
  /** After every step: `iteration` is the step (from 1), its loss the one the step measured on its batch. */
  onProgress?(progress: DescentProgress): void;
  onPreview?(preview: { iteration: number; image: RgbImage; record: ImageRecord }): void;
  onCheckpoint?(checkpoint: { step: number; folder: string }): void;
  /** A photo left out of its batch because it could not be read, once per photo. */
  onSkippedPhoto?(problem: string): void;
}

export interface TrainingOutcome {
  /** `cancelled`: stopped by the signal, its checkpoint kept for `--resume`. */
  readonly status: 'done' | 'cancelled';
  readonly runId: number;
  readonly stepsDone: number;
  readonly totalSteps: number;
  readonly finalLoss: LossTerms | null;
  /** Time spent training, over every session. */
  readonly elapsedMs: number;
  /** The saved style, when done. */
  readonly style: SavedStyleInfo | null;
  /** The checkpoint's folder, when cancelled. */
  readonly checkpoint: string | null;
  readonly preview: ImageRecord | null;
}

/** The pictures a training reads before its first step, decoded at their working sizes. */
interface TrainingInputs {
  readonly photos: PhotoFolder;
  readonly schedule: TrainingSchedule;
  readonly painting: RgbImage;
  readonly validation: RgbImage;
}

/**
 * Checks and records a new training, then runs it: what `pastiche train-style` does. Everything that
 * can be refused — the name, the settings against the network, the photos, the painting, the
 * validation photo — is refused before the run's row is written.
 */
export async function trainStyle(
  store: RunStore,
  job: TrainStyleJob,
  backend: BackendInfo,
  hooks: TrainingHooks = {},
): Promise<TrainingOutcome> {
  const { run, inputs } = await checkAndRecord(store, job);
  return runTraining(store, run, backend, hooks, inputs);
}

/** Checks a training and records it as queued (the studio's queue starts it in turn); returns its run id. */
export async function enqueueTraining(store: RunStore, job: TrainStyleJob): Promise<number> {
  return (await checkAndRecord(store, job)).run.id;
}

/** Runs a queued training from what the store holds: its settings, painting, validation photo and photo folder. */
export async function executeTraining(
  store: RunStore,
  runId: number,
  backend: BackendInfo,
  hooks: TrainingHooks = {},
): Promise<TrainingOutcome> {
  const run = queuedRun(store, runId, 'train-style');
  let inputs: TrainingInputs;
  try {
    inputs = await recordedInputs(run);
  } catch (error) {
    store.failRun(run.id, failureMessage(error));
    throw error;
  }
  return runTraining(store, run, backend, hooks, inputs);
}

async function checkAndRecord(
  store: RunStore,
  job: TrainStyleJob,
): Promise<{ run: TrainStyleRunRecord; inputs: TrainingInputs }> {
  const { settings, styleName } = job;
  checkNewStyleName(store, styleName);
  const network = await describeNetwork(settings.network, store.paths.models);
  const layers = [...settings.contentLayers, ...settings.styleLayers.map((l) => l.layer)];
  checkNetworkLayers(network, layers);
  checkInputSize(network, layers, { width: settings.size, height: settings.size });
  const photos = listPhotos(job.photosFolder);
  const schedule = trainingSchedule(photos.count, settings);
  const paintingFile = await readInput(job.styleFile);
  const painting = await decodeImage(paintingFile.bytes, job.styleFile, { longSide: settings.styleSize });
  checkInputSize(network, layers, painting);
  const validationPath = job.validationFile ?? join(photos.folder, photos.names[0]);
  const validationFile = await readInput(validationPath);
  const validation = await decodeImage(validationFile.bytes, validationPath, { longSide: settings.size });
  const run = store.createRun({
    project: job.project,
    kind: 'train-style',
    settings,
    contentImageId: storeInput(store, validationFile),
    styles: [{ imageId: storeInput(store, paintingFile), blendWeight: 1 }],
    training: {
      styleName,
      photos: { folder: photos.folder, count: photos.count, namesSha256: photos.namesSha256 },
      totalSteps: schedule.totalSteps,
    },
  });
  return { run: run as TrainStyleRunRecord, inputs: { photos, schedule, painting, validation } };
}

/** A recorded training's pictures, read again from the store and its photo folder, which must hold the same photos. */
async function recordedInputs(run: TrainStyleRunRecord): Promise<TrainingInputs> {
  const photos = listPhotos(run.training.photos.folder);
  if (photos.namesSha256 !== run.training.photos.namesSha256) {
    throw new PasticheError(
      `the photos changed since the training was recorded ` +
        `(${run.training.photos.count} then, ${photos.count} now); it needs the same ones`,
      photos.folder,
    );
  }
  return {
    photos,
    schedule: trainingSchedule(photos.count, run.settings),
    painting: await readImage(run.styles[0].image.path, { longSide: run.settings.styleSize }),
    validation: await readImage(run.contentImage.path, { longSide: run.settings.size }),
  };
}

/**
 * Goes on with the training of `styleName` from its last checkpoint, as the same run, with its
 * recorded settings, painting and validation photo; the photos must be the same ones.
 */
export async function resumeTraining(
  store: RunStore,
  styleName: string,
  backend: BackendInfo,
  hooks: TrainingHooks = {},
): Promise<TrainingOutcome> {
  const folder = join(store.paths.training, styleName);
  if (!hasCheckpoint(folder))
    throw new PasticheError(`no stopped training of this name to resume (no checkpoint in ${folder})`, styleName);
  const { info, state } = await loadCheckpoint(folder);
  try {
    const run = store.run(info.runId);
    if (run.kind !== 'train-style' || run.training.styleName !== styleName)
      throw new PasticheError(`belongs to run ${run.id}, which is not this style's training`, folder);
    if (run.status !== 'failed' && run.status !== 'cancelled')
      throw new PasticheError(`is ${run.status}, so it cannot be resumed`, `run ${run.id}`);
    const inputs = await recordedInputs(run);
    return await runTraining(store, run, backend, hooks, inputs, { state, elapsedMs: info.elapsedMs });
  } finally {
    tf.dispose([...state.tensors.values()]);
  }
}

/** A style name is a folder name in the data folder; a new training refuses one that is taken. */
function checkNewStyleName(store: RunStore, styleName: string): void {
  if (!isLibraryName(styleName))
    throw new PasticheError('a style name is letters, digits, dots, dashes and underscores', styleName);
  if (existsSync(join(store.paths.styles, styleName)))
    throw new PasticheError(`a style of this name exists in ${store.paths.styles}; choose another name`, styleName);
  if (hasCheckpoint(join(store.paths.training, styleName))) {
    throw new PasticheError(
      `a stopped training of this name has a checkpoint in ` +
        `${join(store.paths.training, styleName)}: continue it with --resume, or delete that folder`,
      styleName,
    );
  }
}

/**
 * Runs a recorded training from its start or its checkpoint. From here on whatever fails marks the
 * run failed, keeping its latest preview and its last checkpoint.
 */
async function runTraining(
  store: RunStore,
  run: TrainStyleRunRecord,
  backend: BackendInfo,
  hooks: TrainingHooks,
  inputs: TrainingInputs,
  resume?: { state: TrainerState; elapsedMs: number },
): Promise<TrainingOutcome> {
  const metrics = metricsRecorder(store, run.id);
  let loaded: LoadedNetwork | undefined;
  let trainer: StyleTrainer | undefined;
  const session = new TrainingSession(store, run, hooks, inputs, resume?.elapsedMs ?? 0);
  const before = providerRuns();
  const recordBackend = () => recordComputedOn(store, run.id, backend.name, before);
  try {
    loaded = await loadNetwork(run.settings.network, store.paths.models);
    const painting = imageToTensor(inputs.painting);
    try {
      const options = trainerOptions(backend, run.settings, resume?.state);
      trainer = styleTrainer(loaded.network, run.settings, painting, options);
    } finally {
      painting.dispose();
    }
    if (resume) store.resumeTraining(run.id, resume.state.step, backend.name, loaded.summary.weightsSha256);
    else store.startRun(run.id, backend.name, loaded.summary.weightsSha256);
    hooks.onStart?.({
      runId: run.id,
      network: loaded.summary,
      step: trainer.step,
      totalSteps: inputs.schedule.totalSteps,
      photos: inputs.photos.count,
    });
    return await session.train(
      trainer,
      (progress) => metrics.add(progress),
      () => metrics.flush(),
      recordBackend,
    );
  } catch (error) {
    metrics.flushAfterFailure();
    try {
      recordBackend();
    } catch {
      // The failure below is what the run records; a store that cannot take this line fails there too.
    }
    store.failRun(run.id, failureMessage(error), session.lastPreview ?? undefined);
    throw error;
  } finally {
    trainer?.dispose();
    loaded?.network.dispose();
  }
}

/**
 * On onnxruntime the transformer's passes run natively too (and the loss network's, which the
 * registry's networks have there); elsewhere TensorFlow.js computes the whole step.
 */
function trainerOptions(
  backend: BackendInfo,
  settings: TrainStyleSettings,
  resumeFrom: TrainerState | undefined,
): TrainerOptions {
  const runtime = nativeGradientRuntime();
  const native = runtime ? { transformerGradient: nativeTransformerGradient(runtime) } : {};
  return { resumeFrom, picturesPerPass: picturesPerPass(backend, settings), ...native };
}

/**
 * Pictures computed together in a step. On wasm a 256 px picture through VGG-19 takes about 1.6 GB
 * (4 GiB is all the heap there is) and batching gains no speed on a CPU (measured: 2 pictures at
 * once took twice as long as one), so the CPU backends take one at a time; the native ones, whose
 * memory and parallelism are larger, the whole batch.
 */
function picturesPerPass(backend: BackendInfo, settings: TrainStyleSettings): number {
  return backend.name === 'wasm' || backend.name === 'cpu' ? 1 : settings.batchSize;
}

/**
 * One session of a training: its steps from where it stands to the end or to a cancel, and what it records on the way.
 */
class TrainingSession {
  lastPreview: ReachedImage | null = null;
  private lastPreviewRecord: ImageRecord | null = null;
  private readonly reported = new Set<string>();
  private readonly checkpointFolder: string;

  constructor(
    private readonly store: RunStore,
    private readonly run: TrainStyleRunRecord,
    private readonly hooks: TrainingHooks,
    private readonly inputs: TrainingInputs,
    private readonly elapsedBefore: number,
  ) {
    this.checkpointFolder = join(store.paths.training, run.training.styleName);
  }

  /** `recordBackend` records what computed the steps (a provider's fallback shows) while the run is still running. */
  async train(
    trainer: StyleTrainer,
    record: (progress: DescentProgress) => void,
    flush: () => void,
    recordBackend: () => void,
  ): Promise<TrainingOutcome> {
    const { settings } = this.run;
    const { totalSteps } = this.inputs.schedule;
    const firstStep = trainer.step;
    const started = Date.now();
    let finalLoss: LossTerms | null = null;
    let next = trainer.step < totalSteps ? this.prefetch(trainer.step) : null;
    while (trainer.step < totalSteps && !this.hooks.signal?.aborted) {
      const batch = await next!;
      // Photos are decoded (by sharp, off this thread) while the step computes.
      next = trainer.step + 1 < totalSteps ? this.prefetch(trainer.step + 1) : null;
      const tensor = batchTensor(batch.images);
      try {
        finalLoss = await trainer.trainStep(tensor);
      } finally {
        tensor.dispose();
      }
      const step = trainer.step;
      const sessionMs = Date.now() - started;
      const progress = {
        iteration: step,
        iterations: totalSteps,
        loss: finalLoss,
        elapsedMs: this.elapsedBefore + sessionMs,
        remainingMs: (sessionMs / (step - firstStep)) * (totalSteps - step),
      };
      record(progress);
      this.hooks.onProgress?.(progress);
      if (settings.previewEvery > 0 && step % settings.previewEvery === 0) await this.preview(trainer, flush);
      if (step % settings.checkpointEvery === 0 && step < totalSteps)
        await this.checkpoint(trainer, progress.elapsedMs);
      await yieldToEventLoop();
    }
    const elapsedMs = this.elapsedBefore + (Date.now() - started);
    if (this.lastPreview?.iteration !== trainer.step) await this.preview(trainer, flush);
    flush();
    recordBackend();
    return trainer.step < totalSteps
      ? this.cancel(trainer, finalLoss, elapsedMs)
      : this.finish(trainer, finalLoss, elapsedMs);
  }

  /**
   * The photos of `step`, being read. Marked as handled at once: the step computing meanwhile holds
   * the thread, and a failure must wait for the loop's await rather than end the process.
   */
  private prefetch(step: number): Promise<LoadedBatch> {
    const pending = this.batch(step);
    pending.catch(() => undefined);
    return pending;
  }

  /** The photos of `step`, naming each unreadable one once. */
  private async batch(step: number): Promise<LoadedBatch> {
    const batch = await loadBatch(this.inputs.photos, this.inputs.schedule.batchAt(step), this.run.settings.size);
    for (const problem of batch.skipped) {
      if (this.reported.has(problem)) continue;
      this.reported.add(problem);
      this.hooks.onSkippedPhoto?.(problem);
    }
    return batch;
  }

  /** The validation photo through the network as it stands, stored as the run's preview. */
  private async preview(trainer: StyleTrainer, flush: () => void): Promise<void> {
    flush();
    const validation = imageToTensor(this.inputs.validation);
    const styled = trainer.stylize(validation);
    const image = tensorToImage(styled);
    tf.dispose([validation, styled]);
    const record = await savePng(this.store, image, `run ${this.run.id} preview ${trainer.step}`);
    this.store.addOutput(this.run.id, 'preview', trainer.step, record.id);
    this.lastPreview = { imageId: record.id, iteration: trainer.step };
    this.lastPreviewRecord = record;
    this.hooks.onPreview?.({ iteration: trainer.step, image, record });
  }

  private async checkpoint(trainer: StyleTrainer, elapsedMs: number): Promise<void> {
    const { photos } = this.inputs;
    await saveCheckpoint(
      this.checkpointFolder,
      {
        runId: this.run.id,
        settings: this.run.settings,
        photos: { folder: photos.folder, count: photos.count, namesSha256: photos.namesSha256 },
        elapsedMs,
      },
      trainer.state(),
    );
    this.hooks.onCheckpoint?.({ step: trainer.step, folder: this.checkpointFolder });
  }

  /** Stopped by the signal: a checkpoint where it stands, and the run cancelled with its last preview. */
  private async cancel(
    trainer: StyleTrainer,
    finalLoss: LossTerms | null,
    elapsedMs: number,
  ): Promise<TrainingOutcome> {
    await this.checkpoint(trainer, elapsedMs);
    this.store.cancelRun(this.run.id, this.lastPreview ?? undefined);
    return this.outcome('cancelled', trainer, finalLoss, elapsedMs, null);
  }

  /** Every step taken: the network saved in the style library, the run done, the checkpoint no longer needed. */
  private async finish(
    trainer: StyleTrainer,
    finalLoss: LossTerms | null,
    elapsedMs: number,
  ): Promise<TrainingOutcome> {
    const { id, training } = this.run;
    const style = await saveStyle(
      join(this.store.paths.styles, training.styleName),
      {
        name: training.styleName,
        source: 'trained',
        origin: `run ${id}`,
        training: { runId: id, styleImageSha256: this.run.styles[0].image.sha256, steps: trainer.step },
      },
      trainer.weights,
    );
    this.store.finishTraining(id, this.lastPreview!, style.weightsSha256);
    rmSync(this.checkpointFolder, { recursive: true, force: true });
    return this.outcome('done', trainer, finalLoss, elapsedMs, style);
  }

  private outcome(
    status: TrainingOutcome['status'],
    trainer: StyleTrainer,
    finalLoss: LossTerms | null,
    elapsedMs: number,
    style: SavedStyleInfo | null,
  ): TrainingOutcome {
    return {
      status,
      runId: this.run.id,
      stepsDone: trainer.step,
      totalSteps: this.inputs.schedule.totalSteps,
      finalLoss,
      elapsedMs,
      style,
      checkpoint: status === 'cancelled' ? this.checkpointFolder : null,
      preview: this.lastPreviewRecord,
    };
  }
}

/** Lets a pending abort (Ctrl-C) and other events run between steps. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
