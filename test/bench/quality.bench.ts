import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RgbImage } from '../../engine/common/image.js';
import { RANDOM_CALIBRATIONS } from '../../engine/common/networks/randomWeights.js';
import { networkDefaults } from '../../engine/common/stylize/presets.js';
import { resolveSettings, type StylizeSettings } from '../../engine/common/stylize/settings.js';
import type { FeatureNetwork } from '../../engine/common/networks/featureNetwork.js';
import { selectBackend, type BackendInfo } from '../../engine/node/backend.js';
import { contactSheet } from '../../engine/node/export/contactSheet.js';
import { readImage, resizeImage, writeImage } from '../../engine/node/image/imageIO.js';
import { readJsonFileSync } from '../../engine/node/fileIO.js';
import { resourcesDir } from '../../engine/node/resources.js';
import { describeNetwork, importNetwork, listNetworks, loadNetwork } from '../../engine/node/networks/registry.js';
import { dataHome, storePaths } from '../../engine/node/paths.js';
import { runStylize } from '../../engine/node/runs/stylizeRun.js';
import { openRunStore } from '../../engine/node/store/runStore.js';
import { SHARED, TEST_RESULTS, sharedSkipReason } from '../helpers/shared.js';
import { LEGACY_RANDOM, REFERENCE, networkOf, qualityOptions } from './quality/qualityOptions.js';
import { VGG_LOSS_LAYERS, vggLoss, type VggLoss } from './quality/vggLoss.js';

/**
 * `npm run quality`: how well each candidate network paints, measured by one network-independent
 * yardstick. Every network stylizes the same photo × painting pairs of ../shared (from the photo,
 * coarse to fine up to 256 px, its own default layers and α, β; neural-style's TV weight) through the
 * engine's own runStylize, recorded in a throwaway data folder; each result's style and content losses
 * are then measured through ../shared's real VGG-19 (vggLoss.ts). Prints a table per pair and the
 * mean per network, and writes a labelled contact sheet, each result at full size (results/CANDIDATE/)
 * and the figures as JSON to test-results/quality/.
 * Knobs: see qualityOptions.ts (QUALITY_NETWORKS, QUALITY_PAIRS, QUALITY_SCHEDULE, QUALITY_SETTINGS…).
 */
if (
  sharedSkipReason(
    'models/vgg19-imagenet-blocks1-3/model.json',
    'images/content/tubingen.jpg',
    'images/style/starry_night.jpg',
  )
) {
  console.log('npm run quality: skipped, it needs ../shared (real VGG-19 and the classic photos and paintings)');
  process.exit(0);
}

const home = mkdtempSync(join(tmpdir(), 'pastiche-quality-'));
process.env.PASTICHE_CATALOGUE = throwawayCatalogue(home);
const store = openRunStore(home);
const models = store.paths.models;
const options = qualityOptions(process.env, linkInstalledNetworks(models));
const out = join(TEST_RESULTS, 'quality');
// A former run's results would lie beside this run's as if painted with today's settings.
rmSync(join(out, 'results'), { recursive: true, force: true });

interface Row {
  network: string;
  pair: string;
  style: number;
  content: number;
  seconds: number;
  finalShares: string;
  image: RgbImage | null;
  error?: string;
}

