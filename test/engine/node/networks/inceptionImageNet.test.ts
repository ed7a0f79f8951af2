import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { imageToTensor } from '../../../../engine/common/imageTensor.js';
import { styleTransferLoss, styleTransferTargets } from '../../../../engine/common/losses/styleTransferLoss.js';
import { INCEPTION_V3 } from '../../../../engine/common/networks/inception3.js';
import { featureNetwork } from '../../../../engine/common/networks/featureNetwork.js';
import { networkDefaults } from '../../../../engine/common/stylize/presets.js';
import { NEURAL_STYLE_DEFAULTS, resolveSettings } from '../../../../engine/common/stylize/settings.js';
import { stylize } from '../../../../engine/common/stylize/stylize.js';
import { readImage, writeImage } from '../../../../engine/node/image/imageIO.js';
import { readBundledKerasNetwork } from '../../../../engine/node/networks/nsfwjsInception.js';
import { fileLookup, inceptionFiles } from '../../../helpers/nsfwjs.js';
import { SHARED, TEST_RESULTS, sharedSkipReason } from '../../../helpers/shared.js';
import { assertGradient, syntheticImage, testNetwork, useTestBackend } from '../../../helpers/tf.js';

const backend = await useTestBackend();
const weights = readBundledKerasNetwork(fileLookup(await inceptionFiles()), INCEPTION_V3);
/**
 * The network as the registry builds it (on onnxruntime its gradients fall back to TensorFlow.js: Inception branches).
 */
const network = testNetwork('inception3-imagenet', INCEPTION_V3, weights);
function settingsAt(size: number, iterations = 1) {
  const defaults = networkDefaults(INCEPTION_V3);
  return resolveSettings({ ...NEURAL_STYLE_DEFAULTS, network: network.name, size, iterations, ...defaults });
}

