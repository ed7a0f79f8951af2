import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { PasticheError } from '../../common/errors.js';
import { TRAIN_STYLE_DEFAULTS, trainStyleSettingsFor, trainingLayers } from '../../common/fast/trainingSettings.js';
import { POOLINGS, type Pooling } from '../../common/stylize/settings.js';
import { selectBackend, type BackendInfo, BACKEND_OPTION_HELP } from '../backend.js';
import {
  resumeTraining,
  trainStyle,
  type TrainStyleJob,
  type TrainingHooks,
  type TrainingOutcome,
} from '../runs/trainStyleRun.js';
import { describeNetwork } from '../networks/registry.js';
import { dataHome, storePaths } from '../paths.js';
import { openRunStore, type RunStore } from '../store/runStore.js';
import {
  choiceOption,
  integerOption,
  listOption,
  numberListOption,
  numberOption,
  type LossTermOptions,
} from './optionParsers.js';
import { announce, backendLine } from './foregroundRun.js';
import { formatDuration, printJson, progressView } from './progressView.js';

interface TrainStyleOptions extends LossTermOptions {
  style?: string;
  photos?: string;
  name: string;
  resume: boolean;
  network: string;
  size: number;
  styleSize?: number;
  epochs: number;
  steps: number;
  batch: number;
  lr: number;
  pooling: Pooling;
  seed: number;
  checkpointEvery: number;
  previewEvery: number;
  validation?: string;
  project?: string;
  backend?: string;
  json: boolean;
}

/** The options that set up a training: a resumed one keeps its recorded ones, so none may be given with --resume. */
const SETUP_OPTIONS: ReadonlyArray<keyof TrainStyleOptions> = [
  'style',
  'photos',
  'network',
  'size',
  'styleSize',
  'epochs',
  'steps',
  'batch',
  'contentLayers',
  'styleLayers',
  'styleLayerWeights',
  'contentWeight',
  'styleWeight',
  'tvWeight',
  'lr',
  'pooling',
  'seed',
  'checkpointEvery',
  'previewEvery',
  'validation',
  'project',
];

const d = TRAIN_STYLE_DEFAULTS;