try {
  const backend = await selectBackend();
  await importNetwork(join(SHARED, 'models/vgg19-imagenet-blocks1-3'), REFERENCE, models);
  const reference = (await loadNetwork(REFERENCE, models)).network;
  const scoredSize = options.schedule.at(-1)!.size;
  console.log(
    [
      `Quality: ${options.pairs.length} pairs × ${options.networks.length} networks on ${backend.name}, from the ` +
        `photo, schedule ${options.schedule.map((s) => `${s.size}:${s.iterations}`).join(',')} (L-BFGS)`,
      `Score ("VGG loss", Ustyuzhaninov et al. 2017): each result measured through ../shared's pretrained VGG-19 at ` +
        `${scoredSize} px, lower is better —`,
      `  style = Σ over ${VGG_LOSS_LAYERS.style.join(', ')} of the mean squared difference of the result's and the ` +
        `painting's Gram matrices (normalised by C·H·W, as the engine's style loss);`,
      `  content = the mean squared difference of the result's and the photo's ${VGG_LOSS_LAYERS.content[0]} ` +
        `activations (the engine's content loss). Both unweighted.`,
      "  seconds: the run's optimisation time; final α·content : β·style : γ·TV is the run's own loss balance at its " +
        "end, in its network's features.",
    ].join('\n'),
  );
  const rows: Row[] = [];
  for (const network of options.networks) {
    for (const pair of options.pairs) rows.push(await paint(network, pair, { size: scoredSize, reference, backend }));
  }
  report(rows);
  await writeSheet(rows, scoredSize);
} finally {
  store.close();
  rmSync(home, { recursive: true, force: true });
}

/** One run and its score; a run the engine refuses (a layer the network lacks) is a row with its error. */
interface Scoring {
  readonly size: number;
  readonly reference: FeatureNetwork;
  readonly backend: BackendInfo;
}

async function paint(
  network: string,
  pair: { photo: string; painting: string },
  { size, reference, backend }: Scoring,
): Promise<Row> {
  const label = `${pair.photo.replace('.jpg', '')} × ${pair.painting.replace('.jpg', '')}`;
  const photoFile = join(SHARED, 'images/content', pair.photo);
  const paintingFile = join(SHARED, 'images/style', pair.painting);
  try {
    const settings = await runSettings(network);
    const outcome = await runStylize(
      store,
      { project: 'quality', contentFile: photoFile, styleFiles: [paintingFile], settings },
      backend,
    );
    const photo = await readImage(photoFile, { longSide: size });
    const painting = await readImage(paintingFile, { longSide: size });
    const result =
      outcome.image.width === photo.width && outcome.image.height === photo.height
        ? outcome.image
        : await resizeImage(outcome.image, photo.width, photo.height);
    const score: VggLoss = await vggLoss(reference, result, photo, painting);
    const { content, style, tv, total } = outcome.finalLoss;
    const shares = [content, style, tv].map((term) => `${Math.round((100 * term) / total)}`).join(':');
    await writeResult(outcome.image, network, pair);
    const row = {
      network,
      pair: label,
      ...score,
      seconds: outcome.elapsedMs / 1000,
      finalShares: shares,
      image: outcome.image,
    };
    console.log(
      `  ${network.padEnd(20)} ${label.padEnd(36)} style ${score.style.toExponential(3)}  content ` +
        `${score.content.toExponential(3)}  ${row.seconds.toFixed(0)} s  final α·c:β·s:γ·tv % ${shares}`,
    );
    return row;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.log(`  ${network.padEnd(20)} ${label.padEnd(36)} failed: ${message}`);
    return {
      network,
      pair: label,
      style: NaN,
      content: NaN,
      seconds: NaN,
      finalShares: '',
      image: null,
      error: message,
    };
  }
}

/**
 * A result at full size, to look at the grain the contact sheet's small cells hide; a folder path as network becomes
 * one folder name.
 */
async function writeResult(image: RgbImage, network: string, pair: { photo: string; painting: string }): Promise<void> {
  const folder = join(out, 'results', network.replace(/[^\w@.-]/g, '_'));
  mkdirSync(folder, { recursive: true });
  await writeImage(
    image,
    join(folder, `${pair.photo.replace(/\.\w+$/, '')}-${pair.painting.replace(/\.\w+$/, '')}.png`),
  );
}

async function runSettings(candidate: string): Promise<StylizeSettings> {
  const network = networkOf(candidate);
  const { architecture } = await describeNetwork(network, models);
  const stages = options.schedule.map((stage) => ({ ...stage, tile: null }));
  return resolveSettings({
    network,
    init: 'content',
    previewEvery: 0,
    seed: 0,
    ...networkDefaults(architecture),
    ...options.settingsFor(candidate),
    size: stages.at(-1)!.size,
    iterations: stages.reduce((sum, s) => sum + s.iterations, 0),
    schedule: { stages },
  });
}

