import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RgbImage } from '../../../../engine/common/image.js';
import { imageToTensor, tensorToImage } from '../../../../engine/common/imageTensor.js';
import { gramMatrix } from '../../../../engine/common/losses/style.js';
import type { FeatureNetwork } from '../../../../engine/common/networks/featureNetwork.js';
import { randomWeights } from '../../../../engine/common/networks/randomWeights.js';
import { VGG19 } from '../../../../engine/common/networks/vgg.js';
import {
  NEURAL_STYLE_DEFAULTS,
  resolveSettings,
  type StylizeSettings,
} from '../../../../engine/common/stylize/settings.js';
import { stylize } from '../../../../engine/common/stylize/stylize.js';
import { syntheticImage, testNetwork, useTestBackend } from '../../../helpers/tf.js';

const backend = await useTestBackend();
const vgg19 = testNetwork('vgg19-random', VGG19, randomWeights(VGG19, 0));

function picture(size: number, seed: number): RgbImage {
  const tensor = syntheticImage(size, size, seed);
  const image = tensorToImage(tensor);
  tensor.dispose();
  return image;
}
const settings = (given: Partial<StylizeSettings>) => resolveSettings({ ...NEURAL_STYLE_DEFAULTS, ...given });

/** Relative distance between the Gram matrices of two images at a layer. */
function gramDistance(network: FeatureNetwork, a: RgbImage, b: RgbImage, layer: string): number {
  return tf.tidy(() => {
    const gram = (image: RgbImage) =>
      gramMatrix(network.activations(network.preprocess(imageToTensor(image)), [layer], 'max').get(layer)!);
    return tf.div(tf.norm(tf.sub(gram(a), gram(b))), tf.norm(gram(b))).dataSync()[0];
  });
}