export function registerTrainStyleCommand(program: Command): void {
  program
    .command('train-style')
    .description(
      'train a fast style network for one painting on a folder of photos (Johnson et ' +
        'al. 2016); the training is recorded in the store, and the network saved as a style',
    )
    .requiredOption(
      '--name <name>',
      "the style's name in the style library (`pastiche styles`); with --resume, the training to continue",
    )
    .option('--style <file>', 'the painting')
    .option('--photos <dir>', 'a folder of photos (COCO in the paper); each is resized and centre-cropped to --size')
    .option(
      '--resume',
      'continue the stopped training of --name from its last checkpoint, with its recorded settings',
      false,
    )
    .option(
      '--network <name|dir>',
      'loss network: a name from `pastiche models`, or a folder with model.json',
      d.network,
    )
    .option('--size <px>', 'side of the square training pictures', integerOption('size'), d.size)
    .option(
      '--style-size <px>',
      "the painting's long side when its Gram matrices are measured (default: --size)",
      integerOption('style-size'),
    )
    .option('--epochs <n>', 'passes over the photos', integerOption('epochs'), d.epochs)
    .option('--steps <n>', "stop after this many steps (0: the epochs' whole length)", integerOption('steps'), d.steps)
    .option('--batch <n>', 'photos per step', integerOption('batch'), d.batchSize)
    .option(
      '--content-layers <layers>',
      "the loss network's content layer(s) (default: the recipe's " +
        'conv4_2, else the layer after the deepest style layer)',
      listOption('content-layers'),
    )
    .option(
      '--style-layers <layers>',
      "layers whose Gram matrices are matched (default: the network's, those it has)",
      listOption('style-layers'),
    )
    .option(
      '--style-layer-weights <weights>',
      'one weight per style layer (default 1 each)',
      numberListOption('style-layer-weights'),
    )
    .option('--content-weight <x>', `α (default ${d.contentWeight} on VGG)`, numberOption('content-weight'))
    .option('--style-weight <x>', `β (default ${d.styleWeight} on VGG)`, numberOption('style-weight'))
    .option('--tv-weight <x>', 'γ, weight of the total-variation smoothing', numberOption('tv-weight'), d.tvWeight)
    .option('--lr <x>', "Adam's learning rate", numberOption('lr'), d.optimizer.learningRate)
    .option('--pooling <kind>', POOLINGS.join(' or '), choiceOption('pooling', POOLINGS), d.pooling)
    .option('--seed <n>', 'draws the initial weights and the order of the photos', integerOption('seed'), d.seed)
    .option(
      '--checkpoint-every <n>',
      'keep a resumable checkpoint every N steps (and when stopped)',
      integerOption('checkpoint-every'),
      d.checkpointEvery,
    )
    .option(
      '--preview-every <n>',
      'store the validation photo through the network every N steps (0: at the end only)',
      integerOption('preview-every'),
      d.previewEvery,
    )
    .option('--validation <file>', 'the photo the previews show (default: the first photo)')
    .option('--project <name>', "project to file the run under (default: the painting's file name)")
    .option('--backend <name>', BACKEND_OPTION_HELP)
    .option('--json', 'print one JSON object per line instead of a progress bar', false)
    .action(async (options: TrainStyleOptions, command: Command) => {
      if (options.resume) {
        const given = SETUP_OPTIONS.find((key) => command.getOptionValueSource(key) === 'cli');
        if (given)
          throw new PasticheError(
            `a resumed training keeps its recorded settings: leave out --${kebab(given)}`,
            '--resume',
          );
        await trainInForeground(options, (store, backend, hooks) =>
          resumeTraining(store, options.name, backend, hooks),
        );
        return;
      }
      const job = await jobFromOptions(options);
      await trainInForeground(options, (store, backend, hooks) => trainStyle(store, job, backend, hooks));
    });
}

/**
 * Turns the options into the exact settings the run records: the network's own default layers and weights where none
 * are given.
 */
async function jobFromOptions(options: TrainStyleOptions): Promise<TrainStyleJob> {
  if (options.style === undefined)
    throw new PasticheError('give the painting to learn (or --resume a stopped training)', '--style');
  if (options.photos === undefined) throw new PasticheError('give a folder of photos to learn from', '--photos');
  const network = await describeNetwork(options.network, storePaths(dataHome()).models);
  const styleLayers =
    options.styleLayers ??
    (options.styleLayerWeights
      ? trainingLayers(network.architecture, network.layers).styleLayers.map((l) => l.layer)
      : undefined);
  const layerWeights = options.styleLayerWeights ?? styleLayers?.map(() => 1);
  if (styleLayers && layerWeights!.length !== styleLayers.length)
    throw new PasticheError(
      `${layerWeights!.length} weights for ${styleLayers.length} style layers`,
      '--style-layer-weights',
    );
  const settings = trainStyleSettingsFor(
    {
      // A folder is recorded by its absolute path, so the training can be resumed from anywhere.
      network: existsSync(options.network) ? resolve(options.network) : options.network,
      contentLayers: options.contentLayers,
      styleLayers: styleLayers?.map((layer, i) => ({ layer, weight: layerWeights![i] })),
      contentWeight: options.contentWeight,
      styleWeight: options.styleWeight,
      tvWeight: options.tvWeight,
      size: options.size,
      styleSize: options.styleSize,
      batchSize: options.batch,
      epochs: options.epochs,
      steps: options.steps,
      optimizer: { ...d.optimizer, learningRate: options.lr },
      seed: options.seed,
      checkpointEvery: options.checkpointEvery,
      previewEvery: options.previewEvery,
      pooling: options.pooling,
    },
    network,
  );
  return {
    project: options.project ?? basename(options.style, extname(options.style)),
    styleName: options.name,
    styleFile: options.style,
    photosFolder: options.photos,
    validationFile: options.validation,
    settings,
  };
}

