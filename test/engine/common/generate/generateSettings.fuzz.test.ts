import { describe, it } from 'node:test';
import {
  resolveGenerateSettings,
  type GivenGenerateSettings,
} from '../../../../engine/common/generate/generateSettings.js';
import { fuzzSettings } from '../../../helpers/settingsFuzz.js';

const seeds: GivenGenerateSettings[] = [
  { generator: { kind: 'mimic' } },
  {
    width: 64,
    height: 48,
    styleScale: 1.5,
    iterations: 20,
    previewEvery: 5,
    generator: { kind: 'mimic', seed: 3, redraw: true },
  },
  {
    styleLayers: [
      { layer: 'conv1_1', weight: 1 },
      { layer: 'conv2_1', weight: 2 },
    ],
    generator: { kind: 'sparse', layers: ['conv1_1', 'conv2_1'], amplitude: 20, sparsity: 0.7, seed: 31 },
  },
  {
    styleWeight: 1e3,
    tvWeight: 0,
    generator: { kind: 'single', layer: 'conv2_1', entry: { row: 3, column: 17 }, amplitude: 1e5 },
  },
  {
    optimizer: { name: 'adam', learningRate: 5, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    pooling: 'avg',
    generator: { kind: 'sparse', redraw: true },
  },
];

describe('generation settings under fuzzing', () => {
  it('resolve to finite settings or refuse in one line naming the setting', async () => {
    await fuzzSettings('generate settings', seeds, (given: GivenGenerateSettings) => resolveGenerateSettings(given));
  });
});
