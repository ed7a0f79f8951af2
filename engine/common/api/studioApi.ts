import type { OutputFormat } from '../image.js';
import type { GridAxis, GridRecord } from '../grids/grid.js';
import type { NetworkSummary } from '../networks/networkSummary.js';
import type { PrintSpec } from '../print.js';
import type { ImageRecord, MetricRow, OutputRecord, RunFilter, RunRecord, RunStatus } from '../runs/records.js';
import type { GivenGenerateSettings } from '../generate/generateSettings.js';
import type { FeedforwardRequest } from '../fast/feedforwardSettings.js';
import type { CatalogueStyleSummary, StyleListing } from '../fast/styleInfo.js';
import type { TrainStyleSettings } from '../fast/trainingSettings.js';
import type { StylizeSettings } from '../stylize/settings.js';
import type { DescentProgress } from '../stylize/descent.js';
import type { StagePosition } from '../stylize/schedule.js';
import type { QueueStylize } from './stylizeRequest.js';

export type { QueueStylize } from './stylizeRequest.js';

/**
 * The one contract between the studio's UI and the engine: every request (channel → arguments and
 * result) and every event. The Electron preload's `invoke`, the main process's handlers, the web
 * host and the renderer's client are all typed by these maps, so a channel or a payload cannot drift
 * between them.
 */
export interface StudioRequests {
  'studio.info': { args: void; result: StudioInfo };
  'networks.list': { args: void; result: NetworkSummary[] };
  /**
   * Downloads, checks and converts a catalogue network (progress as `network.progress` events); resumes an interrupted
   * download.
   */
  'networks.install': { args: { name: string }; result: NetworkSummary };
  'projects.list': { args: void; result: ProjectOverview[] };
  'projects.get': { args: { name: string }; result: ProjectDetail };
  /** An image (a photo or a painting) copied into the store, content-addressed. */
  'images.add': { args: { name: string; bytes: Uint8Array }; result: ImageRecord };
  'images.get': { args: { imageId: number }; result: ImageRecord };
  /** A stored image as a print file (resampled, sRGB, DPI written in), for the UI to save or download. */
  'images.export': { args: ExportPrint; result: PrintFileResult };
  'runs.list': { args: RunFilter; result: RunRecord[] };
  'runs.get': { args: { runId: number }; result: RunDetail };
  /** Checks and records a stylization as queued; the queue starts it in turn. */
  'runs.queue': { args: QueueStylize; result: { runId: number } };
  /** Checks and records a generation from synthetic Gram targets (Nikulin & Novak 2016, §6) as queued. */
  'runs.generate': { args: QueueGenerate; result: { runId: number } };
  /**
   * Checks and records a photo through a style network (Johnson et al. 2016) as queued: one pass, in overlapping tiles
   * when large.
   */
  'runs.fast': { args: QueueFeedforward; result: { runId: number } };
  'runs.cancel': { args: { runId: number }; result: void };
  /** The fast style networks of the style library, installed, imported or trained, by name, each with its thumbnail. */
  'styles.list': { args: void; result: StyleListing[] };
  /** The catalogue's ready styles (resources/styles/catalogue.json), each installed or not. */
  'styles.catalogue': { args: void; result: CatalogueStyleSummary[] };
  /**
   * Downloads, checks and imports a catalogue style (progress as `style.progress` events); resumes an interrupted
   * download.
   */
  'styles.install': { args: { name: string }; result: StyleListing };
  /**
   * Checks and records the training of a new style network (Johnson et al. 2016) as queued; its steps report as
   * run.progress.
   */
  'styles.train': { args: QueueTraining; result: { runId: number } };
  'queue.get': { args: void; result: QueueState };
  /** Queues the cartesian product of one or two axes over a base configuration, and records the grid. */
  'grids.create': { args: CreateGrid; result: GridRecord };
  'grids.list': { args: { project?: string }; result: GridRecord[] };
  'grids.get': { args: { gridId: number }; result: GridDetail };
  /** The grid as one labelled picture (a contact sheet), each cell's newest image fitted into its box. */
  'grids.export': {
    args: { gridId: number; cellSize: number; format: OutputFormat; quality?: number };
    result: PrintFileResult;
  };
  /** Remembers in the data folder that a notice was dismissed, so it shows once (`studio.info`'s dismissedNotices). */
  'notices.dismiss': { args: { notice: StudioNotice }; result: void };
}

/**
 * Notices the studio shows once until dismissed. `pretrained-network`: no pretrained network is
 * installed, so runs paint with a generated one (the paint panel offers to install one).
 */
