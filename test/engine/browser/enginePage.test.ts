import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { LossEvaluationRequest } from '../../../engine/common/api/computeProtocol.js';
import {
  connectCompute,
  type DeviceNetwork,
  type RemoteCompute,
} from '../../../engine/common/compute/computeClient.js';
import { evaluateStyleTransfer } from '../../../engine/common/compute/lossEvaluation.js';
import type { RgbImage } from '../../../engine/common/image.js';
import { tensorToImage } from '../../../engine/common/imageTensor.js';
import { resolveSettings } from '../../../engine/common/stylize/settings.js';
import { featureNetwork, type FeatureNetwork } from '../../../engine/common/networks/featureNetwork.js';
import { loadNetwork, type LoadedNetwork } from '../../../engine/node/networks/registry.js';
import { enginePageSkipReason, openEnginePage, type EnginePage } from '../../helpers/enginePage.js';
import { syntheticImage, useTestBackend } from '../../helpers/tf.js';

const skip = enginePageSkipReason();
const PREFIX = ['conv1_1', 'conv1_2', 'conv2_1', 'conv2_2', 'conv3_1'];

/**
 * Float32 on both sides, but a GPU sums in another order (and WebGL's shaders compute exp/log and
 * their own reductions): on VGG-19 each loss term is a sum of ~10⁵ squared differences of activations
 * around 250, so rounding alone leaves relative differences of ~1e-5–1e-4. 1e-3 allows for that and
 * still fails on any wrong layer, weight or preprocessing, which changes the terms by far more.
 */
const RELATIVE_TOLERANCE = 1e-3;

