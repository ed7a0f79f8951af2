import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp, { type Sharp } from 'sharp';
import { decodeImage } from '../../../../engine/node/image/imageIO.js';
import { fuzzFormat, fuzzRuns, mutatedBytes } from '../../../helpers/fuzz.js';
import { SHARED, sharedSkipReason } from '../../../helpers/shared.js';

// Issue 13: every image format the product reads, damaged — decodeImage returns an image within the
// pixel limit, or refuses in one line naming the file, in bounded time and memory.

const LABEL = 'fuzzed.img';
/** Low, so that a flipped bit in a header's width or height meets the limit rather than memory. */
const MAX_PIXELS = 250_000;

/** A 64×48 picture with edges and a gradient, so every codec has structure to encode. */
function pattern(width = 64, height = 48, channels: 3 | 4 = 3): Sharp {
  const data = Buffer.alloc(width * height * channels);
  for (let i = 0; i < width * height; i++) {
    data[i * channels] = (i % width) * 4;
    data[i * channels + 1] = Math.floor(i / width) * 5;
    data[i * channels + 2] = (i * 7) % 256;
    if (channels === 4) data[i * channels + 3] = i % 3 === 0 ? 0 : 255;
  }
  return sharp(data, { raw: { width, height, channels } });
}

async function generatedSeeds(): Promise<Uint8Array[]> {
  return Promise.all([
    pattern().png().toBuffer(),
    pattern(64, 48, 4).png({ palette: true }).toBuffer(),
    pattern().toColourspace('rgb16').png().toBuffer(),
    pattern().jpeg({ quality: 80 }).toBuffer(),
    pattern().jpeg({ progressive: true }).withMetadata({ orientation: 6 }).toBuffer(),
    pattern().greyscale().jpeg().toBuffer(),
    pattern().tiff({ compression: 'lzw' }).toBuffer(),
    pattern(64, 48, 4).tiff({ compression: 'deflate' }).toBuffer(),
    pattern().webp({ quality: 70 }).toBuffer(),
    pattern(64, 48, 4).webp({ lossless: true }).toBuffer(),
  ]);
}

/** Two of the real photos, downscaled (real JPEG structure: EXIF, Huffman tables, restart markers). */
async function realSeeds(): Promise<Uint8Array[]> {
  const photos = ['images/content/tubingen.jpg', 'images/content/statue_of_liberty.jpg']
    .map((name) => join(SHARED, name))
    .filter(existsSync);
  return Promise.all(photos.map((photo) => sharp(photo).resize(96).keepMetadata().jpeg({ quality: 85 }).toBuffer()));
}

describe('image decoding under fuzzing', () => {
  it(
    'decodes damaged PNG, JPEG, TIFF and WebP into a picture within the limit, or refuses in one line naming the ' +
      'file',
    async () => {
      const real = await realSeeds();
      if (real.length === 0) sharedSkipReason('images/content/tubingen.jpg');
      const seeds = [...(await generatedSeeds()), ...real];
      await fuzzFormat(
        'images',
        mutatedBytes(seeds),
        async (bytes) => {
          const image = await decodeImage(bytes, LABEL, { maxPixels: MAX_PIXELS });
          assert.ok(image.width * image.height <= MAX_PIXELS, `${image.width}×${image.height} is over the limit`);
          assert.equal(image.data.length, image.width * image.height * 3);
          // At a working size too, as every run decodes its inputs.
          const sized = await decodeImage(bytes, LABEL, { maxPixels: MAX_PIXELS, longSide: 32 });
          assert.equal(Math.max(sized.width, sized.height), 32);
        },
        { runs: fuzzRuns(250), caseTimeoutMs: 5_000, maxRssGrowthBytes: 512 * 1024 ** 2, subject: () => LABEL },
      );
    },
  );
});
