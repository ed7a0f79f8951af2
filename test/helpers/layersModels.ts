import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomWeights } from '../../engine/common/networks/randomWeights.js';
import { VGG19 } from '../../engine/common/networks/vgg.js';

/**
 * Writes VGG-19's first block (random weights) as a Keras-named TensorFlow.js layers model, as the
 * converters produce it: model.json and one shard, 150 kB — small enough to mutate thousands of times.
 */
export async function writeVggBlock1(folder: string, seed = 4): Promise<string> {
  const weights = randomWeights(VGG19, seed);
  const named: tf.NamedTensorMap = {};
  for (const [layer, keras] of [
    ['conv1_1', 'block1_conv1'],
    ['conv1_2', 'block1_conv2'],
  ]) {
    named[`${keras}/kernel`] = weights.get(layer)!.kernel;
    named[`${keras}/bias`] = weights.get(layer)!.bias;
  }
  const { data, specs } = await tf.io.encodeWeights(named);
  tf.dispose([...weights.values()].flatMap((w) => [w.kernel, w.bias]));
  writeFileSync(join(folder, 'group1-shard1of1'), Buffer.from(data));
  const layers = ['input_1', 'block1_conv1', 'block1_conv2', 'block1_pool'].map((name) => ({
    name,
    class_name: 'Layer',
    config: { name },
  }));
  const topology = { model_config: { class_name: 'Model', config: { name: 'vgg19', layers } } };
  writeFileSync(
    join(folder, 'model.json'),
    JSON.stringify({ modelTopology: topology, weightsManifest: [{ paths: ['group1-shard1of1'], weights: specs }] }),
  );
  return folder;
}

/** Rewrites a JSON file (a model.json, a manifest.json) through `change`. */
export function editJsonFile(file: string, change: (json: any) => void): void {
  const json = JSON.parse(readFileSync(file, 'utf8'));
  change(json);
  writeFileSync(file, JSON.stringify(json));
}

/** Rewrites a folder's model.json through `change`. */
export function editModelJson(folder: string, change: (json: any) => void): void {
  editJsonFile(join(folder, 'model.json'), change);
}
