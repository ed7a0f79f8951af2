import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveFeedforwardSettings } from '../../../../engine/common/fast/feedforwardSettings.js';
import { resolveTrainStyleSettings, TRAIN_STYLE_DEFAULTS } from '../../../../engine/common/fast/trainingSettings.js';
import { resolveGenerateSettings } from '../../../../engine/common/generate/generateSettings.js';
import { MAX_LOSS_WEIGHT } from '../../../../engine/common/stylize/settingChecks.js';
import {
  NEURAL_STYLE_DEFAULTS,
  resolveSettings,
  type StylizeSettings,
} from '../../../../engine/common/stylize/settings.js';
import { assertOneLineRefusal } from '../../../helpers/fuzz.js';

/** Each case is refused in one line that starts with the setting's name. */
function assertRefusals(resolve: (given: never) => unknown, cases: ReadonlyArray<readonly [unknown, string]>): void {
  for (const [given, setting] of cases) {
    assert.throws(
      () => resolve(given as never),
      (error: unknown) => {
        assertOneLineRefusal(error);
        assert.ok(
          (error as Error).message.startsWith(`${setting}: `),
          `${JSON.stringify(given)} refused as ${(error as Error).message}, not as ${setting}`,
        );
        return true;
      },
      `${JSON.stringify(given)} is refused`,
    );
  }
}

const adam =
  NEURAL_STYLE_DEFAULTS.optimizer.name === 'adam'
    ? NEURAL_STYLE_DEFAULTS.optimizer
    : { name: 'adam' as const, learningRate: 10, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

describe('run settings are finite and in range before anything is stored (issue 13, item 6)', () => {
  it('refuses weights that would overflow float32 losses, naming the setting', () => {
    assertRefusals(
      (given: Partial<StylizeSettings>) => resolveSettings(given),
      [
        [{ styleWeight: 1e308 }, 'style-weight'],
        [{ contentWeight: 1e13 }, 'content-weight'],
        [{ tvWeight: 1e300 }, 'tv-weight'],
        [{ styleLayers: [{ layer: 'conv1_1', weight: 1e308 }] }, 'style-layer-weights (conv1_1)'],
        [{ styleBlend: [1e308, 1e308] }, 'style-blend'],
      ],
    );
    assert.equal(
      resolveSettings({ styleWeight: MAX_LOSS_WEIGHT }).styleWeight,
      MAX_LOSS_WEIGHT,
      'the bound itself is allowed',
    );
  });

  it('refuses counts float64 cannot hold exactly, rates and scales out of range, and values of the wrong type', () => {
    assertRefusals(
      (given: Partial<StylizeSettings>) => resolveSettings(given),
      [
        [{ iterations: 1e300 }, 'iterations'],
        [{ seed: 2 ** 60 }, 'seed'],
        [{ previewEvery: 1e20 }, 'preview-every'],
        [{ styleScale: 1e300 }, 'style-scale'],
        [{ size: 512, styleScale: 20 }, 'style-scale'],
        [{ optimizer: { ...adam, learningRate: 1e308 } }, 'lr'],
        [{ optimizer: { ...adam, epsilon: 1e-320 } }, 'adam epsilon'],
        [{ optimizer: { name: 'lbfgs', historySize: 1e9 } }, 'lbfgs history'],
        [{ optimizer: null }, 'optimizer'],
        [{ styleLayers: null }, 'style-layers'],
        [{ styleLayers: [null] }, 'style-layers'],
        [{ contentLayers: 'conv4_2' }, 'content-layers'],
        [{ styleBlend: '1' }, 'style-blend'],
        [{ network: 7 }, 'network'],
        [{ gramMix: '0.5', styleRepr: 'spatial' }, 'gram-mix'],
        [{ schedule: { stages: 'many' } }, 'schedule'],
        [{ schedule: { stages: [null] } }, 'schedule'],
        [
          {
            size: 512,
            iterations: 10,
            schedule: { stages: [{ size: 512, iterations: 10, tile: { size: '64', overlap: 8 } }] },
          },
          'schedule',
        ],
        [{ schedule: false }, 'schedule'],
        [null, 'settings'],
      ],
    );
  });

  it('records only the settings it knows, and only finite numbers', () => {
    const settings = resolveSettings({ styleWeight: 10, colour: 'red', optimizer: { ...adam, extra: 1 } } as never);
    assert.equal('colour' in settings, false);
    assert.deepEqual(Object.keys(settings.optimizer).sort(), ['beta1', 'beta2', 'epsilon', 'learningRate', 'name']);
  });

  it('bounds a generation the same way, its generator included', () => {
    assertRefusals(
      (given: Parameters<typeof resolveGenerateSettings>[0]) => resolveGenerateSettings(given),
      [
        [{ styleWeight: 1e308, generator: { kind: 'mimic' } }, 'style-weight'],
        [{ tvWeight: Infinity, generator: { kind: 'mimic' } }, 'tv-weight'],
        [{ generator: { kind: 'sparse', amplitude: 1e308 } }, 'amplitude'],
        [{ generator: { kind: 'sparse', layers: 'conv1_1' } }, 'layers'],
        [{ generator: { kind: 'single', entry: 5 } }, 'entry'],
        [{ generator: null }, 'generator'],
        [{ width: 4096, styleScale: 4, generator: { kind: 'mimic' } }, 'style-scale'],
        [{ optimizer: { ...adam, learningRate: 1000 }, generator: { kind: 'mimic' } }, 'lr'],
      ],
    );
  });

  it('bounds a training, which learns with Adam at a rate its weights can take', () => {
    assertRefusals(
      (given: Partial<typeof TRAIN_STYLE_DEFAULTS>) => resolveTrainStyleSettings(given),
      [
        [{ contentWeight: 1e308 }, 'content-weight'],
        [{ styleLayers: [{ layer: 'conv1_1', weight: NaN }] }, 'style-layer-weights (conv1_1)'],
        [{ optimizer: { ...TRAIN_STYLE_DEFAULTS.optimizer, learningRate: 10 } }, 'lr'],
        [{ optimizer: { name: 'lbfgs', historySize: 10 } }, 'optimizer'],
        [{ batchSize: 1000 }, 'batch'],
        [{ epochs: 1e300 }, 'epochs'],
        [{ network: null }, 'network'],
      ],
    );
  });

  it('refuses a feed-forward request of the wrong shape', () => {
    const photo = { width: 640, height: 480 };
    assertRefusals(
      (request: never) => resolveFeedforwardSettings(request, photo, 1e8),
      [
        [null, 'request'],
        [{ style: 3 }, 'style'],
        [{ style: 'udnie', size: 1e300 }, 'size'],
        [{ style: 'udnie', tile: '256' }, 'tile'],
        [{ style: 'udnie', tile: 256, overlap: 1e300 }, 'overlap'],
      ],
    );
  });
});
