import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MAX_LOCAL_RADIUS,
  NEURAL_STYLE_DEFAULTS,
  resolveSettings,
  styleRepresentationText,
  styleWorkingSize,
} from '../../../../engine/common/stylize/settings.js';

describe('style representation settings', () => {
  it('stores parameters that do not apply to the representation at their defaults', () => {
    const spatial = resolveSettings({ styleRepr: 'spatial', localRadius: 3, gramMix: 0.4 });
    assert.deepEqual([spatial.styleRepr, spatial.localRadius, spatial.gramMix], ['spatial', 0, 0.4]);
    const gram = resolveSettings({ styleRepr: 'gram', localRadius: 3, gramMix: 0.4 });
    assert.deepEqual([gram.localRadius, gram.gramMix], [0, 0]);
    const local = resolveSettings({ styleRepr: 'local', localRadius: 3, gramMix: 0.4 });
    assert.deepEqual([local.localRadius, local.gramMix], [3, 0.4]);
    assert.deepEqual(
      [NEURAL_STYLE_DEFAULTS.styleRepr, NEURAL_STYLE_DEFAULTS.localRadius, NEURAL_STYLE_DEFAULTS.gramMix],
      ['gram', 0, 0],
    );
  });

  it('refuses what the representations cannot do, naming the setting', () => {
    assert.throws(
      () => resolveSettings({ styleRepr: 'spatial', styleScale: 0.5 }),
      /style-scale: spatial style compares the images position by position.*got 0\.5/,
    );
    assert.throws(
      () => resolveSettings({ styleRepr: 'local', localRadius: MAX_LOCAL_RADIUS + 1 }),
      /local-radius: must be at most 8/,
    );
    assert.throws(
      () => resolveSettings({ styleRepr: 'local', localRadius: 1.5 }),
      /local-radius: must be a whole number/,
    );
    assert.throws(
      () => resolveSettings({ styleRepr: 'local', gramMix: 1.2 }),
      /gram-mix: must be between 0 and 1, got 1\.2/,
    );
    assert.throws(
      () => resolveSettings({ styleRepr: 'fourier' as never }),
      /style-repr: must be one of gram, spatial, local, got 'fourier'/,
    );
  });

  it("works paintings at their own aspect for Gram statistics and at the photo's exact size otherwise", () => {
    const painting = { width: 300, height: 200 };
    const photo = { width: 64, height: 96 };
    assert.deepEqual(styleWorkingSize({ size: 96, styleScale: 0.5, styleRepr: 'gram' }, painting, photo), {
      width: 48,
      height: 32,
      fit: 'inside',
    });
    assert.deepEqual(styleWorkingSize({ size: 96, styleScale: 1, styleRepr: 'spatial' }, painting, photo), {
      width: 64,
      height: 96,
      fit: 'cover',
    });
    assert.deepEqual(styleWorkingSize({ size: 96, styleScale: 1, styleRepr: 'local' }, painting, photo), {
      width: 64,
      height: 96,
      fit: 'cover',
    });
  });

  it('describes the representation with the parameters that apply', () => {
    assert.equal(
      styleRepresentationText({ styleRepr: 'gram', localRadius: 0, gramMix: 0 }),
      'Gram matrices (texture anywhere)',
    );
    assert.equal(
      styleRepresentationText({ styleRepr: 'local', localRadius: 2, gramMix: 0.3 }),
      'local correlations (texture where it is), radius 2, 30 % Gram',
    );
    assert.equal(
      styleRepresentationText({ styleRepr: 'spatial', localRadius: 0, gramMix: 0 }),
      'autocorrelation (texture and its spacing)',
    );
  });
});
