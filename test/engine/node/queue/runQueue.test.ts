import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
import type { StudioEvent } from '../../../../engine/common/api/studioApi.js';
import { RunQueue } from '../../../../engine/node/queue/runQueue.js';
import type { StylizeJob } from '../../../../engine/node/runs/stylizeRun.js';
import { openRunStore } from '../../../../engine/node/store/runStore.js';
import { asStylization } from '../../../helpers/runs.js';

const backend = await selectBackend('wasm');
const folder = mkdtempSync(join(tmpdir(), 'pastiche-queue-'));
const photo = join(folder, 'photo.png');
const painting = join(folder, 'painting.png');
await sharp({ create: { width: 24, height: 16, channels: 3, background: '#a64' } })
  .png()
  .toFile(photo);
await sharp(
  Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><rect width="20" height="20" fill="#239"/><path ' +
      'd="M0 0 L20 20" stroke="#fc0" stroke-width="4"/></svg>',
  ),
)
  .png()
  .toFile(painting);

const tiny = (given: Partial<StylizeSettings> = {}) =>
  resolveSettings({
    ...NEURAL_STYLE_DEFAULTS,
    size: 16,
    iterations: 2,
    previewEvery: 0,
    contentLayers: ['conv1_1'],
    styleLayers: [{ layer: 'conv1_1', weight: 1 }],
    ...given,
  });
const job = (given: Partial<StylizeSettings> = {}, files: Partial<StylizeJob> = {}): StylizeJob => ({
  project: 'queue',
  contentFile: photo,
  styleFiles: [painting],
  settings: tiny(given),
  ...files,
});
const home = () => mkdtempSync(join(tmpdir(), 'pastiche-home-'));

/** The queue's status events as "id:status", in the order heard. */
function statusLog(events: StudioEvent[]): string[] {
  return events.flatMap((event) => (event.type === 'run.status' ? [`${event.runId}:${event.status}`] : []));
}

describe('RunQueue', () => {
  it('runs queued runs one at a time, in the order they were queued', async () => {
    const store = openRunStore(home());
    const events: StudioEvent[] = [];
    const queue = new RunQueue(store, backend, { onEvent: (event) => events.push(event) });
    const ids = [
      await queue.enqueue(job({ seed: 1 })),
      await queue.enqueue(job({ seed: 2 })),
      await queue.enqueue(job({ seed: 3 })),
    ];
    assert.deepEqual(queue.snapshot(), { waiting: ids, running: [] }, 'nothing starts before start()');
    queue.start();
    await queue.idle();
    const [a, b, c] = ids;
    assert.deepEqual(statusLog(events), [
      `${a}:queued`,
      `${b}:queued`,
      `${c}:queued`,
      `${a}:running`,
      `${a}:done`,
      `${b}:running`,
      `${b}:done`,
      `${c}:running`,
      `${c}:done`,
    ]);
    assert.deepEqual(
      ids.map((id) => asStylization(store.run(id)).settings.seed),
      [1, 2, 3],
    );
    assert.ok(
      events.some((event) => event.type === 'run.progress' && event.runId === a && event.progress.iteration === 2),
    );
    store.close();
  });

  it('cancels a waiting run at once and a running one after its current iteration, keeping its image', async () => {
    const store = openRunStore(home());
    const events: StudioEvent[] = [];
    let queue: RunQueue;
    let long = 0;
    let waiting = 0;
    queue = new RunQueue(store, backend, {
      onEvent: (event) => {
        events.push(event);
        if (event.type === 'run.progress' && event.runId === long && event.progress.iteration === 3) queue.cancel(long);
      },
    });
    long = await queue.enqueue(job({ iterations: 500 }));
    waiting = await queue.enqueue(job());
    queue.start();
    queue.cancel(waiting);
    await queue.idle();
    assert.equal(store.run(waiting).status, 'cancelled');
    assert.ok(!statusLog(events).includes(`${waiting}:running`), 'the waiting run never started');
    const stopped = store.run(long);
    assert.equal(stopped.status, 'cancelled');
    assert.equal(stopped.iterationsDone, 3);
    assert.equal(store.latestImage(long)?.iteration, 3);
    store.close();
  });

  it('takes up, after a restart, the runs that were still queued', async () => {
    const dataHome = home();
    const before = openRunStore(dataHome);
    const first = new RunQueue(before, backend);
    const ephemeral = join(folder, 'ephemeral.png');
    writeFileSync(ephemeral, await sharp(photo).negate().png().toBuffer());
    const ids = [
      await first.enqueue(job({ seed: 4 }, { contentFile: ephemeral })),
      await first.enqueue(job({ seed: 5 })),
    ];
    await first.close();
    before.close();
    // The first photo's own file is gone: its run computes from the store's copy.
    rmSync(ephemeral);
    const later = openRunStore(dataHome);
    const events: StudioEvent[] = [];
    const second = new RunQueue(later, backend, { onEvent: (event) => events.push(event) });
    second.start();
    await second.idle();
    assert.deepEqual(
      statusLog(events),
      ids.flatMap((id) => [`${id}:running`, `${id}:done`]),
    );
    later.close();
  });

  it('refuses bad input when queueing, recording nothing', async () => {
    const store = openRunStore(home());
    const queue = new RunQueue(store, backend);
    const missing = join(folder, 'missing.png');
    await assert.rejects(queue.enqueue(job({}, { styleFiles: [missing] })), /missing\.png: no such file/);
    await assert.rejects(queue.enqueue(job({ contentLayers: ['conv9_1'] })), /no layer 'conv9_1'/);
    assert.deepEqual(store.listRuns(), []);
    assert.deepEqual(queue.snapshot(), { waiting: [], running: [] });
    store.close();
  });

  it('fails a run whose stored image has vanished, and goes on with the next', async () => {
    const store = openRunStore(home());
    const events: StudioEvent[] = [];
    const queue = new RunQueue(store, backend, { onEvent: (event) => events.push(event) });
    const broken = await queue.enqueue(job({ seed: 6 }));
    const fine = await queue.enqueue(job({ seed: 7 }, { contentFile: painting }));
    rmSync(asStylization(store.run(broken)).contentImage.path);
    queue.start();
    await queue.idle();
    assert.equal(store.run(broken).status, 'failed');
    assert.match(store.run(broken).error ?? '', /no such file/);
    const failure = events.find(
      (event) => event.type === 'run.status' && event.runId === broken && event.status === 'failed',
    );
    assert.ok(
      failure && failure.type === 'run.status' && /no such file/.test(failure.error ?? ''),
      'the listener hears why',
    );
    assert.equal(store.run(fine).status, 'done');
    store.close();
  });
});
