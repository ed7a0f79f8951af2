import { BACKEND_OPTION_HELP } from '../backend.js';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { PasticheError } from '../../common/errors.js';
import {
  COLOUR_PRESERVATIONS,
  INIT_METHODS,
  NEURAL_STYLE_DEFAULTS,
  OPTIMIZER_NAMES,
  POOLINGS,
  STYLE_REPRESENTATIONS,
  defaultOptimizerSettings,
  resolveSettings,
  type ColourPreservation,
  type StyleRepresentation,
  type InitMethod,
  type OptimizerName,
  type Pooling,
  type StylizeSettings,
} from '../../common/stylize/settings.js';
import { ARCHITECTURES } from '../../common/networks/architectures.js';
import type { NetworkArchitecture } from '../../common/networks/architecture.js';
import { defaultStyleLayers, weightsForNetwork } from '../../common/stylize/presets.js';
import {
  DEFAULT_TILE_OVERLAP,
  defaultSchedule,
  scheduleText,
  withTiles,
  type ScheduleStage,
  type StylizeSchedule,
} from '../../common/stylize/schedule.js';
import { pasticheSchedule } from '../../common/stylize/pasticheDefaults.js';
import { catalogueEntry } from '../networks/catalogue.js';
import { givenOrDefaultNetwork } from '../networks/defaultNetwork.js';
import { readSavedNetworkInfo } from '../networks/savedNetwork.js';
import { dataHome, storePaths } from '../paths.js';
import { runStylize, type StylizeJob } from '../runs/stylizeRun.js';
import type { RunStore } from '../store/runStore.js';
import { runInForeground } from './foregroundRun.js';
import {
  choiceOption,
  integerOption,
  listOption,
  numberListOption,
  numberOption,
  scheduleOption,
  type LossTermOptions,
} from './optionParsers.js';

interface StylizeOptions extends LossTermOptions {
  content: string;
  style: string[];
  styleBlend?: number[];
  out: string;
  /** Left out, the best network installed (defaultNetwork.ts). */
  network?: string;
  /** Left out: the photo for Pastiche's default schedule, neural-style's noise otherwise. */
  init?: string;
  size?: number;
  iterations?: number;
  schedule?: Array<{ size: number; iterations: number }>;
  coarseToFine: boolean;
  plain?: boolean;
  tile?: number;
  overlap?: number;
  optimizer: OptimizerName;
  lr?: number;
  pooling: Pooling;
  styleScale: number;
  seed: number;
  project?: string;
  previewEvery: number;
  preserveColors: ColourPreservation;
  styleRepr: StyleRepresentation;
  localRadius?: number;
  gramMix?: number;
  backend?: string;
  json: boolean;
}

const d = NEURAL_STYLE_DEFAULTS;

