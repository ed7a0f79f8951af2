import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flatLayers, kernelShape } from '../../engine/common/networks/architecture.js';
import { DARKNET_TINY } from '../../engine/common/networks/darknet.js';

/** Darknet Tiny's features as ml5's port builds them in Keras terms, with random weights and batch statistics. */
export function kerasDarknetTiny(seed: number): tf.Sequential {
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
    model.add(
      tf.layers.conv2d({
        name: `conv2d_${conv}`,
        filters: layer.filters,
        kernelSize: [...kernelShape(layer)],
        padding: 'same',
        useBias: false,
        kernelInitializer: tf.initializers.heNormal({ seed: seed + conv }),
        ...(conv === 1 ? { inputShape: [null, null, 3] } : {}),
      }),
    );
    model.add(tf.layers.batchNormalization({ name: `batch_normalization_${conv}`, epsilon: 1e-3 }));
    model.add(tf.layers.leakyReLU({ name: `leaky_re_lu_${conv}`, alpha: 0.1 }));
  }
  // Batch statistics far from the identity, so that folding them wrongly shows.
  for (const [i, layer] of model.layers.entries()) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const [gamma, beta, mean, variance] = layer.getWeights();
    layer.setWeights([
      tf.randomUniform(gamma.shape, 0.5, 2, 'float32', seed + 100 + i),
      tf.randomNormal(beta.shape, 0, 0.5, 'float32', seed + 200 + i),
      tf.randomNormal(mean.shape, 0, 0.5, 'float32', seed + 300 + i),
      tf.randomUniform(variance.shape, 0.5, 3, 'float32', seed + 400 + i),
    ]);
  }
  return model;
}

/** Writes a layers model as TensorFlow.js's converter does: model.json and one weight shard. */
export async function saveLayersModel(model: tf.LayersModel, folder: string): Promise<string> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      writeFileSync(join(folder, 'weights.bin'), Buffer.from(artifacts.weightData as ArrayBuffer));
      writeFileSync(
        join(folder, 'model.json'),
        JSON.stringify({
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        }),
      );
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return folder;
}
