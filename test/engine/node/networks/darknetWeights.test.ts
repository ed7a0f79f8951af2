import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import type { FeatureNetwork } from '../../../../engine/common/networks/featureNetwork.js';
import { importNetwork, loadNetwork } from '../../../../engine/node/networks/registry.js';
import { kerasDarknetTiny, saveLayersModel } from '../../../helpers/darknet.js';
import { SHARED, sharedSkipReason } from '../../../helpers/shared.js';
import { syntheticImage, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

/** A converted layers model loaded by TensorFlow.js itself: the original definition the import must agree with. */
async function loadWithTensorFlowJs(modelJson: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(modelJson, 'utf8'));
  const groups = json.weightsManifest as Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  const shards = groups.flatMap((group) => group.paths.map((path) => readFileSync(join(dirname(modelJson), path))));
  const weightData = new Uint8Array(Buffer.concat(shards)).buffer;
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: groups.flatMap((group) => group.weights),
      weightData,
    }),
  );
}

/** Asserts the imported network's `layer` equals the Keras model's activation there, on RGB/255 as ml5 feeds it. */
function assertSameAsKeras(
  network: FeatureNetwork,
  keras: tf.LayersModel,
  layer: string,
  kerasLayer: string,
  [height, width]: [number, number],
): void {
  tf.tidy(() => {
    const rgb = syntheticImage(height, width, 11);
    const ours = network.activations(network.preprocess(rgb), [layer], 'max').get(layer)!;
    const theirs = tf
      .model({ inputs: keras.inputs, outputs: keras.getLayer(kerasLayer).output })
      .predict(tf.expandDims(tf.div(rgb, 255), 0)) as tf.Tensor4D;
    assert.deepEqual(ours.shape, theirs.shape);
    const scale = tf.max(tf.abs(theirs)).dataSync()[0];
    const difference = tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0];
    assert.ok(
      scale > 0 && difference <= 1e-4 * scale + 1e-5,
      `${layer}: differs from ${kerasLayer} by ${difference} (values up to ${scale})`,
    );
  });
}

describe('importing Darknet Tiny (a TensorFlow.js layers model with batch normalisation and leaky ReLUs)', () => {
  it(
    'folds each batch normalisation into its convolution and computes what the Keras model computes, odd sizes ' +
      'pooled as TensorFlow pools them',
    async () => {
      const keras = kerasDarknetTiny(3);
      const file = await saveLayersModel(keras, mkdtempSync(join(tmpdir(), 'pastiche-darknet-')));
      const models = mkdtempSync(join(tmpdir(), 'pastiche-models-'));
      const info = await importNetwork(file, 'tiny-darknet', models);
      assert.deepEqual([info.architecture, info.layers.length, info.layers.at(-1)], ['darknet-tiny', 15, 'conv15']);
      const { network } = await loadNetwork('tiny-darknet', models);
      try {
        // 40×72 px: 20×36, 10×18, 5×9, then 3×5 — the last pools meet odd sides.
        for (const [layer, kerasLayer] of [
          ['conv1', 'leaky_re_lu_1'],
          ['pool3', 'max_pooling2d_3'],
          ['conv10', 'leaky_re_lu_10'],
          ['conv15', 'leaky_re_lu_15'],
        ]) {
          assertSameAsKeras(network, keras, layer, kerasLayer, [40, 72]);
        }
      } finally {
        network.dispose();
        keras.dispose();
      }
    },
  );

  it("refuses a model whose layers do not follow Darknet Tiny's, naming the file and the layer", async () => {
    const keras = kerasDarknetTiny(4);
    const folder = await saveLayersModel(keras, mkdtempSync(join(tmpdir(), 'pastiche-darknet-')));
    keras.dispose();
    const modelJson = join(folder, 'model.json');
    const json = JSON.parse(readFileSync(modelJson, 'utf8'));
    json.modelTopology.config.layers = json.modelTopology.config.layers.filter(
      (layer: { config: { name: string } }) => layer.config.name !== 'max_pooling2d_2',
    );
    writeFileSync(modelJson, JSON.stringify(json));
    await assert.rejects(
      importNetwork(folder, 'broken', mkdtempSync(join(tmpdir(), 'pastiche-models-'))),
      (error: Error) =>
        error.message.includes('model.json') &&
        /layer 8 of the features is Conv2D conv2d_3, darknet-tiny needs a pool there/.test(error.message),
    );
  });

  const skip = sharedSkipReason('models/darknet-tiny/model.json');
  it('imports the real Darknet Tiny from ../shared, agreeing with TensorFlow.js running it', { skip }, async () => {
    const source = join(SHARED, 'models/darknet-tiny');
    const models = mkdtempSync(join(tmpdir(), 'pastiche-models-'));
    const info = await importNetwork(source, 'darknet-tiny', models);
    assert.equal(info.architecture, 'darknet-tiny');
    const keras = await loadWithTensorFlowJs(join(source, 'model.json'));
    const { network } = await loadNetwork('darknet-tiny', models);
    try {
      for (const [layer, kerasLayer] of [
        ['conv2', 'leaky_re_lu_2'],
        ['conv10', 'leaky_re_lu_10'],
        ['conv15', 'leaky_re_lu_15'],
      ]) {
        // The converted model states its input as 224×224.
        assertSameAsKeras(network, keras, layer, kerasLayer, [224, 224]);
      }
    } finally {
      network.dispose();
      keras.dispose();
    }
  });
});
