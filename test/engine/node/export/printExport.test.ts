import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { rgbImage } from '../../../../engine/common/image.js';
import { exportPrint } from '../../../../engine/node/export/printExport.js';

/** A 64×48 picture with a diagonal gradient, so resampling has something to smooth. */
function picture() {
  const data = new Uint8Array(64 * 48 * 3);
  for (let i = 0; i < 64 * 48; i++) data.set([(i % 64) * 4, Math.floor(i / 64) * 5, 128], i * 3);
  return rgbImage(64, 48, data);
}

describe('exportPrint', () => {
  for (const format of ['tiff', 'png', 'jpeg'] as const) {
    it(
      `writes a 10 cm wide print at 300 DPI as ${format}: 1181 px wide, its DPI and an sRGB profile in the ` + `file`,
      async () => {
        const file = await exportPrint(picture(), { width: 10, unit: 'cm', dpi: 300 }, { format });
        assert.deepEqual([file.width, file.height, file.dpi], [1181, 886, 300]);
        const meta = await sharp(file.bytes).metadata();
        assert.deepEqual([meta.format, meta.width, meta.height], [format, 1181, 886]);
        assert.equal(Math.round(meta.density ?? 0), 300, `${format} density ${meta.density}`);
        assert.match(meta.icc?.toString('latin1') ?? '', /s\0R\0G\0B/, 'an sRGB profile');
      },
    );
  }

  it('resamples smoothly rather than repeating pixels', async () => {
    const file = await exportPrint(picture(), { width: 640, unit: 'in', dpi: 1 }, { format: 'png' });
    const { data } = await sharp(file.bytes).raw().toBuffer({ resolveWithObject: true });
    // Along the first row red rises 4 per source pixel: over 40 print pixels (4 source pixels) a
    // smooth resampling takes about 16 values, repeating pixels (nearest neighbour) only 4 or 5.
    const reds = Array.from({ length: 40 }, (_, x) => data[(x + 100) * 3]);
    assert.ok(new Set(reds).size >= 12, `distinct reds along 40 pixels: ${new Set(reds).size}`);
  });
});
