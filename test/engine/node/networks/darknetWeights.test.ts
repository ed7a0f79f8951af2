import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { flatLayers } from '../../../../engine/common/networks/architecture.js';
import { DARKNET_TINY } from '../../../../engine/common/networks/darknet.js';
import type { FeatureNetwork } from '../../../../engine/common/networks/featureNetwork.js';
import { importNetwork, loadNetwork } from '../../../../engine/node/networks/registry.js';
import { SHARED, sharedSkipReason } from '../../../helpers/shared.js';
import { syntheticImage, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

/** Darknet Tiny's features as ml5's port builds them in Keras terms, with random weights and batch statistics. */
function kerasDarknetTiny(seed: number): tf.Sequential {
  const model = tf.sequential();
  let conv = 0;
  let pool = 0;
  for (const layer of flatLayers(DARKNET_TINY.layers)) {
    if (layer.kind === 'pool') {
      model.add(tf.layers.maxPooling2d({ name: `max_pooling2d_${++pool}`, poolSize: 2, strides: 2, padding: 'same' }));
      continue;
    }
    if (layer.kind !== 'conv') throw new Error(`unexpected ${layer.kind}`);
    conv++;
    model.add(tf.layers.conv2d({
      name: `conv2d_${conv}`, filters: layer.filters, kernelSize: layer.kernelSize, padding: 'same', useBias: false,
      kernelInitializer: tf.initializers.heNormal({ seed: seed + conv }), ...(conv === 1 ? { inputShape: [null, null, 3] } : {}),
    }));
    model.add(tf.layers.batchNormalization({ name: `batch_normalization_${conv}`, epsilon: 1e-3 }));
    model.add(tf.layers.leakyReLU({ name: `leaky_re_lu_${conv}`, alpha: 0.1 }));
  }
  // Batch statistics far from the identity, so that folding them wrongly shows.
  for (const [i, layer] of model.layers.entries()) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const [gamma, beta, mean, variance] = layer.getWeights();
    layer.setWeights([
      tf.randomUniform(gamma.shape, 0.5, 2, 'float32', seed + 100 + i), tf.randomNormal(beta.shape, 0, 0.5, 'float32', seed + 200 + i),
      tf.randomNormal(mean.shape, 0, 0.5, 'float32', seed + 300 + i), tf.randomUniform(variance.shape, 0.5, 3, 'float32', seed + 400 + i),
    ]);
  }
  return model;
}

/** Writes a layers model as TensorFlow.js's converter does: model.json and one weight shard. */
async function saveLayersModel(model: tf.LayersModel, folder: string): Promise<string> {
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    writeFileSync(join(folder, 'weights.bin'), Buffer.from(artifacts.weightData as ArrayBuffer));
    writeFileSync(join(folder, 'model.json'), JSON.stringify({ modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] }));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return folder;
}

/** A converted layers model loaded by TensorFlow.js itself: the original definition the import must agree with. */
async function loadWithTensorFlowJs(modelJson: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(modelJson, 'utf8'));
  const groups = json.weightsManifest as Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  const shards = groups.flatMap((group) => group.paths.map((path) => readFileSync(join(dirname(modelJson), path))));
  const weightData = new Uint8Array(Buffer.concat(shards)).buffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: groups.flatMap((group) => group.weights), weightData }));
}

/** Asserts the imported network's `layer` equals the Keras model's activation there, on RGB/255 as ml5 feeds it. */
function assertSameAsKeras(network: FeatureNetwork, keras: tf.LayersModel, layer: string, kerasLayer: string, [height, width]: [number, number]): void {
  tf.tidy(() => {
    const rgb = syntheticImage(height, width, 11);
    const ours = network.activations(network.preprocess(rgb), [layer], 'max').get(layer)!;
    const theirs = tf.model({ inputs: keras.inputs, outputs: keras.getLayer(kerasLayer).output }).predict(tf.expandDims(tf.div(rgb, 255), 0)) as tf.Tensor4D;
    assert.deepEqual(ours.shape, theirs.shape);
    const scale = tf.max(tf.abs(theirs)).dataSync()[0];
    const difference = tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0];
    assert.ok(scale > 0 && difference <= 1e-4 * scale + 1e-5, `${layer}: differs from ${kerasLayer} by ${difference} (values up to ${scale})`);
  });
}

describe('importing Darknet Tiny (a TensorFlow.js layers model with batch normalisation and leaky ReLUs)', () => {
  it('folds each batch normalisation into its convolution and computes what the Keras model computes, odd sizes pooled as TensorFlow pools them', async () => {
    const keras = kerasDarknetTiny(3);
    const file = await saveLayersModel(keras, mkdtempSync(join(tmpdir(), 'pastiche-darknet-')));
    const models = mkdtempSync(join(tmpdir(), 'pastiche-models-'));
    const info = await importNetwork(file, 'tiny-darknet', models);
    assert.deepEqual([info.architecture, info.layers.length, info.layers.at(-1)], ['darknet-tiny', 15, 'conv15']);
    const { network } = await loadNetwork('tiny-darknet', models);
    try {
      // 40×72 px: 20×36, 10×18, 5×9, then 3×5 — the last pools meet odd sides.
      for (const [layer, kerasLayer] of [['conv1', 'leaky_re_lu_1'], ['pool3', 'max_pooling2d_3'], ['conv10', 'leaky_re_lu_10'], ['conv15', 'leaky_re_lu_15']]) {
        assertSameAsKeras(network, keras, layer, kerasLayer, [40, 72]);
      }
    } finally {
      network.dispose();
      keras.dispose();
    }
  });

  it('refuses a model whose layers do not follow Darknet Tiny\'s, naming the file and the layer', async () => {
    const keras = kerasDarknetTiny(4);
    const folder = await saveLayersModel(keras, mkdtempSync(join(tmpdir(), 'pastiche-darknet-')));
    keras.dispose();
    const modelJson = join(folder, 'model.json');
    const json = JSON.parse(readFileSync(modelJson, 'utf8'));
    json.modelTopology.config.layers = json.modelTopology.config.layers.filter((layer: { config: { name: string } }) => layer.config.name !== 'max_pooling2d_2');
    writeFileSync(modelJson, JSON.stringify(json));
    await assert.rejects(importNetwork(folder, 'broken', mkdtempSync(join(tmpdir(), 'pastiche-models-'))),
      (error: Error) => error.message.includes('model.json') && /layer 8 of the features is Conv2D conv2d_3, darknet-tiny needs a pool there/.test(error.message));
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
      for (const [layer, kerasLayer] of [['conv2', 'leaky_re_lu_2'], ['conv10', 'leaky_re_lu_10'], ['conv15', 'leaky_re_lu_15']]) {
        // The converted model states its input as 224×224.
        assertSameAsKeras(network, keras, layer, kerasLayer, [224, 224]);
      }
    } finally {
      network.dispose();
      keras.dispose();
    }
  });
});
