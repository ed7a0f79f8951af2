import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { NetworkArchitecture } from '../../engine/common/networks/architecture.js';
import { featureNetwork } from '../../engine/common/networks/featureNetwork.js';
import { INCEPTION_V3 } from '../../engine/common/networks/inception3.js';
import { randomWeights } from '../../engine/common/networks/randomWeights.js';
import { VGG19 } from '../../engine/common/networks/vgg.js';
import { NEURAL_STYLE_DEFAULTS, resolveSettings } from '../../engine/common/stylize/settings.js';
import { stylize } from '../../engine/common/stylize/stylize.js';
import { nativeGradientRuntime, selectBackend } from '../../engine/node/backend.js';
import { withNativeGradient } from '../../engine/node/networks/nativeGradient.js';
import { syntheticPicture } from '../helpers/tf.js';

/**
 * `node dist/test/bench/nativeGradient.bench.js [size] [rounds]`: milliseconds per optimisation
 * iteration on the onnxruntime backend with the network's gradient in onnxruntime's graphs (native)
 * against TensorFlow.js's autodiff on its wasm backend (autodiff), for Inception-v3 to mixed5 and
 * VGG-19 (neural-style's layers). Each measurement is its own process, one after the other, and the
 * pairs alternate over `rounds`, so a neighbour's load on a shared machine shows as spread.
 */
const NETWORKS: Record<string, { architecture: NetworkArchitecture; content: string[]; style: string[] }> = {
  inception3: {
    architecture: INCEPTION_V3,
    content: ['mixed2'],
    style: [...INCEPTION_V3.defaultLayers.style, 'mixed5'],
  },
  vgg19: { architecture: VGG19, content: [...VGG19.defaultLayers.content], style: [...VGG19.defaultLayers.style] },
};
const MODES = ['native', 'autodiff'];
const ITERATIONS = 5;

async function measure(networkName: string, mode: string, size: number): Promise<object> {
  await selectBackend('onnxruntime');
  const { architecture, content, style } = NETWORKS[networkName];
  const weights = randomWeights(architecture, 0);
  const plain = featureNetwork(networkName, architecture, weights);
  const network = mode === 'native' ? withNativeGradient(plain, weights, nativeGradientRuntime()!) : plain;
  const settings = resolveSettings({
    ...NEURAL_STYLE_DEFAULTS,
    size,
    iterations: ITERATIONS,
    contentLayers: content,
    styleLayers: style.map((layer) => ({ layer, weight: 1 })),
    optimizer: { name: 'adam', learningRate: 10, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  });
  const stamps: number[] = [];
  await stylize({
    network,
    settings,
    content: syntheticPicture(size, size, 1),
    styles: [syntheticPicture(size, size, 2)],
    onProgress: ({ iteration }) => iteration > 0 && stamps.push(performance.now()),
  });
  const perIteration = stamps
    .slice(1)
    .map((t, i) => t - stamps[i])
    .sort((a, b) => a - b);
  return {
    network: networkName,
    mode,
    size,
    msPerIteration: Math.round(perIteration[Math.floor(perIteration.length / 2)]),
    all: perIteration.map(Math.round),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

const argument = (name: string) => process.argv[process.argv.indexOf(name) + 1];
if (process.argv.includes('--network')) {
  process.stdout.write(
    JSON.stringify(await measure(argument('--network'), argument('--mode'), Number(argument('--size')))),
  );
} else {
  const [size = '256', rounds = '2'] = process.argv.slice(2);
  for (let round = 0; round < Number(rounds); round++) {
    for (const network of Object.keys(NETWORKS))
      for (const mode of MODES) {
        const args = [fileURLToPath(import.meta.url), '--network', network, '--mode', mode, '--size', size];
        console.log(execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
      }
  }
}
