import sharp from 'sharp';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RgbImage } from '../../engine/common/image.js';
import { contactSheet, type SheetCell } from '../../engine/node/export/contactSheet.js';
import { importStyle } from '../../engine/node/fast/styleLibrary.js';
import { readImage } from '../../engine/node/image/imageIO.js';
import { describeNetwork, importNetwork } from '../../engine/node/networks/registry.js';
import { networkDefaults } from '../../engine/common/stylize/presets.js';
import { productVersion } from '../../engine/node/resources.js';
import { openStudio, type Studio } from '../../engine/node/studio/studio.js';
import { SHARED, TEST_RESULTS } from '../helpers/shared.js';
import { runsFinished } from './runsFinished.js';

/**
 * `npm run docs:pictures`: the README's pictures, painted by the engine itself from ../shared's classic
 * images — the Neckarfront photo, The Starry Night, what every available network makes of them
 * (optimised from the photo, coarse to fine), ../shared's pretrained fast styles, and a comparison grid
 * as the studio exports it — written to docs/images as small JPEGs with the sources' credits in each
 * caption and in docs/images/README.md. The runs are recorded in a throwaway data folder.
 * DOCS_PICTURES_SIZE (192 px) sets the long side of every result, and so the time (a few minutes on 2 cores).
 */
const SIZE = Number(process.env.DOCS_PICTURES_SIZE ?? 192);
const OUT = resolve(TEST_RESULTS, '..', 'docs', 'images');
const PROJECT = 'docs pictures';
const CELL = 176;
const QUALITY = 78;
const PHOTO = 'images/content/tubingen.jpg';
const PAINTING = 'images/style/starry_night.jpg';
const FAST_STYLES = 'models/fast-style';
/** The fast style the main sheet shows (all five are on fast-styles.jpg). */
const SHEET_STYLE = 'rain_princess';
/** Blocks 1–3 lack VGG-19's default conv4_2 and conv4_1/conv5_1: the layers they hold (as `npm run quality`). */
const BLOCKS_1_3 = {
  contentLayers: ['conv3_2'],
  styleLayers: ['conv1_1', 'conv2_1', 'conv3_1'].map((layer) => ({ layer, weight: 1 })),
};
/** Optimised in this order; the three first are imported or installed offline, the last is embedded. */
const NETWORKS = [
  { name: 'vgg19-blocks1-3', label: 'VGG-19 b1–3', from: 'models/vgg19-imagenet-blocks1-3', layers: BLOCKS_1_3 },
  { name: 'inception3-imagenet', label: 'Inception-v3', from: null, layers: {} },
  { name: 'darknet-tiny', label: 'Darknet Tiny', from: 'models/darknet-tiny', layers: {} },
  { name: 'vgg19-random', label: 'random VGG-19', from: null, layers: {} },
] as const;
/** ../shared/README.md's account of the sources, with the works' authors. */
const CREDITS = [
  'Photo: the Neckarfront in Tübingen (tubingen.jpg), as in Gatys et al. 2016 (photo: Andreas Praefcke).',
  'Painting: The Starry Night, Vincent van Gogh, 1889 (public domain).',
  'Networks: VGG-19 blocks 1–3, ImageNet weights, CC BY 4.0 (Simonyan & Zisserman); Inception-v3: nsfwjs (MIT).',
  'Darknet Tiny: ml5\u2019s TensorFlow.js port. Fast styles: ml5-data-and-models\u2019 Johnson et al. networks (MIT).',
];

const missing = [
  PHOTO,
  PAINTING,
  `${FAST_STYLES}/${SHEET_STYLE}/manifest.json`,
  ...NETWORKS.flatMap((n) => (n.from ? [n.from] : [])),
].filter((path) => !existsSync(join(SHARED, path)));
if (missing.length > 0) {
  console.error(
    `npm run docs:pictures: cannot paint the docs' pictures: ${join(SHARED, missing[0])} is absent ` +
      '(../shared, next to the project, holds the photos, paintings and weights they are made from)',
  );
  process.exit(1);
}

