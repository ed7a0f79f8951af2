import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GridAxis } from '../../engine/common/grids/grid.js';
import { FIGURE_PRESETS, GENERATION_FIGURES, withBestNetworks } from '../../engine/common/grids/figures.js';
import { contactSheet } from '../../engine/node/export/contactSheet.js';
import { importNetwork } from '../../engine/node/networks/registry.js';
import { readImage } from '../../engine/node/image/imageIO.js';
import { productVersion } from '../../engine/node/resources.js';
import { openStudio } from '../../engine/node/studio/studio.js';
import { SHARED, TEST_RESULTS, sharedSkipReason } from '../helpers/shared.js';
import { runsFinished } from './runsFinished.js';

/**
 * `npm run figures`: the papers' comparison figures as labelled contact sheets, painted from the
 * classic images in ../shared (the Neckarfront photo in the style of The Starry Night) with the best
 * installed network, starting from the photo (figure 3 varies that); figures 5–8 generate styles with
 * no photo (figure 8 mimics The Starry Night's Gram statistics). Runs are recorded in the data folder like any other
 * (project "paper figures"), so the studio shows them; the sheets go to test-results/figures. FIGURES_SIZE (96 px) and
 * FIGURES_ITERATIONS (40) trade quality for time; FIGURES_ONLY picks figures by their label.
 */
const size = Number(process.env.FIGURES_SIZE ?? 96);
/** FIGURES_ONLY=regex makes only the figures whose label it matches (e.g. "fig\. [5-8]"). */
const only = (label: string) => !process.env.FIGURES_ONLY || new RegExp(process.env.FIGURES_ONLY).test(label);
const iterations = Number(process.env.FIGURES_ITERATIONS ?? 40);
const out = join(TEST_RESULTS, 'figures');

const skip = sharedSkipReason('images/content/tubingen.jpg', 'images/style/starry_night.jpg');
if (skip) process.exit(0);

const studio = await openStudio({ version: productVersion() });
try {
  const h = studio.handlers;
  // Darknet Tiny (../shared) joins the networks figure: imported once into the data folder.
  if (
    !(await h['networks.list'](undefined)).some((n) => n.architecture === 'darknet-tiny') &&
    !sharedSkipReason('models/darknet-tiny/model.json')
  ) {
    await importNetwork(join(SHARED, 'models/darknet-tiny'), 'darknet-tiny', studio.store.paths.models);
  }
  const networks = await h['networks.list'](undefined);
  const network = networks.find((n) => n.name === 'vgg19' && n.status === 'installed')?.name ?? 'vgg19-random';
  const add = (path: string) =>
    h['images.add']({ name: path.split('/').at(-1)!, bytes: readFileSync(join(SHARED, path)) });
  const photo = await add('images/content/tubingen.jpg');
  const painting = await add('images/style/starry_night.jpg');
  mkdirSync(out, { recursive: true });
  console.log(`Paper figures: tubingen.jpg × starry_night.jpg on ${network}, ${size} px, ${iterations} iterations`);
  for (const figure of FIGURE_PRESETS.map((preset) => withBestNetworks(preset, networks)).filter((f) =>
    only(f.label),
  )) {
    const started = Date.now();
    const grid = await h['grids.create']({
      project: 'paper figures',
      name: figure.label,
      base: {
        project: 'paper figures',
        contentImageId: photo.id,
        styleImageIds: [painting.id],
        settings: { network, size, iterations, previewEvery: 0, init: 'content' },
      },
      axes: figure.axes as GridAxis[],
    });
    await runsFinished(
      studio,
      grid.cells.map((cell) => cell.runId),
    );
    const sheet = await h['grids.export']({ gridId: grid.id, cellSize: 192, format: 'png' });
    const file = join(out, `${slug(figure.label)}.png`);
    writeFileSync(file, sheet.bytes);
    console.log(
      `  ${figure.label}: ${grid.cells.length} runs in ${((Date.now() - started) / 1000).toFixed(0)} s → ${file} ` +
        `(${sheet.width}×${sheet.height})`,
    );
  }
  const vgg = networks.find((n) => n.name === 'vgg19' && n.status === 'installed')?.name ?? 'vgg19-random';
  for (const figure of GENERATION_FIGURES.filter((f) => only(f.label))) {
    const started = Date.now();
    const runIds = await Promise.all(
      figure.cells.map(
        async (cell) =>
          (
            await h['runs.generate']({
              project: 'paper figures',
              paintingImageId: cell.generator.kind === 'mimic' ? painting.id : undefined,
              settings: {
                network: vgg,
                width: size,
                height: size,
                iterations,
                previewEvery: 0,
                generator: cell.generator,
                styleLayers: cell.styleLayers.map((layer) => ({ layer, weight: 1 })),
              },
            })
          ).runId,
      ),
    );
    await runsFinished(studio, runIds);
    const images = await Promise.all(
      runIds.map(async (runId) => {
        const latest = studio.store.latestImage(runId);
        return latest ? readImage(latest.image.path) : null;
      }),
    );
    const sheet = await contactSheet(
      images.map((image, column) => ({ row: 0, column, image })),
      {
        title: `paper figures: ${figure.label}`,
        cellSize: 192,
        rowLabels: [''],
        columnLabels: figure.cells.map((cell) => cell.label),
      },
      { format: 'png', dpi: 300 },
    );
    const file = join(out, `${slug(figure.label)}.png`);
    writeFileSync(file, sheet.bytes);
    console.log(
      `  ${figure.label}: ${runIds.length} runs in ${((Date.now() - started) / 1000).toFixed(0)} s → ${file} ` +
        `(${sheet.width}×${sheet.height})`,
    );
  }
} finally {
  await studio.close();
}

function slug(label: string): string {
  return label
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
}
