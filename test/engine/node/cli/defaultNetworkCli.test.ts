import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { cliSandbox } from '../../../helpers/cli.js';
import { writeVggBlock1 } from '../../../helpers/layersModels.js';
import { useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();
// A data folder of its own, on the product's catalogue: nothing installed at first.
const { files, pastiche, json } = cliSandbox();
const photo = join(files, 'photo.png');
const painting = join(files, 'painting.png');
await sharp({ create: { width: 24, height: 16, channels: 3, background: '#c84' } })
  .png()
  .toFile(photo);
await sharp({ create: { width: 16, height: 16, channels: 3, background: '#36a' } })
  .png()
  .toFile(painting);

const ADVICE = new RegExp(
  String.raw`^pastiche: no pretrained network installed; painting with vgg19-random \(random weights, weaker\)\. ` +
    String.raw`For better pictures: .*'pastiche models install vgg19' \(80 MB\)\.$`,
);
/** stderr's lines that are the advice. */
const adviceLines = (stderr: string) =>
  stderr.split('\n').filter((line) => line.startsWith('pastiche: no pretrained network installed'));
const small = ['--size', '16', '--iterations', '1', '--content-layers', 'conv1_2', '--style-layers', 'conv1_1'];
/** `stylize` of the test photo in the test painting's style into files/OUT, then `rest`. */
const stylize = (out: string, ...rest: string[]) =>
  pastiche('stylize', '--content', photo, '--style', painting, '--out', join(files, out), ...rest);

describe('the CLI without --network', () => {
  it('paints with the generated network when no pretrained one is installed, advising once on stderr', () => {
    const result = stylize('random.png', ...small, '--json');
    assert.equal(result.code, 0, result.stderr);
    const advice = adviceLines(result.stderr);
    assert.equal(advice.length, 1, result.stderr);
    assert.match(advice[0], ADVICE);
    // stdout stays JSON lines only.
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const done = events.at(-1);
    assert.equal(done.network, 'vgg19-random');
    assert.equal(
      json('show', String(done.runId)).settings.network,
      'vgg19-random',
      'the run records the network it used',
    );
  });

  it('advises once on a terminal-less stderr too, where the Network line no longer repeats it', () => {
    const result = stylize('plain.png', ...small);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(adviceLines(result.stderr).length, 1, result.stderr);
    assert.match(result.stderr, /^Network: vgg19-random — random weights$/m);
    const generated = pastiche(
      'generate',
      '--generator',
      'sparse',
      '--out',
      join(files, 'texture.png'),
      '--size',
      '16',
      '--iterations',
      '1',
      '--style-layers',
      'conv1_1',
    );
    assert.equal(generated.code, 0, generated.stderr);
    assert.equal(adviceLines(generated.stderr).length, 1, generated.stderr);
  });

  it('gives no advice when the network is chosen, even a generated one', () => {
    const result = stylize('chosen.png', ...small, '--network', 'vgg19-random');
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(adviceLines(result.stderr), []);
    assert.match(result.stderr, /Network: vgg19-random — random weights, no download needed/);
  });

  it('refuses bad input in one line, before any advice', () => {
    const result = stylize('x.png', '--size', 'abc');
    assert.notEqual(result.code, 0);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  });

  it('paints with the best pretrained network installed, records it, and gives no advice', async () => {
    // A stand-in for the downloaded VGG-19: its first block, imported under the catalogue's name.
    const block1 = join(files, 'block1');
    mkdirSync(block1);
    await writeVggBlock1(block1);
    const imported = pastiche('models', 'import', block1, '--name', 'vgg19');
    assert.equal(imported.code, 0, imported.stderr);
    const result = stylize('pretrained.png', ...small, '--json');
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(adviceLines(result.stderr), []);
    const done = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
    assert.equal(done.network, 'vgg19');
    const shown = json('show', String(done.runId));
    assert.equal(shown.settings.network, 'vgg19');
    const vgg19 = json('models').find((network: { name: string }) => network.name === 'vgg19');
    assert.equal(shown.weightsSha256, vgg19.weightsSha256, 'the stored row names exactly the weights used');
  });
});
