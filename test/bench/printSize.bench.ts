import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { randomWeights } from '../../engine/common/networks/randomWeights.js';
import { VGG19 } from '../../engine/common/networks/vgg.js';
import { costModelFor, largestTile, optimisationBytes } from '../../engine/common/stylize/optimisationCost.js';
import { NEURAL_STYLE_DEFAULTS, resolveSettings } from '../../engine/common/stylize/settings.js';
import { stylize } from '../../engine/common/stylize/stylize.js';
import { selectBackend } from '../../engine/node/backend.js';
import { SHARED } from '../helpers/shared.js';
import { syntheticPicture, testNetwork } from '../helpers/tf.js';

/**
 * `npm run bench`, print sizes on the default backend (onnxruntime here), VGG-19 to conv5_1 (random
 * weights: cost does not depend on their values), neural-style's settings and L-BFGS:
 * - seconds to a finished 512-px result with the default schedule (`pastiche stylize --size 512
 *   --coarse-to-fine`, 1000 iterations shared 2:1 between 256 and 512 px), through the CLI as a
 *   person runs it, store and files included;
 * - peak resident memory optimising 512 and 1024 px in one piece (3 iterations, each in its own process);
 * - the largest square reachable in one piece within 16 GiB, by the engine's memory model fitted to
 *   those peaks, then run for 2 iterations to check its peak; larger prints are tiled.
 */
const LIMIT_BYTES = 16 * 2 ** 30;
const here = fileURLToPath(import.meta.url);
const cli = resolve(here, '../../../engine/node/cli/main.js');

/** Child mode: one stylization in one piece at `size`, its peak memory and speed. */
async function peak(size: number, iterations: number): Promise<object> {
  const backend = await selectBackend();
  const network = testNetwork('vgg19-random', VGG19, randomWeights(VGG19, 0));
  const picture = (seed: number) => syntheticPicture(size, size, seed);
  const settings = resolveSettings({ ...NEURAL_STYLE_DEFAULTS, size, iterations, previewEvery: 0 });
  const stamps: number[] = [];
  await stylize({
    network,
    settings,
    content: picture(1),
    styles: [picture(2)],
    onProgress: () => stamps.push(performance.now()),
  });
  const gaps = stamps.slice(2).map((t, i) => t - stamps[i + 1]);
  return {
    size,
    backend: backend.name,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    msPerIteration: Math.round(Math.min(...gaps)),
  };
}

function child(
  size: number,
  iterations: number,
): { size: number; backend: string; peakRssMiB: number; msPerIteration: number } {
  return JSON.parse(
    execFileSync(process.execPath, ['--max-old-space-size=8192', here, '--peak', String(size), String(iterations)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
}

/** The 512-px result as the CLI makes it with the default schedule, timed from the command's start to its exit. */
async function defaultScheduleAt512(): Promise<object> {
  const files = mkdtempSync(join(tmpdir(), 'pastiche-bench-'));
  const [content, style] = await Promise.all(
    ['content/tubingen.jpg', 'style/starry_night.jpg'].map(async (name, i) => {
      const shared = join(SHARED, 'images', name);
      if (existsSync(shared)) return shared;
      const file = join(files, `${i}.png`);
      const image = syntheticPicture(600, 800, i + 1);
      await sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } })
        .png()
        .toFile(file);
      return file;
    }),
  );
  const started = performance.now();
  const run = spawnSync(
    process.execPath,
    [
      cli,
      'stylize',
      '--content',
      content,
      '--style',
      style,
      '--size',
      '512',
      '--coarse-to-fine',
      '--out',
      join(files, 'result.png'),
      '--json',
    ],
    {
      encoding: 'utf8',
      env: { ...process.env, PASTICHE_HOME: join(files, 'home') },
      maxBuffer: 1 << 28,
    },
  );
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`pastiche stylize failed: ${run.stderr}`);
  const done = run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
    .find((event) => event.event === 'done');
  return {
    seconds: Math.round(seconds),
    images: { content, style },
    iterations: done?.iterations,
    backend: done?.backend,
    finalLoss: done?.finalLoss,
  };
}

const argument = process.argv.indexOf('--peak');
if (argument > 0) {
  process.stdout.write(
    JSON.stringify(await peak(Number(process.argv[argument + 1]), Number(process.argv[argument + 2]))),
  );
} else {
  await selectBackend();
  const peaks = [512, 1024].map((size) => child(size, 3));
  const settings = resolveSettings({ ...NEURAL_STYLE_DEFAULTS });
  const model = costModelFor(peaks[0].backend);
  const largest = largestTile(VGG19, settings, LIMIT_BYTES, model.memory);
  const checked = largest ? child(largest, 2) : null;
  const schedule512 = await defaultScheduleAt512();
  console.log(
    JSON.stringify(
      {
        benchmark: 'print sizes: VGG-19 to conv5_1, neural-style settings, L-BFGS',
        machine: { cpus: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
        secondsTo512WithDefaultSchedule: schedule512,
        peakMemory: peaks,
        largestInOnePieceWithin16GiB: {
          side: largest,
          estimatedBytesWithFullHistory:
            largest &&
            Math.round(optimisationBytes(VGG19, settings, { width: largest, height: largest }, model.memory)),
          measured: checked,
          beyond: 'tiled (--tile, or automatically when a stage does not fit)',
        },
      },
      null,
      2,
    ),
  );
}
