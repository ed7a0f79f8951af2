import { rgbImage, type ImageSize, type RgbImage } from '../image.js';
import { disposeStyleTarget } from '../losses/styleRepresentation.js';
import type { LossTerms } from '../losses/styleTransferLoss.js';
import type { FeatureNetwork } from '../networks/featureNetwork.js';
import { regionPixels } from '../tiles/regionPixels.js';
import { tileBlender, type TileBlender } from '../tiles/tileBlender.js';
import { tileRegions, type TileRegion } from '../tiles/tiling.js';
import { preserveColours, type TransferImages } from './colourPreservation.js';
import { withPhotoDetail } from './photoDetail.js';
import type { DescentHooks, DescentPreview, DescentProgress, DescentResult } from './descent.js';
import { stagePlan, stageSize, type ScheduleStage, type StagePosition, type StylizeSchedule } from './schedule.js';
import type { StylizeSettings } from './settings.js';
import { checkStylizeLayers, initialImage, paintingTargets, stylize, stylizePiece } from './stylize.js';

/**
 * A stylization run stage by stage (Gatys et al. 2017 §5): each stage's photo and paintings at its
 * size, its start the previous stage's result upsampled, and — when it is tiled — each tile
 * optimised alone against the paintings' statistics computed once, the tiles blended with
 * raised-cosine seams. Progress counts optimiser steps (a tiled stage's iterations once per tile)
 * over the whole schedule, and names the stage it is on. Each stage's result but the last (the run's)
 * is a preview the moment the stage ends, whatever previewEvery: it is already computed, and it is
 * the picture the artist waits for; previewEvery 0 turns off only the previews between.
 */
export interface ScheduledStylizeRequest extends DescentHooks {
  readonly network: FeatureNetwork;
  /** Settings whose schedule is not null. */
  readonly settings: StylizeSettings & { readonly schedule: StylizeSchedule };
  /** The result's size: the photo at the run's size. */
  readonly size: ImageSize;
  /**
   * The photo exactly at `picture`, the paintings at their working size for `stageSettings`, and the start image of
   * init style/image at `picture`.
   */
  imagesAt(picture: ImageSize, stageSettings: StylizeSettings): Promise<TransferImages>;
  /** Resamples a picture (bicubic or better): the previous stage's result to the next stage's size. */
  resize(image: RgbImage, size: ImageSize): Promise<RgbImage>;
  /** Called as each piece — a stage in one piece, or a tile — ends, with its losses. */
  onPiece?(piece: PieceOutcome): void;
  /** Called as each stage starts, before its images are decoded: what a live view names until its first step. */
  onStage?(stage: StagePosition): void;
  /** How long a first stage runs before it shows its picture so far; FIRST_PICTURE_MS unless given. */
  readonly firstPictureMs?: number;
}

export interface PieceOutcome {
  /** 0-based, and of how many. */
  readonly stage: number;
  readonly stages: number;
  readonly tile: number;
  readonly tiles: number;
  readonly size: ImageSize;
  readonly initialLoss: LossTerms;
  readonly finalLoss: LossTerms;
}

/**
 * A first stage still running this long after the run started shows its picture so far, once (when
 * previews are on): the first picture should be on screen within about 30 s of Paint (issue 15), and a
 * long first stage — 300 iterations at 256 px take about 2 min on two cores — would hold it back.
 * A third of that leaves room for loading the network and the paintings and for a loaded machine.
 */
export const FIRST_PICTURE_MS = 10_000;

/**
 * …and not before this many of its iterations: from noise, L-BFGS's first few leave a picture of noise;
 * by 10 the painting's texture shows (Tübingen × The Starry Night at 128 px, previews every 5, looked at).
 */
export const FIRST_PICTURE_ITERATIONS = 10;

export async function stylizeScheduled(request: ScheduledStylizeRequest): Promise<DescentResult> {
  const { settings } = request;
  checkStylizeLayers(request.network, settings);
  const stages = settings.schedule.stages;
  const progress = scheduleProgress(settings.schedule, request.size, request.firstPictureMs ?? FIRST_PICTURE_MS);
  let start: RgbImage | undefined;
  let previousPhoto: RgbImage | undefined;
  let result: DescentResult | undefined;
  let initialLoss: LossTerms | undefined;
  for (const [index, stage] of stages.entries()) {
    request.onStage?.(stagePosition(settings.schedule, index));
    const picture = stageSize(stage, request.size);
    const stageSettings = settingsOfStage(settings, stage, index);
    const images = await request.imagesAt(picture, stageSettings);
    const stageImages = start
      ? { ...images, initImage: await stageStart(request, start, previousPhoto!, images.content) }
      : images;
    previousPhoto = images.content;
    result = await runStage({ request, stage, index, picture, settings: stageSettings, images: stageImages, progress });
    initialLoss ??= result.initialLoss;
    if (result.status === 'cancelled') break;
    start = result.image;
    if (index < stages.length - 1) {
      const stage = stagePosition(settings.schedule, index);
      await progress.preview(request, { iteration: progress.step(), image: result.image, stage, stageDone: true });
    }
  }
  return { ...result!, initialLoss: initialLoss!, iterationsDone: progress.step(), elapsedMs: progress.elapsedMs() };
}