export function registerStylizeCommand(program: Command): void {
  program
    .command('stylize')
    .description(
      'repaint a photo in the style of one or more paintings (Gatys et al.); the run is recorded in the store',
    )
    .requiredOption('--content <file>', 'the photo')
    .requiredOption('--style <files>', 'painting(s), comma-separated', listOption('style'))
    .option(
      '--style-blend <weights>',
      'one weight per style image (normalised to sum 1)',
      numberListOption('style-blend'),
    )
    .requiredOption('--out <file>', 'where to write the result (.png, .jpg, .tif)')
    .option('--network <name|dir>', NETWORK_OPTION_HELP)
    .option(
      '--init <how>',
      `starting image: ${INIT_METHODS.filter((m) => m !== 'image').join(', ')}, an image file, ` +
        `or run:N (that run's latest image) (default: content with ` +
        `the default schedule, ${d.init} as neural-style otherwise)`,
    )
    .option('--size <px>', `long side of the result in pixels (default ${d.size})`, integerOption('size'))
    .option(
      '--iterations <n>',
      `optimisation iterations of a plain run at --size (default ${d.iterations}); ` +
        'given alone, it asks for a plain run',
      integerOption('iterations'),
    )
    .option(
      '--plain',
      "neural-style's plain run instead of the default schedule: " +
        `--iterations (${d.iterations}) at --size in one stage, from noise`,
      false,
    )
    .option(
      '--schedule <stages>',
      'coarse to fine: SIZE:ITERATIONS,… from the smallest size (e.g. 256:300,512:150,1024:50), ' +
        "each stage starting from the one before upsampled; the last size is the result's. " +
        `Left out: Pastiche's default, stages halving down to 128 px ` +
        `(${scheduleText(pasticheSchedule(d.size))} at ${d.size} px)`,
      scheduleOption('schedule'),
    )
    .option(
      '--coarse-to-fine',
      "Gatys et al.'s print schedule to --size: sizes halving " +
        'down to 256 px, --iterations shared 4:2:1 from the coarsest',
      false,
    )
    .option(
      '--tile <px>',
      'optimise stages larger than this in square tiles of this side (stages too large for memory are tiled anyway)',
      integerOption('tile'),
    )
    .option(
      '--overlap <px>',
      `pixels neighbouring tiles share, blended (default ${DEFAULT_TILE_OVERLAP})`,
      integerOption('overlap'),
    )
    .option(
      '--content-layers <layers>',
      `layers compared with the photo (default: the network's, ${d.contentLayers.join(',')} on VGG)`,
      listOption('content-layers'),
    )
    .option(
      '--style-layers <layers>',
      `layers whose Gram matrices are matched (default: the ` +
        `network's, ${d.styleLayers.map((l) => l.layer).join(',')} on VGG)`,
      listOption('style-layers'),
    )
    .option(
      '--style-layer-weights <weights>',
      'one weight per style layer (default 1 each)',
      numberListOption('style-layer-weights'),
    )
    .option(
      '--content-weight <x>',
      `α, weight of the content loss (default: the network's, ${d.contentWeight} on VGG)`,
      numberOption('content-weight'),
    )
    .option(
      '--style-weight <x>',
      `β, weight of the style loss (default: the network's, ${d.styleWeight} on VGG)`,
      numberOption('style-weight'),
    )
    .option('--tv-weight <x>', 'γ, weight of the total-variation smoothing', numberOption('tv-weight'), d.tvWeight)
    .option(
      '--optimizer <name>',
      OPTIMIZER_NAMES.join(' or '),
      choiceOption('optimizer', OPTIMIZER_NAMES),
      d.optimizer.name,
    )
    .option('--lr <x>', "Adam's learning rate on 0..255 pixel values (default 10)", numberOption('lr'))
    .option('--pooling <kind>', POOLINGS.join(' or '), choiceOption('pooling', POOLINGS), d.pooling)
    .option(
      '--style-scale <x>',
      'size of the style images relative to the result',
      numberOption('style-scale'),
      d.styleScale,
    )
    .option('--seed <n>', 'random seed (noise initialisation)', integerOption('seed'), d.seed)
    .option('--project <name>', 'project to file the run under (default: the photo’s file name)')
    .option(
      '--preview-every <n>',
      "store a preview image every N iterations (0: none; a schedule's stages still store their results)",
      integerOption('preview-every'),
      d.previewEvery,
    )
    .option(
      '--preserve-colors <how>',
      "keep the photo's colours: none, luminance (style on " +
        'luminance only) or histogram (the paintings recoloured first)',
      choiceOption('preserve-colors', COLOUR_PRESERVATIONS),
      d.preserveColors,
    )
    .option(
      '--style-repr <kind>',
      'style as gram (Gram matrices), spatial (autocorrelations: keeps pattern spacing) or local (correlations ' +
        'at each position: keeps where the style is); spatial and local resize the paintings to the photo',
      choiceOption('style-repr', STYLE_REPRESENTATIONS),
      d.styleRepr,
    )
    .option(
      '--local-radius <n>',
      'window radius of --style-repr local, in feature positions (0: pixel-wise; default 0)',
      integerOption('local-radius'),
    )
    .option(
      '--gram-mix <x>',
      'share of the style loss kept on Gram matrices with --style-repr spatial or local (0 to 1; default 0)',
      numberOption('gram-mix'),
    )
    .option('--backend <name>', BACKEND_OPTION_HELP)
    .option('--json', 'print one JSON object per line instead of a progress bar', false)
    .action(async (options: StylizeOptions) => stylizeAction(options));
}

