import { fuzzFormat, fuzzRuns, mutatedJson, assertFiniteNumbers, type FuzzReport } from './fuzz.js';

/** Every name a refusal of run settings may start with: the settings as the CLI and the studio name them. */
export const SETTING_NAMES: readonly string[] = [
  'settings',
  'request',
  'network',
  'style',
  'size',
  'width',
  'height',
  'iterations',
  'seed',
  'preview-every',
  'content-weight',
  'style-weight',
  'tv-weight',
  'style-layers',
  'style-layer-weights',
  'content-layers',
  'layers',
  'style-blend',
  'style-scale',
  'style-size',
  'init',
  'pooling',
  'preserve-colors',
  'optimizer',
  'lbfgs history',
  'lr',
  'adam epsilon',
  'style-repr',
  'local-radius',
  'gram-mix',
  'schedule',
  'generator',
  'layer',
  'entry',
  'entry row',
  'entry column',
  'amplitude',
  'sparsity',
  'redraw',
  'batch',
  'epochs',
  'steps',
  'checkpoint-every',
  'tile',
  'overlap',
]
  .map((name) => `${name}: `)
  .concat('style-layer-weights (');

/**
 * Mutations of valid settings through their validator (issue 13): each gives settings with only
 * finite numbers, or a one-line refusal that names the setting; never an exception of another kind.
 */
export function fuzzSettings(
  name: string,
  seeds: readonly unknown[],
  resolve: (given: never) => unknown,
): Promise<FuzzReport> {
  return fuzzFormat(name, mutatedJson(seeds), async (given) => assertFiniteNumbers(resolve(given as never), name), {
    runs: fuzzRuns(300),
    caseTimeoutMs: 1_000,
    maxRssGrowthBytes: 128 * 1024 ** 2,
    subject: () => SETTING_NAMES,
  });
}
