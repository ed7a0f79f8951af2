import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { featureNetwork } from '../../../../engine/common/networks/featureNetwork.js';
import { randomWeights } from '../../../../engine/common/networks/randomWeights.js';
import { VGG19 } from '../../../../engine/common/networks/vgg.js';
import { readKerasWeightsFile } from '../../../../engine/node/networks/kerasWeightsFile.js';
import { importNetwork, loadNetwork } from '../../../../engine/node/networks/registry.js';
import { syntheticImage, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();
const h5 = await import('h5wasm/node');
await h5.ready;

const folder = () => mkdtempSync(join(tmpdir(), 'pastiche-h5-'));

/**
 * VGG-19's first two blocks as Keras 2's `save_weights` writes them (the layout of the Keras
 * Applications downloads): the root's `layer_names`, each layer's `weight_names`, and datasets at
 * LAYER/LAYER/kernel:0 and …/bias:0; layers without weights (input, pools) list none.
 */
function writeKerasWeights(file: string, wholeModel = false) {
  const weights = randomWeights(VGG19, 11);
  const kerasNames: Record<string, string> = { conv1_1: 'block1_conv1', conv1_2: 'block1_conv2', conv2_1: 'block2_conv1', conv2_2: 'block2_conv2' };
  const layerNames = ['input_1', 'block1_conv1', 'block1_conv2', 'block1_pool', 'block2_conv1', 'block2_conv2', 'block2_pool'];
  const out = new h5.File(file, 'w');
  const root = wholeModel ? out.create_group('model_weights') : out;
  if (wholeModel) out.create_attribute('model_config', JSON.stringify({ class_name: 'Functional', config: { name: 'vgg19', layers: [] } }));
  root.create_attribute('layer_names', layerNames);
  root.create_attribute('backend', 'tensorflow');
  for (const layer of layerNames) {
    const group = root.create_group(layer);
    const paper = Object.keys(kerasNames).find((name) => kerasNames[name] === layer);
    if (!paper) continue;
    group.create_attribute('weight_names', [`${layer}/kernel:0`, `${layer}/bias:0`]);
    const inner = group.create_group(layer);
    const { kernel, bias } = weights.get(paper)!;
    inner.create_dataset({ name: 'kernel:0', data: kernel.dataSync() as Float32Array, shape: kernel.shape });
    inner.create_dataset({ name: 'bias:0', data: bias.dataSync() as Float32Array, shape: bias.shape });
  }
  out.close();
  return new Map(Object.keys(kerasNames).map((name) => [name, weights.get(name)!]));
}

describe('Keras HDF5 weights', () => {
  it('reads save_weights files and whole saved models by tensor name, with the model\'s own name when it has one', async () => {
    for (const wholeModel of [false, true]) {
      const file = join(folder(), 'weights.h5');
      const original = writeKerasWeights(file, wholeModel);
      const read = await readKerasWeightsFile(file);
      assert.deepEqual(Object.keys(read.tensors).sort(), ['block1_conv1/bias', 'block1_conv1/kernel', 'block1_conv2/bias', 'block1_conv2/kernel', 'block2_conv1/bias', 'block2_conv1/kernel', 'block2_conv2/bias', 'block2_conv2/kernel']);
      assert.equal(read.modelName, wholeModel ? 'vgg19' : null);
      assert.deepEqual(read.tensors['block2_conv1/kernel'].shape, [3, 3, 64, 128]);
      assert.deepEqual(read.tensors['block2_conv1/kernel'].dataSync(), original.get('conv2_1')!.kernel.dataSync());
      tf.dispose(Object.values(read.tensors));
    }
  });

  it('imports a Keras file into a network that computes the same activations as the original weights', async () => {
    const file = join(folder(), 'vgg19_blocks1-2.h5');
    const original = writeKerasWeights(file);
    const models = folder();
    const info = await importNetwork(file, 'vgg19-keras', models);
    assert.deepEqual([info.architecture, info.layers], ['vgg19', ['conv1_1', 'conv1_2', 'conv2_1', 'conv2_2']]);
    const { network } = await loadNetwork('vgg19-keras', models);
    const reference = featureNetwork('reference', VGG19, original);
    tf.tidy(() => {
      const input = network.preprocess(syntheticImage(16, 16, 3));
      const [a, b] = [network, reference].map((net) => net.activations(input, ['conv2_2'], 'max').get('conv2_2')!);
      assert.ok(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] < 1e-4);
    });
    network.dispose();
  });

  it('refuses a file that is not HDF5, or HDF5 that is not Keras weights, with one line naming it and nothing installed', async () => {
    const dir = folder();
    const models = folder();
    const text = join(dir, 'notes.h5');
    writeFileSync(text, 'just text, not HDF5');
    await assert.rejects(readKerasWeightsFile(text), (error: Error) => error.message === `${text}: not an HDF5 file`);
    const other = join(dir, 'table.h5');
    const out = new h5.File(other, 'w');
    out.create_dataset({ name: 'values', data: new Float32Array([1, 2, 3]) });
    out.close();
    await assert.rejects(importNetwork(other, 'table', models), (error: Error) => error.message === `${other}: not a Keras weights file (its root has no layer_names attribute)`);
    assert.deepEqual(readdirSync(models), []);
  });
});
