import { create } from '@bufbuild/protobuf';
import * as tf from '@tensorflow/tfjs';
import {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  TensorProto_DataLocation,
  type TensorProto,
} from 'onnx-buf';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ALEXNET } from '../../../../engine/common/networks/alexnet.js';
import { convLayers, type NetworkArchitecture } from '../../../../engine/common/networks/architecture.js';
import { featureNetwork } from '../../../../engine/common/networks/featureNetwork.js';
import { GOOGLENET } from '../../../../engine/common/networks/googlenet.js';
import { randomWeights } from '../../../../engine/common/networks/randomWeights.js';
import { readNetworkFile } from '../../../../engine/node/networks/networkFile.js';
import { importNetwork, listNetworks, loadNetwork } from '../../../../engine/node/networks/registry.js';
import { floatTensor, onnxModelOf, writeOnnxModel } from '../../../helpers/onnxModels.js';
import { assertSameActivations, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

function tempFolder(): string {
  return mkdtempSync(join(tmpdir(), 'pastiche-onnx-'));
}

/** An architecture's random weights written as the model zoo's ONNX file of it (224 px input). */
function zooFile(
  architecture: NetworkArchitecture,
  seed: number,
  edit?: (model: ReturnType<typeof onnxModelOf>) => void,
) {
  const weights = randomWeights(architecture, seed);
  const model = onnxModelOf(architecture, weights, 224, []);
  edit?.(model);
  const file = join(tempFolder(), `${architecture.family}-12.onnx`);
  writeOnnxModel(file, model);
  return { file, weights };
}

describe("importing ONNX models (the model zoo's Caffe2-converted AlexNet and GoogLeNet)", () => {
  it("imports AlexNet's convolutional part, grouped kernels included, computing as the original weights", async () => {
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
        pool.attribute = [
          ...pool.attribute.filter((a) => a.name !== 'pads'),
          create(AttributeProtoSchema, { name: 'ceil_mode', type: AttributeProto_AttributeType.INT, i: 1n }),
        ];
      }
    });
    const renamed = await importNetwork(ceilMode.file, 'alexnet-ceil', models);
    assert.deepEqual(renamed.layers, info.layers);
    // Imported under a name of its own, it is still listed as AlexNet, so editors offer AlexNet's layers.
    const listed = listNetworks(models).find((n) => n.name === 'alexnet-ceil')!;
    assert.deepEqual(
      [listed.architecture, listed.weightsSha256, listed.status],
      ['alexnet', renamed.weightsSha256, 'installed'],
    );
  });

  it('imports all of GoogLeNet, whose layer names (with /) survive saving and loading', async () => {
    const { file, weights } = zooFile(GOOGLENET, 8);
    const models = tempFolder();
    const info = await importNetwork(file, 'googlenet', models);
    assert.equal(info.architecture, 'googlenet');
    assert.deepEqual(
      info.layers,
      convLayers(GOOGLENET).map((l) => l.name),
    );
    const { network } = await loadNetwork('googlenet', models);
    assert.equal(network.layers.at(-1), 'inception_5b/output');
    const reference = featureNetwork('reference', GOOGLENET, weights);
    assertSameActivations(network, reference, 'inception_5b/output', 4, 35);
    assertSameActivations(network, reference, 'inception_4c/5x5', 5, 35);
    network.dispose();
  });

  it(
    'refuses a wrongly laid-out kernel, a missing initializer or a foreign graph in one line naming the file, and ' +
      'saves nothing',
    async () => {
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
        model.graph!.initializer[index] = floatTensor(
          'conv2/3x3_w_0',
          [3, 3, 64, 192],
          new Float32Array(3 * 3 * 64 * 192),
        );
      });
      await refuses(
        transposed.file,
        /^\/.*googlenet-12\.onnx: conv2\/3x3_w_0 is 3×3×64×192, googlenet's conv2\/3x3 needs 192×64×3×3$/,
      );
      const missing = zooFile(GOOGLENET, 1, (model) => {
        model.graph!.initializer = model.graph!.initializer.filter((t) => t.name !== 'inception_4c/5x5_b_0');
      });
      await refuses(
        missing.file,
        /googlenet-12\.onnx: no initializer inception_4c\/5x5_b_0 for googlenet's inception_4c\/5x5$/,
      );
      const floorPools = zooFile(ALEXNET, 1, (model) => {
        // pool1 without Caffe2's extra end padding rounds 54 px down to 26 windows, not Caffe's 27.
        const pool = model.graph!.node.find((n) => n.output[0] === 'pool1_1')!;
        pool.attribute.find((a) => a.name === 'pads')!.ints = [0n, 0n, 0n, 0n];
      });
      await refuses(
        floorPools.file,
        new RegExp(
          String.raw`alexnet-12\.onnx: the MaxPool of pool1 \(pads 0,0,0,0\) gives ` +
            String.raw`26 windows on 54 px, alexnet needs 27 starting at pad 0$`,
        ),
      );
      const noLrn = zooFile(ALEXNET, 1, (model) => {
        model.graph!.node.find((n) => n.opType === 'LRN')!.opType = 'BatchNormalization';
      });
      await refuses(
        noLrn.file,
        /alexnet-12\.onnx: norm1 expects a LRN reading conv1_2, the graph has 0 \(its readers: BatchNormalization\)$/,
      );
      const strided = zooFile(ALEXNET, 1, (model) => {
        model.graph!.node[0].attribute.find((a) => a.name === 'strides')!.ints = [2n, 2n];
      });
      await refuses(strided.file, /alexnet-12\.onnx: the Conv of conv1 has strides 2,2, alexnet needs 4,4$/);
      await refuses(join(tempFolder(), 'absent.onnx'), /absent\.onnx: no such file$/);
      assert.deepEqual(readdirSync(models), [], 'nothing was saved');
    },
  );

  describe('a damaged or hostile file is refused in one line naming the file and the initializer', () => {
    /** AlexNet's zoo file with conv1's kernel (96×3×11×11, 139 392 bytes of raw data) changed by `edit`. */
    const withConv1Kernel = (edit: (tensor: TensorProto) => void) =>
      zooFile(ALEXNET, 3, (model) => edit(model.graph!.initializer.find((t) => t.name === 'conv1_w_0')!)).file;
    const refused = async (file: string, message: string) => {
      await assert.rejects(readNetworkFile(file), (error: Error) => {
        assert.equal(error.message, `${file}: ${message}`);
        return true;
      });
    };

    it('raw data whose length is not a multiple of 4, or too short or too long for its dims', async () => {
      await refused(
        withConv1Kernel((t) => {
          t.rawData = t.rawData.subarray(0, 139_390);
        }),
        'initializer conv1_w_0 holds 139390 bytes of raw_data, its dims 96×3×11×11 need 139392 (float32)',
      );
      await refused(
        withConv1Kernel((t) => {
          t.rawData = t.rawData.subarray(0, 4000);
        }),
        'initializer conv1_w_0 holds 4000 bytes of raw_data, its dims 96×3×11×11 need 139392 (float32)',
      );
      await refused(
        withConv1Kernel((t) => {
          t.rawData = new Uint8Array([...t.rawData, 0, 0, 0, 0]);
        }),
        'initializer conv1_w_0 holds 139396 bytes of raw_data, its dims 96×3×11×11 need 139392 (float32)',
      );
      await refused(
        withConv1Kernel((t) => {
          t.rawData = new Uint8Array(0);
          t.floatData = [1, 2, 3];
        }),
        'initializer conv1_w_0 holds 3 float_data values, its dims 96×3×11×11 need 34848',
      );
    });

    it('dims that are negative, huge, or whose product overflows', async () => {
      await refused(
        withConv1Kernel((t) => {
          t.dims = [-96n, 3n, 11n, 11n];
        }),
        'initializer conv1_w_0 has dims -96×3×11×11, not sizes of a tensor this file could hold',
      );
      await refused(
        withConv1Kernel((t) => {
          t.dims = [2n ** 62n, 3n, 11n, 11n];
        }),
        `initializer conv1_w_0 has dims ${2n ** 62n}×3×11×11, not sizes of a tensor this file could hold`,
      );
      await refused(
        withConv1Kernel((t) => {
          t.dims = [2n ** 20n, 2n ** 20n, 2n ** 20n, 0n];
        }),
        `initializer conv1_w_0 has dims ${2n ** 20n}×${2n ** 20n}×${2n ** 20n}×0, not sizes of a tensor this file ` +
          `could hold`,
      );
    });

    it('an unknown data type, data stored in another file, and non-finite values', async () => {
      await refused(
        withConv1Kernel((t) => {
          t.dataType = 99;
        }),
        'initializer conv1_w_0 is not float32 (data type 99, unknown); quantised models are not supported',
      );
      await refused(
        withConv1Kernel((t) => {
          t.dataLocation = TensorProto_DataLocation.EXTERNAL;
          t.rawData = new Uint8Array(0);
        }),
        'initializer conv1_w_0 is stored in a separate file, which is not supported',
      );
      await refused(
        withConv1Kernel((t) => {
          new DataView(t.rawData.buffer, t.rawData.byteOffset).setFloat32(40, Number.NaN, true);
        }),
        'initializer conv1_w_0: value 10 is NaN, not a finite number',
      );
    });

    it(
      'a protobuf that does not parse, a pipe or device, an architecture named after an Object property',
      { timeout: 20_000 },
      async () => {
        const dir = tempFolder();
        const garbage = join(dir, 'garbage.onnx');
        writeFileSync(garbage, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
        await assert.rejects(
          readNetworkFile(garbage),
          (error: Error) =>
            error.message.startsWith(`${garbage}: not an ONNX model (its protobuf does not parse: `) &&
            !error.message.includes('\n'),
        );
        const pipe = join(dir, 'pipe.onnx');
        execFileSync('mkfifo', [pipe]);
        await refused(pipe, 'is not a regular file (a device, a pipe or a socket): refused');
        const { file } = zooFile(ALEXNET, 3);
        await assert.rejects(
          readNetworkFile(file, { architecture: '__proto__' }),
          (error: Error) =>
            error.message ===
            `${file}: unknown architecture '__proto__' (known: vgg16, vgg19, alexnet, googlenet, darknet-tiny, ` +
              `inception3)`,
        );
      },
    );
  });
});
