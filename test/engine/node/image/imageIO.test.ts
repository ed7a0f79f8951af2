import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import sharp, { type Sharp } from 'sharp';
import { PasticheError } from '../../../../engine/common/errors.js';
import { rgbImage, type RgbImage } from '../../../../engine/common/image.js';
import {
  DEFAULT_MAX_PIXELS,
  decodeImage,
  encodeImage,
  maxPixelsFromEnv,
  outputFormatForPath,
  probeImage,
  readImage,
  resizeImage,
  writeImage,
} from '../../../../engine/node/image/imageIO.js';
import { withMaxPixelsEnv } from '../../../helpers/pixelLimit.js';

const folder = mkdtempSync(join(tmpdir(), 'pastiche-imageio-'));
after(() => rmSync(folder, { recursive: true, force: true }));

let fixtureCount = 0;
/** A fresh path in the test folder, so no test sees another's file. */
function fixturePath(name: string): string {
  return join(folder, `${++fixtureCount}-${name}`);
}

function fixtureFile(name: string, bytes: Uint8Array): string {
  const file = fixturePath(name);
  writeFileSync(file, bytes);
  return file;
}

/** A non-square image whose every byte differs from its neighbours, so swapped axes or channels show. */
function patternImage(width = 24, height = 16): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + ((i * i) >> 3)) & 0xff;
  return rgbImage(width, height, data);
}

/** A smooth image, the kind JPEG is made for, so its round trip error stays small. */
function gradientImage(width = 48, height = 32): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.set([Math.round((x * 255) / width), Math.round((y * 255) / height), 128], (y * width + x) * 3);
    }
  }
  return rgbImage(width, height, data);
}

function solidImage(width: number, height: number, rgb: readonly [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(rgb, i);
  return rgbImage(width, height, data);
}

function rawInput(image: RgbImage): Sharp {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
}

function pixel(image: RgbImage, x: number, y: number): number[] {
  const i = (y * image.width + x) * 3;
  return [...image.data.subarray(i, i + 3)];
}

function maxDifference(a: RgbImage, b: RgbImage): number {
  assert.deepEqual([a.width, a.height], [b.width, b.height]);
  return a.data.reduce((max, value, i) => Math.max(max, Math.abs(value - b.data[i])), 0);
}

/** Asserts a one-line PasticheError that starts with `subject` and states `problem`. */
async function assertRefused(promise: Promise<unknown>, subject: string, problem: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof PasticheError, `expected a PasticheError, got ${String(error)}`);
    assert.ok(error.message.startsWith(`${subject}: `), `message should start with the subject: ${error.message}`);
    assert.doesNotMatch(error.message, /\n/);
    assert.match(error.message, problem);
    return true;
  });
}

async function validJpegBytes(): Promise<Buffer> {
  return rawInput(patternImage(64, 48)).jpeg({ quality: 90 }).toBuffer();
}

describe('round trips', () => {
  test('PNG keeps every pixel exactly', async () => {
    const image = patternImage();
    const file = fixturePath('pattern.png');
    await writeImage(image, file);
    assert.deepEqual(await readImage(file), image);
  });

  test('TIFF keeps every pixel exactly', async () => {
    const image = patternImage();
    const file = fixturePath('pattern.tif');
    await writeImage(image, file);
    assert.deepEqual(await readImage(file), image);
  });

  test('TIFF is compressed: a flat image takes far less than its raw pixels', async () => {
    const image = solidImage(64, 64, [90, 60, 30]);
    const bytes = await encodeImage(image, { format: 'tiff' });
    assert.ok(bytes.length < image.data.length / 4, `${bytes.length} bytes for ${image.data.length} bytes of pixels`);
  });

  test('JPEG comes back close, at full chroma resolution', async () => {
    const image = gradientImage();
    const file = fixturePath('gradient.jpg');
    await writeImage(image, file);
    const back = await readImage(file);
    assert.ok(maxDifference(back, image) <= 8, `max difference ${maxDifference(back, image)}`);
    assert.equal((await sharp(file).metadata()).chromaSubsampling, '4:4:4');
  });

  test('lossless WebP reads back exactly', async () => {
    const image = patternImage();
    const file = fixtureFile('pattern.webp', await rawInput(image).webp({ lossless: true }).toBuffer());
    assert.deepEqual(await readImage(file), image);
  });

  test('encodeImage gives bytes decodeImage reads back', async () => {
    const image = patternImage();
    const bytes = await encodeImage(image, { format: 'png' });
    assert.deepEqual(await decodeImage(bytes, 'in-memory'), image);
  });
});

