import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { resolveFeedforwardSettings } from '../../engine/common/fast/feedforwardSettings.js';
import { DEFAULT_TILE, NATIVE_DEFAULT_TILE, STATISTICS_MAX_PIXELS } from '../../engine/common/fast/tiling.js';

import { rgbImage, type RgbImage } from '../../engine/common/image.js';
import { nativeGradientRuntime, selectBackend } from '../../engine/node/backend.js';
import { paintPicture, tileCount } from '../../engine/node/fast/paintPicture.js';
import { encodeImage } from '../../engine/node/image/imageIO.js';
import { checkpointWeights, randomCheckpoint, testStylizer } from '../helpers/fastStyle.js';

/**
 * `npm run bench` (after the optimisation benchmark), or `node dist/test/bench/fastStyle.bench.js
 * [--only NAME] [--backend NAME] [--tile PX]`: milliseconds to stylize a picture with a fast style
 * network (Johnson et al.) on onnxruntime's graphs and on TensorFlow.js's wasm, side by side —
 * 512×512 and 1024×1024 in one piece, 1024×1024 in 512 px tiles (statistics exact, from a
 * whole-picture pass), and 6000×4000 in 512 px tiles (statistics from a 1 MP copy) — each in its own
 * process so that its peak resident memory is its own. `--tile` overrides the tiled cases' tile
 * side. Random weights (the speed does not depend on them) on a random picture made by sharp, so that
 * no tensor holds a print-size picture. A 64 px pass first compiles the kernels, uncounted; `ms`
 * then counts the first picture of its size (onnxruntime builds that size's graphs and sessions in
 * it) and `msAgain` the same picture once more. The 6000×4000 case takes about 14 minutes on wasm.
 */
interface BenchCase {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /** Forced tiling, else the defaults `pastiche fast --full` uses. */
  readonly tile?: number;
}

/** The backends compared: a case runs in one process per backend, PASTICHE_BACKEND naming it. */
const BACKENDS = ['onnxruntime', 'wasm'] as const;

const CASES: readonly BenchCase[] = [
  { name: '512x512', width: 512, height: 512 },
  { name: '1024x1024', width: 1024, height: 1024 },
  { name: '1024x1024-tiled', width: 1024, height: 1024, tile: 512 },
  { name: '6000x4000-tiled', width: 6000, height: 4000 },
];

/** Noise at 1/16 of the size, enlarged: structure at several scales, like a photo's. */
async function randomPicture(width: number, height: number): Promise<RgbImage> {
  const [w, h] = [Math.ceil(width / 16), Math.ceil(height / 16)];
  const noise = Buffer.from(Array.from({ length: w * h * 3 }, (_, i) => (i * 2654435761) % 251));
  const { data } = await sharp(noise, { raw: { width: w, height: h, channels: 3 } })
    .resize(width, height, { kernel: 'cubic', fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return rgbImage(width, height, new Uint8Array(data.buffer, data.byteOffset, data.length));
}

async function measure(benchCase: BenchCase, tile: number | undefined): Promise<object> {
  const backend = await selectBackend();
  const network = await testStylizer(checkpointWeights(randomCheckpoint(1)));
  const warmUp = await randomPicture(64, 64);
  await paintPicture(network, warmUp, resolveFeedforwardSettings({ style: 'bench', size: null }, warmUp, Infinity));
  const picture = await randomPicture(benchCase.width, benchCase.height);
  const tiled = benchCase.tile !== undefined || picture.width * picture.height > STATISTICS_MAX_PIXELS;
  const tiling = tile !== undefined && tiled ? tile : benchCase.tile;
  // The default tiles of a run on this backend (feedforwardRun).
  const defaultTile = nativeGradientRuntime() ? NATIVE_DEFAULT_TILE : DEFAULT_TILE;
  const request = { style: 'bench', size: null, tile: tiling };
  const settings = resolveFeedforwardSettings(request, picture, Infinity, defaultTile);
  const stamps: number[] = [];
  let statisticsStarted: number | null = null;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const result = await paintPicture(network, picture, settings, {
    onStatistics: () => (statisticsStarted = performance.now()),
    onTile: () => stamps.push(performance.now()),
  });
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  if (result.status !== 'done') throw new Error('the benchmark was cancelled');
  const encodeStarted = performance.now();
  await encodeImage(result.image, { format: 'png' });
  const msPngEncode = performance.now() - encodeStarted;
  // Tiles after the first, timed between their reports; the first one's time also holds the statistics pass.
  const intervals = stamps
    .slice(1)
    .map((t, i) => t - stamps[i])
    .sort((a, b) => a - b);
  const msPerTile = intervals.length > 0 ? intervals[Math.floor(intervals.length / 2)] : ms;
  const againStarted = performance.now();
  if (tileCount(settings) <= 4) await paintPicture(network, picture, settings);
  const msAgain = tileCount(settings) <= 4 ? Math.round(performance.now() - againStarted) : null;
  network.dispose();
  return {
    case: benchCase.name,
    backend: backend.name,
    backendDescription: backend.description,
    width: settings.width,
    height: settings.height,
    tile: settings.tile,
    overlap: settings.overlap,
    tiles: tileCount(settings),
    ms: Math.round(ms),
    msAgain,
    // Processor time of all this process's threads in the first picture: less disturbed by a loaded
    // machine than wall time (on an idle machine, wall ≈ cpu / threads where the work parallelises).
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    msStatisticsPass: statisticsStarted === null ? 0 : Math.round(stamps[0] - statisticsStarted - msPerTile),
    msPerTileMedian: Math.round(msPerTile),
    msPngEncode: Math.round(msPngEncode),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    numTensorsAfter: tf.memory().numTensors,
  };
}

const argument = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const tile = argument('--tile') === undefined ? undefined : Number(argument('--tile'));
const caseName = argument('--case');
if (caseName) {
  process.stdout.write(
    JSON.stringify(
      await measure(
        CASES.find((c) => c.name === caseName)!,
        tile,
      ),
    ),
  );
} else {
  const chosen = CASES.filter((c) => [undefined, c.name].includes(argument('--only')));
  const backends = BACKENDS.filter((b) => [undefined, b as string].includes(argument('--backend')));
  const tileArguments = tile === undefined ? [] : ['--tile', String(tile)];
  const run = (c: BenchCase, backend: string) =>
    JSON.parse(
      execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--case', c.name, ...tileArguments], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, PASTICHE_BACKEND: backend },
      }),
    );
  const results = chosen.flatMap((c) => backends.map((backend) => run(c, backend)));
  console.log(
    JSON.stringify(
      {
        benchmark: 'fast style network (Johnson et al.), random weights',
        machine: { cpus: cpus().length, node: process.version },
        results,
      },
      null,
      2,
    ),
  );
}