describe(`stylize (Gatys et al. on the embedded VGG-19), on ${backend.name}`, () => {
  it(
    'halves the total loss of a 64-px stylization with ' + 'the default layers and L-BFGS, without leaking tensors',
    async () => {
      const tensorCounts: number[] = [];
      const before = tf.memory().numTensors;
      const result = await stylize({
        network: vgg19,
        settings: settings({ size: 64, iterations: 25 }),
        content: picture(64, 1),
        styles: [picture(64, 2)],
        onProgress: ({ iteration }) => iteration > 0 && tensorCounts.push(tf.memory().numTensors),
      });
      assert.equal(tf.memory().numTensors, before, 'every tensor is freed when the run ends');
      assert.equal(result.status, 'done');
      assert.equal(result.iterationsDone, 25);
      assert.ok(
        result.finalLoss.total <= 0.5 * result.initialLoss.total,
        `loss ${result.initialLoss.total} → ${result.finalLoss.total}`,
      );
      assert.deepEqual([result.image.width, result.image.height], [64, 64]);
      // L-BFGS keeps one (s, y) pair per iteration until its history is full; nothing else may grow.
      const growth = tensorCounts.slice(1).map((count, i) => count - tensorCounts[i]);
      assert.ok(
        growth.every((g) => g <= 2),
        `tensor count grew by ${growth.join(',')}`,
      );
    },
  );

  // conv1_1's activations are ~5× smaller than deeper layers' (as in the pretrained VGG), so its
  // Gram loss weighs ~1000× less; the per-layer weights balance that, as Gatys et al.'s wₗ are for.
  // Measured: 2.7%, 2.8%, 3.6% after 200 iterations; another picture is 52%, 34%, 24% away.
  it('matches the style image’s Gram matrices from noise when only style counts', async () => {
    const style = picture(32, 11);
    const another = picture(32, 12);
    const layers = ['conv1_1', 'conv2_1', 'conv3_1'];
    const result = await stylize({
      network: vgg19,
      content: another,
      styles: [style],
      settings: settings({
        size: 32,
        iterations: 200,
        contentWeight: 0,
        tvWeight: 0,
        contentLayers: [],
        styleLayers: layers.map((layer, i) => ({ layer, weight: i === 0 ? 100 : 1 })),
      }),
    });
    for (const layer of layers) {
      const distance = gramDistance(vgg19, result.image, style, layer);
      assert.ok(distance < 0.06, `${layer}: Gram matrices differ by ${(distance * 100).toFixed(1)}%`);
      assert.ok(
        distance < 0.2 * gramDistance(vgg19, another, style, layer),
        `${layer}: not much closer to the style than another picture`,
      );
    }
  });

  it('reconstructs the photo from noise when only content at a shallow layer counts', async () => {
    const content = picture(48, 21);
    const result = await stylize({
      network: vgg19,
      content,
      styles: [picture(48, 22)],
      settings: settings({
        size: 48,
        iterations: 60,
        styleWeight: 0,
        tvWeight: 0,
        contentLayers: ['conv1_2'],
        styleLayers: [],
      }),
    });
    const pixelError = tf.tidy(
      () => tf.sqrt(tf.mean(tf.squaredDifference(imageToTensor(result.image), imageToTensor(content)))).dataSync()[0],
    );
    const spread = tf.tidy(() => tf.moments(imageToTensor(content)).variance.sqrt().dataSync()[0]);
    assert.ok(
      pixelError < 0.15 * spread,
      `RMS pixel error ${pixelError.toFixed(2)} against a spread of ${spread.toFixed(2)}`,
    );
  });

  it('holds a constant number of tensors once the L-BFGS history is full', async () => {
    const tensorCounts: number[] = [];
    await stylize({
      network: vgg19,
      settings: settings({ size: 32, iterations: 10, optimizer: { name: 'lbfgs', historySize: 3 } }),
      content: picture(32, 1),
      styles: [picture(32, 2)],
      onProgress: ({ iteration }) => iteration > 0 && tensorCounts.push(tf.memory().numTensors),
    });
    assert.deepEqual(new Set(tensorCounts.slice(3)).size, 1, `tensor counts ${tensorCounts.join(',')}`);
  });

  it('descends with Adam too, with a constant number of tensors', async () => {
    const tensorCounts: number[] = [];
    const before = tf.memory().numTensors;
    const result = await stylize({
      network: vgg19,
      settings: settings({
        size: 32,
        iterations: 20,
        optimizer: { name: 'adam', learningRate: 10, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
      }),
      content: picture(32, 1),
      styles: [picture(32, 2)],
      onProgress: ({ iteration }) => iteration > 0 && tensorCounts.push(tf.memory().numTensors),
    });
    assert.ok(
      result.finalLoss.total < 0.8 * result.initialLoss.total,
      `loss ${result.initialLoss.total} → ${result.finalLoss.total}`,
    );
    assert.equal(new Set(tensorCounts).size, 1, `tensor counts ${tensorCounts.join(',')}`);
    assert.equal(tf.memory().numTensors, before);
  });

  it('stops when cancelled and keeps the image reached, with previews on the way', async () => {
    const abort = new AbortController();
    const previews: number[] = [];
    const result = await stylize({
      network: vgg19,
      settings: settings({ size: 32, iterations: 50, previewEvery: 2 }),
      content: picture(32, 1),
      styles: [picture(32, 2)],
      signal: abort.signal,
      onProgress: ({ iteration }) => {
        if (iteration === 5) abort.abort();
      },
      onPreview: ({ iteration }) => {
        previews.push(iteration);
      },
    });
    assert.equal(result.status, 'cancelled');
    assert.equal(result.iterationsDone, 5);
    assert.deepEqual(previews, [2, 4]);
    assert.ok(result.finalLoss.total < result.initialLoss.total);
  });

  it('starts from the content, or from a given image of the content’s size', async () => {
    const content = picture(32, 31);
    const fromContent = await stylize({
      network: vgg19,
      settings: settings({ size: 32, iterations: 0, init: 'content' }),
      content,
      styles: [picture(32, 2)],
    });
    assert.deepEqual(fromContent.image.data, content.data);
    await assert.rejects(
      stylize({
        network: vgg19,
        settings: settings({ size: 32, iterations: 1, init: 'image' }),
        content,
        styles: [picture(32, 2)],
        initImage: picture(16, 3),
      }),
      /starting image is 16×16, the content is 32×32/,
    );
  });
});
