import { BACKEND_OPTION_HELP } from '../backend.js';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { PasticheError } from '../../common/errors.js';
import { GENERATE_DEFAULTS, resolveGenerateSettings } from '../../common/generate/generateSettings.js';
import {
  DEFAULT_AMPLITUDE,
  DEFAULT_SPARSITY,
  GENERATOR_KINDS,
  type GeneratorKind,
  type GivenGenerator,
} from '../../common/generate/gramGenerator.js';
import {
  OPTIMIZER_NAMES,
  POOLINGS,
  defaultOptimizerSettings,
  type OptimizerName,
  type Pooling,
} from '../../common/stylize/settings.js';
import { runGenerate, type GenerateJob } from '../runs/generateRun.js';
import { runInForeground } from './foregroundRun.js';
import {
  choiceOption,
  gramEntryOption,
  integerOption,
  listOption,
  numberListOption,
  numberOption,
  sizeOption,
} from './optionParsers.js';
import { defaultStyleLayers, weightsForNetwork } from '../../common/stylize/presets.js';
import { architectureOf, NETWORK_OPTION_HELP } from './stylizeCommand.js';
import { givenOrDefaultNetwork } from '../networks/defaultNetwork.js';
import { dataHome, storePaths } from '../paths.js';

interface GenerateOptions {
  generator: GeneratorKind;
  entry?: { layer: string; entry: { row: number; column: number } | null };
  layers?: string[];
  amplitude?: number;
  sparsity?: number;
  redraw: boolean;
  style?: string;
  out: string;
  /** Left out, the best network installed (defaultNetwork.ts). */
  network?: string;
  size?: { width: number; height: number };
  iterations: number;
  styleLayers?: string[];
  styleLayerWeights?: number[];
  styleWeight?: number;
  tvWeight: number;
  optimizer?: OptimizerName;
  lr?: number;
  pooling: Pooling;
  styleScale: number;
  seed: number;
  project?: string;
  previewEvery: number;
  backend?: string;
  json: boolean;
}

const d = GENERATE_DEFAULTS;

export function registerGenerateCommand(program: Command): void {
  program
    .command('generate')
    .description(
      'invent a style from synthetic Gram targets, with no photo ' +
        '(Nikulin & Novak 2016, §6); the run is recorded in the store',
    )
    .requiredOption(
      '--generator <kind>',
      "single (one Gram entry), sparse (random sparse matrices) or mimic (a painting's Gram statistics)",
      choiceOption('generator', GENERATOR_KINDS),
    )
    .option(
      '--entry <layer[:i,j]>',
      'single: the layer and the entry (row,column from 0; drawn from the seed when left out)',
      gramEntryOption('entry'),
    )
    .option(
      '--layers <layers>',
      'sparse: the style layers given a random matrix (default: the first style layer)',
      listOption('layers'),
    )
    .option(
      '--amplitude <x>',
      `single, sparse: the entry's value, or the scale of the |N(0,1)| ` +
        `entries, in gramMatrix's units (default ${DEFAULT_AMPLITUDE})`,
      numberOption('amplitude'),
    )
    .option(
      '--sparsity <x>',
      `sparse: the fraction of zero entries, in [0, 1) (default ${DEFAULT_SPARSITY})`,
      numberOption('sparsity'),
    )
    .option('--redraw', 'draw new targets at every iteration (takes Adam)', false)
    .option('--style <file>', 'mimic: the painting whose Gram statistics are measured')
    .requiredOption('--out <file>', 'where to write the result (.png, .jpg, .tif)')
    .option('--network <name|dir>', NETWORK_OPTION_HELP)
    .option(
      '--size <WxH>',
      `the result's width and height in pixels (one number: a square; default ${d.width}x${d.height})`,
      sizeOption('size'),
    )
    .option('--iterations <n>', 'optimisation iterations', integerOption('iterations'), d.iterations)
    .option(
      '--style-layers <layers>',
      'layers whose Gram matrices are matched; those the generator ' +
        "leaves out are driven to zero (default: the network's)",
      listOption('style-layers'),
    )
    .option(
      '--style-layer-weights <weights>',
      'one weight per style layer (default 1 each)',
      numberListOption('style-layer-weights'),
    )
    .option(
      '--style-weight <x>',
      `β, weight of the style loss (default: the network's, ${d.styleWeight} on VGG)`,
      numberOption('style-weight'),
    )
    .option('--tv-weight <x>', 'γ, weight of the total-variation smoothing', numberOption('tv-weight'), d.tvWeight)
    .option(
      '--optimizer <name>',
      `${OPTIMIZER_NAMES.join(' or ')} (default lbfgs; adam with --redraw)`,
      choiceOption('optimizer', OPTIMIZER_NAMES),
    )
    .option('--lr <x>', "Adam's learning rate on 0..255 pixel values (default 10)", numberOption('lr'))
    .option('--pooling <kind>', POOLINGS.join(' or '), choiceOption('pooling', POOLINGS), d.pooling)
    .option(
      '--style-scale <x>',
      "mimic: the painting's size relative to the result",
      numberOption('style-scale'),
      d.styleScale,
    )
    .option('--seed <n>', 'random seed of the targets and the starting noise', integerOption('seed'), 0)
    .option('--project <name>', "project to file the run under (default: the painting's file name, else 'generated')")
    .option(
      '--preview-every <n>',
      'store a preview image every N iterations (0: none)',
      integerOption('preview-every'),
      d.previewEvery,
    )
    .option('--backend <name>', BACKEND_OPTION_HELP)
    .option('--json', 'print one JSON object per line instead of a progress bar', false)
    .action(async (options: GenerateOptions) => {
      const { network, advice } = givenOrDefaultNetwork(options.network, storePaths(dataHome()).models);
      const job = generateJobFromOptions({ ...options, network });
      await runInForeground(options, [options.style, network], (store, backend) => ({
        project: job.project,
        iterations: job.settings.iterations,
        advice,
        start: (hooks) => runGenerate(store, job, backend, hooks),
      }));
    });
}

