import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import {
  NEURAL_STYLE_DEFAULTS,
  resolveSettings,
  type StylizeSettings,
} from '../../../../engine/common/stylize/settings.js';
import { selectBackend } from '../../../../engine/node/backend.js';
import { runStylize, type StylizeJob } from '../../../../engine/node/runs/stylizeRun.js';
import { openRunStore, type RunStore } from '../../../../engine/node/store/runStore.js';
import { asStylization } from '../../../helpers/runs.js';

const backend = await selectBackend('wasm');
const folder = mkdtempSync(join(tmpdir(), 'pastiche-run-'));
const photo = join(folder, 'photo.png');
const painting = join(folder, 'painting.png');
await sharp({ create: { width: 48, height: 32, channels: 3, background: '#a64' } })
  .composite([
    {
      input: Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" width="48" height="32"><circle cx="16" cy="16" r="9" ' +
          'fill="#fff"/></svg>',
      ),
    },
  ])
  .png()
  .toFile(photo);
await sharp(
  Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#239"/><path ' +
      'd="M0 0 L40 40 M40 0 L0 40" stroke="#fc0" stroke-width="6"/></svg>',
  ),
)
  .png()
  .toFile(painting);

const small = (given: Partial<StylizeSettings> = {}) =>
  resolveSettings({
    ...NEURAL_STYLE_DEFAULTS,
    size: 24,
    iterations: 4,
    contentLayers: ['conv2_1'],
    styleLayers: [{ layer: 'conv1_1', weight: 1 }],
    ...given,
  });
const job = (settings: StylizeSettings, extra: Partial<StylizeJob> = {}): StylizeJob => ({
  project: 'tests',
  contentFile: photo,
  styleFiles: [painting],
  settings,
  ...extra,
});

function tableCounts(store: RunStore): number {
  return store.listRuns().length;
}

describe('runStylize', () => {
  it('records the run with exactly the settings used, its metrics and its result', async () => {
    const store = openRunStore(mkdtempSync(join(tmpdir(), 'pastiche-home-')));
    const settings = small({ previewEvery: 2, init: 'style', seed: 9 });
    const outcome = await runStylize(store, job(settings), backend);
    const run = asStylization(store.run(outcome.runId));
    assert.deepEqual(run.settings, settings);
    assert.equal(run.status, 'done');
    assert.equal(run.backend, 'wasm');
    assert.equal(run.iterationsDone, 4);
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
    assert.deepEqual(
      [run.contentImage.width, run.contentImage.height],
      [48, 32],
      'the original photo is what the store keeps',
    );
    assert.equal(store.latestImage(outcome.runId)?.image.id, outcome.output.id);
    assert.deepEqual([outcome.output.width, outcome.output.height], [24, 16]);
    store.close();
  });

  it('records nothing when an image cannot be read', async () => {
    const store = openRunStore(mkdtempSync(join(tmpdir(), 'pastiche-home-')));
    const broken = join(folder, 'broken.png');
    writeFileSync(broken, Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
    await assert.rejects(runStylize(store, job(small(), { styleFiles: [broken] }), backend), /broken\.png: /);
    await assert.rejects(
      runStylize(store, job(small({ init: 'image' }), { initFile: join(folder, 'nope.png') }), backend),
      /nope\.png: no such file/,
    );
    assert.equal(tableCounts(store), 0);
    store.close();
  });

  it('keeps the last image of a cancelled run', async () => {
    const store = openRunStore(mkdtempSync(join(tmpdir(), 'pastiche-home-')));
    const abort = new AbortController();
    const outcome = await runStylize(store, job(small({ iterations: 20 })), backend, {
      signal: abort.signal,
      onProgress: (p) => p.iteration === 2 && abort.abort(),
    });
    const run = store.run(outcome.runId);
    assert.equal(run.status, 'cancelled');
    assert.equal(run.iterationsDone, 2);
    assert.deepEqual(
      store.outputs(outcome.runId).map((o) => [o.kind, o.iteration]),
      [['partial', 2]],
    );
    store.close();
  });

  it('marks a run that fails midway as failed, keeping its latest preview', async () => {
    const store = openRunStore(mkdtempSync(join(tmpdir(), 'pastiche-home-')));
    let runId = 0;
    const failing = runStylize(store, job(small({ iterations: 10, previewEvery: 2 })), backend, {
      onStart: (info) => {
        runId = info.runId;
      },
      onProgress: (p) => {
        if (p.iteration === 3) throw new Error('disk vanished');
      },
    });
    await assert.rejects(failing, /disk vanished/);
    const run = store.run(runId);
    assert.equal(run.status, 'failed');
    assert.match(run.error ?? '', /disk vanished/);
    assert.equal(store.latestImage(runId)?.kind, 'partial');
    assert.equal(store.latestImage(runId)?.iteration, 2);
    store.close();
  });

  it('records the failure even when the store refuses the run’s metrics', async () => {
    const store = openRunStore(mkdtempSync(join(tmpdir(), 'pastiche-home-')));
    let runId = 0;
    store.recordMetrics = () => {
      throw new Error('database or disk is full');
    };
    const failing = runStylize(store, job(small({ iterations: 10, previewEvery: 2 })), backend, {
      onStart: (info) => {
        runId = info.runId;
      },
    });
    await assert.rejects(failing, /disk is full/);
    assert.equal(store.run(runId).status, 'failed');
    store.close();
  });

  it('marks the run failed when starting it fails, leaving none running or queued', async () => {
    const store = openRunStore(mkdtempSync(join(tmpdir(), 'pastiche-home-')));
    const failing = runStylize(store, job(small()), backend, {
      onStart: () => {
        throw new Error('window closed');
      },
    });
    await assert.rejects(failing, /window closed/);
    assert.deepEqual(
      store.listRuns({}).map((run) => run.status),
      ['failed'],
    );
    store.close();
  });
});
