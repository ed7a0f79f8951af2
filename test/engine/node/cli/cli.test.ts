import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { cliSandbox } from '../../../helpers/cli.js';
import { useTestBackend } from '../../../helpers/tf.js';
import { randomWeights } from '../../../../engine/common/networks/randomWeights.js';
import { VGG19 } from '../../../../engine/common/networks/vgg.js';
import { weightsSha256 } from '../../../../engine/node/networks/savedNetwork.js';

// The digest check below regenerates vgg19-random here, on the CLI's backend: its calibration convolves.
await useTestBackend();
const { files, pastiche, json } = cliSandbox();

async function picture(name: string, width: number, height: number, colour: string): Promise<string> {
  const file = join(files, name);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect ` +
    `width="100%" height="100%" fill="${colour}"/><circle cx="${width / 3}" ` +
    `cy="${height / 2}" r="${height / 4}" fill="#fff"/><rect x="${width / 2}" ` +
    `y="4" width="${width / 5}" height="${height - 8}" fill="#123"/></svg>`;
  await sharp(Buffer.from(svg)).toFile(file);
  return file;
}

const photo = await picture('photo.jpg', 60, 40, '#c84');
const painting = await picture('painting.png', 40, 40, '#36a');
const painting2 = await picture('painting2.webp', 30, 30, '#a3c');

describe('pastiche CLI', () => {
  it('stylizes, reports JSON events, writes the output and records exactly the parameters used', async () => {
    const out = join(files, 'result.tif');
    const args = [
      'stylize',
      '--content',
      photo,
      '--style',
      `${painting},${painting2}`,
      '--style-blend',
      '3,1',
      '--out',
      out,
      '--size',
      '32',
      '--iterations',
      '6',
      '--init',
      'content',
      '--content-layers',
      'conv3_1',
      '--style-layers',
      'conv1_1,conv2_1',
      '--style-layer-weights',
      '0.5,2',
      '--content-weight',
      '7',
      '--style-weight',
      '250',
      '--tv-weight',
      '0.01',
      '--optimizer',
      'adam',
      '--lr',
      '3',
      '--pooling',
      'avg',
      '--style-scale',
      '0.75',
      '--seed',
      '42',
      '--project',
      'harbour',
      '--preview-every',
      '3',
      '--preserve-colors',
      'luminance',
      '--json',
    ];
    const result = pastiche(...args);
    assert.equal(result.code, 0, result.stderr);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.equal(events[0].event, 'start');
    const progress = events.filter((e) => e.event === 'progress');
    assert.deepEqual(
      progress.map((e) => e.iteration),
      [0, 1, 2, 3, 4, 5, 6],
    );
    assert.deepEqual(
      events.filter((e) => e.event === 'preview').map((e) => e.iteration),
      [3],
    );
    const done = events.at(-1);
    assert.equal(done.event, 'done');
    assert.equal(done.loss.initial, progress[0].loss.total, 'the starting loss is progress at iteration 0');
    assert.deepEqual(
      Object.keys(done).sort(),
      ['backend', 'event', 'iterations', 'loss', 'ms', 'network', 'output', 'runId'].sort(),
    );
    assert.equal(done.backend, 'wasm');
    assert.equal(done.network, 'vgg19-random');
    assert.equal(done.iterations, 6);
    assert.ok(done.loss.final < done.loss.initial);
    const meta = await sharp(out).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['tiff', 32, 21]);

    const shown = json('show', String(done.runId));
    assert.equal(shown.status, 'done');
    assert.equal(shown.backend, 'wasm');
    const catalogued = randomWeights(VGG19, 0, 'vgg19-even-style'); // resources/models/catalogue.json's vgg19-random
    assert.equal(shown.weightsSha256, await weightsSha256(catalogued), 'the run names the exact weights it used');
    assert.equal(shown.project, 'harbour');
    assert.deepEqual(shown.settings, {
      network: 'vgg19-random',
      contentLayers: ['conv3_1'],
      styleLayers: [
        { layer: 'conv1_1', weight: 0.5 },
        { layer: 'conv2_1', weight: 2 },
      ],
      contentWeight: 7,
      styleWeight: 250,
      tvWeight: 0.01,
      styleBlend: [0.75, 0.25],
      styleScale: 0.75,
      init: 'content',
      optimizer: { name: 'adam', learningRate: 3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
      iterations: 6,
      size: 32,
      seed: 42,
      pooling: 'avg',
      previewEvery: 3,
      preserveColors: 'luminance',
      styleRepr: 'gram',
      localRadius: 0,
      gramMix: 0,
      schedule: null,
    });
    assert.deepEqual(
      shown.styles.map((s: { blendWeight: number }) => s.blendWeight),
      [0.75, 0.25],
    );
    assert.equal(shown.metrics.iterations, 6);
    assert.equal(shown.metrics.first.iteration, 0, 'the starting loss is recorded as iteration 0');
    assert.deepEqual(shown.outputs.map((o: { kind: string }) => o.kind).sort(), ['preview', 'result']);
    assert.ok(existsSync(shown.contentImage.path), 'the photo is copied into the store');

    const runs = json('runs', '--project', 'harbour');
    assert.deepEqual(
      runs.map((r: { id: number }) => r.id),
      [done.runId],
    );
    const table = pastiche('runs');
    assert.match(table.stdout, /harbour\s+done\s+vgg19-random\s+content\s+32\s+6\/6\s+7\/250\/0\.01\s+adam\s+wasm/);
  });

  it('paints with local style mixed with Gram matrices, and records the representation', () => {
    const result = pastiche(
      'stylize',
      '--content',
      photo,
      '--style',
      painting,
      '--out',
      join(files, 'local.png'),
      '--size',
      '24',
      '--iterations',
      '3',
      '--content-layers',
      'conv2_1',
      '--style-layers',
      'conv1_1,conv2_1',
      '--style-repr',
      'local',
      '--local-radius',
      '1',
      '--gram-mix',
      '0.25',
      '--json',
    );
    assert.equal(result.code, 0, result.stderr);
    const done = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
    assert.ok(
      done.loss.final < done.loss.initial,
      `local style lowers the loss (${done.loss.initial} → ${done.loss.final})`,
    );
    const shown = json('show', String(done.runId));
    assert.deepEqual(
      [shown.settings.styleRepr, shown.settings.localRadius, shown.settings.gramMix],
      ['local', 1, 0.25],
    );
    assert.match(
      pastiche('show', String(done.runId)).stdout,
      /style as\s+local correlations \(texture where it is\), radius 1, 25 % Gram/,
    );
  });

  it('prints a progress summary on a non-terminal and names the embedded network', () => {
    const result = pastiche(
      'stylize',
      '--content',
      photo,
      '--style',
      painting,
      '--out',
      join(files, 'plain.png'),
      '--size',
      '24',
      '--iterations',
      '2',
      '--content-layers',
      'conv2_1',
      '--style-layers',
      'conv1_1',
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Backend: wasm/);
    // No network chosen and none pretrained installed: one line of advice, and the Network line says the rest.
    assert.match(
      result.stderr,
      /^pastiche: no pretrained network installed; painting with vgg19-random \(random weights, weaker\)\./m,
    );
    assert.match(result.stderr, /^Network: vgg19-random — random weights$/m);
    assert.match(result.stderr, /iteration 2\/2: loss/);
    assert.match(result.stderr, /Done: .*plain\.png \(run \d+, 2 iterations/);
  });

  it('refuses bad input with one line, a non-zero exit, and nothing stored', () => {
    const before = json('runs').length;
    const corrupt = join(files, 'corrupt.jpg');
    writeFileSync(corrupt, 'not a jpeg at all');
    const cases: Array<[string[], RegExp]> = [
      [['--size', 'abc'], /--size: expected a whole number/],
      [['--content-layers', 'conv9_9'], /vgg19-random: no layer 'conv9_9'/],
      [
        ['--style-layers', 'conv1_1,conv2_1', '--style-layer-weights', '1'],
        /--style-layer-weights: 1 weights for 2 style layers/,
      ],
      [['--optimizer', 'sgd'], /--optimizer: expected one of lbfgs, adam/],
      [['--lr', '5'], /--lr: applies to --optimizer adam only/],
      [['--network', 'nonesuch'], /nonesuch: unknown network/],
      [['--init', join(files, 'missing.png')], /missing\.png: no such file/],
      [['--style', corrupt], /corrupt\.jpg: /],
      [['--out', join(files, 'result.bmp')], /result\.bmp: /],
      [
        ['--out', join(files, 'no-such-folder', 'x.png')],
        /x\.png: cannot write into .*no-such-folder \(no such folder\)$/,
      ],
      [['--size', '100000'], /size: must be at most 8192 px, got 100000$/],
      // Issue 13, item 6: finite, yet a loss of Infinity once multiplied out in float32.
      [['--style-weight', '1e308'], /^pastiche: style-weight: must be at most 1000000000000, got 1e\+308$/],
      [['--style-blend', '1e300'], /^pastiche: style-blend: must be at most 1000000000000, got 1e\+300$/],
      [
        ['--style-scale', '1e6'],
        /^pastiche: style-scale: 1000000 × 16 px makes paintings of 16000000 px, over 8192 px$/,
      ],
      [['--backend', 'quantum'], /unknown backend 'quantum'/],
      [['--init', 'run:9999'], /^pastiche: run 9999: no such run$/],
      [['--preserve-colors', 'sepia'], /--preserve-colors: expected one of none, luminance, histogram/],
      [['--schedule', '16:1,oops'], /--schedule: expected SIZE:ITERATIONS,… from the smallest size/],
      [
        ['--schedule', '24:1,16:1', '--size', '16', '--iterations', '2'],
        /schedule: sizes must grow from stage to stage, got 24 then 16$/,
      ],
      [['--schedule', '8:1,16:1', '--iterations', '1'], /--iterations: is 1 but the schedule's stages add up to 2$/],
      [
        ['--schedule', '8:1,16:1', '--coarse-to-fine', '--json'],
        /--schedule: give one of --schedule, --coarse-to-fine and --plain, not --schedule and --coarse-to-fine$/,
      ],
      [['--overlap', '8'], /--overlap: applies to a tiled run only/],
      [
        ['--tile', '10', '--overlap', '8', '--size', '24'],
        /schedule: stage 1: tiles of 10 px cannot hold two overlaps of 8 px$/,
      ],
      [
        ['--schedule', '8:1,16:1', '--iterations', '2', '--tile', '12', '--overlap', '4', '--style-repr', 'spatial'],
        /schedule: spatial style compares positions across the whole picture/,
      ],
      [['--style-repr', 'wavelet'], /--style-repr: expected one of gram, spatial, local/],
      [['--local-radius', '2'], /--local-radius: applies to --style-repr local only/],
      [
        ['--style-repr', 'spatial', '--style-scale', '0.5'],
        /style-scale: spatial style compares the images position by position/,
      ],
      // 64² channels × 300×200 positions × 3 tensors: more than half of wasm's 4 GiB heap.
      [
        ['--style-repr', 'local', '--style-layers', 'conv1_1', '--size', '300'],
        /vgg19-random: local style needs 3\.1 GB at 300×200 \(conv1_1 alone 3\.1 GB\), more than the 2\.1 GB available/,
      ],
    ];
    for (const [override, message] of cases) {
      const args = new Map<string, string>([
        ['--content', photo],
        ['--style', painting],
        ['--out', join(files, 'x.png')],
        ['--size', '16'],
        ['--iterations', '1'],
      ]);
      for (let i = 0; i < override.length; i += 2) args.set(override[i], override[i + 1]);
      const result = pastiche('stylize', ...[...args].flat());
      assert.notEqual(result.code, 0, `${override.join(' ')} should fail`);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line for ${override.join(' ')}: ${result.stderr}`);
      assert.match(lines[0], message);
    }
    assert.equal(json('runs').length, before, 'no run was recorded');
  });

  it(
    'paints coarse to fine with a tiled last stage, reporting ' + 'every piece, and records exactly the schedule run',
    () => {
      const result = pastiche(
        'stylize',
        '--content',
        photo,
        '--style',
        painting,
        '--out',
        join(files, 'print.png'),
        '--schedule',
        '24:4,48:2',
        '--tile',
        '32',
        '--overlap',
        '8',
        '--content-layers',
        'conv2_1',
        '--style-layers',
        'conv1_1,conv2_1',
        '--preview-every',
        '2',
        '--json',
      );
      assert.equal(result.code, 0, result.stderr);
      const events = result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      // 48×32 in 32-px tiles overlapping by 8: 2 columns × 1 row, 2 iterations each after the 4 of the first stage.
      const pieces = events.filter((e) => e.event === 'piece');
      assert.deepEqual(
        pieces.map((p) => [p.stage, p.tile, p.tiles, p.width, p.height]),
        [
          [0, 0, 1, 24, 16],
          [1, 0, 2, 48, 32],
          [1, 1, 2, 48, 32],
        ],
      );
      assert.deepEqual(
        events.filter((e) => e.event === 'progress').map((e) => [e.iteration, e.iterations]),
        [0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => [i, 8]),
      );
      const done = events.at(-1);
      assert.deepEqual([done.event, done.iterations], ['done', 8]);
      const shown = json('show', String(done.runId));
      assert.deepEqual([shown.settings.size, shown.settings.iterations], [48, 6]);
      assert.deepEqual(shown.settings.schedule, {
        stages: [
          { size: 24, iterations: 4, tile: null },
          { size: 48, iterations: 2, tile: { size: 32, overlap: 8 } },
        ],
        photoDetail: true,
      });
      assert.match(pastiche('show', String(done.runId)).stdout, /schedule\s+24:4,48:2@32\/8/);
    },
  );

  it("starts a run from another run's result (--init run:N), recording that image as its start", () => {
    const first = JSON.parse(
      pastiche(
        'stylize',
        '--content',
        photo,
        '--style',
        painting,
        '--out',
        join(files, 'first.png'),
        '--size',
        '24',
        '--iterations',
        '2',
        '--content-layers',
        'conv2_1',
        '--style-layers',
        'conv1_1',
        '--json',
      )
        .stdout.trim()
        .split('\n')
        .at(-1)!,
    );
    const result = pastiche(
      'stylize',
      '--content',
      photo,
      '--style',
      painting2,
      '--init',
      `run:${first.runId}`,
      '--out',
      join(files, 'second.png'),
      '--size',
      '24',
      '--iterations',
      '2',
      '--content-layers',
      'conv2_1',
      '--style-layers',
      'conv1_1',
      '--json',
    );
    assert.equal(result.code, 0, result.stderr);
    const second = json('show', String(JSON.parse(result.stdout.trim().split('\n').at(-1)!).runId));
    const firstResult = json('show', String(first.runId)).outputs.find(
      (output: { kind: string }) => output.kind === 'result',
    );
    assert.equal(second.settings.init, 'image');
    assert.equal(second.initImage.id, firstResult.image.id);
  });

  it('paints with AlexNet from its own default layers', () => {
    const result = pastiche(
      'stylize',
      '--content',
      photo,
      '--style',
      painting,
      '--network',
      'alexnet-random',
      '--out',
      join(files, 'alex.png'),
      '--size',
      '80',
      '--iterations',
      '2',
      '--json',
    );
    assert.equal(result.code, 0, result.stderr);
    const shown = json('show', String(JSON.parse(result.stdout.trim().split('\n').at(-1)!).runId));
    assert.deepEqual(
      [
        shown.settings.network,
        shown.settings.contentLayers,
        shown.settings.styleLayers.map((l: { layer: string }) => l.layer),
      ],
      ['alexnet-random', ['conv4'], ['conv1', 'conv2', 'conv3', 'conv4', 'conv5']],
    );
    const tooSmall = pastiche(
      'stylize',
      '--content',
      photo,
      '--style',
      painting,
      '--network',
      'alexnet-random',
      '--out',
      join(files, 'alex-small.png'),
      '--size',
      '30',
      '--iterations',
      '1',
    );
    assert.equal(tooSmall.code, 1);
    assert.match(
      tooSmall.stderr.trim(),
      new RegExp(
        String.raw`^pastiche: alexnet-random: an image of 30×20 is too small ` +
          String.raw`for layer 'conv5', which needs at least 23 px on each side$`,
      ),
    );
    assert.ok(
      !json('runs').some((run: { settings: { size: number } }) => run.settings.size === 30),
      'nothing is recorded',
    );
  });

  it('lists networks and shows an unknown run as an error', () => {
    const networks = json('models');
    assert.equal(networks.find((n: { name: string }) => n.name === 'vgg19-random').status, 'embedded');
    const missing = pastiche('show', '9999');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /run 9999: no such run/);
  });
});
