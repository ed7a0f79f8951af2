import { create } from '@bufbuild/protobuf';
import * as tf from '@tensorflow/tfjs';
import { AttributeProto_AttributeType, AttributeProtoSchema } from 'onnx-buf';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ALEXNET } from '../../../../engine/common/networks/alexnet.js';
import { convLayers, type NetworkArchitecture } from '../../../../engine/common/networks/architecture.js';
import { featureNetwork } from '../../../../engine/common/networks/featureNetwork.js';
import { GOOGLENET } from '../../../../engine/common/networks/googlenet.js';
import { randomWeights } from '../../../../engine/common/networks/randomWeights.js';
import { importNetwork, listNetworks, loadNetwork } from '../../../../engine/node/networks/registry.js';
import { floatTensor, onnxModelOf, writeOnnxModel } from '../../../helpers/onnxModels.js';
import { assertSameActivations, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

function tempFolder(): string {
  return mkdtempSync(join(tmpdir(), 'pastiche-onnx-'));
}

/** An architecture's random weights written as the model zoo's ONNX file of it (224 px input). */
function zooFile(architecture: NetworkArchitecture, seed: number, edit?: (model: ReturnType<typeof onnxModelOf>) => void) {
  const weights = randomWeights(architecture, seed);
  const model = onnxModelOf(architecture, weights, 224, []);
  edit?.(model);
  const file = join(tempFolder(), `${architecture.family}-12.onnx`);
  writeOnnxModel(file, model);
  return { file, weights };
}

describe('importing ONNX models (the model zoo\'s Caffe2-converted AlexNet and GoogLeNet)', () => {
  it('imports AlexNet\'s convolutional part, grouped kernels included, computing as the original weights', async () => {
    const { file, weights } = zooFile(ALEXNET, 7);
    const models = tempFolder();
    const info = await importNetwork(file, 'alexnet', models);
    assert.deepEqual([info.architecture, info.layers], ['alexnet', ['conv1', 'conv2', 'conv3', 'conv4', 'conv5']]);
    const { network } = await loadNetwork('alexnet', models);
    assertSameActivations(network, featureNetwork('reference', ALEXNET, weights), 'pool5', 3, 67);
    network.dispose();
    // Newer exporters (opset ≥ 10) state Caffe's rounding as ceil_mode instead of end padding.
    const ceilMode = zooFile(ALEXNET, 7, (model) => {
      for (const pool of model.graph!.node.filter((n) => n.opType === 'MaxPool')) {
        pool.attribute = [...pool.attribute.filter((a) => a.name !== 'pads'), create(AttributeProtoSchema, { name: 'ceil_mode', type: AttributeProto_AttributeType.INT, i: 1n })];
      }
    });
    const renamed = await importNetwork(ceilMode.file, 'alexnet-ceil', models);
    assert.deepEqual(renamed.layers, info.layers);
    // Imported under a name of its own, it is still listed as AlexNet, so editors offer AlexNet's layers.
    const listed = listNetworks(models).find((n) => n.name === 'alexnet-ceil')!;
    assert.deepEqual([listed.architecture, listed.weightsSha256, listed.status], ['alexnet', renamed.weightsSha256, 'installed']);
  });

  it('imports all of GoogLeNet, whose layer names (with /) survive saving and loading', async () => {
    const { file, weights } = zooFile(GOOGLENET, 8);
    const models = tempFolder();
    const info = await importNetwork(file, 'googlenet', models);
    assert.equal(info.architecture, 'googlenet');
    assert.deepEqual(info.layers, convLayers(GOOGLENET).map((l) => l.name));
    const { network } = await loadNetwork('googlenet', models);
    assert.equal(network.layers.at(-1), 'inception_5b/output');
    const reference = featureNetwork('reference', GOOGLENET, weights);
    assertSameActivations(network, reference, 'inception_5b/output', 4, 35);
    assertSameActivations(network, reference, 'inception_4c/5x5', 5, 35);
    network.dispose();
  });

  it('refuses a wrongly laid-out kernel, a missing initializer or a foreign graph in one line naming the file, and saves nothing', async () => {
    const models = tempFolder();
    const refuses = async (file: string, message: RegExp) => {
      const tensors = tf.memory().numTensors;
      await assert.rejects(importNetwork(file, 'bad', models), (error: Error) => {
        assert.equal(error.message.split('\n').length, 1);
        assert.match(error.message, message);
        return true;
      });
      assert.equal(tf.memory().numTensors, tensors, 'the kernels converted before the failure are freed');
    };
    // TensorFlow's [kH, kW, in, out] written where ONNX's [out, in, kH, kW] belongs.
    const transposed = zooFile(GOOGLENET, 1, (model) => {
      const index = model.graph!.initializer.findIndex((t) => t.name === 'conv2/3x3_w_0');
      model.graph!.initializer[index] = floatTensor('conv2/3x3_w_0', [3, 3, 64, 192], new Float32Array(3 * 3 * 64 * 192));
    });
    await refuses(transposed.file, /^\/.*googlenet-12\.onnx: conv2\/3x3_w_0 is 3×3×64×192, googlenet's conv2\/3x3 needs 192×64×3×3$/);
    const missing = zooFile(GOOGLENET, 1, (model) => {
      model.graph!.initializer = model.graph!.initializer.filter((t) => t.name !== 'inception_4c/5x5_b_0');
    });
    await refuses(missing.file, /googlenet-12\.onnx: no initializer inception_4c\/5x5_b_0 for googlenet's inception_4c\/5x5$/);
    const floorPools = zooFile(ALEXNET, 1, (model) => {
      // pool1 without Caffe2's extra end padding rounds 54 px down to 26 windows, not Caffe's 27.
      const pool = model.graph!.node.find((n) => n.output[0] === 'pool1_1')!;
      pool.attribute.find((a) => a.name === 'pads')!.ints = [0n, 0n, 0n, 0n];
    });
    await refuses(floorPools.file, /alexnet-12\.onnx: the MaxPool of pool1 \(pads 0,0,0,0\) gives 26 windows on 54 px, alexnet needs 27 starting at pad 0$/);
    const noLrn = zooFile(ALEXNET, 1, (model) => {
      model.graph!.node.find((n) => n.opType === 'LRN')!.opType = 'BatchNormalization';
    });
    await refuses(noLrn.file, /alexnet-12\.onnx: norm1 expects a LRN reading conv1_2, the graph has 0 \(its readers: BatchNormalization\)$/);
    const strided = zooFile(ALEXNET, 1, (model) => {
      model.graph!.node[0].attribute.find((a) => a.name === 'strides')!.ints = [2n, 2n];
    });
    await refuses(strided.file, /alexnet-12\.onnx: the Conv of conv1 has strides 2,2, alexnet needs 4,4$/);
    await refuses(join(tempFolder(), 'absent.onnx'), /absent\.onnx: no such file, or unreadable$/);
    assert.deepEqual(readdirSync(models), [], 'nothing was saved');
  });
});
