import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { cliSandbox } from '../../../helpers/cli.js';

const { files, pastiche, json } = cliSandbox();

/** The last JSON event a run printed: its summary. */
function done(result: ReturnType<typeof pastiche>) {
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!);
}

const painting = join(files, 'stripes.png');
await sharp(
  Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" ' +
      'height="40" fill="#239"/><path d="M0 10 H40 M0 30 H40" stroke="#fc0" stroke-width="6"/></svg>',
  ),
)
  .png()
  .toFile(painting);
const SMALL = ['--style-layers', 'conv1_1,conv2_1', '--iterations', '3'];

describe('pastiche generate (Nikulin & Novak 2016, §6)', () => {
  it('generates from sparse random targets, writes the image and records exactly the parameters used', async () => {
    const out = join(files, 'invented.png');
    const summary = done(
      pastiche(
        'generate',
        '--generator',
        'sparse',
        '--layers',
        'conv1_1,conv2_1',
        '--amplitude',
        '40',
        '--sparsity',
        '0.75',
        '--size',
        '40x24',
        ...SMALL,
        '--style-layer-weights',
        '2,0.5',
        '--seed',
        '77',
        '--tv-weight',
        '0.01',
        '--preview-every',
        '2',
        '--project',
        'inventions',
        '--out',
        out,
        '--json',
      ),
    );
    assert.equal(summary.event, 'done');
    const meta = await sharp(out).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 40, 24]);
    const shown = json('show', String(summary.runId));
    assert.equal(shown.kind, 'generate');
    assert.equal(shown.contentImage, null);
    assert.deepEqual(shown.settings, {
      network: 'vgg19-random',
      styleLayers: [
        { layer: 'conv1_1', weight: 2 },
        { layer: 'conv2_1', weight: 0.5 },
      ],
      styleWeight: 100,
      tvWeight: 0.01,
      styleScale: 1,
      optimizer: { name: 'lbfgs', historySize: 100 },
      iterations: 3,
      width: 40,
      height: 24,
      pooling: 'max',
      previewEvery: 2,
      generator: {
        kind: 'sparse',
        seed: 77,
        redraw: false,
        layers: ['conv1_1', 'conv2_1'],
        amplitude: 40,
        sparsity: 0.75,
      },
    });
    assert.deepEqual(
      shown.outputs.map((o: { kind: string; iteration: number }) => [o.kind, o.iteration]),
      [
        ['preview', 2],
        ['result', 3],
      ],
    );
    const listed = pastiche('runs', '--project', 'inventions');
    assert.match(listed.stdout, /^run\s+kind\s+project/);
    assert.match(
      listed.stdout,
      new RegExp(
        `\\n${summary.runId}\\s+generate\\s+inventions\\s+done\\s+vgg19-random\\s+noise\\s+40×24\\s+3/3` +
          `\\s+—/100/0\\.01\\s+lbfgs`,
      ),
    );
    const text = pastiche('show', String(summary.runId)).stdout;
    assert.match(text, /generator\s+sparse random\n/);
    assert.match(text, /layers\s+conv1_1, conv2_1\n/);
    assert.match(text, /sparsity\s+0\.75\n/);
    assert.match(text, /size\s+40×24 px\n/);
  });

  it('mimics a painting, files the run under its name and re-draws with Adam', () => {
    const summary = done(
      pastiche(
        'generate',
        '--generator',
        'mimic',
        '--style',
        painting,
        '--redraw',
        '--size',
        '32',
        ...SMALL,
        '--out',
        join(files, 'mimic.png'),
        '--json',
      ),
    );
    const shown = json('show', String(summary.runId));
    assert.equal(shown.project, 'stripes');
    assert.deepEqual(
      shown.styles.map((style: { image: { originalName: string }; blendWeight: number }) => [
        style.image.originalName,
        style.blendWeight,
      ]),
      [[painting, 1]],
    );
    assert.deepEqual(shown.settings.generator, { kind: 'mimic', seed: 0, redraw: true });
    assert.equal(shown.settings.optimizer.name, 'adam');
    assert.deepEqual([shown.settings.width, shown.settings.height], [32, 32]);
  });

  it('sets one chosen Gram entry', () => {
    const summary = done(
      pastiche(
        'generate',
        '--generator',
        'single',
        '--entry',
        'conv2_1:3,17',
        '--amplitude',
        '500',
        '--size',
        '24',
        ...SMALL,
        '--out',
        join(files, 'entry.png'),
        '--json',
      ),
    );
    assert.deepEqual(json('show', String(summary.runId)).settings.generator, {
      kind: 'single',
      seed: 0,
      redraw: false,
      layer: 'conv2_1',
      entry: { row: 3, column: 17 },
      amplitude: 500,
    });
  });

  it('refuses bad input with one line naming the option, a non-zero exit, and nothing stored', () => {
    const before = json('runs').length;
    const cases: Array<[string[], RegExp]> = [
      [['--generator', 'painting'], /--generator: expected one of single, sparse, mimic, got 'painting'/],
      [['--entry', 'conv2_1:3,17'], /--entry: applies to --generator single only/],
      [['--style', painting], /--style: applies to --generator mimic only/],
      [['--generator', 'mimic', '--amplitude', '3'], /--amplitude: applies to --generator single or sparse only/],
      [['--generator', 'single', '--entry', 'conv2_1:3'], /--entry: expected LAYER or LAYER:ROW,COLUMN/],
      [
        ['--generator', 'single', '--entry', 'conv2_1:300,1'],
        /entry: \(300, 1\) is outside conv2_1's 128×128 Gram matrix/,
      ],
      [
        ['--generator', 'single', '--entry', 'conv2_1:1,2', '--redraw'],
        /redraw: re-draws the entry at each iteration, so no entry may be given/,
      ],
      [['--generator', 'mimic'], /style: mimic measures a painting: give one/],
      [['--layers', 'conv3_1'], /layers: 'conv3_1' is not one of the run's style layers \(conv1_1, conv2_1\)/],
      [['--sparsity', '1.5'], /sparsity: must be in \[0, 1\), got 1.5/],
      [
        ['--redraw', '--optimizer', 'lbfgs'],
        new RegExp(
          String.raw`optimizer: targets re-drawn at every iteration change the objective at ` +
            String.raw`every step, which L-BFGS's curvature estimate cannot follow; use adam`,
        ),
      ],
      [['--lr', '3'], /--lr: applies to --optimizer adam only/],
      [['--size', '32x'], /--size: expected WIDTH or WIDTHxHEIGHT in pixels, got '32x'/],
      [['--size', '1x1'], /vgg19-random: an image of 1×1 is too small for layer 'conv2_1'/],
      [['--style-layers', 'conv9_9', '--layers', 'conv9_9'], /vgg19-random: no layer 'conv9_9'/],
    ];
    for (const [override, message] of cases) {
      const args = new Map<string, string | null>([
        ['--generator', 'sparse'],
        ['--out', join(files, 'x.png')],
        ['--size', '16'],
        ['--iterations', '1'],
        ['--style-layers', 'conv1_1,conv2_1'],
      ]);
      for (let i = 0; i < override.length; i++) {
        const hasValue = override[i + 1] !== undefined && !override[i + 1].startsWith('--');
        args.set(override[i], hasValue ? override[++i] : null);
      }
      const result = pastiche(
        'generate',
        ...[...args].flatMap(([option, value]) => (value === null ? [option] : [option, value])),
      );
      assert.notEqual(result.code, 0, `${override.join(' ')} should fail`);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line for ${override.join(' ')}: ${result.stderr}`);
      assert.match(lines[0], message);
    }
    assert.equal(json('runs').length, before, 'no run was recorded');
  });
});