const home = mkdtempSync(join(tmpdir(), 'pastiche-docs-pictures-'));
const studio = await openStudio({ version: productVersion(), home });
const models = studio.store.paths.models;
try {
  const started = Date.now();
  await installNetworks(studio);
  const styles = await importFastStyles(studio);
  const h = studio.handlers;
  const add = (path: string) =>
    h['images.add']({ name: path.split('/').at(-1)!, bytes: readFileSync(join(SHARED, path)) });
  const photo = await add(PHOTO);
  const painting = await add(PAINTING);
  const request = { project: PROJECT, contentImageId: photo.id, styleImageIds: [painting.id] };
  const { backend } = await h['studio.info'](undefined);
  console.log(`docs pictures: tubingen.jpg × starry_night.jpg, ${SIZE} px, on ${backend.name}`);
  const optimised = await Promise.all(
    NETWORKS.map(async (n) => (await h['runs.queue']({ ...request, settings: await settingsFor(n) })).runId),
  );
  const fast = await Promise.all(
    styles.map(async (style) => (await h['runs.fast']({ ...request, style, size: SIZE })).runId),
  );
  const grid = await h['grids.create']({
    project: PROJECT,
    name: 'init × style weight',
    base: { ...request, settings: await settingsFor(NETWORKS[0]) },
    axes: [
      { parameter: 'init', values: ['content', 'noise'] },
      { parameter: 'styleWeight', values: [20, 100, 500] },
    ],
  });
  await runsFinished(studio, [...optimised, ...fast, ...grid.cells.map((cell) => cell.runId)]);
  mkdirSync(OUT, { recursive: true });
  const inputs = [await readImage(photo.path), await readImage(painting.path)];
  const sheet = await sheetJpeg(
    [
      ...inputs,
      ...(await results(studio, optimised)),
      (await results(studio, [fast[styles.indexOf(SHEET_STYLE)]!]))[0]!,
    ],
    ['photo', 'painting', ...NETWORKS.map((n) => n.label), `fast: ${SHEET_STYLE}`],
    `Pastiche: the Neckarfront photo in the style of The Starry Night, ${SIZE} px`,
  );
  await write('contact-sheet.jpg', sheet);
  const fastSheet = await sheetJpeg(
    [inputs[0]!, ...(await results(studio, fast))],
    ['photo', ...styles],
    `Fast styles (Johnson et al. 2016): one pass each, ${SIZE} px`,
  );
  await write('fast-styles.jpg', fastSheet);
  const gridSheet = await h['grids.export']({ gridId: grid.id, cellSize: CELL, format: 'png' });
  await write('grid.jpg', await captioned(Buffer.from(gridSheet.bytes)));
  writeCreditsPage(backend.name, (Date.now() - started) / 1000);
  console.log(`docs pictures: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} finally {
  await studio.close();
  rmSync(home, { recursive: true, force: true });
}

async function installNetworks(studio: Studio): Promise<void> {
  for (const network of NETWORKS) {
    if (network.from) await importNetwork(join(SHARED, network.from), network.name, studio.store.paths.models);
    else if (network.name !== 'vgg19-random') await studio.handlers['networks.install']({ name: network.name });
  }
}

/** Every pretrained fast style of ../shared, by folder name, imported into the throwaway style library. */
async function importFastStyles(studio: Studio): Promise<string[]> {
  const names = readdirSync(join(SHARED, FAST_STYLES))
    .filter((name) => existsSync(join(SHARED, FAST_STYLES, name, 'manifest.json')))
    .sort();
  for (const name of names) await importStyle(join(SHARED, FAST_STYLES, name), name, studio.store.paths.styles);
  return names;
}

/** Coarse to fine from the photo, half the iterations at half size, with the network's own layers and weights. */
async function settingsFor(network: (typeof NETWORKS)[number]) {
  const { architecture } = await describeNetwork(network.name, models);
  const stages = [
    { size: Math.round(SIZE / 2), iterations: 60, tile: null },
    { size: SIZE, iterations: 40, tile: null },
  ];
  const schedule = { stages };
  return {
    network: network.name,
    ...networkDefaults(architecture),
    ...network.layers,
    size: SIZE,
    iterations: 100,
    init: 'content' as const,
    previewEvery: 0,
    schedule,
  };
}

async function results(studio: Studio, runIds: readonly number[]): Promise<RgbImage[]> {
  return Promise.all(
    runIds.map(async (runId) => {
      const latest = studio.store.latestImage(runId);
      if (!latest) throw new Error(`run ${runId} made no picture`);
      return readImage(latest.image.path);
    }),
  );
}

async function sheetJpeg(images: readonly RgbImage[], labels: readonly string[], title: string): Promise<Buffer> {
  const cells: SheetCell[] = images.map((image, column) => ({ row: 0, column, image }));
  const layout = { title, cellSize: CELL, rowLabels: [''], columnLabels: labels };
  const sheet = await contactSheet(cells, layout, { format: 'png' });
  return captioned(sheet.bytes);
}

/** The sheet with the sources' credits written under it, as a small JPEG. */
async function captioned(png: Buffer): Promise<Buffer> {
  const { width, height: sheetHeight } = await sharp(png).metadata();
  const lineHeight = 20;
  const height = CREDITS.length * lineHeight + 16;
  const lines = CREDITS.map(
    (line, i) =>
      `<text x="16" y="${(i + 1) * lineHeight}" font-family="DejaVu Sans, sans-serif" font-size="13" ` +
      `fill="#444">${escapeXml(line)}</text>`,
  );
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${lines.join('')}</svg>`;
  return sharp(png)
    .extend({ bottom: height, background: '#ffffff' })
    .composite([{ input: Buffer.from(svg), left: 0, top: sheetHeight }])
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: QUALITY, mozjpeg: true })
    .toBuffer();
}

async function write(name: string, bytes: Buffer): Promise<void> {
  writeFileSync(join(OUT, name), bytes);
  const { width, height } = await sharp(bytes).metadata();
  console.log(`  ${join('docs/images', name)}: ${width}×${height}, ${(bytes.length / 1024).toFixed(0)} KB`);
}

function writeCreditsPage(backend: string, seconds: number): void {
  const text = [
    '# docs/images',
    '',
    'Made by `npm run docs:pictures` (test/figures/docsPictures.ts) from `../shared`; do not edit by hand.',
    `Last made at ${SIZE} px on the ${backend} backend in ${seconds.toFixed(0)} s.`,
    '',
    '- `contact-sheet.jpg`: the photo, the painting, the photo optimised in the painting\u2019s style with each',
    '  network available offline (coarse to fine from the photo, ' +
      `${SIZE / 2}:60,${SIZE}:40, each network's own layers and weights), and one fast style.`,
    '- `fast-styles.jpg`: the photo through each of `../shared`\u2019s five pretrained fast style networks.',
    `- \`grid.jpg\`: a comparison grid (start image × style weight, ${NETWORKS[0].name}) as the studio exports it.`,
    '',
    '## Credits',
    '',
    ...CREDITS.map((line) => `- ${line}`),
    '',
  ];
  writeFileSync(join(OUT, 'README.md'), text.join('\n'));
}

function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
