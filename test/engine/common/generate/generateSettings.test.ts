import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  GENERATE_DEFAULTS,
  resolveGenerateSettings,
  type GivenGenerateSettings,
} from '../../../../engine/common/generate/generateSettings.js';

const given = (extra: Partial<GivenGenerateSettings> = {}): GivenGenerateSettings => ({
  generator: { kind: 'sparse' },
  ...extra,
});

describe('resolveGenerateSettings', () => {
  it('fills every default and keeps exactly the settings’ fields, the generator’s too', () => {
    const settings = resolveGenerateSettings({ ...given(), stray: 1 } as GivenGenerateSettings);
    assert.deepEqual(settings, {
      ...GENERATE_DEFAULTS,
      optimizer: { name: 'lbfgs', historySize: 100 },
      generator: { kind: 'sparse', seed: 0, redraw: false, layers: ['conv1_1'], amplitude: 100, sparsity: 0.9 },
    });
    const single = resolveGenerateSettings({
      generator: { kind: 'single', layer: 'conv3_1', entry: { row: 1, column: 2, extra: true } as never, seed: 5 },
    }).generator;
    assert.deepEqual(single, {
      kind: 'single',
      seed: 5,
      redraw: false,
      layer: 'conv3_1',
      entry: { row: 1, column: 2 },
      amplitude: 100,
    });
  });

  it('takes Adam for targets re-drawn at every iteration, and refuses L-BFGS for them', () => {
    assert.equal(resolveGenerateSettings(given({ generator: { kind: 'mimic', redraw: true } })).optimizer.name, 'adam');
    assert.throws(
      () =>
        resolveGenerateSettings(
          given({ generator: { kind: 'mimic', redraw: true }, optimizer: { name: 'lbfgs', historySize: 10 } }),
        ),
      /^PasticheError: optimizer: targets re-drawn at every iteration change the objective at every step/,
    );
  });

  it('refuses, naming the setting, what cannot be drawn', () => {
    const refused: Array<[GivenGenerateSettings, RegExp]> = [
      [
        given({ generator: { kind: 'sparse', layers: ['conv4_2'] } }),
        /^layers: 'conv4_2' is not one of the run's style layers \(conv1_1, conv2_1, conv3_1, conv4_1, conv5_1\)/,
      ],
      [given({ generator: { kind: 'sparse', layers: [] } }), /^layers: must name at least one layer/],
      [given({ generator: { kind: 'sparse', layers: ['conv1_1', 'conv1_1'] } }), /^layers: names a layer twice/],
      [given({ generator: { kind: 'sparse', sparsity: 1 } }), /^sparsity: must be in \[0, 1\), got 1/],
      [given({ generator: { kind: 'sparse', amplitude: 0 } }), /^amplitude: must be a positive number, got 0/],
      [
        given({ generator: { kind: 'single', entry: { row: 1, column: 2 }, redraw: true } }),
        /^redraw: re-draws the entry at each iteration, so no entry may be given/,
      ],
      [
        given({ generator: { kind: 'single', entry: { row: -1, column: 2 } } }),
        /^entry row: must be a whole number ≥ 0, got -1/,
      ],
      [given({ generator: { kind: 'single', seed: 1.5 } }), /^seed: must be a whole number ≥ 0, got 1.5/],
      [
        given({ generator: { kind: 'painting' } as never }),
        /^generator: must be one of single, sparse, mimic, got 'painting'/,
      ],
      [given({ width: 0 }), /^width: must be a whole number > 0, got 0/],
      [given({ height: 9000 }), /^size: must be at most 8192 px a side, got 256×9000/],
      [given({ styleLayers: [] }), /^style-layers: no style layers: nothing to generate/],
    ];
    for (const [settings, error] of refused)
      assert.throws(
        () => resolveGenerateSettings(settings),
        (e: Error) => error.test(e.message),
        String(error),
      );
  });
});
