import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { basename, extname, resolve } from 'node:path';
import { PasticheError } from '../../common/errors.js';
import { DEFAULT_FEEDFORWARD_SIZE } from '../../common/fast/feedforwardSettings.js';
import { DEFAULT_TILE, exactOverlap, NATIVE_DEFAULT_TILE } from '../../common/fast/tiling.js';
import type { TileProgress } from '../../common/fast/tiledStylize.js';
import { selectBackend, type BackendInfo, BACKEND_OPTION_HELP } from '../backend.js';
import { writeImage } from '../image/imageIO.js';
import {
  runFeedforward,
  type FeedforwardHooks,
  type FeedforwardJob,
  type FeedforwardOutcome,
} from '../runs/feedforwardRun.js';
import { openRunStore } from '../store/runStore.js';
import { integerOption } from './optionParsers.js';
import { announce, backendLine } from './foregroundRun.js';
import { checkOutputFile } from './outputFile.js';
import { printJson } from './progressView.js';

interface FastOptions {
  model: string;
  content: string;
  out: string;
  size?: number;
  full: boolean;
  tile?: number;
  overlap?: number;
  project?: string;
  backend?: string;
  json: boolean;
}

export function registerFastCommand(program: Command): void {
  program
    .command('fast')
    .description(
      'repaint a photo in one pass through a fast style network ' +
        '(Johnson et al.), at any size; the run is recorded in the store',
    )
    .requiredOption(
      '--model <name|dir>',
      'a style of `pastiche styles`, or a folder holding a deeplearn.js ' +
        'checkpoint (manifest.json), a TensorFlow.js layers model or a Pastiche style',
    )
    .requiredOption('--content <file>', 'the photo')
    .requiredOption('--out <file>', 'where to write the result (.png, .jpg, .tif)')
    .option(
      '--size <px>',
      `long side of the result (default: the photo's, at most ${DEFAULT_FEEDFORWARD_SIZE})`,
      integerOption('size'),
    )
    .option('--full', "keep the photo's own size (prints)", false)
    .option(
      '--tile <px>',
      'compute in tiles of this side, at most 1024, rounded down to a multiple of 4; ' +
        '0: in one piece, up to a megapixel (default: ' +
        `${DEFAULT_TILE} px tiles above a megapixel, ${NATIVE_DEFAULT_TILE} px on onnxruntime, else one piece)`,
      integerOption('tile'),
    )
    .option(
      '--overlap <px>',
      `pixels neighbouring tiles share (default ${exactOverlap()}: the narrowest ` +
        `for which tiles equal the untiled picture); rounded up to a multiple of 4`,
      integerOption('overlap'),
    )
    .option('--project <name>', 'project to file the run under (default: the photo’s file name)')
    .option('--backend <name>', BACKEND_OPTION_HELP)
    .option('--json', 'print one JSON object per line instead of a progress bar', false)
    .action(async (options: FastOptions) => fastAction(options));
}

function jobFromOptions(options: FastOptions): FeedforwardJob {
  if (options.full && options.size !== undefined) throw new PasticheError('give --size or --full, not both', '--full');
  return {
    project: options.project ?? basename(options.content, extname(options.content)),
    contentFile: options.content,
    request: {
      style: options.model,
      size: options.full ? null : options.size,
      tile: options.tile,
      overlap: options.overlap,
    },
  };
}

/**
 * Records and computes the run in the foreground; Ctrl-C stops it between tiles, keeping (and writing) the lines
 * finished.
 */
async function fastAction(options: FastOptions): Promise<void> {
  const job = jobFromOptions(options);
  checkOutputFile(options.out, [options.content, options.model]);
  const backend = await selectBackend(options.backend);
  const store = openRunStore();
  const abort = new AbortController();
  const onInterrupt = () => abort.abort();
  process.once('SIGINT', onInterrupt);
  const view = tileView(options.json);
  try {
    const outcome = await runFeedforward(store, job, backend, {
      signal: abort.signal,
      ...announcements(options.json, backend, job, view),
    });
    view.stop();
    if (outcome.image) await writeImage(outcome.image, options.out);
    report(options, backend, outcome);
    if (outcome.status === 'cancelled') process.exitCode = 130;
  } finally {
    view.stop();
    process.off('SIGINT', onInterrupt);
    store.close();
  }
}

function announcements(json: boolean, backend: BackendInfo, job: FeedforwardJob, view: TileView): FeedforwardHooks {
  return {
    onStart: ({ runId, style, settings, tiles }) => {
      const { width, height, tile, overlap } = settings;
      announce(
        json,
        {
          event: 'start',
          runId,
          backend: backend.name,
          style: style.name,
          weightsSha256: style.weightsSha256,
          width,
          height,
          tile,
          overlap,
          tiles,
        },
        [
          `Run ${runId} · project '${job.project}' · ${width}×${height} · ` +
            `${tile === 0 ? 'one piece' : `${tiles} tiles of ${tile} px, overlapping by ${overlap} px`}`,
          backendLine(backend),
          `Style: ${style.name} (${style.source}, from ${style.origin}, ` +
            `weights sha256 ${style.weightsSha256.slice(0, 12)}…)`,
        ],
      );
    },
    onStatistics: ({ width, height }) =>
      announce(json, { event: 'statistics', width, height }, [
        `Measuring the instance-norm statistics the tiles share, at ${width}×${height} px…`,
      ]),
    onTile: (progress) => view.update(progress),
  };
}

function report(options: FastOptions, backend: BackendInfo, outcome: FeedforwardOutcome): void {
  const output = outcome.image ? resolve(options.out) : null;
  const { width, height, tile, overlap } = outcome.settings;
  const summary = {
    event: outcome.status,
    runId: outcome.runId,
    output,
    backend: backend.name,
    style: outcome.style.name,
    width,
    height,
    tile,
    overlap,
    ms: Math.round(outcome.elapsedMs),
  };
  const seconds = (outcome.elapsedMs / 1000).toFixed(1);
  const cancelledOutput = output
    ? `: the ${outcome.image!.height} lines finished are in ${output}`
    : ': no line was finished';
  announce(options.json, summary, [
    outcome.status === 'done'
      ? `Done: ${output} (run ${outcome.runId}, ${width}×${height} in ${seconds} s)`
      : `Cancelled after ${seconds} s (run ${outcome.runId})${cancelledOutput}`,
  ]);
}

interface TileView {
  update(progress: TileProgress): void;
  stop(): void;
}

/** Tiles done out of all: a bar on a terminal, a line every tenth of the tiles in a log, JSON lines for programs. */
function tileView(json: boolean, stream: NodeJS.WriteStream = process.stderr): TileView {
  if (json) return { update: ({ done, total }) => printJson({ event: 'tile', done, total }), stop: () => {} };
  if (!stream.isTTY) {
    return {
      update: ({ done, total }) => {
        if (done % Math.max(1, Math.round(total / 10)) === 0 || done === total) stream.write(`tile ${done}/${total}\n`);
      },
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { stream, format: ' {bar} {value}/{total} tiles | {eta_formatted} left', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  return {
    update: ({ done, total }) => {
      if (!bar.isActive) bar.start(total, 0);
      bar.update(done);
    },
    stop: () => bar.stop(),
  };
}