describe(`Inception-v3 ImageNet (nsfwjs's frozen layers) on ${backend.name}`, () => {
  it(
    'gives the gradient of its default style and content loss that finite differences give inside the mirrored ' +
      'frame',
    async () => {
      // neural-style's α and β, not the network's: a loss of ~10⁷ leaves float32 differences too coarse.
      const settings = { ...settingsAt(64), contentWeight: 5, styleWeight: 100 };
      const [content, style, image] = [1, 2, 3].map((seed) =>
        tf.tidy(() => network.preprocess(syntheticImage(64, 64, seed))),
      );
      const targets = await styleTransferTargets(network, settings, content, [style]);
      const loss = styleTransferLoss(network, settings, targets);
      // Pixels 22 or more from the edge have no mirrored copy, so there the cropping gradient is exact.
      const interior = tf.pad(tf.ones([1, 20, 20, 3]), [
        [0, 0],
        [22, 22],
        [22, 22],
        [0, 0],
      ]) as tf.Tensor4D;
      assertGradient((x) => loss(tf.add(image, tf.mul(x, interior)) as tf.Tensor4D).total, tf.zerosLike(image), {
        step: 0.05,
        seed: 7,
        tolerance: 5e-2,
      });
      // lossAndGradient is what the optimiser calls: natively where a backend can, by autodiff otherwise.
      const { gradient } = await network.lossAndGradient(
        image,
        [...new Set([...settings.contentLayers, ...settings.styleLayers.map((s) => s.layer)])],
        'max',
        (activations, x) => {
          const shim = { ...network, activations: () => new Map(activations) };
          return styleTransferLoss(shim, settings, targets)(x).total;
        },
      );
      const autodiff = tf.grad((x: tf.Tensor) => loss(x as tf.Tensor4D).total)(image);
      const relative = tf.tidy(() => tf.div(tf.norm(tf.sub(gradient, autodiff)), tf.norm(autodiff)).dataSync()[0]);
      assert.ok(relative < 1e-4, `lossAndGradient against autodiff: ${relative}`);
      tf.dispose([gradient, autodiff, content, style, image, interior]);
      targets.dispose();
    },
  );

  it('reaches the image’s border as it reaches its interior, where without the frame it barely does', async () => {
    // No smoothness term: its gradient reaches every pixel alike and would hide what the network's does.
    const settings = { ...settingsAt(96), tvWeight: 0 };
    const unpadded = featureNetwork('unpadded', { ...INCEPTION_V3, inputPadding: undefined }, weights);
    const [content, style, image] = [4, 5, 6].map((seed) =>
      tf.tidy(() => network.preprocess(syntheticImage(96, 96, seed))),
    );
    const ratios = [];
    for (const net of [network, unpadded]) {
      const targets = await styleTransferTargets(net, settings, content, [style]);
      const loss = styleTransferLoss(net, settings, targets);
      ratios.push(
        tf.tidy(() => {
          const magnitude = tf.sum(
            tf.abs(tf.grad((x: tf.Tensor) => loss(x as tf.Tensor4D).total)(image)),
            [0, 3],
          ) as tf.Tensor2D;
          // The outermost 2 px against the rest: the unpadded network sees its very edge through one corner tap.
          const inner = tf.slice(magnitude, [2, 2], [92, 92]);
          const border = (tf.sum(magnitude).dataSync()[0] - tf.sum(inner).dataSync()[0]) / (96 * 96 - 92 * 92);
          return border / tf.mean(inner).dataSync()[0];
        }),
      );
      targets.dispose();
    }
    console.log(
      `# border/interior gradient magnitude: ${ratios[0].toFixed(3)} with the mirrored frame, ` +
        `${ratios[1].toFixed(3)} without`,
    );
    assert.ok(ratios[0] > 0.5 && ratios[0] < 2, `with the frame: ${ratios[0]}`);
    assert.ok(ratios[1] < 0.5 * ratios[0], `without the frame: ${ratios[1]}`);
    tf.dispose([content, style, image]);
    // Only the convolutions' prepared kernels: the weights are shared with the padded network.
  });

  const neckarStarry = { skip: sharedSkipReason('images/content/tubingen.jpg', 'images/style/starry_night.jpg') };
  it(
    'weighs its style layers so the deeper ones start near each other; unweighted, the first is all',
    neckarStarry,
    async () => {
      const read = (file: string) => readImage(join(SHARED, 'images', file), { longSide: 128 });
      const [photo, painting] = await Promise.all(['content/tubingen.jpg', 'style/starry_night.jpg'].map(read));
      const [content, style] = [photo, painting].map((image) =>
        tf.tidy(() => network.preprocess(imageToTensor(image))),
      );
      /** Each style layer's weighted Gram loss of the photo against the painting: where a run from the photo starts. */
      const starts = [];
      for (const styleLayer of settingsAt(128).styleLayers) {
        const settings = { ...settingsAt(128), contentLayers: [], styleLayers: [styleLayer], styleWeight: 1 };
        const targets = await styleTransferTargets(network, settings, content, [style]);
        starts.push(tf.tidy(() => styleTransferLoss(network, settings, targets)(content).style.dataSync()[0]));
        targets.dispose();
      }
      const spread = (terms: number[]) => Math.max(...terms) / Math.min(...terms);
      const unweighted = starts.map((term, i) => term / settingsAt(128).styleLayers[i].weight);
      const shown = starts.map((t) => t.toExponential(1)).join(', ');
      console.log(`# starting Gram losses per default style layer, weighted: ${shown}`);
      // activation_1, which carries the palette, leads; the layers that paint strokes start within 10× of each other.
      assert.ok(spread(starts.slice(1)) < 10, `weighted spread of the deeper layers ${spread(starts.slice(1))}`);
      assert.ok(starts[0] === Math.max(...starts) && starts[0] < 1e3 * Math.min(...starts), `weighted: ${shown}`);
      assert.ok(spread(unweighted) > 1e3, `unweighted spread ${spread(unweighted)}`);
      tf.dispose([content, style]);
    },
  );

  it(
    'paints the Tübingen photo in the style of The Starry Night, its loss falling',
    { skip: sharedSkipReason('images/content/tubingen.jpg', 'images/style/starry_night.jpg') },
    async () => {
      const content = await readImage(join(SHARED, 'images/content/tubingen.jpg'), { longSide: 96 });
      const style = await readImage(join(SHARED, 'images/style/starry_night.jpg'), { longSide: 96 });
      const result = await stylize({
        network,
        settings: { ...settingsAt(96, 30), init: 'noise' },
        content,
        styles: [style],
      });
      mkdirSync(TEST_RESULTS, { recursive: true });
      await writeImage(result.image, join(TEST_RESULTS, `inception3-tubingen-starry-night-96-${backend.name}.png`));
      assert.ok(
        result.finalLoss.total < 0.5 * result.initialLoss.total,
        `loss ${result.initialLoss.total} → ${result.finalLoss.total}`,
      );
    },
  );
});
