import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import {
  resolveGenerateSettings,
  type GivenGenerateSettings,
} from '../../../../engine/common/generate/generateSettings.js';
import type { GivenGenerator } from '../../../../engine/common/generate/gramGenerator.js';
import { selectBackend } from '../../../../engine/node/backend.js';
import { RunQueue } from '../../../../engine/node/queue/runQueue.js';
import { runGenerate, type GenerateJob } from '../../../../engine/node/runs/generateRun.js';
import { openRunStore, type RunStore } from '../../../../engine/node/store/runStore.js';

const backend = await selectBackend('wasm');
const folder = mkdtempSync(join(tmpdir(), 'pastiche-generate-'));
const painting = join(folder, 'painting.png');
await sharp(
  Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#239"/><path ' +
      'd="M0 0 L40 40 M40 0 L0 40" stroke="#fc0" stroke-width="6"/></svg>',
  ),
)
  .png()
  .toFile(painting);

const small = (generator: GivenGenerator, given: Partial<GivenGenerateSettings> = {}) =>
  resolveGenerateSettings({
    width: 24,
    height: 16,
    iterations: 4,
    previewEvery: 2,
    styleLayers: [
      { layer: 'conv1_1', weight: 1 },
      { layer: 'conv2_1', weight: 1 },
    ],
    generator,
    ...given,
  });
const job = (generator: GivenGenerator, extra: Partial<GenerateJob> = {}): GenerateJob => ({
  project: 'inventions',
  settings: small(generator),
  ...extra,
});
const home = () => openRunStore(mkdtempSync(join(tmpdir(), 'pastiche-home-')));

describe('runGenerate', () => {
  it('records the run with exactly the settings used, no photo, its metrics, previews and result', async () => {
    const store = home();
    const settings = small({ kind: 'sparse', layers: ['conv1_1', 'conv2_1'], amplitude: 20, sparsity: 0.7, seed: 31 });
    const outcome = await runGenerate(store, { project: 'inventions', settings }, backend);
    const run = store.run(outcome.runId);
    assert.equal(run.kind, 'generate');
    assert.deepEqual(run.settings, settings);
    assert.deepEqual([run.status, run.contentImage, run.styles], ['done', null, []]);
    assert.deepEqual(
      store.metrics(outcome.runId).map((m) => m.iteration),
      [0, 1, 2, 3, 4],
    );
    assert.deepEqual(
      store.outputs(outcome.runId).map((o) => [o.kind, o.iteration]),
      [
        ['preview', 2],
        ['result', 4],
      ],
    );
    assert.deepEqual([outcome.output.width, outcome.output.height], [24, 16]);
    assert.ok(outcome.finalLoss.style < outcome.initialLoss.style);
    store.close();
  });

  it("keeps mimic's painting in the store and measures it", async () => {
    const store = home();
    const outcome = await runGenerate(store, job({ kind: 'mimic', seed: 3 }, { styleFile: painting }), backend);
    const run = store.run(outcome.runId);
    assert.deepEqual(
      run.styles.map((style) => [style.image.width, style.image.height, style.blendWeight]),
      [[40, 40, 1]],
      'the original painting is what the store keeps',
    );
    assert.equal(run.status, 'done');
    store.close();
  });

  it('records nothing when anything is refused', async () => {
    const store = home();
    const broken = join(folder, 'broken.png');
    writeFileSync(broken, Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
    const refused: Array<[GenerateJob, RegExp]> = [
      [job({ kind: 'mimic' }), /style: mimic measures a painting: give one/],
      [
        job({ kind: 'sparse' }, { styleFile: painting }),
        /style: the sparse generator takes no painting \(only mimic measures one\)/,
      ],
      [job({ kind: 'mimic' }, { styleFile: broken }), /broken\.png: /],
      [
        job({ kind: 'single', layer: 'conv2_1', entry: { row: 128, column: 0 } }),
        /entry: \(128, 0\) is outside conv2_1's 128×128 Gram matrix/,
      ],
      [
        { project: 'inventions', settings: small({ kind: 'sparse' }, { network: 'no-such-network' }) },
        /no-such-network/,
      ],
      [
        {
          project: 'inventions',
          settings: small(
            { kind: 'sparse', layers: ['conv5_1'] },
            { width: 8, height: 8, styleLayers: [{ layer: 'conv5_1', weight: 1 }] },
          ),
        },
        /too small for layer 'conv5_1'/,
      ],
    ];
    for (const [given, error] of refused) await assert.rejects(runGenerate(store, given, backend), error);
    assert.deepEqual(store.listRuns(), []);
    assert.deepEqual(store.projects(), []);
    store.close();
  });

  it('runs through the queue, which starts each run by its stored kind', async () => {
    const store: RunStore = home();
    const queue = new RunQueue(store, backend);
    const runId = await queue.enqueueGenerate(job({ kind: 'single', layer: 'conv2_1', seed: 4, redraw: true }));
    queue.start();
    await queue.idle();
    const run = store.run(runId);
    assert.deepEqual([run.kind, run.status, run.iterationsDone], ['generate', 'done', 4]);
    assert.equal(run.kind === 'generate' && run.settings.optimizer.name, 'adam', 're-drawn targets take Adam');
    store.close();
  });
});
