import assert from 'node:assert/strict';
import { linkSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { cliSandbox } from '../../../helpers/cli.js';

// Issue 13, item 7: --out may not be one of the run's own inputs, however it is spelt, nor a folder.
const { files, pastiche, json } = cliSandbox();
const photo = join(files, 'photo.jpg');
const painting = join(files, 'painting.png');
await sharp({ create: { width: 24, height: 16, channels: 3, background: '#c84' } })
  .jpeg()
  .toFile(photo);
await sharp({ create: { width: 16, height: 16, channels: 3, background: '#36a' } })
  .png()
  .toFile(painting);
symlinkSync(photo, join(files, 'link-to-photo.jpg'));
linkSync(painting, join(files, 'hard-link-to-painting.png'));
mkdirSync(join(files, 'folder.png'));
mkdirSync(join(files, 'sub'));
const styleFolder = join(files, 'my-style');
mkdirSync(styleFolder);

/** The command fails with one line naming --out, and leaves both inputs as they were. */
function assertRefused(args: string[], message: RegExp): void {
  const before = [readFileSync(photo), readFileSync(painting)];
  const result = pastiche(...args);
  assert.notEqual(result.code, 0, `${args.join(' ')} should fail`);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line for ${args.join(' ')}: ${result.stderr}`);
  assert.match(lines[0], message);
  assert.deepEqual([readFileSync(photo), readFileSync(painting)], before, 'the inputs are untouched');
}

const stylize = (out: string) => [
  'stylize',
  '--content',
  photo,
  '--style',
  painting,
  '--out',
  out,
  '--size',
  '16',
  '--iterations',
  '1',
];

describe('--out', () => {
  it("refuses a stylization's own photo or painting, by any spelling, link or hard link", () => {
    const ownInput = /^pastiche: --out: is the run's own input .*: the result would replace it; choose another file$/;
    assertRefused(stylize(photo), ownInput);
    assertRefused(stylize(join(files, 'sub', '..', 'photo.jpg')), ownInput);
    assertRefused(stylize(join(files, 'link-to-photo.jpg')), ownInput);
    assertRefused(stylize(join(files, 'hard-link-to-painting.png')), ownInput);
    assertRefused([...stylize(join(files, 'init.png')).slice(0, -4), '--init', photo, '--out', photo], ownInput);
    assert.deepEqual(json('runs'), [], 'no run was recorded');
  });

  it('refuses an existing folder, and a file inside a folder the run reads', () => {
    assertRefused(stylize(join(files, 'folder.png')), /^pastiche: --out: is a folder: give the file to write/);
    assertRefused(
      ['fast', '--model', styleFolder, '--content', photo, '--out', join(styleFolder, 'weights.png')],
      /^pastiche: --out: is inside .*my-style, which the run reads/,
    );
  });

  it('refuses the photo of a fast run and the painting a generation mimics', () => {
    assertRefused(['fast', '--model', 'udnie', '--content', photo, '--out', photo], /--out: is the run's own input/);
    assertRefused(
      [
        'generate',
        '--generator',
        'mimic',
        '--style',
        painting,
        '--out',
        join(files, 'hard-link-to-painting.png'),
        '--size',
        '16',
        '--iterations',
        '1',
      ],
      /--out: is the run's own input/,
    );
    assert.deepEqual(json('runs'), [], 'no run was recorded');
  });
});