export const STUDIO_NOTICES = ['pretrained-network'] as const;
export type StudioNotice = (typeof STUDIO_NOTICES)[number];

export type Channel = keyof StudioRequests;
export type ArgsOf<C extends Channel> = StudioRequests[C]['args'];
export type ResultOf<C extends Channel> = StudioRequests[C]['result'];

/** Every channel, for hosts that must refuse an unknown one at run time. */
export const CHANNELS = [
  'studio.info',
  'networks.list',
  'networks.install',
  'projects.list',
  'projects.get',
  'images.add',
  'images.get',
  'images.export',
  'runs.list',
  'runs.get',
  'runs.queue',
  'runs.generate',
  'runs.fast',
  'runs.cancel',
  'styles.list',
  'styles.catalogue',
  'styles.install',
  'styles.train',
  'queue.get',
  'grids.create',
  'grids.list',
  'grids.get',
  'grids.export',
  'notices.dismiss',
] as const satisfies readonly Channel[];

export function isChannel(value: string): value is Channel {
  return (CHANNELS as readonly string[]).includes(value);
}

/**
 * What the engine tells the UI without being asked: every change of a run the queue handles, and downloads' progress.
 */
export type StudioEvent =
  | { readonly type: 'run.status'; readonly runId: number; readonly status: RunStatus; readonly error?: string }
  /** An iteration's losses; a scheduled run's name the stage it is on (`progress.stage`). */
  | { readonly type: 'run.progress'; readonly runId: number; readonly progress: DescentProgress }
  /** A scheduled stylization's stage started (coarse to fine): the stage it is on before its first step. */
  | { readonly type: 'run.stage'; readonly runId: number; readonly stage: StagePosition }
  /**
   * A preview stored. A scheduled run's name the stage whose picture it is, and `stageDone` when it is
   * that stage's result (sent the moment the stage ends, whatever the run's previewEvery).
   */
  | {
      readonly type: 'run.preview';
      readonly runId: number;
      readonly iteration: number;
      readonly imageId: number;
      readonly stage?: StagePosition;
      readonly stageDone?: boolean;
    }
  /** A feed-forward run's tiles computed so far (0 of N when it starts). */
  | { readonly type: 'run.tiles'; readonly runId: number; readonly done: number; readonly total: number }
  | {
      readonly type: 'network.progress';
      readonly name: string;
      readonly receivedBytes: number;
      readonly totalBytes: number;
    }
  | {
      readonly type: 'style.progress';
      readonly name: string;
      readonly receivedBytes: number;
      readonly totalBytes: number;
    };

/** The API object the renderer holds, whichever process or host serves it. */
export interface StudioApi {
  invoke<C extends Channel>(channel: C, args: ArgsOf<C>): Promise<ResultOf<C>>;
  /** Subscribes to events; returns the unsubscribe function. */
  onEvent(listener: (event: StudioEvent) => void): () => void;
  /**
   * A URL the renderer can show a stored image from; with `maxSide` (MIN_SCREEN_SIDE..MAX_SCREEN_SIDE,
   * engine/common/view/screenImage.ts) a copy no larger than that along its longest side, for the viewer.
   */
  imageUrl(imageId: number, maxSide?: number): string;
  /** Native dialogs, the file manager and the application menu: present under Electron only. */
  readonly desktop?: DesktopApi;
}

/**
 * What only the desktop shell can do, in the same style: channel → arguments and result. The web
 * host has none of it; the renderer falls back to a file input and a download there.
 */
export interface DesktopRequests {
  /**
   * The native open dialog; every chosen file is copied into the store. A file that is not an image is reported, the
   * others still added.
   */
  'desktop.addImages': { args: void; result: { added: ImageRecord[]; problems: string[] } };
  /** The native save dialog, then an atomic write; null when the person cancels. */
  'desktop.saveFile': { args: { fileName: string; bytes: Uint8Array }; result: { path: string } | null };
  /** Shows a file this session saved in the system's file manager. */
  'desktop.reveal': { args: { path: string }; result: void };
}

export type DesktopChannel = keyof DesktopRequests;
export const DESKTOP_CHANNELS = [
  'desktop.addImages',
  'desktop.saveFile',
  'desktop.reveal',
] as const satisfies readonly DesktopChannel[];

export function isDesktopChannel(value: string): value is DesktopChannel {
  return (DESKTOP_CHANNELS as readonly string[]).includes(value);
}

