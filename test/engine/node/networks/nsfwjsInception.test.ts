import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { imageToTensor } from '../../../../engine/common/imageTensor.js';
import { INCEPTION_V3 } from '../../../../engine/common/networks/inception3.js';
import { featureNetwork } from '../../../../engine/common/networks/featureNetwork.js';
import { readImage } from '../../../../engine/node/image/imageIO.js';
import { readBundledKerasNetwork } from '../../../../engine/node/networks/nsfwjsInception.js';
import { fileLookup, inceptionFiles, referenceInception } from '../../../helpers/nsfwjs.js';
import { SHARED, sharedSkipReason } from '../../../helpers/shared.js';
import { useTestBackend } from '../../../helpers/tf.js';

const PHOTO = 'images/content/tubingen.jpg';
const COMPARED = ['activation_3', 'mixed0', 'mixed3', 'mixed5'];

describe("nsfwjs's Inception-v3 read as data", () => {
  it("computes the frozen layers' activations of TensorFlow.js's own loadLayersModel on a real photo", { skip: sharedSkipReason(PHOTO) }, async () => {
    await useTestBackend();
    const weights = readBundledKerasNetwork(fileLookup(await inceptionFiles()), INCEPTION_V3);
    // Keras's layers see the image unpadded; the reflected frame is the engine's own addition (tested on its own).
    const network = featureNetwork('inception3-imagenet', { ...INCEPTION_V3, inputPadding: undefined }, weights);
    const reference = await referenceInception();
    const probe = tf.model({ inputs: reference.inputs, outputs: COMPARED.map((name) => reference.getLayer(name).output as tf.SymbolicTensor) });
    // The reference's model declares 299×299 inputs (its classifier flattens): the photo is stretched to it.
    const photo = imageToTensor(await readImage(join(SHARED, PHOTO), { longSide: 299 }));
    const rgb = tf.image.resizeBilinear(photo, [299, 299]);
    photo.dispose();
    const ours = network.activations(network.preprocess(rgb), COMPARED, 'max');
    const theirs = tf.tidy(() => probe.predict(tf.sub(tf.div(tf.expandDims(rgb), 127.5), 1)) as tf.Tensor4D[]);
    for (const [i, layer] of COMPARED.entries()) {
      const [a, b] = [ours.get(layer)!, theirs[i]];
      assert.deepEqual(a.shape, b.shape, layer);
      const [maxDifference, maxValue] = tf.tidy(() => [tf.max(tf.abs(tf.sub(a, b))), tf.max(tf.abs(b))].map((t) => t.dataSync()[0]));
      console.log(`# ${layer}: max |Δ| ${maxDifference.toExponential(2)}, max |activation| ${maxValue.toFixed(2)}, relative ${(maxDifference / maxValue).toExponential(2)}`);
      // Float32 sums in another order (the folded batch norm, the folded x/127.5 − 1): measured 1–2·10⁻⁶ of the layer's range.
      assert.ok(maxDifference <= 1e-5 * maxValue, `${layer}: max |Δ| ${maxDifference} against max |activation| ${maxValue}`);
    }
    tf.dispose([rgb, ...ours.values(), ...theirs]);
    reference.dispose();
    network.dispose();
  });
});
