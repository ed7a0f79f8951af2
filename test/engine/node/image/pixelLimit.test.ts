import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { resolveGenerateSettings } from '../../../../engine/common/generate/generateSettings.js';
import { rgbImage, type RgbImage } from '../../../../engine/common/image.js';
import { resolveSettings } from '../../../../engine/common/stylize/settings.js';
import type { PictureStylizer } from '../../../../engine/common/fast/pictureStylizer.js';
import { contactSheet } from '../../../../engine/node/export/contactSheet.js';
import { exportPrint } from '../../../../engine/node/export/printExport.js';
import { paintPicture } from '../../../../engine/node/fast/paintPicture.js';
import { decodeImage, encodeImage, resizeImage } from '../../../../engine/node/image/imageIO.js';
import { enqueueGenerate } from '../../../../engine/node/runs/generateRun.js';
import { enqueueStylize } from '../../../../engine/node/runs/stylizeRun.js';
import { openRunStore } from '../../../../engine/node/store/runStore.js';
import { assertOneLineRefusal } from '../../../helpers/fuzz.js';
import { withMaxPixelsEnv } from '../../../helpers/pixelLimit.js';

// Issue 13, item 4: every picture the product decodes or makes obeys PASTICHE_MAX_PIXELS, refused
// before the work at that size starts, in one line naming the file or option.

const grey = (width: number, height: number): RgbImage =>
  rgbImage(width, height, new Uint8Array(width * height * 3).fill(120));
const folder = mkdtempSync(join(tmpdir(), 'pastiche-pixel-limit-'));
const photo = join(folder, 'photo.png');
await sharp({ create: { width: 30, height: 20, channels: 3, background: '#468' } })
  .png()
  .toFile(photo);

async function assertOverLimit(work: Promise<unknown>, subject: string): Promise<void> {
  await assert.rejects(work, (error: unknown) => {
    assertOneLineRefusal(error, subject);
    assert.match((error as Error).message, /pixels is over the limit of \d+ \(set PASTICHE_MAX_PIXELS to raise it\)$/);
    return true;
  });
}

describe('the pixel limit applies to every picture made (PASTICHE_MAX_PIXELS)', () => {
  it('refuses decoding a photo resized beyond the limit (--size), naming the file', async () => {
    const bytes = await sharp(photo).toBuffer();
    await withMaxPixelsEnv('1000', async () => {
      assert.equal((await decodeImage(bytes, photo, { longSide: 30 })).width, 30, '600 pixels decode');
      await assertOverLimit(decodeImage(bytes, photo, { longSide: 60 }), photo);
      await assertOverLimit(decodeImage(bytes, photo, { cover: { width: 40, height: 40 } }), photo);
    });
  });

  it('refuses resampling to and encoding a picture over the limit', async () => {
    await withMaxPixelsEnv('1000', async () => {
      await assertOverLimit(resizeImage(grey(10, 10), 50, 50, 'the init image'), 'the init image');
      await assertOverLimit(encodeImage(grey(40, 40), { format: 'png' }, 'run 3 result'), 'run 3 result');
    });
  });

  it('refuses a print over the limit before resampling it, even the largest one printPixels allows', async () => {
    await withMaxPixelsEnv('10000', async () => {
      await assertOverLimit(exportPrint(grey(40, 30), { width: 2, unit: 'in', dpi: 100 }, { format: 'png' }), 'print');
    });
    // 60000 × 45000 pixels: within 65535 a side, 27 GB as floats; refused at once, with the default limit.
    await assert.rejects(
      exportPrint(grey(40, 30), { width: 100, height: 100, unit: 'in', dpi: 600 }, { format: 'tiff' }),
      /^PasticheError: print: 100 in wide at 600 DPI: 60000×45000 pixels is over the limit of 100000000 /,
    );
  });

  it('refuses a contact sheet over the limit before resizing its cells', async () => {
    const layout = { cellSize: 256, rowLabels: ['a', 'b', 'c'], columnLabels: ['x', 'y', 'z'] };
    await withMaxPixelsEnv('100000', async () => {
      await assertOverLimit(
        contactSheet([{ row: 0, column: 0, image: grey(8, 8) }], layout, { format: 'png' }),
        'contact sheet',
      );
    });
  });

  it('refuses painting a fast-style result over the limit before its first tile', async () => {
    const untouchable = new Proxy({}, { get: () => assert.fail('the network was used') }) as PictureStylizer;
    const settings = { style: 'udnie', size: null, width: 40, height: 40, tile: 0, overlap: 0 };
    await withMaxPixelsEnv('1000', async () =>
      assertOverLimit(paintPicture(untouchable, grey(40, 40), settings), 'size'),
    );
  });

  it('refuses a generation or a stylization over the limit before anything is stored', async () => {
    const store = openRunStore(mkdtempSync(join(tmpdir(), 'pastiche-pixel-limit-home-')));
    try {
      await withMaxPixelsEnv('1000', async () => {
        const settings = resolveGenerateSettings({
          width: 40,
          height: 40,
          styleLayers: [{ layer: 'conv1_1', weight: 1 }],
          generator: { kind: 'sparse' },
        });
        await assertOverLimit(enqueueGenerate(store, { project: 'limits', settings }), 'size');
        const stylize = resolveSettings({
          size: 60,
          contentLayers: ['conv1_1'],
          styleLayers: [{ layer: 'conv1_1', weight: 1 }],
        });
        await assertOverLimit(
          enqueueStylize(store, { project: 'limits', contentFile: photo, styleFiles: [photo], settings: stylize }),
          photo,
        );
      });
      assert.deepEqual(store.listRuns(), [], 'nothing was recorded');
    } finally {
      store.close();
    }
  });
});
