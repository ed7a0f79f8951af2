import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { resolveFeedforwardSettings } from '../../engine/common/fast/feedforwardSettings.js';

import { rgbImage, type RgbImage } from '../../engine/common/image.js';
import { selectBackend } from '../../engine/node/backend.js';
import { paintPicture, tileCount } from '../../engine/node/fast/paintPicture.js';
import { encodeImage } from '../../engine/node/image/imageIO.js';
import { checkpointWeights, randomCheckpoint, testStylizer } from '../helpers/fastStyle.js';

/**
 * `npm run bench` (after the optimisation benchmark), or `node dist/test/bench/fastStyle.bench.js
 * [--only NAME]`: milliseconds to stylize a picture with a fast style network (Johnson et al.) on the
 * backend in use — 512×512 and 1024×1024 in one piece, 1024×1024 in 512 px tiles (statistics exact,
 * from a whole-picture pass), and 6000×4000 in 512 px tiles (statistics from a 1 MP copy) — each in
 * its own process so that its peak resident memory is its own. Random weights (the speed does not
 * depend on them) on a random picture made by sharp, so that no tensor holds a print-size picture.
 * A 64 px pass first compiles the kernels, uncounted. The 6000×4000 case takes minutes on wasm.
 */
interface BenchCase {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /** Forced tiling, else the defaults `pastiche fast --full` uses. */
  readonly tile?: number;
}

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
  const { data } = await sharp(noise, { raw: { width: w, height: h, channels: 3 } }).resize(width, height, { kernel: 'cubic', fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  return rgbImage(width, height, new Uint8Array(data.buffer, data.byteOffset, data.length));
}

async function measure(benchCase: BenchCase): Promise<object> {
  const backend = await selectBackend();
  const network = await testStylizer(checkpointWeights(randomCheckpoint(1)));
  const warmUp = await randomPicture(64, 64);
  await paintPicture(network, warmUp, resolveFeedforwardSettings({ style: 'bench', size: null }, warmUp, Infinity));
  const picture = await randomPicture(benchCase.width, benchCase.height);
  const settings = resolveFeedforwardSettings({ style: 'bench', size: null, tile: benchCase.tile }, picture, Infinity);
  const stamps: number[] = [];
  let statisticsStarted: number | null = null;
  const started = performance.now();
  const result = await paintPicture(network, picture, settings, {
    onStatistics: () => (statisticsStarted = performance.now()),
    onTile: () => stamps.push(performance.now()),
  });
  const ms = performance.now() - started;
  if (result.status !== 'done') throw new Error('the benchmark was cancelled');
  const encodeStarted = performance.now();
  await encodeImage(result.image, { format: 'png' });
  const msPngEncode = performance.now() - encodeStarted;
  // Tiles after the first, timed between their reports; the first one's time also holds the statistics pass.
  const intervals = stamps.slice(1).map((t, i) => t - stamps[i]).sort((a, b) => a - b);
  const msPerTile = intervals.length > 0 ? intervals[Math.floor(intervals.length / 2)] : ms;
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
    msStatisticsPass: statisticsStarted === null ? 0 : Math.round(stamps[0] - statisticsStarted - msPerTile),
    msPerTileMedian: Math.round(msPerTile),
    msPngEncode: Math.round(msPngEncode),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    numTensorsAfter: tf.memory().numTensors,
  };
}

const only = process.argv.indexOf('--only');
const caseArgument = process.argv.indexOf('--case');
if (caseArgument > 0) {
  process.stdout.write(JSON.stringify(await measure(CASES.find((c) => c.name === process.argv[caseArgument + 1])!)));
} else {
  const chosen = only > 0 ? CASES.filter((c) => c.name === process.argv[only + 1]) : CASES;
  const results = chosen.map((c) => JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--case', c.name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })));
  console.log(JSON.stringify({ benchmark: 'fast style network (Johnson et al.), random weights', machine: { cpus: cpus().length, node: process.version }, results }, null, 2));
}
