import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { openStudio } from '../../../../engine/node/studio/studio.js';

describe('generate runs through the studio handlers (Nikulin & Novak 2016, §6)', () => {
  it(
    'queues a generation, which the contract then gives ' + 'with its kind, generator and painting, and no photo',
    async () => {
      const studio = await openStudio({
        home: mkdtempSync(join(tmpdir(), 'pastiche-generate-studio-')),
        backend: 'wasm',
        version: 'test',
      });
      try {
        const h = studio.handlers;
        const painting = await h['images.add']({
          name: 'waves.png',
          bytes: await sharp({ create: { width: 16, height: 16, channels: 3, background: '#e93' } })
            .png()
            .toBuffer(),
        });
        const done = new Promise<void>((resolve) =>
          studio.subscribe((event) => event.type === 'run.status' && event.status === 'done' && resolve()),
        );
        const settings = {
          width: 20,
          height: 12,
          iterations: 2,
          previewEvery: 0,
          styleLayers: [{ layer: 'conv1_1', weight: 1 }],
          generator: { kind: 'mimic' as const, seed: 8 },
        };
        const { runId } = await h['runs.generate']({ project: 'inventions', paintingImageId: painting.id, settings });
        await done;

        const { run, outputs } = await h['runs.get']({ runId });
        assert.equal(run.kind, 'generate');
        assert.equal(run.contentImage, null);
        assert.equal(run.status, 'done');
        assert.deepEqual(run.kind === 'generate' && run.settings.generator, { kind: 'mimic', seed: 8, redraw: false });
        assert.deepEqual(
          run.styles.map((style) => style.image.id),
          [painting.id],
        );
        assert.deepEqual(
          outputs.map((output) => [output.kind, output.image.width, output.image.height]),
          [['result', 20, 12]],
        );
        const detail = await h['projects.get']({ name: 'inventions' });
        assert.equal(detail.project.contentImageId, null, 'a project of generations has no photo');
        assert.equal(detail.project.latestImageId, outputs[0].image.id);

        await assert.rejects(
          async () =>
            h['runs.generate']({ project: 'inventions', settings: { generator: { kind: 'sparse', sparsity: 2 } } }),
          /sparsity: must be in \[0, 1\), got 2/,
        );
        await assert.rejects(
          async () => h['runs.generate']({ project: 'inventions', settings: { generator: { kind: 'mimic' } } }),
          /style: mimic measures a painting: give one/,
        );
        assert.equal((await h['runs.list']({ project: 'inventions' })).length, 1, 'refused requests record nothing');
      } finally {
        await studio.close();
      }
    },
  );
});
