import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { featureNetwork } from '../../../../engine/common/networks/featureNetwork.js';
import { VGG19 } from '../../../../engine/common/networks/vgg.js';
import { readKerasWeightsFile } from '../../../../engine/node/networks/kerasWeightsFile.js';
import { importNetwork, loadNetwork } from '../../../../engine/node/networks/registry.js';
import { writeKerasWeights } from '../../../helpers/kerasWeights.js';
import { assertSameActivations, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();
const h5 = await import('h5wasm/node');
await h5.ready;

const folder = () => mkdtempSync(join(tmpdir(), 'pastiche-h5-'));

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
    assertSameActivations(network, reference, 'conv2_2', 3);
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