describe('reading', () => {
  test('longSide resizes a landscape image keeping its aspect', async () => {
    const file = fixtureFile(
      'landscape.png',
      await rawInput(solidImage(40, 20, [10, 120, 230]))
        .png()
        .toBuffer(),
    );
    const image = await readImage(file, { longSide: 10 });
    assert.deepEqual([image.width, image.height], [10, 5]);
    assert.deepEqual(pixel(image, 4, 2), [10, 120, 230]);
  });

  test('longSide resizes a portrait image keeping its aspect', async () => {
    const file = fixtureFile(
      'portrait.png',
      await rawInput(solidImage(20, 40, [10, 120, 230]))
        .png()
        .toBuffer(),
    );
    const image = await readImage(file, { longSide: 80 });
    assert.deepEqual([image.width, image.height], [40, 80]);
  });

  test('cover crops the centre to the asked aspect, then resizes to exactly that size', async () => {
    // Left and right thirds red, the middle third blue: a square crop of the centre is all blue.
    const source = solidImage(60, 20, [200, 0, 0]);
    for (let y = 0; y < 20; y++) for (let x = 20; x < 40; x++) source.data.set([0, 0, 200], (y * 60 + x) * 3);
    const file = fixtureFile('thirds.png', await rawInput(source).png().toBuffer());
    const image = await readImage(file, { cover: { width: 10, height: 10 } });
    assert.deepEqual([image.width, image.height], [10, 10]);
    // Away from the edges, where Lanczos blends in a little of the cropped red, the result is the middle's blue.
    for (const x of [2, 5, 7]) {
      const [r, g, b] = pixel(image, x, 5);
      assert.ok(r < 8 && g < 8 && Math.abs(b - 200) < 8, `pixel ${x} is the middle's blue, got ${[r, g, b]}`);
    }
  });

  test('longSide equal to the current size leaves pixels untouched', async () => {
    const image = patternImage();
    const file = fixtureFile('same.png', await encodeImage(image, { format: 'png' }));
    assert.deepEqual(await readImage(file, { longSide: 24 }), image);
  });

  test('EXIF orientation is applied, so the left half of a 90° photo ends up on top', async () => {
    const source = new Uint8Array(40 * 20 * 3);
    for (let y = 0; y < 20; y++) {
      for (let x = 0; x < 40; x++) source.set(x < 20 ? [255, 0, 0] : [0, 0, 255], (y * 40 + x) * 3);
    }
    const bytes = await rawInput(rgbImage(40, 20, source))
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const file = fixtureFile('rotated.jpg', bytes);
    const image = await readImage(file);
    assert.deepEqual([image.width, image.height], [20, 40]);
    const isRed = ([r, g, b]: number[]) => r > 200 && g < 50 && b < 50;
    const isBlue = ([r, g, b]: number[]) => r < 50 && g < 50 && b > 200;
    assert.ok(isRed(pixel(image, 0, 0)) && isRed(pixel(image, 19, 10)), 'top half should be the red left half');
    assert.ok(isBlue(pixel(image, 0, 39)) && isBlue(pixel(image, 19, 30)), 'bottom half should be the blue right half');
    assert.deepEqual(await probeImage(file), { width: 20, height: 40, format: 'jpeg' });
    const small = await readImage(file, { longSide: 10 });
    assert.deepEqual([small.width, small.height], [5, 10]);
  });

  test('transparency is flattened onto white', async () => {
    const rgba = new Uint8Array([0, 0, 0, 0, 10, 20, 30, 255, 0, 0, 0, 128]);
    const file = fixtureFile(
      'alpha.png',
      await sharp(rgba, { raw: { width: 3, height: 1, channels: 4 } })
        .png()
        .toBuffer(),
    );
    const image = await readImage(file);
    assert.deepEqual(pixel(image, 0, 0), [255, 255, 255]);
    assert.deepEqual(pixel(image, 1, 0), [10, 20, 30]);
    for (const value of pixel(image, 2, 0))
      assert.ok(Math.abs(value - 127) <= 2, `half-transparent black gave ${value}`);
  });

  test('a Display P3 photo is converted to sRGB through its ICC profile', async () => {
    // withIccProfile converts the sRGB pixels into P3 numbers and tags the file with the P3 profile.
    const colour = [200, 100, 50] as const;
    const file = fixtureFile(
      'p3.png',
      await rawInput(solidImage(4, 4, colour))
        .withIccProfile('p3')
        .png()
        .toBuffer(),
    );
    const stored = await sharp(file, { ignoreIcc: true }).raw().toBuffer();
    assert.ok(
      [0, 1, 2].some((c) => Math.abs(stored[c] - colour[c]) > 8),
      `the P3 numbers ${[...stored.subarray(0, 3)]} should differ from sRGB's`,
    );
    const image = await readImage(file);
    pixel(image, 1, 1).forEach((value, c) =>
      assert.ok(Math.abs(value - colour[c]) <= 2, `decoded ${pixel(image, 1, 1)}, expected about ${colour}`),
    );
  });

  test('a CMYK JPEG becomes RGB', async () => {
    const colour = [40, 120, 200] as const;
    const file = fixtureFile(
      'cmyk.jpg',
      await rawInput(solidImage(8, 8, colour))
        .toColourspace('cmyk')
        .jpeg({ quality: 100 })
        .toBuffer(),
    );
    assert.equal((await sharp(file).metadata()).space, 'cmyk');
    const image = await readImage(file);
    // Through libvips' generic CMYK profile both ways the colour shifts by up to ~20 (measured: 17, 2,
    // 19); CMY channels read as RGB would be roughly inverted, off by over 100 in red and blue.
    pixel(image, 4, 4).forEach((value, c) =>
      assert.ok(Math.abs(value - colour[c]) <= 25, `decoded ${pixel(image, 4, 4)}, expected about ${colour}`),
    );
  });

  test('greyscale becomes three equal channels', async () => {
    const grey = new Uint8Array([0, 77, 200, 255]);
    const file = fixtureFile(
      'grey.png',
      await sharp(grey, { raw: { width: 4, height: 1, channels: 1 } })
        .toColourspace('b-w')
        .png()
        .toBuffer(),
    );
    assert.equal((await sharp(file).metadata()).channels, 1);
    const image = await readImage(file);
    assert.deepEqual([...image.data], [0, 0, 0, 77, 77, 77, 200, 200, 200, 255, 255, 255]);
  });

  test('16-bit PNG becomes the matching 8-bit values', async () => {
    const levels = [0, 10, 77, 128, 200, 255];
    const samples = new Uint16Array(levels.map((v) => v * 257));
    const bytes = await sharp(samples, { raw: { width: 2, height: 1, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    const file = fixtureFile('deep.png', bytes);
    assert.equal((await sharp(file).metadata()).depth, 'ushort');
    assert.deepEqual([...(await readImage(file)).data], levels);
  });

  test('probeImage reports size and format without decoding', async () => {
    const file = fixtureFile('probe.webp', await rawInput(patternImage(30, 10)).webp().toBuffer());
    assert.deepEqual(await probeImage(file), { width: 30, height: 10, format: 'webp' });
  });
});

describe('refusing bad input', () => {
  test('an empty file', async () => {
    const file = fixtureFile('empty.jpg', new Uint8Array());
    await assertRefused(readImage(file), file, /file is empty$/);
  });

  test('garbage bytes with a .jpg name', async () => {
    const file = fixtureFile('garbage.jpg', new TextEncoder().encode('this is not a picture\n'.repeat(20)));
    await assertRefused(readImage(file), file, /not an image file \(or corrupt\)$/);
  });

  test('a truncated JPEG', async () => {
    const bytes = await validJpegBytes();
    const file = fixtureFile('truncated.jpg', bytes.subarray(0, bytes.length >> 1));
    await assertRefused(readImage(file), file, /corrupt or truncated$/);
  });

  test('a missing file', async () => {
    const file = join(folder, 'nowhere', 'missing.png');
    await assertRefused(readImage(file), file, /no such file$/);
    await assertRefused(probeImage(file), file, /no such file$/);
  });

  test('a folder instead of a file', async () => {
    const dir = fixturePath('folder.png');
    mkdirSync(dir);
    await assertRefused(readImage(dir), dir, /is a folder, not a file$/);
  });

  test('a GIF, naming its format and the supported ones', async () => {
    const file = fixtureFile('anim.gif', await rawInput(patternImage()).gif().toBuffer());
    const problem = /unsupported format 'gif' \(supported: JPEG, PNG, WebP, TIFF\)$/;
    await assertRefused(readImage(file), file, problem);
    await assertRefused(probeImage(file), file, problem);
  });

  test('an SVG and an AVIF, each by its own name', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>';
    const svgFile = fixtureFile('drawing.svg', new TextEncoder().encode(svg));
    await assertRefused(readImage(svgFile), svgFile, /unsupported format 'svg'/);
    const avifFile = fixtureFile('photo.avif', await rawInput(patternImage()).avif().toBuffer());
    await assertRefused(readImage(avifFile), avifFile, /unsupported format 'avif'/);
  });

  test('an image over the pixel limit passed in options', async () => {
    const file = fixtureFile('big.png', await rawInput(patternImage(30, 20)).png().toBuffer());
    await assertRefused(
      readImage(file, { maxPixels: 599 }),
      file,
      /30×20 pixels is over the limit of 599 \(set PASTICHE_MAX_PIXELS to raise it\)$/,
    );
    assert.equal((await readImage(file, { maxPixels: 600 })).width, 30);
  });

  test('an image over the pixel limit from PASTICHE_MAX_PIXELS', async () => {
    const file = fixtureFile('big-env.png', await rawInput(patternImage(30, 20)).png().toBuffer());
    await withMaxPixelsEnv('100', async () => {
      assert.equal(maxPixelsFromEnv(), 100);
      await assertRefused(readImage(file), file, /over the limit of 100 /);
      await assertRefused(probeImage(file), file, /over the limit of 100 /);
    });
  });

  test('decodeImage names the label it was given', async () => {
    await assertRefused(decodeImage(new Uint8Array([1, 2, 3]), 'upload #3'), 'upload #3', /not an image file/);
    await assertRefused(decodeImage(new Uint8Array(), 'upload #4'), 'upload #4', /file is empty$/);
  });
});

describe('maxPixelsFromEnv', () => {
  test('defaults to DEFAULT_MAX_PIXELS when unset or blank', async () => {
    await withMaxPixelsEnv('', () => assert.equal(maxPixelsFromEnv(), DEFAULT_MAX_PIXELS));
    assert.equal(DEFAULT_MAX_PIXELS, 100_000_000);
  });

  test('refuses a value that is not a positive whole number', async () => {
    for (const value of ['lots', '-5', '0', '1.5']) {
      await withMaxPixelsEnv(value, () =>
        assert.throws(maxPixelsFromEnv, (error: unknown) => {
          assert.ok(error instanceof PasticheError);
          assert.match(error.message, new RegExp(`^PASTICHE_MAX_PIXELS: .*'${value.replace('.', '\\.')}'$`));
          return true;
        }),
      );
    }
  });
});

describe('resizeImage', () => {
  test('gives exactly the size asked for, ignoring aspect', async () => {
    const resized = await resizeImage(solidImage(40, 20, [200, 30, 90]), 7, 13);
    assert.deepEqual([resized.width, resized.height], [7, 13]);
    assert.deepEqual(pixel(resized, 3, 6), [200, 30, 90]);
  });

  test('filters rather than picks pixels, so fine detail averages out', async () => {
    const stripes = new Uint8Array(40 * 4 * 3);
    for (let i = 0; i < stripes.length; i += 3) stripes.fill((i / 3) % 2 === 0 ? 0 : 255, i, i + 3);
    const resized = await resizeImage(rgbImage(40, 4, stripes), 20, 2);
    for (const value of pixel(resized, 10, 1)) assert.ok(Math.abs(value - 128) <= 16, `got ${value}`);
  });

  test('keeps the picture the right way round', async () => {
    const image = gradientImage(48, 32);
    const resized = await resizeImage(image, 24, 16);
    assert.ok(pixel(resized, 23, 0)[0] > pixel(resized, 0, 0)[0] + 150, 'red should grow to the right');
    assert.ok(pixel(resized, 0, 15)[1] > pixel(resized, 0, 0)[1] + 150, 'green should grow downwards');
  });
});

describe('writing', () => {
  test('outputFormatForPath knows the extensions in any case', () => {
    assert.equal(outputFormatForPath('a/b.png'), 'png');
    assert.equal(outputFormatForPath('b.JPG'), 'jpeg');
    assert.equal(outputFormatForPath('b.jpeg'), 'jpeg');
    assert.equal(outputFormatForPath('b.tif'), 'tiff');
    assert.equal(outputFormatForPath('b.TIFF'), 'tiff');
  });

  test('an unknown extension is refused, listing the supported ones', async () => {
    const file = fixturePath('picture.bmp');
    assert.throws(() => outputFormatForPath(file), /\.png \.jpg \.jpeg \.tif \.tiff/);
    await assertRefused(writeImage(patternImage(), file), file, /extension.*\.png \.jpg \.jpeg \.tif \.tiff/);
    assert.ok(!readdirSync(folder).some((name) => name.includes('picture.bmp')));
  });

  test('options.format overrides the extension', async () => {
    const file = fixturePath('really-a-png.dat');
    await writeImage(patternImage(), file, { format: 'png' });
    assert.equal((await sharp(file).metadata()).format, 'png');
  });

  test('exports carry an sRGB ICC profile', async () => {
    for (const name of ['icc.png', 'icc.tiff', 'icc.jpg']) {
      const file = fixturePath(name);
      await writeImage(gradientImage(), file);
      const { icc } = await sharp(file).metadata();
      assert.ok(icc && icc.length > 0, `${name} has no ICC profile`);
      // The profile's description is UTF-16: "sRGB" with a zero byte after each letter.
      assert.match(icc.toString('latin1'), /s\0R\0G\0B/, `${name}'s profile is not sRGB`);
    }
  });

  test('JPEG quality trades size for fidelity, and must be 1..100', async () => {
    const image = patternImage(64, 64);
    const low = await encodeImage(image, { format: 'jpeg', quality: 20 });
    const high = await encodeImage(image, { format: 'jpeg' });
    assert.ok(low.length < high.length, `quality 20 gave ${low.length} bytes, default gave ${high.length}`);
    await assertRefused(encodeImage(image, { format: 'jpeg', quality: 0 }), 'quality', /1 to 100, got 0$/);
    await assertRefused(encodeImage(image, { format: 'jpeg', quality: 101 }), 'quality', /1 to 100, got 101$/);
  });

  test('creates missing parent folders', async () => {
    const file = join(fixturePath('new'), 'deeper', 'out.png');
    await writeImage(patternImage(), file);
    assert.deepEqual(await readImage(file), patternImage());
  });

  test('replaces an existing file and leaves no temp file', async () => {
    const dir = fixturePath('replace');
    const file = join(dir, 'out.png');
    await writeImage(solidImage(4, 4, [1, 2, 3]), file);
    await writeImage(patternImage(), file);
    assert.deepEqual(await readImage(file), patternImage());
    assert.deepEqual(readdirSync(dir), ['out.png']);
  });

  test('a parent that is a file fails naming the output, leaving nothing behind', async () => {
    const dir = fixturePath('blocked');
    mkdirSync(dir);
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, 'x');
    for (const file of [join(blocker, 'out.png'), join(blocker, 'sub', 'out.png')]) {
      await assertRefused(
        writeImage(patternImage(), file),
        file,
        /cannot write \(part of the path is a file, not a folder\)$/,
      );
    }
    assert.deepEqual(readdirSync(dir), ['not-a-folder']);
    assert.equal(readFileSync(blocker, 'utf8'), 'x');
  });

  test('a failure after the temp file is written removes it', async () => {
    const dir = fixturePath('target-is-folder');
    const file = join(dir, 'out.png');
    mkdirSync(join(file, 'inside'), { recursive: true });
    await assertRefused(writeImage(patternImage(), file), file, /cannot write \(is a folder, not a file\)$/);
    assert.deepEqual(readdirSync(dir), ['out.png']);
    assert.deepEqual(readdirSync(file), ['inside']);
  });

  test('an image too large for the format is refused naming the file', async () => {
    const file = fixturePath('too-wide.jpg');
    await assertRefused(
      writeImage(solidImage(70_000, 1, [0, 0, 0]), file),
      file,
      /cannot encode a 70000×1 image as JPEG$/,
    );
    assert.ok(!readdirSync(folder).some((name) => name.includes('too-wide')));
  });
});