/** What a training on wasm or cpu is told: where to train instead. */
const GPU_TRAINING_HINT = 'a GPU trains hundreds of times faster: see docs/fast-styles.md, "Training a style"';
/** Added to the `Loss network:` line when the network has random weights. */
const RANDOM_LOSS_NETWORK_NOTE =
  ' — random weights: a pretrained network (`pastiche models`) is needed for a style worth keeping';

/**
 * Trains in the foreground: progress on stderr (or JSON lines on stdout), Ctrl-C stopping after the
 * current step with a checkpoint kept (a second Ctrl-C quits at once; the last checkpoint stays).
 */
async function trainInForeground(
  options: TrainStyleOptions,
  start: (store: RunStore, backend: BackendInfo, hooks: TrainingHooks) => Promise<TrainingOutcome>,
): Promise<void> {
  const backend = await selectBackend(options.backend);
  const store = openRunStore();
  const abort = new AbortController();
  const onInterrupt = () => {
    abort.abort();
    if (!options.json)
      process.stderr.write(
        '\nStopping after the current step, keeping a checkpoint ' +
          '(Ctrl-C again quits at once; the last checkpoint stays)…\n',
      );
  };
  process.once('SIGINT', onInterrupt);
  const view = progressView(options.json, process.stderr, 'step');
  let firstLoss: number | null = null;
  try {
    const outcome = await start(store, backend, {
      signal: abort.signal,
      onStart: (info) => {
        announce(options.json, { event: 'start', ...info, network: info.network.name, backend: backend.name }, [
          `Run ${info.runId} · training style '${options.name}' on ${info.photos} photos · ` +
            `${info.step > 0 ? `resuming at step ${info.step} of ${info.totalSteps}` : info.totalSteps} steps`,
          backendLine(backend, GPU_TRAINING_HINT),
          `Loss network: ${info.network.name}${info.network.status === 'embedded' ? RANDOM_LOSS_NETWORK_NOTE : ''}`,
        ]);
        view.start(info.totalSteps);
      },
      onProgress: (progress) => {
        firstLoss ??= progress.loss.total;
        view.update(progress);
      },
      onPreview: ({ iteration, record }) =>
        options.json && printJson({ event: 'preview', iteration, imageId: record.id, path: record.path }),
      onCheckpoint: ({ step, folder }) => options.json && printJson({ event: 'checkpoint', step, folder }),
      onSkippedPhoto: (problem) =>
        options.json
          ? printJson({ event: 'warning', message: problem })
          : process.stderr.write(`\nwarning: left out of its batch: ${problem}\n`),
    });
    view.stop();
    report(options, outcome, firstLoss);
  } finally {
    view.stop();
    process.off('SIGINT', onInterrupt);
    store.close();
  }
}

function report(options: TrainStyleOptions, outcome: TrainingOutcome, firstLoss: number | null): void {
  const { status, runId, stepsDone, totalSteps, finalLoss, elapsedMs, style, checkpoint, preview } = outcome;
  const loss =
    firstLoss !== null && finalLoss ? `, loss ${firstLoss.toPrecision(4)} → ${finalLoss.total.toPrecision(4)}` : '';
  announce(
    options.json,
    {
      event: status,
      runId,
      steps: stepsDone,
      totalSteps,
      ms: elapsedMs,
      loss: { first: firstLoss, final: finalLoss?.total ?? null },
      style: style && { name: style.name, weightsSha256: style.weightsSha256 },
      checkpoint,
      preview: preview?.path ?? null,
    },
    status === 'done'
      ? [
          `Done: style '${style!.name}' saved (run ${runId}, ${stepsDone} steps in ` +
            `${formatDuration(elapsedMs)}${loss}); its last preview: ${preview?.path ?? '—'}`,
        ]
      : [
          `Cancelled at step ${stepsDone} of ${totalSteps} (run ${runId}${loss}); checkpoint in ${checkpoint}.`,
          `Continue with: pastiche train-style --resume --name ${options.name}`,
        ],
  );
  if (status === 'cancelled') process.exitCode = 130;
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
