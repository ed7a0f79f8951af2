import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { RECENT_RUNS } from '../../../../engine/common/api/studioApi.js';
import { openStudio } from '../../../../engine/node/studio/studio.js';

describe('projects through the studio handlers', () => {
  it("gives a project's runs newest first with their newest image, its grids, and refuses an unknown one", async () => {
    const studio = await openStudio({
      home: mkdtempSync(join(tmpdir(), 'pastiche-projects-')),
      backend: 'wasm',
      version: 'test',
    });
    try {
      const h = studio.handlers;
      const photo = await h['images.add']({
        name: 'pier.png',
        bytes: await sharp({ create: { width: 20, height: 14, channels: 3, background: '#48a' } })
          .png()
          .toBuffer(),
      });
      const painting = await h['images.add']({
        name: 'waves.png',
        bytes: await sharp({ create: { width: 16, height: 16, channels: 3, background: '#e93' } })
          .png()
          .toBuffer(),
      });
      const settings = {
        size: 16,
        iterations: 2,
        previewEvery: 0,
        contentLayers: ['conv1_1'],
        styleLayers: [{ layer: 'conv1_1', weight: 1 }],
      };
      const finished = new Set<number>();
      const waitFor = (count: number) =>
        new Promise<void>((resolve) => {
          const check = () => finished.size >= count && resolve();
          studio.subscribe((event) => {
            if (event.type === 'run.status' && event.status === 'done') finished.add(event.runId);
            check();
          });
          check();
        });
      const first = (
        await h['runs.queue']({ project: 'pier', contentImageId: photo.id, styleImageIds: [painting.id], settings })
      ).runId;
      const elsewhere = (
        await h['runs.queue']({ project: 'other', contentImageId: painting.id, styleImageIds: [photo.id], settings })
      ).runId;
      await waitFor(2);
      const grid = await h['grids.create']({
        project: 'pier',
        base: { project: 'pier', contentImageId: photo.id, styleImageIds: [painting.id], settings },
        axes: [{ parameter: 'seed', values: [1, 2] }],
      });
      await waitFor(4);

      const detail = await h['projects.get']({ name: 'pier' });
      assert.equal(detail.project.name, 'pier');
      assert.equal(detail.project.runCount, 3);
      assert.deepEqual(
        detail.runs.map(({ run }) => run.id),
        [grid.cells[1].runId, grid.cells[0].runId, first],
      );
      assert.ok(!detail.runs.some(({ run }) => run.id === elsewhere));
      for (const { run, latestImageId } of detail.runs) {
        const result = (await h['runs.get']({ runId: run.id })).outputs.find((output) => output.kind === 'result');
        assert.equal(latestImageId, result?.image.id, `run ${run.id}'s thumbnail is its result`);
      }
      assert.deepEqual(
        detail.grids.map((g) => g.id),
        [grid.id],
      );
      assert.equal(detail.project.latestImageId, detail.runs[0].latestImageId);
      // The gallery card's strip: the same runs and pictures, all three under the bound.
      assert.deepEqual(detail.project.recent, detail.runs);
      assert.deepEqual((await h['projects.list'](undefined)).find((p) => p.name === 'pier')?.recent, detail.runs);
      // Past the bound, the strip holds the newest RECENT_RUNS; the project's page still lists them all.
      const more = [];
      for (let seed = 0; seed < RECENT_RUNS; seed++) {
        const one = { ...settings, iterations: 1, seed };
        const queued = await h['runs.queue']({
          project: 'pier',
          contentImageId: photo.id,
          styleImageIds: [painting.id],
          settings: one,
        });
        more.push(queued.runId);
      }
      await waitFor(4 + RECENT_RUNS);
      const full = await h['projects.get']({ name: 'pier' });
      assert.equal(full.runs.length, 3 + RECENT_RUNS);
      assert.deepEqual(full.project.recent, full.runs.slice(0, RECENT_RUNS));
      assert.deepEqual(
        full.project.recent.map(({ run }) => run.id),
        more.reverse(),
      );
      await assert.rejects(
        async () => h['projects.get']({ name: 'nowhere' }),
        /^Error: project "nowhere": no such project$|project "nowhere": no such project/,
      );
    } finally {
      await studio.close();
    }
  });
});