function report(rows: readonly Row[]): void {
  console.log('\nMean per network (VGG loss through pretrained VGG-19; lower is better):');
  const summary = options.networks.map((network) => {
    const scored = rows.filter((r) => r.network === network && !r.error);
    const mean = (key: 'style' | 'content' | 'seconds') => scored.reduce((sum, r) => sum + r[key], 0) / scored.length;
    return {
      network,
      pairs: scored.length,
      style: Number(mean('style').toPrecision(4)),
      content: Number(mean('content').toPrecision(4)),
      seconds: Number(mean('seconds').toFixed(1)),
    };
  });
  console.table(summary);
  mkdirSync(out, { recursive: true });
  const json = {
    schedule: options.schedule,
    layers: VGG_LOSS_LAYERS,
    summary,
    rows: rows.map(({ image, ...row }) => row),
  };
  writeFileSync(join(out, 'quality.json'), JSON.stringify(json, null, 2));
}

/** Rows = pairs: the photo, the painting, then each network's result. */
async function writeSheet(rows: readonly Row[], size: number): Promise<void> {
  const cells = [];
  for (const [r, pair] of options.pairs.entries()) {
    cells.push({
      row: r,
      column: 0,
      image: await readImage(join(SHARED, 'images/content', pair.photo), { longSide: size }),
    });
    cells.push({
      row: r,
      column: 1,
      image: await readImage(join(SHARED, 'images/style', pair.painting), { longSide: size }),
    });
    options.networks.forEach((network, n) =>
      cells.push({
        row: r,
        column: n + 2,
        image:
          rows.find(
            (row) =>
              row.network === network &&
              row.pair.startsWith(pair.photo.replace('.jpg', '')) &&
              row.pair.endsWith(pair.painting.replace('.jpg', '')),
          )?.image ?? null,
      }),
    );
  }
  const sheet = await contactSheet(
    cells,
    {
      title: `quality: ${options.schedule.map((s) => `${s.size}:${s.iterations}`).join(',')}, from the photo`,
      cellSize: 192,
      rowLabels: options.pairs.map((p) => `${p.photo.replace('.jpg', '')} × ${p.painting.replace('.jpg', '')}`),
      columnLabels: ['photo', 'painting', ...options.networks],
    },
    { format: 'png' },
  );
  const file = join(out, 'quality.png');
  writeFileSync(file, sheet.bytes);
  console.log(`Contact sheet: ${file} (${sheet.width}×${sheet.height}); figures: ${join(out, 'quality.json')}`);
}

/**
 * The product's catalogue plus vgg19-random under each of its calibrations, written into the throwaway
 * folder: rms-v1 as LEGACY_RANDOM, the others as `vgg19-random-CALIBRATION` (e.g. vgg19-random-vgg19-photos).
 */
function throwawayCatalogue(folder: string): string {
  const file = join(folder, 'catalogue.json');
  const product = readJsonFileSync(join(resourcesDir(), 'models', 'catalogue.json')) as {
    networks: Array<{ name: string }>;
  };
  const random = product.networks.find((e) => e.name === 'vgg19-random')!;
  const named = (name: string, calibration: string) => ({
    ...random,
    name,
    source: { kind: 'random', seed: 0, calibration },
  });
  const others = RANDOM_CALIBRATIONS.filter((c) => c !== 'rms-v1').map((c) => named(`vgg19-random-${c}`, c));
  writeFileSync(file, JSON.stringify({ networks: [...product.networks, named(LEGACY_RANDOM, 'rms-v1'), ...others] }));
  return file;
}

/** The networks installed in the user's data folder, linked (not copied) into the throwaway one. */
function linkInstalledNetworks(folder: string): string[] {
  const user = storePaths(dataHome()).models;
  return listNetworks(user)
    .filter((n) => n.status === 'installed' && n.location && n.name !== REFERENCE)
    .map((n) => {
      symlinkSync(n.location!, join(folder, n.name));
      return n.name;
    });
}
