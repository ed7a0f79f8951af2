import { z } from 'zod';
import { PasticheError } from '../../../engine/common/errors.js';
import { checkFields } from '../../../engine/common/fieldCheck.js';
import type { StylizeSettings } from '../../../engine/common/stylize/settings.js';
import { scheduleOption } from '../../../engine/node/cli/optionParsers.js';
import { VGG_LOSS_LAYERS } from './vggLoss.js';

/** The reference network: ../shared's VGG-19 blocks 1–3, imported into the bench's own data folder under this name. */
export const REFERENCE = 'vgg19-blocks1-3';
/**
 * Today's vgg19-random before its calibration to photos (randomWeights' 'rms-v1'), added to the bench's own catalogue.
 */
export const LEGACY_RANDOM = 'vgg19-random-v1';

const PHOTOS = ['tubingen.jpg', 'golden_gate.jpg'];
const PAINTINGS = ['starry_night.jpg', 'the_scream.jpg', 'udnie.jpg', 'picasso_selfport1907.jpg'];

/**
 * What a network's runs use besides its defaults (its architecture's layers, α and β): the reference reads blocks 1–3
 * only.
 */
type NetworkSettings = Partial<
  Pick<StylizeSettings, 'contentLayers' | 'styleLayers' | 'contentWeight' | 'styleWeight' | 'tvWeight' | 'pooling'>
>;
const BUILT_IN: Record<string, NetworkSettings> = {
  [REFERENCE]: {
    contentLayers: [...VGG_LOSS_LAYERS.content],
    styleLayers: VGG_LOSS_LAYERS.style.map((layer) => ({ layer, weight: 1 })),
  },
};

const settingsSchema = z.record(
  z.string(),
  z.strictObject({
    contentLayers: z.array(z.string()).optional(),
    styleLayers: z.array(z.string()).optional(),
    styleLayerWeights: z.array(z.number().positive()).optional(),
    contentWeight: z.number().nonnegative().optional(),
    styleWeight: z.number().nonnegative().optional(),
    tvWeight: z.number().nonnegative().optional(),
    pooling: z.enum(['max', 'avg']).optional(),
  }),
);

/**
 * The network a candidate paints with: a candidate is a network's name or `NAME@VARIANT`, so that
 * one run of the bench can compare several settings of one network side by side (QUALITY_SETTINGS
 * is keyed by the whole candidate; the variant inherits the built-in settings of its network).
 */
export function networkOf(candidate: string): string {
  const at = candidate.indexOf('@');
  return at < 0 ? candidate : candidate.slice(0, at);
}

export interface QualityOptions {
  readonly networks: readonly string[];
  readonly pairs: ReadonlyArray<{ readonly photo: string; readonly painting: string }>;
  readonly schedule: ReadonlyArray<{ size: number; iterations: number }>;
  readonly settingsFor: (network: string) => NetworkSettings;
}

/**
 * The bench's knobs, from the environment: QUALITY_NETWORKS (names or TensorFlow.js model folders,
 * comma-separated, each optionally `NAME@VARIANT`; default today's and the calibrated vgg19-random,
 * the reference and `installed`),
 * QUALITY_PHOTOS / QUALITY_PAINTINGS (file names in ../shared/images), QUALITY_PAIRS (at most this
 * many pairs, or the pairs themselves: PHOTO:PAINTING,…), QUALITY_SCHEDULE (SIZE:ITERATIONS,… ending at the scored
 * size) and QUALITY_SETTINGS, a JSON object of per-network layers and weights, e.g.
 * {"inception3-imagenet":{"contentLayers":["mixed_3"],…}}.
 */
export function qualityOptions(env: NodeJS.ProcessEnv, installed: readonly string[]): QualityOptions {
  const list = (name: string, fallback: readonly string[]) =>
    env[name]
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean) ?? [...fallback];
  const networks = list('QUALITY_NETWORKS', [LEGACY_RANDOM, 'vgg19-random', REFERENCE, ...installed]);
  const all = list('QUALITY_PHOTOS', PHOTOS).flatMap((photo) =>
    list('QUALITY_PAINTINGS', PAINTINGS).map((painting) => ({ photo, painting })),
  );
  const named = env.QUALITY_PAIRS?.includes(':') ? namedPairs(list('QUALITY_PAIRS', [])) : null;
  const count = named ? named.length : env.QUALITY_PAIRS === undefined ? all.length : Number(env.QUALITY_PAIRS);
  if (!Number.isInteger(count) || count < 1)
    throw new PasticheError(`must be a whole number of pairs, got ${env.QUALITY_PAIRS}`, 'QUALITY_PAIRS');
  const schedule = scheduleOption('QUALITY_SCHEDULE')(env.QUALITY_SCHEDULE ?? '128:40,256:20');
  const given = env.QUALITY_SETTINGS
    ? checkFields(settingsSchema, parseJson(env.QUALITY_SETTINGS), 'QUALITY_SETTINGS')
    : {};
  return {
    networks,
    pairs: named ?? all.slice(0, count),
    schedule,
    settingsFor: (candidate) => {
      const { styleLayers, styleLayerWeights, ...rest } = given[candidate] ?? {};
      const layers = styleLayers
        ? { styleLayers: styleLayers.map((layer, i) => ({ layer, weight: styleLayerWeights?.[i] ?? 1 })) }
        : {};
      return { ...BUILT_IN[networkOf(candidate)], ...rest, ...layers };
    },
  };
}

/**
 * PHOTO:PAINTING items, e.g. tubingen.jpg:starry_night.jpg, for pairs that a photos × paintings grid would not pick
 * alone.
 */
function namedPairs(items: readonly string[]): Array<{ photo: string; painting: string }> {
  return items.map((item) => {
    const [photo, painting, ...rest] = item.split(':');
    if (!photo || !painting || rest.length > 0)
      throw new PasticheError(`must be PHOTO:PAINTING, got ${item}`, 'QUALITY_PAIRS');
    return { photo, painting };
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new PasticheError('is not JSON', 'QUALITY_SETTINGS');
  }
}