describe("the engine window's page in headless Chromium (WebGL, software rendering)", { skip }, () => {
  let engine: EnginePage;
  let device: RemoteCompute;
  let loaded: LoadedNetwork;
  let network: DeviceNetwork;
  let prefixNetwork: FeatureNetwork;

  before(async () => {
    await useTestBackend();
    loaded = await loadNetwork('vgg19-random', mkdtempSync(join(tmpdir(), 'pastiche-models-')));
    // Blocks 1–3 (a network may hold a prefix of its architecture): Playwright's bridge carries the
    // weights as base64 at a few MB/s, where the desktop's MessagePorts move all of VGG-19 at once.
    const weights = new Map([...loaded.weights].filter(([layer]) => PREFIX.includes(layer)));
    network = {
      key: `${loaded.summary.weightsSha256}:blocks1-3`,
      name: loaded.network.name,
      architecture: loaded.network.architecture,
      weights,
    };
    prefixNetwork = featureNetwork(loaded.network.name, loaded.network.architecture, weights);
    engine = await openEnginePage();
    device = connectCompute(engine.port);
  });

  after(async () => {
    // The prefix network shares the loaded network's weights, which it disposes.
    loaded?.network.dispose();
    await engine?.browser.close();
    assert.deepEqual(engine?.errors ?? [], [], 'the page threw');
  });

  it('starts WebGL, not a fallback', async () => {
    const backend = await device.backend();
    assert.equal(
      backend.name,
      'webgl',
      `the page started ${backend.name} (${backend.description}): WebGL must start in headless Chromium with ` +
        `--disable-gpu (SwiftShader)`,
    );
    assert.match(backend.description, /^WebGL 2 on /);
    assert.doesNotMatch(backend.description, /16-bit/, 'float32 textures: the comparison below assumes them');
  });

  it(
    "offers no GPU backend on a software rasteriser, as the studio's window opens it (the engine then computes " +
      'natively)',
    async () => {
      const studioWindow = await openEnginePage({ acceptSoftwareRendering: false });
      try {
        const backend = await connectCompute(studioWindow.port).backend();
        assert.equal(backend.name, 'cpu', `SwiftShader's ${backend.description} must not be taken for a GPU`);
      } finally {
        await studioWindow.browser.close();
      }
    },
  );

  it("computes VGG-19's content, style and TV terms and the gradient as Node does, within 1e-3", async () => {
    const request: LossEvaluationRequest = {
      settings: resolveSettings({
        size: 64,
        contentLayers: ['conv3_1'],
        styleLayers: ['conv1_1', 'conv2_1', 'conv3_1'].map((layer) => ({ layer, weight: 1 })),
      }),
      content: image(64, 1),
      styles: [image(64, 2)],
      image: image(64, 3),
    };
    const inNode = await evaluateStyleTransfer(prefixNetwork, request);
    const onGpu = await device.evaluate(network, request);
    const report = (['content', 'style', 'tv', 'total'] as const)
      .map((term) => `${term} ${inNode.loss[term].toPrecision(7)} / ${onGpu.loss[term].toPrecision(7)}`)
      .join(', ');
    console.log(`# wasm / webgl: ${report}`);
    for (const term of ['content', 'style', 'tv', 'total'] as const) {
      assert.ok(inNode.loss[term] > 0, `the ${term} term is positive`);
      assert.ok(relative(onGpu.loss[term], inNode.loss[term]) <= RELATIVE_TOLERANCE, `${term}: ${report}`);
    }
    const [nodeNorm, gpuNorm] = [norm(inNode.gradient), norm(onGpu.gradient)];
    const cosine = dot(inNode.gradient, onGpu.gradient) / (nodeNorm * gpuNorm);
    console.log(`# gradient norm ${nodeNorm.toPrecision(7)} / ${gpuNorm.toPrecision(7)}, cosine ${cosine}`);
    assert.equal(onGpu.gradient.length, 64 * 64 * 3);
    assert.ok(relative(gpuNorm, nodeNorm) <= RELATIVE_TOLERANCE, `gradient norms ${nodeNorm} and ${gpuNorm}`);
    assert.ok(cosine >= 1 - RELATIVE_TOLERANCE, `the gradients point the same way (cosine ${cosine})`);
  });

  it(
    "stylizes through the protocol: progress for every iteration, previews awaited, the result at the photo's " +
      'size',
    async () => {
      const settings = resolveSettings({
        size: 32,
        iterations: 3,
        previewEvery: 2,
        contentLayers: ['conv2_1'],
        styleLayers: ['conv1_1', 'conv2_1'].map((layer) => ({ layer, weight: 1 })),
      });
      const progress: number[] = [];
      const previews: string[] = [];
      const result = await device.descend(
        network,
        { kind: 'stylize', settings, content: image(32, 4), styles: [image(32, 5)] },
        {
          onProgress: ({ iteration }) => void progress.push(iteration),
          onPreview: async ({ iteration, image }) => {
            await new Promise((resolve) => setTimeout(resolve, 50));
            previews.push(`${iteration}: ${image.width}×${image.height}, ${progress.length} progress events`);
          },
        },
      );
      assert.deepEqual(progress, [0, 1, 2, 3]);
      // The page waited for the preview to be kept before iteration 3.
      assert.deepEqual(previews, ['2: 32×32, 3 progress events']);
      assert.equal(result.status, 'done');
      assert.equal(result.iterationsDone, 3);
      assert.deepEqual([result.image.width, result.image.height, result.image.data.length], [32, 32, 32 * 32 * 3]);
      assert.ok(
        result.finalLoss.total < result.initialLoss.total,
        `the loss fell: ${result.initialLoss.total} → ${result.finalLoss.total}`,
      );
    },
  );

  it('stops a cancelled descent after its current iteration, answering with the image it reached', async () => {
    const settings = resolveSettings({
      size: 32,
      iterations: 200,
      previewEvery: 0,
      contentLayers: ['conv2_1'],
      styleLayers: ['conv1_1', 'conv2_1'].map((layer) => ({ layer, weight: 1 })),
    });
    const controller = new AbortController();
    const progress: number[] = [];
    const result = await device.descend(
      network,
      { kind: 'stylize', settings, content: image(32, 6), styles: [image(32, 7)] },
      {
        signal: controller.signal,
        onProgress: ({ iteration }) => {
          progress.push(iteration);
          if (iteration === 2) controller.abort();
        },
      },
    );
    assert.equal(result.status, 'cancelled');
    assert.ok(
      result.iterationsDone >= 2 && result.iterationsDone < 200,
      `stopped after ${result.iterationsDone} iterations`,
    );
    assert.equal(progress.at(-1), result.iterationsDone);
    assert.deepEqual([result.image.width, result.image.height], [32, 32]);
    // Not the nearly flat noise start (the mean pixel ± 0.001): the image the descent reached.
    const grey = new Set(result.image.data);
    assert.ok(grey.size > 20, `the result has ${grey.size} distinct values`);
  });
});

function image(size: number, seed: number): RgbImage {
  const pixels = syntheticImage(size, size, seed);
  try {
    return tensorToImage(pixels);
  } finally {
    pixels.dispose();
  }
}

function relative(value: number, reference: number): number {
  return Math.abs(value - reference) / Math.abs(reference);
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

function norm(values: Float32Array): number {
  return Math.sqrt(dot(values, values));
}