/** The --network option's help, `stylize`'s and `generate`'s. */
export const NETWORK_OPTION_HELP =
  'feature network: a name from `pastiche models`, or a folder with ' +
  "model.json (default: the best installed, by the catalogue's quality order)";

async function stylizeAction(options: StylizeOptions): Promise<void> {
  const { network, advice } = givenOrDefaultNetwork(options.network, storePaths(dataHome()).models);
  const given = jobFromOptions({ ...options, network });
  await runInForeground(
    options,
    [given.contentFile, ...given.styleFiles, given.initFile, network],
    (store, backend) => {
      const job = startingFromRun(store, given);
      return {
        project: job.project,
        iterations: job.settings.iterations,
        advice,
        start: (hooks) => runStylize(store, job, backend, hooks),
      };
    },
  );
}

/**
 * `--init run:N` starts from the newest image run N made (its result, else where it stopped), as
 * Nikulin & Novak continue one run from another's result; the run records that image as its start.
 */
function startingFromRun(store: RunStore, job: StylizeJob): StylizeJob {
  const named = /^run:(\d+)$/i.exec(job.initFile ?? '');
  if (!named) return job;
  const runId = Number(named[1]);
  store.run(runId);
  const latest = store.latestImage(runId);
  if (!latest) throw new PasticheError('has made no image yet to start from', `run ${runId}`);
  return { ...job, initFile: latest.image.path };
}

/**
 * The layers a network starts from, by its architecture (AlexNet names its layers conv1…conv5,
 * GoogLeNet inception_3a/output…): a catalogue network's, an imported one's as saved; VGG's otherwise.
 */
export function architectureOf(network: string): NetworkArchitecture {
  const family =
    catalogueEntry(network)?.architecture ??
    readSavedNetworkInfo(existsSync(network) ? network : join(storePaths(dataHome()).models, network))?.architecture;
  return ARCHITECTURES[family ?? 'vgg19'] ?? ARCHITECTURES.vgg19;
}

/** Turns the options into the exact settings the run records; all checks happen here, before any work. */
export function jobFromOptions(options: StylizeOptions & { network: string }): StylizeJob {
  const initIsFile =
    options.init !== undefined &&
    (!(INIT_METHODS as readonly string[]).includes(options.init) || options.init === 'image');
  if (options.lr !== undefined && options.optimizer !== 'adam')
    throw new PasticheError('applies to --optimizer adam only', '--lr');
  if (options.localRadius !== undefined && options.styleRepr !== 'local')
    throw new PasticheError('applies to --style-repr local only', '--local-radius');
  if (options.gramMix !== undefined && options.styleRepr === 'gram')
    throw new PasticheError('applies to --style-repr spatial or local only', '--gram-mix');
  const schedule = scheduleFromOptions(options);
  const architecture = architectureOf(options.network);
  const weights = weightsForNetwork(architecture);
  const contentLayers = options.contentLayers ?? [...architecture.defaultLayers.content];
  const styleLayers = options.styleLayers ?? [...architecture.defaultLayers.style];
  // The network's own layer weights go with its own layers only.
  const ownWeights = options.styleLayers
    ? styleLayers.map(() => 1)
    : defaultStyleLayers(architecture).map((l) => l.weight);
  const layerWeights = options.styleLayerWeights ?? ownWeights;
  if (layerWeights.length !== styleLayers.length) {
    throw new PasticheError(
      `${layerWeights.length} weights for ${styleLayers.length} style layers`,
      '--style-layer-weights',
    );
  }
  const given: Partial<StylizeSettings> = {
    // A folder is recorded by its absolute path, so the run can be repeated from anywhere.
    network: existsSync(options.network) ? resolve(options.network) : options.network,
    contentLayers,
    styleLayers: styleLayers.map((layer, i) => ({ layer, weight: layerWeights[i] })),
    contentWeight: options.contentWeight ?? weights.contentWeight,
    styleWeight: options.styleWeight ?? weights.styleWeight,
    tvWeight: options.tvWeight,
    styleBlend: options.styleBlend,
    styleScale: options.styleScale,
    init: initIsFile ? 'image' : ((options.init ?? (isPasticheDefault(options) ? 'content' : d.init)) as InitMethod),
    optimizer: defaultOptimizerSettings(options.optimizer, options.lr),
    iterations: schedule
      ? schedule.stages.reduce((sum, stage) => sum + stage.iterations, 0)
      : (options.iterations ?? d.iterations),
    size: schedule ? schedule.stages[schedule.stages.length - 1].size : (options.size ?? d.size),
    schedule,
    seed: options.seed,
    pooling: options.pooling,
    previewEvery: options.previewEvery,
    preserveColors: options.preserveColors,
    styleRepr: options.styleRepr,
    localRadius: options.localRadius,
    gramMix: options.gramMix,
  };
  return {
    project: options.project ?? basename(options.content, extname(options.content)),
    contentFile: options.content,
    styleFiles: options.style,
    initFile: initIsFile ? options.init : undefined,
    settings: resolveSettings(given, options.style.length),
    tileOverlap: options.overlap,
  };
}

