import type { GenerateSettings } from '../generate/generateSettings.js';
import type { FeedforwardSettings } from '../fast/feedforwardSettings.js';
import type { TrainStyleSettings, TrainingPhotos } from '../fast/trainingSettings.js';
import type { StylizeSettings } from '../stylize/settings.js';

// The plain data the run store takes and gives: camelCase, no database rows.

/**
 * `stylize`: a photo repainted in paintings' style (Gatys et al.); `generate`: a style invented from
 * synthetic Gram targets, with no photo (Nikulin & Novak 2016, §6); `feedforward`: a photo repainted
 * in one pass by a trained style network (Johnson et al. 2016); `train-style`: such a network trained
 * for one painting on a folder of photos.
 */
export type RunKind = 'stylize' | 'generate' | 'feedforward' | 'train-style';
export const RUN_KINDS: readonly RunKind[] = ['stylize', 'generate', 'feedforward', 'train-style'];
export type RunStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
/**
 * `result`: a done run's image; `preview`: an intermediate one; `partial`: the last good image of a run that did not
 * finish.
 */
export type OutputKind = 'result' | 'preview' | 'partial';

export interface ImageInfo {
  readonly originalName: string | null;
  readonly width: number;
  readonly height: number;
  /** The encoding (`png`, `jpeg`, …), also the stored copy's file extension. */
  readonly format: string;
}

export interface ImageRecord extends ImageInfo {
  readonly id: number;
  readonly sha256: string;
  /** Absolute path of the stored copy. */
  readonly path: string;
  readonly bytes: number;
  readonly createdAt: string;
}

export interface StyleInput {
  readonly imageId: number;
  /**
   * A stylization's must equal the matching `settings.styleBlend` entry (the settings are what is recorded); a generate
   * run's painting has 1.
   */
  readonly blendWeight: number;
}

export type NewRun = NewStylizeRun | NewGenerateRun | NewFeedforwardRun | NewTrainStyleRun;

export interface NewStylizeRun {
  readonly project: string;
  readonly kind: 'stylize';
  readonly contentImageId: number;
  readonly styles: readonly StyleInput[];
  readonly initImageId?: number | null;
  readonly settings: StylizeSettings;
}

/** No photo; `mimic`'s painting is its one style, with blend weight 1, and the other generators take none. */
export interface NewGenerateRun {
  readonly project: string;
  readonly kind: 'generate';
  readonly styles: readonly StyleInput[];
  readonly settings: GenerateSettings;
}

/** A photo through a style network of the style library; no painting, no optimisation. */
export interface NewFeedforwardRun {
  readonly project: string;
  readonly kind: 'feedforward';
  readonly contentImageId: number;
  readonly settings: FeedforwardSettings;
}

/**
 * The painting is its one style (blend weight 1); the validation photo, which its previews show, is its content image.
 */
export interface NewTrainStyleRun {
  readonly project: string;
  readonly kind: 'train-style';
  readonly contentImageId: number;
  readonly styles: readonly StyleInput[];
  readonly settings: TrainStyleSettings;
  readonly training: Omit<TrainingRecord, 'styleSha256'>;
}

export type RunRecord = StylizeRunRecord | GenerateRunRecord | FeedforwardRunRecord | TrainStyleRunRecord;
/** The runs that descend from a starting image towards loss targets (Gatys et al.; Nikulin & Novak). */
export type OptimisationRunRecord = StylizeRunRecord | GenerateRunRecord;

export interface StylizeRunRecord extends RunRecordBase {
  readonly kind: 'stylize';
  readonly contentImage: ImageRecord;
  readonly initImage: ImageRecord | null;
  readonly settings: StylizeSettings;
}

export interface GenerateRunRecord extends RunRecordBase {
  readonly kind: 'generate';
  readonly contentImage: null;
  readonly initImage: null;
  readonly settings: GenerateSettings;
}

/** `styles` is empty: the style is the network's (settings.style); weightsSha256 is that network's. */
export interface FeedforwardRunRecord extends RunRecordBase {
  readonly kind: 'feedforward';
  readonly contentImage: ImageRecord;
  readonly initImage: null;
  readonly settings: FeedforwardSettings;
}

/**
 * A style network's training: its iterations are steps, its metrics each step's loss (before the
 * step), its previews the validation photo (`contentImage`) through the network as it stood, and
 * weightsSha256 the loss network's. Resumed after a crash or a cancel, it runs again as the same run.
 */
export interface TrainStyleRunRecord extends RunRecordBase {
  readonly kind: 'train-style';
  readonly contentImage: ImageRecord;
  readonly initImage: null;
  readonly settings: TrainStyleSettings;
  readonly training: TrainingRecord;
}

/** What a training learns from and what it makes, beside its settings. */
export interface TrainingRecord {
  /** The name the finished network is saved under in the style library (`pastiche styles`). */
  readonly styleName: string;
  readonly photos: TrainingPhotos;
  /** Steps of the whole training: its epochs over the photos, or settings.steps. */
  readonly totalSteps: number;
  /** SHA-256 of the saved style's weights.bin, once the training is done; null before. */
  readonly styleSha256: string | null;
}

/** What every run has, whatever its kind. */
interface RunRecordBase {
  readonly id: number;
  readonly project: string;
  readonly status: RunStatus;
  readonly styles: ReadonlyArray<{ readonly image: ImageRecord; readonly blendWeight: number }>;
  readonly backend: string | null;
  /** SHA-256 of the network's weights as the run used them (the engine's format); null until it starts. */
  readonly weightsSha256: string | null;
  readonly iterationsDone: number;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  readonly error: string | null;
}

export interface MetricRow {
  readonly iteration: number;
  readonly total: number;
  readonly content: number;
  readonly style: number;
  readonly tv: number;
  readonly elapsedMs: number;
}

export interface OutputRecord {
  readonly id: number;
  readonly kind: OutputKind;
  readonly iteration: number;
  readonly image: ImageRecord;
  readonly createdAt: string;
}

/** An image a run reached, recorded as its result or partial result. */
export interface ReachedImage {
  readonly imageId: number;
  readonly iteration: number;
}

export interface RunFilter {
  readonly project?: string;
  readonly status?: RunStatus;
  readonly limit?: number;
}

export interface ProjectRecord {
  readonly id: number;
  readonly name: string;
  readonly createdAt: string;
  readonly runCount: number;
}
