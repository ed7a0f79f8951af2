import { describe, it } from 'node:test';
import {
  TRAIN_STYLE_DEFAULTS,
  trainStyleSettingsFor,
  type TrainStyleSettings,
} from '../../../../engine/common/fast/trainingSettings.js';
import { flatLayers } from '../../../../engine/common/networks/architecture.js';
import { VGG19 } from '../../../../engine/common/networks/vgg.js';
import { fuzzSettings } from '../../../helpers/settingsFuzz.js';

const network = { architecture: VGG19, layers: flatLayers(VGG19.layers).map((layer) => layer.name) };
const seeds: Partial<TrainStyleSettings>[] = [
  {},
  { ...TRAIN_STYLE_DEFAULTS },
  {
    size: 128,
    styleSize: 384,
    batchSize: 2,
    epochs: 1,
    steps: 40,
    seed: 7,
    checkpointEvery: 10,
    previewEvery: 0,
    pooling: 'avg',
  },
  {
    contentLayers: ['conv3_2'],
    styleLayers: [
      { layer: 'conv1_1', weight: 1 },
      { layer: 'conv2_1', weight: 0.5 },
    ],
    contentWeight: 1,
    styleWeight: 50,
    tvWeight: 1e-4,
  },
  { optimizer: { name: 'adam', learningRate: 1e-2, beta1: 0.5, beta2: 0.9, epsilon: 1e-6 } },
];

describe('training settings under fuzzing', () => {
  it('resolve to finite settings or refuse in one line naming the setting', async () => {
    await fuzzSettings('training settings', seeds, (given: Partial<TrainStyleSettings>) =>
      trainStyleSettingsFor(given, network),
    );
  });
});
