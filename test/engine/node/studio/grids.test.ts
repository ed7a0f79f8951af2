import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { sheetGeometry } from '../../../../engine/node/export/contactSheet.js';
import { importNetwork } from '../../../../engine/node/networks/registry.js';
import { kerasDarknetTiny, saveLayersModel } from '../../../helpers/darknet.js';
import { openStudio } from '../../../../engine/node/studio/studio.js';
import { TEST_RESULTS } from '../../../helpers/shared.js';
import { asStylization } from '../../../helpers/runs.js';
import { withMaxPixelsEnv } from '../../../helpers/pixelLimit.js';

describe('grids through the studio handlers', () => {
  it(
    'queues a 2×2 grid (init × style weight), fills ' + 'every cell, and records exactly what each cell varied',
    async () => {
      const studio = await openStudio({
        home: mkdtempSync(join(tmpdir(), 'pastiche-grid-')),
        backend: 'wasm',
        version: 'test',
      });
      try {
        const h = studio.handlers;
        const photo = await h['images.add']({
          name: 'photo.png',
          bytes: await sharp({ create: { width: 24, height: 16, channels: 3, background: '#396' } })
            .png()
            .toBuffer(),
        });
        const painting = await h['images.add']({
          name: 'painting.png',
          bytes: await sharp({ create: { width: 16, height: 16, channels: 3, background: '#d52' } })
            .png()
            .toBuffer(),
        });
        const base = {
          project: 'grid',
          contentImageId: photo.id,
          styleImageIds: [painting.id],
          settings: {
            size: 16,
            iterations: 2,
            previewEvery: 0,
            contentLayers: ['conv1_1'],
            styleLayers: [{ layer: 'conv1_1', weight: 1 }],
          },
        };
        const done = new Set<number>();
        const allDone = new Promise<void>((resolve) =>
          studio.subscribe((event) => {
            if (event.type === 'run.status' && event.status === 'done') done.add(event.runId);
            if (done.size === 4) resolve();
          }),
        );
        const grid = await h['grids.create']({
          project: 'grid',
          base,
          axes: [
            { parameter: 'init', values: ['content', 'noise'] },
            { parameter: 'styleWeight', values: [10, 1000] },
          ],
        });
        assert.equal(grid.name, 'init × style weight');
        assert.deepEqual(
          grid.cells.map((c) => [c.row, c.column]),
          [
            [0, 0],
            [0, 1],
            [1, 0],
            [1, 1],
          ],
        );
        await allDone;
        const detail = await h['grids.get']({ gridId: grid.id });
        assert.deepEqual(
          detail.cells.map((c) => [
            c.run.status,
            asStylization(c.run).settings.init,
            asStylization(c.run).settings.styleWeight,
          ]),
          [
            ['done', 'content', 10],
            ['done', 'content', 1000],
            ['done', 'noise', 10],
            ['done', 'noise', 1000],
          ],
        );
        assert.ok(
          detail.cells.every((c) => c.latestImageId !== null),
          'every cell shows its image',
        );
        assert.deepEqual(
          (await h['grids.list']({ project: 'grid' })).map((g) => g.id),
          [grid.id],
        );

        // The contact sheet: title and column labels on top, row labels left, each picture in its cell.
        const sheet = await h['grids.export']({ gridId: grid.id, cellSize: 64, format: 'png' });
        const geometry = sheetGeometry({
          cellSize: 64,
          title: 'title',
          rowLabels: ['init: content', 'init: noise'],
          columnLabels: ['style weight: 10', 'style weight: 1e3'],
        });
        assert.deepEqual(
          [sheet.width, sheet.height, sheet.fileName],
          [geometry.width, geometry.height, `grid-grid-${grid.id}-sheet.png`],
        );
        const { data, info } = await sharp(sheet.bytes).raw().toBuffer({ resolveWithObject: true });
        assert.equal(info.channels, 3);
        const pixel = (x: number, y: number) => [
          ...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3),
        ];
        const isWhite = (rgb: number[]) => rgb.every((v) => v > 245);
        for (const [row, column] of [
          [0, 0],
          [0, 1],
          [1, 0],
          [1, 1],
        ]) {
          assert.ok(
            !isWhite(pixel(Math.round(geometry.columnCentre(column)), geometry.rowTop(row) + 32)),
            `cell ${row},${column} holds its picture`,
          );
        }
        assert.ok(
          isWhite(pixel(Math.round(geometry.columnCentre(0)), geometry.rowTop(1) - 8)),
          'the gap between rows is paper',
        );
        const darkInRowLabels = Array.from({ length: 200 * 64 }, (_, i) =>
          pixel(i % 200, geometry.rowTop(0) + Math.floor(i / 200)),
        ).filter((rgb) => rgb.every((v) => v < 100)).length;
        assert.ok(darkInRowLabels > 50, `the first row's label is drawn (${darkInRowLabels} dark pixels)`);
        mkdirSync(TEST_RESULTS, { recursive: true });
        await sharp(sheet.bytes).toFile(join(TEST_RESULTS, 'grid-contact-sheet.png'));
        assert.equal(Math.round((await sharp(sheet.bytes).metadata()).density ?? 0), 300);

        // Over the pixel limit the sheet is refused before any cell is read: a damaged cell's file is never reached.
        writeFileSync((await h['images.get']({ imageId: detail.cells[0].latestImageId! })).path, 'no longer a picture');
        await withMaxPixelsEnv(String(geometry.width * geometry.height - 1), () =>
          assert.rejects(
            async () => h['grids.export']({ gridId: grid.id, cellSize: 64, format: 'png' }),
            /^PasticheError: contact sheet: the sheet of \d+×\d+ pixels is over the limit/,
          ),
        );
      } finally {
        await studio.close();
      }
    },
  );

  it('records nothing when one cell of a grid is invalid', async () => {
    const studio = await openStudio({
      home: mkdtempSync(join(tmpdir(), 'pastiche-grid-')),
      backend: 'wasm',
      version: 'test',
    });
    try {
      const h = studio.handlers;
      const photo = await h['images.add']({
        name: 'photo.png',
        bytes: await sharp({ create: { width: 24, height: 16, channels: 3, background: '#396' } })
          .png()
          .toBuffer(),
      });
      const base = {
        project: 'grid',
        contentImageId: photo.id,
        styleImageIds: [photo.id],
        settings: { size: 16, iterations: 2 },
      };
      const splits = [
        { label: 'fine', contentLayers: ['conv2_1'], styleLayers: [{ layer: 'conv1_1', weight: 1 }] },
        { label: 'broken', contentLayers: ['conv9_1'], styleLayers: [{ layer: 'conv1_1', weight: 1 }] },
      ];
      await assert.rejects(
        async () => h['grids.create']({ project: 'grid', base, axes: [{ parameter: 'layers', values: splits }] }),
        /no layer 'conv9_1'/,
      );
      await assert.rejects(
        async () => h['grids.create']({ project: 'grid', base, axes: [{ parameter: 'size', values: [16, -3] }] }),
        /size: must be a whole number > 0, got -3/,
      );
      // The second cell's photo is too small for AlexNet's conv4 at 30 px: refused before the first is queued.
      const alexnet = {
        ...base,
        settings: {
          ...base.settings,
          network: 'alexnet-random',
          contentLayers: ['conv4'],
          styleLayers: [{ layer: 'conv1', weight: 1 }],
        },
      };
      await assert.rejects(
        async () =>
          h['grids.create']({ project: 'grid', base: alexnet, axes: [{ parameter: 'size', values: [96, 30] }] }),
        /alexnet-random: an image of 30×20 is too small for layer 'conv4', which needs at least 23 px on each side/,
      );
      assert.deepEqual(await h['runs.list']({}), []);
      assert.deepEqual(await h['grids.list']({}), []);
    } finally {
      await studio.close();
    }
  });

  it(
    "reads each network of a network axis at its own layers where it lacks the base's, " +
      "and keeps the base's where it has them; at its own weights unless the base gives them",
    async () => {
      const studio = await openStudio({
        home: mkdtempSync(join(tmpdir(), 'pastiche-grid-')),
        backend: 'wasm',
        version: 'test',
      });
      try {
        const h = studio.handlers;
        const keras = kerasDarknetTiny(6);
        await importNetwork(
          await saveLayersModel(keras, mkdtempSync(join(tmpdir(), 'pastiche-darknet-'))),
          'darknet-tiny',
          studio.store.paths.models,
        );
        keras.dispose();
        const photo = await h['images.add']({
          name: 'photo.png',
          bytes: await sharp({ create: { width: 96, height: 80, channels: 3, background: '#396' } })
            .png()
            .toBuffer(),
        });
        const split = { contentLayers: ['conv2_1'], styleLayers: [{ layer: 'conv1_1', weight: 2 }] };
        const base = {
          project: 'nets',
          contentImageId: photo.id,
          styleImageIds: [photo.id],
          settings: { size: 96, iterations: 1, previewEvery: 0, ...split },
        };
        const grid = await h['grids.create']({
          project: 'nets',
          base,
          axes: [
            {
              parameter: 'network',
              values: ['vgg19-random', 'vgg16-random', 'alexnet-random', 'googlenet-random', 'darknet-tiny'],
            },
          ],
        });
        const runs = await Promise.all(
          grid.cells.map(async (cell) => asStylization((await h['runs.get']({ runId: cell.runId })).run)),
        );
        assert.deepEqual(
          runs.map((run) => [
            run.settings.network,
            run.settings.contentLayers,
            run.settings.styleLayers,
            run.settings.contentWeight,
            run.settings.styleWeight,
          ]),
          [
            ['vgg19-random', split.contentLayers, split.styleLayers, 5, 100],
            ['vgg16-random', split.contentLayers, split.styleLayers, 5, 100],
            [
              'alexnet-random',
              ['conv4'],
              ['conv1', 'conv2', 'conv3', 'conv4', 'conv5'].map((layer) => ({ layer, weight: 1 })),
              5,
              100,
            ],
            [
              'googlenet-random',
              ['inception_3a/output'],
              ['conv1/7x7_s2', 'conv2/3x3', 'inception_3a/output', 'inception_4a/output', 'inception_5a/output'].map(
                (layer) => ({ layer, weight: 1 }),
              ),
              5,
              100,
            ],
            // Darknet's small batch-normalised features take its own weights, as the base leaves them to the defaults.
            [
              'darknet-tiny',
              ['conv10'],
              ['conv1', 'conv2', 'conv4', 'conv8', 'conv12'].map((layer) => ({ layer, weight: 1 })),
              1e6,
              7e8,
            ],
          ],
        );
        // Weights the base gives are kept on every network.
        const fixed = await h['grids.create']({
          project: 'nets',
          base: { ...base, settings: { ...base.settings, contentWeight: 2, styleWeight: 30 } },
          axes: [{ parameter: 'network', values: ['vgg19-random', 'darknet-tiny'] }],
        });
        const fixedRuns = await Promise.all(
          fixed.cells.map(async (cell) => asStylization((await h['runs.get']({ runId: cell.runId })).run)),
        );
        assert.deepEqual(
          fixedRuns.map((run) => [run.settings.contentWeight, run.settings.styleWeight]),
          [
            [2, 30],
            [2, 30],
          ],
        );
      } finally {
        await studio.close();
      }
    },
  );
});