/**
 * A later stage's start: the previous result upsampled, with the photo's detail between the two sizes
 * added back when the schedule asks for it (photoDetail.ts) and the photo is part of the loss.
 */
async function stageStart(
  request: ScheduledStylizeRequest,
  previous: RgbImage,
  previousPhoto: RgbImage,
  photo: RgbImage,
): Promise<RgbImage> {
  const size = { width: photo.width, height: photo.height };
  const upsampled = await request.resize(previous, size);
  const { schedule, contentWeight, contentLayers } = request.settings;
  if (!schedule.photoDetail || contentWeight === 0 || contentLayers.length === 0) return upsampled;
  return withPhotoDetail(upsampled, photo, await request.resize(previousPhoto, size));
}

/**
 * A stage's settings: its size and iterations; after the first, it starts from the image given (the
 * previous result upsampled), whatever the run's init. Its previews come every previewEvery of the
 * run's steps.
 */
function settingsOfStage(settings: StylizeSettings, stage: ScheduleStage, index: number): StylizeSettings {
  return {
    ...settings,
    size: stage.size,
    iterations: stage.iterations,
    init: index === 0 ? settings.init : 'image',
    schedule: null,
  };
}

interface StageRun {
  readonly request: ScheduledStylizeRequest;
  readonly stage: ScheduleStage;
  readonly index: number;
  readonly picture: ImageSize;
  readonly settings: StylizeSettings;
  readonly images: TransferImages;
  readonly progress: ScheduleProgress;
}

async function runStage(run: StageRun): Promise<DescentResult> {
  const regions = tileRegions(stagePlan(run.stage, run.picture));
  if (regions.length > 1) return runTiledStage(run, regions);
  const { request, settings, images, progress } = run;
  const stage = stagePosition(request.settings.schedule, run.index);
  // Only a first stage in one piece shows a picture early: a tile's picture is not the stage's.
  const early = run.index === 0 && settings.previewEvery > 0;
  const piece = progress.piece(run.picture.width * run.picture.height, settings.iterations, stage, early);
  const result = await stylize({
    network: request.network,
    settings,
    ...images,
    signal: request.signal,
    ...piece.hooks(request),
  });
  reportPiece(run, 0, 1, result);
  return result;
}

/**
 * A stage in tiles: the paintings' statistics once, for the whole picture; then, row by row, each
 * tile's photo and start cut from the stage's, optimised alone, and added to the blender — TensorFlow.js
 * holds one tile's activations at a time, the picture lives in the blender's 8-bit output and float strip.
 */
async function runTiledStage(run: StageRun, regions: readonly TileRegion[]): Promise<DescentResult> {
  const { request, settings, progress } = run;
  const { network } = request;
  const { finish, ...seen } = preserveColours(settings.preserveColors, settings.init, run.images);
  // The picture as the tiles leave it: each tile starts from it, so where it overlaps tiles already
  // done it continues from their result instead of from the stage's start, and the two agree where
  // they are blended (as neural-style's tiling forks do). A first stage from noise has none.
  const canvas =
    seen.initImage && rgbImage(seen.initImage.width, seen.initImage.height, Uint8Array.from(seen.initImage.data));
  const backdrop = canvas ?? seen.content;
  const style = await paintingTargets(network, settings, seen.styles);
  const plan = stagePlan(run.stage, run.picture);
  const stage = stagePosition(request.settings.schedule, run.index);
  const blender = tileBlender(plan);
  let initialLoss: LossTerms | undefined;
  let finalLoss: LossTerms | undefined;
  try {
    for (const [i, region] of regions.entries()) {
      const cut = (image: RgbImage) => regionPixels(image, region.x, region.y);
      const content = cut(seen.content);
      // Each tile draws its own noise (a first stage from noise), from the run's seed and its index.
      const tileSettings = { ...settings, seed: settings.seed + i, previewEvery: 0 };
      const start = initialImage({ network, settings: tileSettings, content, initImage: canvas && cut(canvas) });
      const piece = progress.piece(region.x.length * region.y.length, settings.iterations, stage, false);
      const result = await stylizePiece({
        network,
        settings: tileSettings,
        content,
        style,
        start,
        signal: request.signal,
        ...piece.hooks(request),
      });
      initialLoss ??= result.initialLoss;
      finalLoss = result.finalLoss;
      reportPiece(run, i, regions.length, result);
      if (result.status === 'cancelled')
        return stageResult('cancelled', finish(composite(backdrop, blender)), initialLoss, finalLoss, progress);
      blender.add(region, Float32Array.from(result.image.data));
      if (canvas) paste(canvas, result.image, region);
      if (settings.previewEvery > 0 && region.column === plan.columns.spans.length - 1 && i < regions.length - 1) {
        const image = finish(composite(backdrop, blender));
        await progress.preview(request, { iteration: progress.step(), image, stage });
      }
    }
    return stageResult('done', finish(blender.result()), initialLoss!, finalLoss!, progress);
  } finally {
    style.forEach(disposeStyleTarget);
  }
}

