import { describe, it } from 'node:test';
import {
  NEURAL_STYLE_DEFAULTS,
  resolveSettings,
  type StylizeSettings,
} from '../../../../engine/common/stylize/settings.js';
import { fuzzSettings } from '../../../helpers/settingsFuzz.js';

const seeds: Partial<StylizeSettings>[] = [
  {},
  { ...NEURAL_STYLE_DEFAULTS, styleBlend: [3, 1] },
  {
    contentWeight: 7,
    styleWeight: 250,
    tvWeight: 0.01,
    styleLayers: [
      { layer: 'conv1_1', weight: 0.5 },
      { layer: 'conv2_1', weight: 2 },
    ],
    styleScale: 0.75,
  },
  {
    optimizer: { name: 'adam', learningRate: 3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    init: 'content',
    pooling: 'avg',
    seed: 42,
    previewEvery: 3,
  },
  { styleRepr: 'local', localRadius: 2, gramMix: 0.3, preserveColors: 'luminance' },
  {
    size: 1024,
    iterations: 350,
    schedule: {
      stages: [
        { size: 256, iterations: 200, tile: null },
        { size: 512, iterations: 100, tile: null },
        { size: 1024, iterations: 50, tile: { size: 512, overlap: 64 } },
      ],
    },
  },
];

describe('stylization settings under fuzzing', () => {
  it('resolve to finite settings or refuse in one line naming the setting', async () => {
    await fuzzSettings('stylize settings', seeds, (given: Partial<StylizeSettings>) => resolveSettings(given, 2));
  });
});