/** What the application menu asks the page to do; the page owns the state each one needs. */
export const MENU_COMMANDS = ['add-images', 'paint', 'show-gallery', 'show-grids', 'show-networks'] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

export interface DesktopApi {
  invoke<C extends DesktopChannel>(channel: C, args: DesktopRequests[C]['args']): Promise<DesktopRequests[C]['result']>;
  /** Subscribes to the application menu's commands; returns the unsubscribe function. */
  onMenu(listener: (command: MenuCommand) => void): () => void;
}

export interface StudioInfo {
  readonly version: string;
  /** The TensorFlow.js backend runs use, and what it is. */
  readonly backend: { readonly name: string; readonly description: string };
  readonly dataHome: string;
  /** Bytes a run's style statistics may take on this backend (what local style is checked against). */
  readonly styleMemoryBytes: number;
  /**
   * Bytes one optimisation may take on this backend: a print schedule's stages larger than that are tiled
   * (optimisationCost.ts).
   */
  readonly optimisationMemoryBytes: number;
  /** The notices dismissed in this data folder (by the desktop or the web studio alike): not shown again. */
  readonly dismissedNotices: readonly StudioNotice[];
}

export interface ProjectOverview {
  readonly name: string;
  readonly createdAt: string;
  readonly runCount: number;
  /** The newest image any of its runs made (result or preview), for the gallery card. */
  readonly latestImageId: number | null;
  /** The photo of its newest stylization; null when it has none (a generate run has no photo). */
  readonly contentImageId: number | null;
  /** Its newest runs (at most RECENT_RUNS, newest first) with their newest images: the card's strip. */
  readonly recent: readonly RunThumbnail[];
}

/** How many of a project's runs its gallery card shows as pictures: the rest are one click away. */
export const RECENT_RUNS = 6;

export interface ProjectDetail {
  readonly project: ProjectOverview;
  /** Newest first. */
  readonly runs: readonly RunThumbnail[];
  readonly grids: readonly GridRecord[];
}

/** A run with the newest image it has made so far (a result or a preview), which stands for it in lists. */
export interface RunThumbnail {
  readonly run: RunRecord;
  readonly latestImageId: number | null;
}

export interface RunDetail {
  readonly run: RunRecord;
  readonly metrics: MetricRow[];
  readonly outputs: OutputRecord[];
}

/** A generation: no photo; `mimic` measures a painting already in the store. */
export interface QueueGenerate {
  readonly project: string;
  /** `mimic`'s painting; the other generators take none. */
  readonly paintingImageId?: number;
  /** The generator's kind is required; anything else may be left to the defaults. */
  readonly settings: GivenGenerateSettings;
}

/** A stored photo through a style network of the style library (`styles.list`); what is left out takes the defaults. */
export interface QueueFeedforward extends FeedforwardRequest {
  readonly project: string;
  readonly contentImageId: number;
}

/** A style network to train for a painting already in the store, on a folder of photos on this computer. */
export interface QueueTraining {
  /** The painting's name by default. */
  readonly project?: string;
  /** What the finished network is called in the style library. */
  readonly styleName: string;
  readonly paintingImageId: number;
  /** A folder of photos (absolute path): the engine reads it, as the CLI's --photos. */
  readonly photosFolder: string;
  /** The photo previews show; the folder's first by default. */
  readonly validationImageId?: number;
  /** Anything not given takes the loss network's defaults, then the recipe's. */
  readonly settings: Partial<TrainStyleSettings>;
}

export interface ExportPrint {
  readonly imageId: number;
  readonly print: PrintSpec;
  readonly format: OutputFormat;
  /** JPEG only, 1..100. */
  readonly quality?: number;
  /** What the offered file name starts with (a run's project and number); the stored image's name by default. */
  readonly fileStem?: string;
}

export interface PrintFileResult {
  readonly bytes: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly dpi: number;
  /** A name to offer when saving: the picture's, its print size and DPI. */
  readonly fileName: string;
}

export interface CreateGrid {
  readonly project: string;
  /** By default the varied parameters ("init × style weight"). */
  readonly name?: string;
  readonly base: QueueStylize;
  readonly axes: readonly GridAxis[];
}

export interface GridDetail {
  readonly grid: GridRecord;
  /** Row by row: each cell's run and the newest image it has made so far. */
  readonly cells: readonly (RunThumbnail & { readonly row: number; readonly column: number })[];
}

export interface QueueState {
  /** Queued runs in the order they will start. */
  readonly waiting: readonly number[];
  readonly running: readonly number[];
}
