import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { randomCheckpoint, writeCheckpoint } from '../../../helpers/fastStyle.js';
import { cliSandbox } from '../../../helpers/cli.js';
import { maxAbsDifference, useTestBackend } from '../../../helpers/tf.js';
import { transformerNetwork } from '../../../../engine/common/fast/transformerNetwork.js';
import { imageToTensor } from '../../../../engine/common/imageTensor.js';
import { readDeeplearnCheckpoint } from '../../../../engine/node/fast/deeplearnCheckpoint.js';
import { readImage } from '../../../../engine/node/image/imageIO.js';

await useTestBackend();
const { files, pastiche, json } = cliSandbox();

/** A photo-like picture: a sky gradient, a sun and a dark block. */
async function picture(name: string, width: number, height: number): Promise<string> {
  const file = join(files, name);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><linearGradient ` +
    `id="g"><stop offset="0" stop-color="#248"/><stop offset="1" stop-color="#fc6"/></linearGradient></defs><rect ` +
    `width="100%" height="100%" fill="url(#g)"/><circle cx="${width / 3}" cy="${height / 2}" r="${height / 4}" ` +
    `fill="#fff"/><rect x="${width / 2}" y="4" width="${width / 5}" height="${height - 8}" fill="#123"/></svg>`;
  await sharp(Buffer.from(svg)).toFile(file);
  return file;
}

const photo = await picture('harbour.jpg', 120, 80);
const strip = await picture('strip.png', 352, 40);
const checkpoint = writeCheckpoint(join(files, 'speckle'), randomCheckpoint(21));

/** The JSON lines a successful --json command printed. */
function events(...args: string[]) {
  const result = pastiche(...args, '--json');
  assert.equal(result.code, 0, result.stderr);
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('pastiche styles and pastiche fast', () => {
  it(
    'imports a checkpoint, lists it, paints with it in ' + 'one piece and records the run with the style’s digest',
    async () => {
      const imported = pastiche('styles', 'import', checkpoint, '--name', 'speckle');
      assert.equal(imported.code, 0, imported.stderr);
      assert.equal(imported.stderr, '', 'no TensorFlow.js banner');
      const [style] = json('styles');
      assert.deepEqual([style.name, style.source, style.origin], ['speckle', 'deeplearn', checkpoint]);

      const out = join(files, 'speckled.jpg');
      const printed = events(
        'fast',
        '--model',
        'speckle',
        '--content',
        photo,
        '--out',
        out,
        '--size',
        '48',
        '--project',
        'harbour',
      );
      assert.deepEqual(
        printed.map((e) => e.event),
        ['start', 'tile', 'done'],
      );
      const done = printed.at(-1);
      assert.deepEqual([done.style, done.width, done.height, done.tile, done.output], ['speckle', 48, 32, 0, out]);
      const meta = await sharp(out).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 48, 32]);

      const shown = json('show', String(done.runId));
      assert.deepEqual(
        [shown.kind, shown.status, shown.backend, shown.project],
        ['feedforward', 'done', 'wasm', 'harbour'],
      );
      assert.deepEqual(shown.settings, { style: 'speckle', size: 48, width: 48, height: 32, tile: 0, overlap: 0 });
      assert.equal(shown.weightsSha256, style.weightsSha256);
      assert.deepEqual(
        shown.outputs.map((o: { kind: string }) => o.kind),
        ['result'],
      );
      assert.match(
        pastiche('runs', '--project', 'harbour').stdout,
        /feedforward\s+harbour\s+done\s+speckle\s+photo\s+48×32/,
      );
    },
  );

  it(
    'paints in tiles with a progress event per tile the picture the ' +
      'network makes untiled, and records a folder used directly by its path',
    async () => {
      const printed = events(
        'fast',
        '--model',
        checkpoint,
        '--content',
        strip,
        '--out',
        join(files, 'tiled.png'),
        '--full',
        '--tile',
        '224',
      );
      assert.deepEqual(
        printed.map((e) => e.event),
        ['start', 'statistics', 'tile', 'tile', 'tile', 'done'],
      );
      assert.deepEqual(printed[1], { event: 'statistics', width: 352, height: 40 });
      assert.deepEqual(
        printed.filter((e) => e.event === 'tile').map((e) => `${e.done}/${e.total}`),
        ['1/3', '2/3', '3/3'],
      );
      const shown = json('show', String(printed.at(-1).runId));
      assert.deepEqual(shown.settings, {
        style: checkpoint,
        size: null,
        width: 352,
        height: 40,
        tile: 224,
        overlap: 112,
      });
      // The file written is the network's picture (computed here in one piece), not merely a picture of the right size.
      const network = transformerNetwork(await readDeeplearnCheckpoint(checkpoint));
      const input = imageToTensor(await readImage(strip));
      const expected = network.stylize(input);
      const written = await readImage(join(files, 'tiled.png'));
      const difference = maxAbsDifference(written.data, Array.from(expected.dataSync(), Math.round));
      tf.dispose([input, expected]);
      network.dispose();
      assert.ok(difference <= 1, `the tiled file is ${difference} grey levels from the untiled picture`);
    },
  );

  it('prints a tile count on a terminal-less stderr', () => {
    const result = pastiche(
      'fast',
      '--model',
      'speckle',
      '--content',
      photo,
      '--out',
      join(files, 'plain.png'),
      '--size',
      '32',
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(
        String.raw`^Run \d+ · project 'harbour' · 32×21 · one piece\nBackend: wasm.*\nStyle: speckle ` +
          String.raw`\(deeplearn, from .*speckle, weights sha256 [0-9a-f]{12}…\)\ntile 1\/1\nDone: .*plain\.png`,
      ),
    );
  });

  it('refuses bad input with one line, a non-zero exit, and nothing stored', () => {
    const before = json('runs').length;
    const notAStyle = join(files, 'empty-folder');
    mkdirSync(notAStyle, { recursive: true });
    const corrupt = join(files, 'corrupt.jpg');
    writeFileSync(corrupt, 'not a jpeg at all');
    const cases: Array<[string[], RegExp]> = [
      [['--model', 'nonesuch'], /^pastiche: nonesuch: no such style \(the library holds speckle;/],
      [['--model', notAStyle], /empty-folder: not a style network/],
      [['--content', corrupt], /corrupt\.jpg: /],
      [['--size', '48', '--full'], /--full: give --size or --full, not both/],
      [['--size', '-3'], /--size: expected a whole number/],
      [['--tile', '100'], /tile: tiles of 100 px cannot hold two overlaps of 112 px/],
      [['--size', '20000'], /size: a result of 20000×13333 pixels is over the limit of 100000000 /],
      [['--out', join(files, 'result.bmp')], /result\.bmp: cannot tell the image format/],
    ];
    for (const [override, message] of cases) {
      const args = new Map<string, string | null>([
        ['--model', 'speckle'],
        ['--content', photo],
        ['--out', join(files, 'x.png')],
      ]);
      for (let i = 0; i < override.length; i++) {
        const value = override[i + 1];
        if (value === undefined || value.startsWith('--')) args.set(override[i], null);
        else args.set(override[i], override[++i]);
      }
      const result = pastiche('fast', ...[...args].flatMap(([k, v]) => (v === null ? [k] : [k, v])));
      assert.notEqual(result.code, 0, `${override.join(' ')} should fail`);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line for ${override.join(' ')}: ${result.stderr}`);
      assert.match(lines[0], message);
    }
    assert.equal(json('runs').length, before, 'no run was recorded');
    const taken = pastiche('styles', 'import', checkpoint, '--name', 'speckle');
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /^pastiche: speckle: a style of that name is already in .*\n$/);
  });
});