function stageResult(
  status: DescentResult['status'],
  image: RgbImage,
  initialLoss: LossTerms,
  finalLoss: LossTerms,
  progress: ScheduleProgress,
): DescentResult {
  return { status, image, initialLoss, finalLoss, iterationsDone: progress.step(), elapsedMs: progress.elapsedMs() };
}

function reportPiece(run: StageRun, tile: number, tiles: number, result: DescentResult): void {
  run.request.onPiece?.({
    stage: run.index,
    stages: run.request.settings.schedule.stages.length,
    tile,
    tiles,
    size: run.picture,
    initialLoss: result.initialLoss,
    finalLoss: result.finalLoss,
  });
}

function stagePosition(schedule: StylizeSchedule, index: number): StagePosition {
  return { index, count: schedule.stages.length, size: schedule.stages[index].size };
}

/** Writes a tile's pixels into the picture at its region (the parts beyond the picture dropped). */
function paste(picture: RgbImage, tile: RgbImage, region: TileRegion): void {
  const width = Math.min(tile.width, picture.width - region.x.start);
  for (let y = 0; y < Math.min(tile.height, picture.height - region.y.start); y++) {
    const from = y * tile.width * 3;
    picture.data.set(
      tile.data.subarray(from, from + width * 3),
      ((region.y.start + y) * picture.width + region.x.start) * 3,
    );
  }
}

/** The picture as far as the tiles got: the lines the blender finished, the stage's start below them. */
function composite(backdrop: RgbImage, blender: TileBlender): RgbImage {
  const data = Uint8Array.from(backdrop.data);
  const finished = blender.finished();
  if (finished) data.set(finished.data);
  return rgbImage(backdrop.width, backdrop.height, data);
}

/**
 * Counts the schedule's optimiser steps across its pieces, so that progress, metrics and previews
 * number them once for the whole run, and estimates the time left by pixels × iterations to go (a
 * step at 1024 px costs about 16 of one at 256 px). Every preview passes through it, so it knows whether
 * the run has shown a picture yet.
 */
interface ScheduleProgress {
  /** A piece's hooks; `early`: it may show its picture before previewEvery does (firstPictureMs). */
  piece(
    pixels: number,
    iterations: number,
    stage: StagePosition,
    early: boolean,
  ): {
    hooks(request: DescentHooks): DescentHooks;
  };
  preview(request: DescentHooks, preview: DescentPreview): Promise<void>;
  /** Steps done so far (the run's iteration count). */
  step(): number;
  elapsedMs(): number;
}

function scheduleProgress(schedule: StylizeSchedule, size: ImageSize, firstPictureMs: number): ScheduleProgress {
  const started = Date.now();
  const pieces = schedule.stages.flatMap((stage) => {
    const picture = stageSize(stage, size);
    return tileRegions(stagePlan(stage, picture)).map((region) => ({
      steps: stage.iterations,
      work: stage.iterations * region.x.length * region.y.length,
    }));
  });
  const totalSteps = pieces.reduce((sum, p) => sum + p.steps, 0);
  const totalWork = pieces.reduce((sum, p) => sum + p.work, 0);
  let stepsBefore = 0;
  let workBefore = 0;
  let reached = 0;
  let first = true;
  let shown = false;
  const firstPictureDue = (iteration: number, elapsedMs: number) =>
    iteration >= FIRST_PICTURE_ITERATIONS && elapsedMs >= firstPictureMs;
  const preview = async (request: DescentHooks, given: DescentPreview) => {
    shown = true;
    await request.onPreview?.(given);
  };
  return {
    preview,
    piece(pixels, iterations, stage, early) {
      const offsetSteps = stepsBefore;
      const offsetWork = workBefore;
      stepsBefore += iterations;
      workBefore += iterations * pixels;
      const isFirst = first;
      first = false;
      return {
        hooks: (request) => ({
          onProgress: (p: DescentProgress) => {
            // Each piece's starting loss would repeat the step before it; only the run's very first is iteration 0.
            if (p.iteration === 0 && !isFirst) return;
            reached = offsetSteps + p.iteration;
            const elapsedMs = Date.now() - started;
            const done = offsetWork + p.iteration * pixels;
            const remainingMs = done > 0 ? (elapsedMs * (totalWork - done)) / done : null;
            request.onProgress?.({ ...p, iteration: reached, iterations: totalSteps, elapsedMs, remainingMs, stage });
          },
          onPreview: (given) => preview(request, { ...given, iteration: offsetSteps + given.iteration, stage }),
          previewNow: early ? (iteration) => !shown && firstPictureDue(iteration, Date.now() - started) : undefined,
        }),
      };
    },
    step: () => reached,
    elapsedMs: () => Date.now() - started,
  };
}
