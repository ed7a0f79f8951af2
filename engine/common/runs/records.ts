import type { StylizeSettings } from '../stylize/settings.js';

// The plain data the run store takes and gives: camelCase, no database rows.

export type RunKind = 'stylize';
export type RunStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
/** `result`: a done run's image; `preview`: an intermediate one; `partial`: the last good image of a run that did not finish. */
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
  /** Must equal the matching `settings.styleBlend` entry: the settings are what is recorded. */
  readonly blendWeight: number;
}

export interface NewRun {
  readonly project: string;
  readonly kind: RunKind;
  readonly contentImageId: number;
  readonly styles: readonly StyleInput[];
  readonly initImageId?: number | null;
  readonly settings: StylizeSettings;
}

export interface RunRecord {
  readonly id: number;
  readonly project: string;
  readonly kind: RunKind;
  readonly status: RunStatus;
  readonly contentImage: ImageRecord;
  readonly styles: ReadonlyArray<{ readonly image: ImageRecord; readonly blendWeight: number }>;
  readonly initImage: ImageRecord | null;
  readonly settings: StylizeSettings;
  readonly backend: string | null;
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