/** Which generators each generator option applies to: any other use is refused, naming the option. */
const APPLIES_TO: ReadonlyArray<[keyof GenerateOptions, string, readonly GeneratorKind[]]> = [
  ['entry', '--entry', ['single']],
  ['layers', '--layers', ['sparse']],
  ['sparsity', '--sparsity', ['sparse']],
  ['amplitude', '--amplitude', ['single', 'sparse']],
  ['style', '--style', ['mimic']],
];

/** Turns the options into the exact settings the run records; all checks happen here, before any work. */
export function generateJobFromOptions(options: GenerateOptions & { network: string }): GenerateJob {
  for (const [key, option, kinds] of APPLIES_TO) {
    if (options[key] !== undefined && !kinds.includes(options.generator))
      throw new PasticheError(`applies to --generator ${kinds.join(' or ')} only`, option);
  }
  const optimizerName = options.optimizer ?? (options.redraw ? 'adam' : 'lbfgs');
  if (options.lr !== undefined && optimizerName !== 'adam')
    throw new PasticheError('applies to --optimizer adam only', '--lr');
  const architecture = architectureOf(options.network);
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
  const settings = resolveGenerateSettings({
    // A folder is recorded by its absolute path, so the run can be repeated from anywhere.
    network: existsSync(options.network) ? resolve(options.network) : options.network,
    styleLayers: styleLayers.map((layer, i) => ({ layer, weight: layerWeights[i] })),
    styleWeight: options.styleWeight ?? weightsForNetwork(architecture).styleWeight,
    tvWeight: options.tvWeight,
    styleScale: options.styleScale,
    optimizer: defaultOptimizerSettings(optimizerName, options.lr),
    iterations: options.iterations,
    width: options.size?.width,
    height: options.size?.height,
    pooling: options.pooling,
    previewEvery: options.previewEvery,
    generator: givenGenerator(options),
  });
  return {
    project: options.project ?? (options.style ? basename(options.style, extname(options.style)) : 'generated'),
    styleFile: options.style,
    settings,
  };
}

function givenGenerator(options: GenerateOptions): GivenGenerator {
  const { seed, redraw, amplitude } = options;
  switch (options.generator) {
    case 'single':
      return { kind: 'single', seed, redraw, amplitude, layer: options.entry?.layer, entry: options.entry?.entry };
    case 'sparse':
      return { kind: 'sparse', seed, redraw, amplitude, layers: options.layers, sparsity: options.sparsity };
    case 'mimic':
      return { kind: 'mimic', seed, redraw };
  }
}
