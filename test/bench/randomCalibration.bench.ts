import * as tf from '@tensorflow/tfjs';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { convLayers } from '../../engine/common/networks/architecture.js';
import { featureNetwork, type FeatureNetwork } from '../../engine/common/networks/featureNetwork.js';
import { calibrationImage, randomWeights } from '../../engine/common/networks/randomWeights.js';
import { VGG19 } from '../../engine/common/networks/vgg.js';
import { imageToTensor } from '../../engine/common/imageTensor.js';
import { selectBackend } from '../../engine/node/backend.js';
import { readImage } from '../../engine/node/image/imageIO.js';
import { loadNetwork } from '../../engine/node/networks/registry.js';
import { SHARED, sharedSkipReason } from '../helpers/shared.js';

/**
 * `node dist/test/bench/randomCalibration.bench.js`: the activation statistics randomWeights.ts is
 * calibrated to. For every VGG-19 convolution it prints the post-ReLU RMS of ../shared's real VGG-19
 * (blocks 1–3) on the content photos and paintings of ../shared at 256 px, and the same network with
 * random weights on those images and on the synthetic calibration image: the random network's
 * photo/proxy ratio tells how well the proxy stands in for photos, layer by layer.
 */
const SIZE = 256;
const PROXY_SIZE = Number(process.env.RW_SIZE ?? 128);
if (sharedSkipReason('models/vgg19-imagenet-blocks1-3/model.json', 'images/content')) process.exit(0);
await selectBackend();

const files = ['content', 'style'].flatMap((kind) =>
  readdirSync(join(SHARED, 'images', kind))
    .filter((f) => f.endsWith('.jpg') && !/bricks|clouds|circles|sketch|stripes|zigzag/.test(f))
    .map((f) => join(SHARED, 'images', kind, f)),
);
const images = await Promise.all(files.map(async (file) => imageToTensor(await readImage(file, { longSide: SIZE }))));
const layers = convLayers(VGG19).map((l) => l.name);

const real = (await loadNetwork(join(SHARED, 'models/vgg19-imagenet-blocks1-3'), '/nonexistent')).network;
const random = featureNetwork('vgg19-random', VGG19, randomWeights(VGG19, 0, 'rms-v1'));
const realRms = meanRms(
  real,
  images,
  layers.filter((l) => real.layers.includes(l)),
);
const randomRms = meanRms(random, images, layers);
const proxyRms = meanRms(random, [calibrationImage(PROXY_SIZE, 0)], layers);
const rows = layers.map((layer) => ({
  layer,
  vgg19Photos: round(realRms.get(layer)),
  randomPhotos: round(randomRms.get(layer)),
  randomProxy: round(proxyRms.get(layer)),
  photoOverProxy: round((randomRms.get(layer) ?? NaN) / (proxyRms.get(layer) ?? NaN), 3),
}));
console.log(`${files.length} images at ${SIZE} px; post-ReLU RMS per layer`);
console.table(rows);

/** Each layer's RMS activation, averaged (root of the mean square) over the images. */
function meanRms(network: FeatureNetwork, rgbs: readonly tf.Tensor3D[], names: readonly string[]): Map<string, number> {
  const sums = new Map(names.map((n) => [n, 0]));
  for (const rgb of rgbs) {
    tf.tidy(() => {
      const activations = network.activations(network.preprocess(rgb), names, 'max');
      for (const name of names)
        sums.set(name, sums.get(name)! + tf.mean(tf.square(activations.get(name)!)).dataSync()[0]);
    });
  }
  return new Map(names.map((n) => [n, Math.sqrt(sums.get(n)! / rgbs.length)]));
}

function round(x: number | undefined, digits = 1): number | undefined {
  return x === undefined ? undefined : Number(x.toFixed(digits));
}
