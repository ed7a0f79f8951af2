import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { imageToTensor } from '../../../../engine/common/imageTensor.js';
import { gramMatrix } from '../../../../engine/common/losses/style.js';
import { NEURAL_STYLE_DEFAULTS, resolveSettings } from '../../../../engine/common/stylize/settings.js';
import { stylize } from '../../../../engine/common/stylize/stylize.js';
import { readImage, writeImage } from '../../../../engine/node/image/imageIO.js';
import { loadNetwork } from '../../../../engine/node/networks/registry.js';
import { SHARED, TEST_RESULTS, sharedSkipReason } from '../../../helpers/shared.js';
import { useTestBackend } from '../../../helpers/tf.js';

const VGG = 'models/vgg19-imagenet-blocks1-3';
const skip = sharedSkipReason(VGG, 'images/content/tubingen.jpg', 'images/style/starry_night.jpg');

describe('real VGG-19 ImageNet weights, blocks 1–3 (../shared)', { skip }, () => {
  it('loads with the papers’ layer names and refuses the deeper layers it lacks', async () => {
    await useTestBackend();
    const { network } = await loadNetwork(join(SHARED, VGG), mkdtempSync(join(tmpdir(), 'pastiche-')));
    assert.deepEqual(network.layers, [
      'conv1_1',
      'conv1_2',
      'pool1',
      'conv2_1',
      'conv2_2',
      'pool2',
      'conv3_1',
      'conv3_2',
      'conv3_3',
      'conv3_4',
      'pool3',
    ]);
    assert.throws(
      () => network.checkLayers(['conv4_2']),
      /holds weights only up to pool3, so layer 'conv4_2' is not available/,
    );
    // ImageNet features respond to a photo: conv1_1's mean activation is tens (Caffe scale), not 0 or 1e6.
    const photo = await readImage(join(SHARED, 'images/content/tubingen.jpg'), { longSide: 96 });
    const mean = tf.tidy(
      () =>
        tf
          .mean(network.activations(network.preprocess(imageToTensor(photo)), ['conv1_1'], 'max').get('conv1_1')!)
          .dataSync()[0],
    );
    assert.ok(mean > 5 && mean < 200, `conv1_1 mean activation ${mean}`);
    network.dispose();
  });

  it('paints the Tübingen photo in the style of The Starry Night at 128 px', async () => {
    await useTestBackend();
    const { network } = await loadNetwork(join(SHARED, VGG), mkdtempSync(join(tmpdir(), 'pastiche-')));
    const content = await readImage(join(SHARED, 'images/content/tubingen.jpg'), { longSide: 128 });
    const style = await readImage(join(SHARED, 'images/style/starry_night.jpg'), { longSide: 128 });
    const settings = resolveSettings({
      ...NEURAL_STYLE_DEFAULTS,
      network: 'vgg19-imagenet-blocks1-3',
      size: 128,
      iterations: 40,
      init: 'content',
      contentLayers: ['conv3_2'],
      styleLayers: ['conv1_1', 'conv2_1', 'conv3_1'].map((layer) => ({ layer, weight: 1 })),
    });
    const result = await stylize({ network, settings, content, styles: [style] });
    mkdirSync(TEST_RESULTS, { recursive: true });
    await writeImage(result.image, join(TEST_RESULTS, 'shared-tubingen-starry-night-128.png'));
    assert.ok(
      result.finalLoss.total < 0.5 * result.initialLoss.total,
      `loss ${result.initialLoss.total} → ${result.finalLoss.total}`,
    );
    // The result's texture statistics moved towards the painting's, away from the photo's.
    const gramDistance = (a: typeof content, b: typeof content) =>
      tf.tidy(() => {
        const gram = (image: typeof content) =>
          gramMatrix(network.activations(network.preprocess(imageToTensor(image)), ['conv2_1'], 'max').get('conv2_1')!);
        return tf.norm(tf.sub(gram(a), gram(b))).dataSync()[0];
      });
    assert.ok(gramDistance(result.image, style) < 0.5 * gramDistance(content, style));
    network.dispose();
  });
});
