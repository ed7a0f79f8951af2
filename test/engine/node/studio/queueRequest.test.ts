import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { openStudio } from '../../../../engine/node/studio/studio.js';

// Issue 13, item 6, on the path the studio records runs by: settings finite but too large for
// float32's losses are refused before anything is stored, naming the setting.
describe('queued requests refuse settings out of range before recording anything', () => {
  it('refuses 1e308 weights, rates and amplitudes of every kind of run, and records nothing', async () => {
    const studio = await openStudio({
      home: mkdtempSync(join(tmpdir(), 'pastiche-queue-request-')),
      backend: 'wasm',
      version: 'test',
    });
    try {
      const h = studio.handlers;
      const bytes = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#e93' } })
        .png()
        .toBuffer();
      const image = await h['images.add']({ name: 'waves.png', bytes });
      const stylize = { project: 'bounds', contentImageId: image.id, styleImageIds: [image.id] };
      await assert.rejects(
        async () => h['runs.queue']({ ...stylize, settings: { styleWeight: 1e308 } }),
        /^PasticheError: style-weight: must be at most 1000000000000, got 1e\+308$/,
      );
      await assert.rejects(
        async () => h['runs.queue']({ ...stylize, settings: { contentWeight: 1e13 } }),
        /^PasticheError: content-weight: must be at most/,
      );
      await assert.rejects(
        async () => h['runs.queue']({ ...stylize, settings: { iterations: 1e300 } }),
        /^PasticheError: iterations: must be a whole number ≥ 0, got 1e\+300$/,
      );
      await assert.rejects(
        async () =>
          h['runs.generate']({ project: 'bounds', settings: { generator: { kind: 'sparse', amplitude: 1e308 } } }),
        /^PasticheError: amplitude: must be at most 100000000/,
      );
      assert.deepEqual(await h['runs.list']({}), [], 'refused requests record nothing');
    } finally {
      await studio.close();
    }
  });
});
