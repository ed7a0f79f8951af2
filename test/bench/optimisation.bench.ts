import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RgbImage } from '../../engine/common/image.js';
import { tensorToImage } from '../../engine/common/imageTensor.js';
import { featureNetwork } from '../../engine/common/networks/featureNetwork.js';
import { randomWeights } from '../../engine/common/networks/randomWeights.js';
import { VGG19 } from '../../engine/common/networks/vgg.js';
import { NEURAL_STYLE_DEFAULTS, resolveSettings } from '../../engine/common/stylize/settings.js';
import { stylize } from '../../engine/common/stylize/stylize.js';
import { selectBackend } from '../../engine/node/backend.js';
import { syntheticImage } from '../helpers/tf.js';

/**
 * `npm run bench`: milliseconds per optimisation iteration — VGG-19 forward and backward to the
 * image, style conv1_1…conv5_1, content conv4_2, neural-style's weights — at 256 and 512 px on the
 * backend in use, with each size's peak memory. Each size runs in its own process so its peak
 * resident memory is its own. Adam makes exactly one evaluation per iteration, which is the unit
 * measured; the first iteration (warm-up, kernel compilation) is not counted.
 */
const SIZES = [256, 512];
const ITERATIONS = 4;

async function measure(size: number): Promise<object> {
  const backend = await selectBackend();
  const network = featureNetwork('vgg19-random', VGG19, randomWeights(VGG19, 0));
  const picture = (seed: number): RgbImage => {
    const tensor = syntheticImage(size, size, seed);
    const image = tensorToImage(tensor);
    tensor.dispose();
    return image;
  };
  const settings = resolveSettings({ ...NEURAL_STYLE_DEFAULTS, size, iterations: ITERATIONS, optimizer: { name: 'adam', learningRate: 10, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } });
  const stamps: number[] = [];
  const started = performance.now();
  await stylize({ network, settings, content: picture(1), styles: [picture(2)], onProgress: ({ iteration }) => iteration > 0 && stamps.push(performance.now()) });
  const perIteration = stamps.slice(1).map((t, i) => t - stamps[i]).sort((a, b) => a - b);
  return {
    size,
    backend: backend.name,
    backendDescription: backend.description,
    msPerIteration: Math.round(perIteration[Math.floor(perIteration.length / 2)]),
    msPerIterationAll: perIteration.map(Math.round),
    msSetupAndFirstIteration: Math.round(stamps[0] - started),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    numTensorsAfter: tf.memory().numTensors,
  };
}

const sizeArgument = process.argv.indexOf('--size');
if (sizeArgument > 0) {
  process.stdout.write(JSON.stringify(await measure(Number(process.argv[sizeArgument + 1]))));
} else {
  const results = SIZES.map((size) => JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--size', String(size)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })));
  console.log(JSON.stringify({ benchmark: 'optimisation iteration, VGG-19 (vgg19-random)', machine: { cpus: (await import('node:os')).cpus().length, node: process.version }, results }, null, 2));
}
