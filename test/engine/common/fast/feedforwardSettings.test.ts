import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveFeedforwardSettings } from '../../../../engine/common/fast/feedforwardSettings.js';

const LIMIT = 100_000_000;
const photo = { width: 4000, height: 3000 };
const settingsFor = (request: Parameters<typeof resolveFeedforwardSettings>[0], size = photo) =>
  resolveFeedforwardSettings(request, size, LIMIT);

describe('feed-forward settings', () => {
  it('default to stylize’s 512 px long side, never enlarging a smaller photo, in one piece', () => {
    assert.deepEqual(settingsFor({ style: 'udnie' }), {
      style: 'udnie',
      size: 512,
      width: 512,
      height: 384,
      tile: 0,
      overlap: 0,
    });
    assert.deepEqual(settingsFor({ style: 'udnie' }, { width: 300, height: 200 }), {
      style: 'udnie',
      size: 300,
      width: 300,
      height: 200,
      tile: 0,
      overlap: 0,
    });
  });

  it(
    'tile a picture of more than a megapixel in 512 px tiles ' + 'overlapping by 112 px; a smaller one only when asked',
    () => {
      assert.deepEqual(settingsFor({ style: 'udnie', size: null }), {
        style: 'udnie',
        size: null,
        width: 4000,
        height: 3000,
        tile: 512,
        overlap: 112,
      });
      // Where onnxruntime computes, the run's default tiles are larger (NATIVE_DEFAULT_TILE).
      assert.equal(resolveFeedforwardSettings({ style: 'udnie', size: null }, photo, LIMIT, 1024).tile, 1024);
      assert.deepEqual(settingsFor({ style: 'udnie', size: 1024 }), {
        style: 'udnie',
        size: 1024,
        width: 1024,
        height: 768,
        tile: 0,
        overlap: 0,
      });
      assert.deepEqual(settingsFor({ style: 'udnie', size: 1024, tile: 512 }), {
        style: 'udnie',
        size: 1024,
        width: 1024,
        height: 768,
        tile: 512,
        overlap: 112,
      });
      assert.deepEqual(settingsFor({ style: 'udnie', size: 1024, tile: 514, overlap: 30 }).tile, 512);
      assert.deepEqual(settingsFor({ style: 'udnie', size: 1024, tile: 514, overlap: 30 }).overlap, 32);
      assert.deepEqual(settingsFor({ style: 'udnie', size: 400, tile: 512 }), {
        style: 'udnie',
        size: 400,
        width: 400,
        height: 300,
        tile: 0,
        overlap: 0,
      });
    },
  );

  it('refuses a result over the pixel limit, a size that is no size, and tiles that cannot hold their overlaps', () => {
    assert.throws(
      () => resolveFeedforwardSettings({ style: 'udnie', size: 20000 }, photo, LIMIT),
      /^PasticheError: size: a result of 20000×15000 pixels is over the limit of 100000000 /,
    );
    assert.throws(() => settingsFor({ style: 'udnie', size: 0 }), /size: must be a whole number of pixels above 0/);
    assert.throws(
      () => settingsFor({ style: 'udnie', size: null, tile: 128, overlap: 112 }),
      /tile: tiles of 128 px cannot hold two overlaps of 112 px/,
    );
    assert.throws(
      () => settingsFor({ style: 'udnie', size: null, tile: 0 }),
      new RegExp(
        String.raw`tile: one pass takes at most 1024×1024 px \(what wasm's ` +
          String.raw`memory holds\); 4000×3000 needs tiles of at most 1024 px`,
      ),
    );
    assert.throws(
      () => settingsFor({ style: 'udnie', size: null, tile: 2048 }),
      /tile: one pass takes at most 1024×1024 px/,
    );
    assert.equal(settingsFor({ style: 'udnie', size: 1024, tile: 0 }).tile, 0);
  });
});
