import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import type { StudioEvent } from '../../../../engine/common/api/studioApi.js';
import { PasticheError } from '../../../../engine/common/errors.js';
import { openStudioThread } from '../../../../engine/node/studio/studioThread.js';

describe('the engine in its own thread', () => {
  it("moves a large upload's memory to the engine's thread rather than holding a copy of it", async () => {
    const studio = await openStudioThread({
      home: mkdtempSync(join(tmpdir(), 'pastiche-thread-')),
      backend: 'wasm',
      version: 'test',
    });
    try {
      const size = { width: 1024, height: 768, channels: 3 as const };
      const tiff = await sharp({ create: { ...size, background: '#5a8' } })
        .tiff({ compression: 'none' })
        .toBuffer();
      const bytes = new Uint8Array(tiff);
      assert.ok(bytes.byteLength > 2 * 1024 ** 2);
      const image = await studio.handlers['images.add']({ name: 'large.tif', bytes });
      assert.deepEqual([image.width, image.height], [1024, 768]);
      assert.equal(bytes.byteLength, 0, "the caller's view is detached: its memory went to the engine");
      const small = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#5a8' } })
        .png()
        .toBuffer();
      await studio.handlers['images.add']({ name: 'small.png', bytes: small });
      assert.ok(small.byteLength > 0, "a small upload (possibly in Node's shared Buffer pool) is copied, never moved");
    } finally {
      await studio.close();
    }
  });

  it('answers requests and streams events while this thread stays free during every iteration', async () => {
    const studio = await openStudioThread({
      home: mkdtempSync(join(tmpdir(), 'pastiche-thread-')),
      backend: 'wasm',
      version: 'test',
    });
    try {
      const photo = await studio.handlers['images.add']({
        name: 'photo.png',
        bytes: await sharp({ create: { width: 64, height: 48, channels: 3, background: '#5a8' } })
          .png()
          .toBuffer(),
      });
      // This thread's timer keeps ticking only if nothing here waits for the optimisation.
      const ticks: number[] = [];
      const timer = setInterval(() => ticks.push(Date.now()), 5);
      const progressAt: number[] = [];
      let answeredWhileRunning = false;
      const finished = new Promise<StudioEvent>((resolve) =>
        studio.subscribe((event) => {
          if (event.type === 'run.progress') {
            progressAt.push(Date.now());
            if (event.progress.iteration === 2)
              void studio.handlers['queue.get'](undefined).then(
                (state) => (answeredWhileRunning = state.running.length === 1),
              );
          }
          if (event.type === 'run.status' && event.status !== 'queued' && event.status !== 'running') resolve(event);
        }),
      );
      const { runId } = await studio.handlers['runs.queue']({
        project: 'thread',
        contentImageId: photo.id,
        styleImageIds: [photo.id],
        settings: { size: 64, iterations: 6, previewEvery: 0 },
      });
      const end = await finished;
      clearInterval(timer);
      assert.deepEqual(end, { type: 'run.status', runId, status: 'done' });
      assert.ok(answeredWhileRunning, 'a request was answered while the run computed');
      // Between consecutive iterations (a full forward and backward pass of VGG-19 each) this thread
      // ran its timer many times; computing here would have let it run about once per iteration.
      const ticksPerIteration = progressAt
        .slice(1)
        .map((t, i) => ticks.filter((tick) => tick > progressAt[i] && tick <= t).length);
      assert.ok(
        ticksPerIteration.slice(1).every((count) => count >= 5),
        `timer ticks between iterations: ${ticksPerIteration.join(',')}`,
      );
    } finally {
      await studio.close();
    }
  });

  it(
    'keeps a refusal a one-line PasticheError across ' + 'the thread, and refuses to open on a bad data folder',
    async () => {
      const studio = await openStudioThread({
        home: mkdtempSync(join(tmpdir(), 'pastiche-thread-')),
        backend: 'wasm',
        version: 'test',
      });
      try {
        await assert.rejects(
          studio.handlers['runs.get']({ runId: 42 }),
          (error: unknown) => error instanceof PasticheError && error.message === 'run 42: no such run',
        );
      } finally {
        await studio.close();
      }
      const blocker = join(mkdtempSync(join(tmpdir(), 'pastiche-thread-')), 'a-file');
      writeFileSync(blocker, 'x');
      await assert.rejects(
        openStudioThread({ home: join(blocker, 'home'), backend: 'wasm', version: 'test' }),
        /cannot create the folder/,
      );
    },
  );
});
