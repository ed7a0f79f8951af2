import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PasticheError } from '../../../../engine/common/errors.js';
import { checkNetworkLayers, featureNetwork } from '../../../../engine/common/networks/featureNetwork.js';
import { randomWeights } from '../../../../engine/common/networks/randomWeights.js';
import { VGG19 } from '../../../../engine/common/networks/vgg.js';
import { ARCHITECTURES } from '../../../../engine/common/networks/architectures.js';
import { catalogue } from '../../../../engine/node/networks/catalogue.js';
import {
  describeNetwork,
  importNetwork,
  listNetworks,
  loadNetwork,
} from '../../../../engine/node/networks/registry.js';
import { syntheticImage, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

/** Writes VGG-19's first block as a Keras-named TensorFlow.js layers model, as converters produce. */
async function writeKerasBlock1(folder: string, options: { modelName?: string; kernelShape?: number[] } = {}) {
  const weights = randomWeights(VGG19, 4);
  const conv1_1 = weights.get('conv1_1')!;
  const conv1_2 = weights.get('conv1_2')!;
  const named: tf.NamedTensorMap = {
    'block1_conv1/kernel': options.kernelShape ? tf.zeros(options.kernelShape) : conv1_1.kernel,
    'block1_conv1/bias': conv1_1.bias,
    'block1_conv2/kernel': conv1_2.kernel,
    'block1_conv2/bias': conv1_2.bias,
  };
  const { data, specs } = await tf.io.encodeWeights(named);
  writeFileSync(join(folder, 'group1-shard1of1'), Buffer.from(data));
  const layers = ['input_1', 'block1_conv1', 'block1_conv2', 'block1_pool'].map((name) => ({
    name,
    class_name: 'Layer',
    config: { name },
  }));
  const topology = { model_config: { class_name: 'Model', config: { name: options.modelName ?? 'vgg19', layers } } };
  writeFileSync(
    join(folder, 'model.json'),
    JSON.stringify({ modelTopology: topology, weightsManifest: [{ paths: ['group1-shard1of1'], weights: specs }] }),
  );
  return { conv1_1, conv1_2 };
}

function tempFolder(): string {
  return mkdtempSync(join(tmpdir(), 'pastiche-networks-'));
}

describe('network registry', () => {
  it('lists the embedded networks and the catalogue’s pretrained ones', () => {
    const networks = listNetworks(tempFolder());
    const byName = new Map(networks.map((n) => [n.name, n]));
    assert.equal(byName.get('vgg19-random')?.status, 'embedded');
    assert.equal(byName.get('googlenet-random')?.status, 'embedded');
    assert.equal(byName.get('vgg19')?.status, 'not-installed');
    assert.equal(byName.get('vgg16')?.architecture, 'vgg16');
    assert.deepEqual(
      ['alexnet', 'googlenet'].map((name) => [byName.get(name)?.architecture, byName.get(name)?.status]),
      [
        ['alexnet', 'not-installed'],
        ['googlenet', 'not-installed'],
      ],
    );
  });

  it('states one digest per download, of its publisher’s kind, and a known architecture for every entry', () => {
    for (const entry of catalogue()) {
      assert.ok(ARCHITECTURES[entry.architecture], `${entry.name}: architecture ${entry.architecture}`);
      if (entry.source.kind !== 'download') continue;
      const digest =
        'sha256' in entry.source ? /^[0-9a-f]{64}$/.test(entry.source.sha256) : /^[0-9a-f]{32}$/.test(entry.source.md5);
      assert.ok(digest && !('sha256' in entry.source && 'md5' in entry.source), `${entry.name}: one digest`);
      assert.equal(
        entry.source.format,
        entry.source.file.endsWith('.onnx') ? 'onnx' : 'keras-h5',
        `${entry.name}: format`,
      );
    }
  });

  it('imports a Keras-named layers model that then computes the same activations as the original weights', async () => {
    const source = tempFolder();
    const models = tempFolder();
    const original = await writeKerasBlock1(source);
    const info = await importNetwork(source, 'block1', models);
    assert.deepEqual(info.layers, ['conv1_1', 'conv1_2']);
    assert.equal(info.architecture, 'vgg19');
    assert.match(info.weightsSha256, /^[0-9a-f]{64}$/);
    assert.equal(listNetworks(models).find((n) => n.name === 'block1')?.status, 'installed');

    const { network, summary } = await loadNetwork('block1', models);
    assert.equal(summary.weightsSha256, info.weightsSha256);
    const reference = featureNetwork(
      'reference',
      VGG19,
      new Map([
        ['conv1_1', original.conv1_1],
        ['conv1_2', original.conv1_2],
      ]),
    );
    tf.tidy(() => {
      const input = network.preprocess(syntheticImage(12, 12, 5));
      const a = network.activations(input, ['conv1_2'], 'max').get('conv1_2')!;
      const b = reference.activations(input, ['conv1_2'], 'max').get('conv1_2')!;
      assert.ok(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] < 1e-3);
    });
    assert.throws(() => network.checkLayers(['conv2_1']), /block1: holds weights only up to pool1/);
  });

  it('loads a layers model straight from its folder or model.json', async () => {
    const source = tempFolder();
    await writeKerasBlock1(source);
    for (const path of [source, join(source, 'model.json')]) {
      const { network } = await loadNetwork(path, tempFolder());
      assert.deepEqual(network.layers, ['conv1_1', 'conv1_2', 'pool1']);
      network.dispose();
    }
  });

  it(
    'describes a network by the layers it computes, without ' + 'building generated weights or reading installed ones',
    async () => {
      const models = tempFolder();
      const before = tf.memory().numTensors;
      const generated = await describeNetwork('vgg19-random', models);
      assert.equal(tf.memory().numTensors, before, 'no weights were made');
      const { network } = await loadNetwork('vgg19-random', models);
      assert.deepEqual(generated.layers, network.layers);
      network.dispose();
      const source = tempFolder();
      await writeKerasBlock1(source);
      const partial = await describeNetwork(source, models);
      assert.deepEqual(partial.layers, ['conv1_1', 'conv1_2', 'pool1']);
      assert.throws(
        () => checkNetworkLayers(partial, ['conv2_1']),
        /holds weights only up to pool1, so layer 'conv2_1' is not available/,
      );
      // An installed network is described from its model.json alone, as loading it would: no weights are read.
      await importNetwork(source, 'block1', models);
      const installed = await loadNetwork('block1', models);
      const expected = installed.network.layers;
      installed.network.dispose();
      rmSync(join(models, 'block1', 'weights.bin'));
      const described = await describeNetwork('block1', models);
      assert.deepEqual(
        [described.name, described.architecture.family, described.layers],
        ['block1', 'vgg19', expected],
      );
    },
  );

  it('refuses bad models with one line naming the file, and leaves nothing half-installed', async () => {
    const models = tempFolder();
    const wrongShape = tempFolder();
    await writeKerasBlock1(wrongShape, { kernelShape: [5, 5, 3, 64] });
    await assert.rejects(
      importNetwork(wrongShape, 'bad', models),
      (e: unknown) =>
        e instanceof PasticheError &&
        /model\.json: layer conv1_1 has kernel 5×5×3×64, vgg19 needs 3×3×3×64/.test(e.message),
    );
    const missingShard = tempFolder();
    await writeKerasBlock1(missingShard);
    writeFileSync(join(missingShard, 'group1-shard1of1'), Buffer.alloc(10));
    await assert.rejects(importNetwork(missingShard, 'bad', models), /hold 10 bytes, the manifest needs/);
    const notJson = tempFolder();
    writeFileSync(join(notJson, 'model.json'), '{ nope');
    await assert.rejects(importNetwork(notJson, 'bad', models), /model\.json: is not valid JSON/);
    await assert.rejects(
      importNetwork(join(notJson, 'absent'), 'bad', models),
      /absent: no such model file \(expected a folder with model\.json, or a model\.json\)/,
    );
    assert.deepEqual(readdirSync(models), [], 'a failed import leaves nothing behind');
  });

  it('refuses names that are taken or unsafe, and unknown networks', async () => {
    const source = tempFolder();
    const models = tempFolder();
    await writeKerasBlock1(source);
    await importNetwork(source, 'mine', models);
    await assert.rejects(importNetwork(source, 'mine', models), /mine: a network of that name is already installed/);
    await assert.rejects(importNetwork(source, '../escape', models), /a network name is letters/);
    await assert.rejects(importNetwork(source, 'vgg19-random', models), /generated network/);
    await assert.rejects(
      loadNetwork('nonesuch', models),
      /nonesuch: unknown network \(available: vgg19-random, vgg16-random, alexnet-random, googlenet-random, mine/,
    );
    await assert.rejects(
      loadNetwork('vgg19', models),
      new RegExp(
        String.raw`vgg19: not installed; run 'pastiche models install vgg19', or download ` +
          String.raw`https://storage\.googleapis\.com/.*vgg19_weights_tf_dim_ordering_tf_kernels_notop\.h5 and run ` +
          String.raw`'pastiche models import vgg19_weights_tf_dim_ordering_tf_kernels_notop\.h5 --name vgg19'`,
      ),
    );
    await assert.rejects(
      loadNetwork('googlenet', models),
      new RegExp(
        String.raw`googlenet: not installed; run 'pastiche models install googlenet', or download ` +
          String.raw`https://\S+/googlenet-12\.onnx and run 'pastiche models import googlenet-12\.onnx ` +
          String.raw`--name googlenet' \(an ONNX model of googlenet\)$`,
      ),
    );
  });
});
