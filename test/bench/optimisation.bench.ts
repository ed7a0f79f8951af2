import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { randomWeights } from '../../engine/common/networks/randomWeights.js';
import { VGG19 } from '../../engine/common/networks/vgg.js';
import { NEURAL_STYLE_DEFAULTS, resolveSettings } from '../../engine/common/stylize/settings.js';
import { stylize } from '../../engine/common/stylize/stylize.js';
import { selectBackend } from '../../engine/node/backend.js';
import { syntheticPicture, testNetwork } from '../helpers/tf.js';
import { pythonWithTorch } from './peer/pythonWithTorch.js';

/**
 * `npm run bench`: milliseconds per optimisation iteration — VGG-19 forward and backward to the
 * image, style conv1_1…conv5_1, content conv4_2, neural-style's weights — at 256 and 512 px on each
 * backend present here, and the same iteration in PyTorch on the CPU (the peer an engineer would
 * use: test/bench/peer/pytorchIteration.py) where `import torch` works, with each one's peak memory.
 * Each measurement runs in its own process, one after the other, so its peak resident memory is its
 * own and no two share the cores. Adam makes exactly one evaluation per iteration, the unit
 * measured; the first iteration (warm-up, kernel compilation, session creation) is not counted.
 */
const SIZES = [256, 512];
// `--backends onnxruntime/webgpu,onnxruntime/cpu` measures those (a provider each); plain onnxruntime is the best here.
const BACKENDS = process.argv.includes('--backends') ? argumentAfter('--backends').split(',') : ['onnxruntime', 'wasm'];
const ITERATIONS = 4;
const PEER_THREADS = cpus().length;

async function measure(size: number, backendName: string): Promise<object> {
  const backend = await selectBackend(backendName);
  const network = testNetwork('vgg19-random', VGG19, randomWeights(VGG19, 0));
  const picture = (seed: number) => syntheticPicture(size, size, seed);
  const settings = resolveSettings({
    ...NEURAL_STYLE_DEFAULTS,
    size,
    iterations: ITERATIONS,
    optimizer: { name: 'adam', learningRate: 10, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  });
  const stamps: number[] = [];
  const started = performance.now();
  await stylize({
    network,
    settings,
    content: picture(1),
    styles: [picture(2)],
    onProgress: ({ iteration }) => iteration > 0 && stamps.push(performance.now()),
  });
  const perIteration = stamps
    .slice(1)
    .map((t, i) => t - stamps[i])
    .sort((a, b) => a - b);
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

function peer(python: string, size: number): { msPerIteration: number; peakRssMiB: number } {
  const script = fileURLToPath(new URL('../../../test/bench/peer/pytorchIteration.py', import.meta.url));
  return JSON.parse(
    execFileSync(python, [script, String(size), String(ITERATIONS), String(PEER_THREADS)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
}

function child(size: number, backend: string): { msPerIteration: number; peakRssMiB: number } {
  return JSON.parse(
    execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--size', String(size), '--backend', backend], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
}

function argumentAfter(name: string): string {
  return process.argv[process.argv.indexOf(name) + 1];
}
const argument = argumentAfter;
if (process.argv.includes('--size')) {
  process.stdout.write(JSON.stringify(await measure(Number(argument('--size')), argument('--backend'))));
} else {
  const python = pythonWithTorch();
  if (!python)
    console.error(
      'NOTICE: PyTorch is not installed here (python3 -c "import torch" fails), so the peer is left out; on Debian: ' +
        'apt-get install python3-torch',
    );
  const results = SIZES.map((size) => {
    const pastiche = Object.fromEntries(BACKENDS.map((backend) => [backend, child(size, backend)]));
    const pytorch = python ? peer(python, size) : null;
    const fastest = Math.min(...Object.values(pastiche).map((r) => r.msPerIteration));
    return {
      size,
      pastiche,
      pytorchCpu: pytorch,
      fastestOverPytorch: pytorch ? Number((fastest / pytorch.msPerIteration).toFixed(3)) : null,
    };
  });
  console.log(
    JSON.stringify(
      {
        benchmark: 'optimisation iteration, VGG-19 to conv5_1 (random weights), Pastiche vs PyTorch CPU',
        machine: { cpus: cpus().length, node: process.version },
        results,
      },
      null,
      2,
    ),
  );
}
