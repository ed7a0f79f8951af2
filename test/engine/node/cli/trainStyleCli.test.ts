import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cliSandbox } from '../../../helpers/cli.js';
import { useTestBackend } from '../../../helpers/tf.js';
import { writePhotoFolder, writePicture } from '../../../helpers/trainingPhotos.js';

await useTestBackend();

const { home, files, pastiche, json } = cliSandbox();
const photos = await writePhotoFolder(join(files, 'photos'), 4, 32);
const painting = await writePicture(join(files, 'waves.png'), 40, 30, 55);
/** alexnet-random (quick to generate) to conv2 at 32 px: 2 epochs of 2 steps. */
const SMALL = [
  '--style',
  painting,
  '--photos',
  photos,
  '--network',
  'alexnet-random',
  '--content-layers',
  'conv2',
  '--style-layers',
  'conv1,conv2',
  '--size',
  '32',
  '--batch',
  '2',
  '--epochs',
  '2',
  '--checkpoint-every',
  '1',
  '--preview-every',
  '2',
];

/** The JSON events a run printed, the last being its summary. */
function events(result: ReturnType<typeof pastiche>): Array<Record<string, any>> {
  assert.equal(result.code, 0, result.stderr);
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

const stylesFolder = join(home, 'styles');

describe('pastiche train-style (Johnson et al. 2016)', () => {
  it('trains a style, saves it in the style library and records exactly the parameters used', () => {
    const printed = events(
      pastiche('train-style', '--name', 'waves', ...SMALL, '--tv-weight', '0.01', '--seed', '3', '--json'),
    );
    const done = printed.at(-1)!;
    assert.equal(done.event, 'done');
    assert.deepEqual(
      printed.filter((e) => e.event === 'progress').map((e) => e.iteration),
      [1, 2, 3, 4],
    );
    assert.deepEqual(
      printed.filter((e) => e.event === 'preview').map((e) => e.iteration),
      [2, 4],
    );
    const saved = JSON.parse(readFileSync(join(stylesFolder, 'waves', 'model.json'), 'utf8'));
    assert.deepEqual(
      [saved.format, saved.pastiche.source, saved.pastiche.origin, saved.pastiche.weightsSha256],
      ['pastiche-style', 'trained', `run ${done.runId}`, done.style.weightsSha256],
    );
    assert.ok(!existsSync(join(home, 'training', 'waves')), 'no checkpoint is left once the style is saved');
    const shown = json('show', String(done.runId));
    assert.deepEqual(
      [shown.kind, shown.project, shown.status, shown.iterationsDone, shown.contentImage.originalName],
      ['train-style', 'waves', 'done', 4, join(photos, 'photo-0.png')],
    );
    assert.deepEqual(shown.settings, {
      network: 'alexnet-random',
      contentLayers: ['conv2'],
      styleLayers: [
        { layer: 'conv1', weight: 1 },
        { layer: 'conv2', weight: 1 },
      ],
      contentWeight: 7.5,
      styleWeight: 100,
      tvWeight: 0.01,
      size: 32,
      styleSize: 32,
      batchSize: 2,
      epochs: 2,
      steps: 0,
      optimizer: { name: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
      seed: 3,
      checkpointEvery: 1,
      previewEvery: 2,
      pooling: 'max',
    });
    assert.deepEqual(shown.training, {
      styleName: 'waves',
      photos: { folder: resolve(photos), count: 4, namesSha256: shown.training.photos.namesSha256 },
      totalSteps: 4,
      styleSha256: done.style.weightsSha256,
    });
    assert.match(
      pastiche('runs').stdout,
      new RegExp(
        `\\n${done.runId}\\s+train-style\\s+waves\\s+done\\s+alexnet-random\\s+—\\s+32\\s+4/4` +
          `\\s+7\\.5/100/0\\.01\\s+adam`,
      ),
    );
    assert.match(pastiche('show', String(done.runId)).stdout, /photos\s+4 in .*photos, 32×32 px, batches of 2\n/);
  });

  it(
    'killed mid-training, resumes from its last checkpoint as the ' +
      'same run and saves the weights an uninterrupted training saves',
    async () => {
      // The same training as `waves`, seed 3 and TV 0.01, killed once its second step's checkpoint is written.
      const child = spawn(
        process.execPath,
        [cliPath(), 'train-style', '--name', 'crashed', ...SMALL, '--tv-weight', '0.01', '--seed', '3', '--json'],
        {
          env: { ...process.env, PASTICHE_HOME: home, PASTICHE_BACKEND: 'wasm' },
        },
      );
      let runId = 0;
      for await (const line of createInterface({ input: child.stdout })) {
        const event = JSON.parse(line);
        runId ||= event.runId;
        if (event.event === 'checkpoint' && event.step === 2) {
          child.kill('SIGKILL');
          break;
        }
      }
      await new Promise((settle) => child.once('exit', settle));
      const resumed = events(pastiche('train-style', '--resume', '--name', 'crashed', '--json'));
      assert.deepEqual([resumed[0].event, resumed[0].runId, resumed[0].step], ['start', runId, 2]);
      const done = resumed.at(-1)!;
      assert.deepEqual([done.event, done.runId, done.steps], ['done', runId, 4]);
      const uninterrupted = JSON.parse(readFileSync(join(stylesFolder, 'waves', 'model.json'), 'utf8')).pastiche
        .weightsSha256;
      assert.equal(done.style.weightsSha256, uninterrupted);
      const shown = json('show', String(runId));
      assert.deepEqual(
        [shown.status, shown.error, shown.metrics.first.iteration, shown.metrics.last.iteration],
        ['done', null, 1, 4],
      );
    },
  );

  it('refuses bad input with one line naming the problem, a non-zero exit, and nothing stored', async () => {
    const before = json('runs').length;
    const empty = join(files, 'no-photos');
    mkdirSync(empty);
    // The CLI's own checks, and one each of the photos' and the network's; the others are the engine's, tested with it.
    const cases: Array<[string[], RegExp]> = [
      [['--name', 'x', '--photos', photos], /--style: give the painting to learn \(or --resume a stopped training\)/],
      [
        ['--name', 'x', '--resume', '--size', '64'],
        /--resume: a resumed training keeps its recorded settings: leave out --size/,
      ],
      [['--name', 'x', ...SMALL, '--photos', empty], /no-photos: holds no photos/],
      [['--name', 'x', ...SMALL, '--style-layers', 'conv9'], /alexnet-random: no layer 'conv9'/],
    ];
    for (const [args, message] of cases) {
      const result = pastiche('train-style', ...args);
      assert.notEqual(result.code, 0, `${args.join(' ')} should fail`);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line for ${args.join(' ')}: ${result.stderr}`);
      assert.match(lines[0], message);
    }
    assert.equal(json('runs').length, before, 'no run was recorded');
  });
});

function cliPath(): string {
  return resolve(fileURLToPath(import.meta.url), '../../../../../engine/node/cli/main.js');
}