/**
 * A run asked for with no schedule, no --coarse-to-fine, no --plain and no --iterations takes
 * Pastiche's default schedule (pasticheDefaults.ts: it reaches neural-style's final loss in a
 * fraction of its time, docs/finish-time.md); --iterations alone asks for a plain run, as before.
 */
function isPasticheDefault(options: StylizeOptions): boolean {
  return !options.schedule && !options.coarseToFine && !options.plain && options.iterations === undefined;
}

/**
 * The schedule the options ask for (Gatys et al. 2017 §5), or null for one piece at --size:
 * --schedule's stages, --coarse-to-fine's, Pastiche's default, or --tile with a plain run (one
 * stage, tiled); --tile then tiles every stage larger than a tile. The engine tiles the stages
 * memory requires besides.
 */
function scheduleFromOptions(options: StylizeOptions): StylizeSchedule | null {
  const asked = [
    options.schedule && '--schedule',
    options.coarseToFine && '--coarse-to-fine',
    options.plain && '--plain',
  ].filter((flag): flag is string => typeof flag === 'string');
  if (asked.length > 1) {
    throw new PasticheError(
      `give one of --schedule, --coarse-to-fine and --plain, not ${asked.join(' and ')}`,
      asked[0],
    );
  }
  if (options.overlap !== undefined && !options.schedule && !options.coarseToFine && options.tile === undefined) {
    throw new PasticheError('applies to a tiled run only (--tile, --schedule or --coarse-to-fine)', '--overlap');
  }
  const size = options.size ?? d.size;
  const iterations = options.iterations ?? d.iterations;
  const sizes =
    options.schedule ??
    (options.coarseToFine
      ? defaultSchedule(size, iterations).stages
      : isPasticheDefault(options)
        ? pasticheSchedule(size).stages
        : options.tile !== undefined
          ? [{ size, iterations }]
          : null);
  if (!sizes) return null;
  if (options.schedule) checkScheduleAgrees(options, options.schedule);
  const tile = options.tile;
  if (tile !== undefined && tile < 1) throw new PasticheError(`expected a tile side above 0 px, got ${tile}`, '--tile');
  const overlap = options.overlap ?? DEFAULT_TILE_OVERLAP;
  const untiled: StylizeSchedule = {
    stages: sizes.map(({ size, iterations }): ScheduleStage => ({ size, iterations, tile: null })),
  };
  return tile === undefined ? untiled : withTiles(untiled, { size: tile, overlap });
}

/** --size and --iterations, when given with --schedule, must say what its stages say. */
function checkScheduleAgrees(
  options: StylizeOptions,
  stages: ReadonlyArray<{ size: number; iterations: number }>,
): void {
  const last = stages[stages.length - 1].size;
  if (options.size !== undefined && options.size !== last)
    throw new PasticheError(`is ${options.size} but the schedule ends at ${last} px`, '--size');
  const total = stages.reduce((sum, stage) => sum + stage.iterations, 0);
  if (options.iterations !== undefined && options.iterations !== total)
    throw new PasticheError(`is ${options.iterations} but the schedule's stages add up to ${total}`, '--iterations');
}
