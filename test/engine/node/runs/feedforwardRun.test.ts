import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { selectBackend } from '../../../../engine/node/backend.js';
import { importStyle } from '../../../../engine/node/fast/styleLibrary.js';
import {
  enqueueFeedforward,
  executeFeedforward,
  runFeedforward,
  type FeedforwardJob,
} from '../../../../engine/node/runs/feedforwardRun.js';
import { openRunStore } from '../../../../engine/node/store/runStore.js';
import { randomCheckpoint, writeCheckpoint } from '../../../helpers/fastStyle.js';
import { maxAbsDifference, useTestBackend } from '../../../helpers/tf.js';

const backend = await useTestBackend();
const folder = mkdtempSync(join(tmpdir(), 'pastiche-feedforward-'));
const photo = join(folder, 'photo.png');
await sharp(
  Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="128" height="96"><rect width="128" height="96" ' +
      'fill="#4a8"/><circle cx="40" cy="48" r="30" fill="#fe4"/></svg>',
  ),
)
  .png()
  .toFile(photo);
const checkpoint = writeCheckpoint(join(folder, 'checkpoint'), randomCheckpoint(31));

async function home() {
  const store = openRunStore(mkdtempSync(join(tmpdir(), 'pastiche-home-')));
  const style = await importStyle(checkpoint, 'speckle', store.paths.styles);
  return { store, style };
}

/** 128×96 px in 64 px tiles overlapping by 16: three tiles a row, two rows (the second from line 48). */
const tiled: FeedforwardJob = {
  project: 'garden',
  contentFile: photo,
  request: { style: 'speckle', size: null, tile: 64, overlap: 16 },
};

describe('feed-forward runs', () => {
  it('record the style’s digest, the backend and the result', async () => {
    const { store, style } = await home();
    const outcome = await runFeedforward(store, tiled, backend);
    const run = store.run(outcome.runId);
    assert.deepEqual(
      [run.kind, run.status, run.backend, run.weightsSha256],
      ['feedforward', 'done', backend.name, style.weightsSha256],
    );
    assert.deepEqual(run.settings, { style: 'speckle', size: null, width: 128, height: 96, tile: 64, overlap: 16 });
    assert.deepEqual(
      store.outputs(run.id).map((o) => [o.kind, o.image.width, o.image.height]),
      [['result', 128, 96]],
    );
    store.close();
  });

  it('keep the lines finished when cancelled', async () => {
    const { store } = await home();
    const abort = new AbortController();
    const outcome = await runFeedforward(store, tiled, backend, {
      signal: abort.signal,
      onTile: ({ done }) => done === 4 && abort.abort(),
    });
    assert.equal(outcome.status, 'cancelled');
    assert.deepEqual([outcome.image?.width, outcome.image?.height], [128, 48]);
    assert.equal(store.run(outcome.runId).status, 'cancelled');
    assert.deepEqual(
      store.outputs(outcome.runId).map((o) => [o.kind, o.image.height]),
      [['partial', 48]],
    );
    store.close();
  });

  it('fail, recorded, when the style is gone by the time a queued run starts', async () => {
    const { store } = await home();
    const runId = await enqueueFeedforward(store, tiled);
    assert.equal(store.run(runId).status, 'queued');
    rmSync(join(store.paths.styles, 'speckle'), { recursive: true });
    await assert.rejects(executeFeedforward(store, runId, backend), /speckle: no such style/);
    const run = store.run(runId);
    assert.equal(run.status, 'failed');
    assert.match(run.error ?? '', /speckle: no such style/);
    store.close();
  });

  it('record nothing when the style or the photo is refused', async () => {
    const { store } = await home();
    await assert.rejects(
      runFeedforward(store, { ...tiled, request: { style: 'nonesuch' } }, backend),
      /nonesuch: no such style/,
    );
    await assert.rejects(
      runFeedforward(store, { ...tiled, contentFile: join(folder, 'missing.png') }, backend),
      /missing\.png: no such file/,
    );
    assert.deepEqual(store.listRuns(), []);
    store.close();
  });
});

describe('feed-forward runs on onnxruntime', () => {
  it('paint TensorFlow.js’s picture to 1 grey level, record onnxruntime, tile in 1024 px', async () => {
    const { store } = await home();
    try {
      const wasm = await selectBackend('wasm');
      const reference = await runFeedforward(store, tiled, wasm);
      const native = await selectBackend('onnxruntime');
      const outcome = await runFeedforward(store, tiled, native);
      assert.equal(store.run(outcome.runId).backend, native.name);
      const difference = maxAbsDifference(outcome.image!.data, reference.image!.data);
      assert.ok(difference <= 1, `${difference} grey levels from TensorFlow.js's picture`);
      const large = join(folder, 'large.png');
      await sharp({ create: { width: 1400, height: 1000, channels: 3, background: '#4a8' } })
        .png()
        .toFile(large);
      const request = { style: 'speckle', size: null };
      const runId = await enqueueFeedforward(store, { project: 'garden', contentFile: large, request });
      const expected = { style: 'speckle', size: null, width: 1400, height: 1000, tile: 1024, overlap: 112 };
      assert.deepEqual(store.run(runId).settings, expected);
    } finally {
      store.close();
      await useTestBackend();
    }
  });
});
