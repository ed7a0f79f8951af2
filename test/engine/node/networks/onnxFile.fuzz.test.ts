import { clone, toBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import {
  ModelProtoSchema,
  TensorProto_DataLocation,
  TensorProtoSchema,
  type ModelProto,
  type TensorProto,
} from 'onnx-buf';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ALEXNET } from '../../../../engine/common/networks/alexnet.js';
import { randomWeights } from '../../../../engine/common/networks/randomWeights.js';
import { disposeWeights } from '../../../../engine/common/networks/weights.js';
import { readNetworkFile } from '../../../../engine/node/networks/networkFile.js';
import { fuzzFormat, fuzzRuns, mutatedBytes } from '../../../helpers/fuzz.js';
import { onnxModelOf } from '../../../helpers/onnxModels.js';
import { useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

/**
 * AlexNet as the model zoo lays it out (9 MB, the smallest network the importer maps), and its graph
 * alone: most bytes of the first are weights, so the second puts the mutations into the nodes,
 * attributes and value infos.
 */
function zooModel(): ModelProto {
  const weights = randomWeights(ALEXNET, 5);
  const model = onnxModelOf(ALEXNET, weights, 224, ['pool5']);
  disposeWeights(weights);
  return model;
}

function seeds(model: ModelProto): Uint8Array[] {
  const graphOnly = clone(ModelProtoSchema, model);
  graphOnly.graph!.initializer = [];
  return [toBinary(ModelProtoSchema, model), toBinary(ModelProtoSchema, graphOnly)];
}

/** A change to one initializer that byte mutations would seldom make while the protobuf still parses. */
const tensorMutation: fc.Arbitrary<(tensor: TensorProto) => void> = fc.oneof(
  fc
    .tuple(fc.nat(3), fc.constantFrom(-1n, 0n, 1n, 2n ** 31n, 2n ** 62n, -(2n ** 63n)))
    .map(([at, dim]) => (t: TensorProto) => {
      t.dims[at % Math.max(1, t.dims.length)] = dim;
    }),
  fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 6 }).map((dims) => (t: TensorProto) => {
    t.dims = dims;
  }),
  fc.double({ min: 0, max: 1.01, noNaN: true }).map((fraction) => (t: TensorProto) => {
    t.rawData = t.rawData.slice(0, Math.floor(t.rawData.length * fraction));
  }),
  fc.integer({ min: -1, max: 40 }).map((type) => (t: TensorProto) => {
    t.dataType = type;
  }),
  fc.constant((t: TensorProto) => {
    t.dataLocation = TensorProto_DataLocation.EXTERNAL;
  }),
  fc.constant((t: TensorProto) => {
    t.floatData = Array.from(new Float32Array(t.rawData.buffer, t.rawData.byteOffset, t.rawData.length / 4));
    t.rawData = new Uint8Array(0);
  }),
  fc
    .tuple(fc.nat(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3e38))
    .map(([at, value]) => (t: TensorProto) => {
      if (t.rawData.length >= 4)
        new DataView(t.rawData.buffer, t.rawData.byteOffset).setFloat32(4 * (at % (t.rawData.length / 4)), value, true);
    }),
  fc.constant((t: TensorProto) => {
    t.name = '';
  }),
);

/** The zoo model with one to three initializers changed, serialised. */
function mutatedInitializers(model: ModelProto): fc.Arbitrary<Uint8Array> {
  const count = model.graph!.initializer.length;
  return fc.array(fc.tuple(fc.nat(count - 1), tensorMutation), { minLength: 1, maxLength: 3 }).map((changes) => {
    const initializer = [...model.graph!.initializer];
    for (const [at, change] of changes) {
      const copy = clone(TensorProtoSchema, initializer[at]);
      change(copy);
      initializer[at] = copy;
    }
    const changed = clone(ModelProtoSchema, { ...model, graph: undefined });
    changed.graph = { ...model.graph!, initializer };
    return toBinary(ModelProtoSchema, changed);
  });
}

describe('fuzzing the ONNX importer', () => {
  const model = zooModel();
  const file = join(mkdtempSync(join(tmpdir(), 'pastiche-onnx-fuzz-')), 'alexnet-fuzz.onnx');
  const fuzz = async (name: string, arbitrary: fc.Arbitrary<Uint8Array>) => {
    writeFileSync(file, toBinary(ModelProtoSchema, model));
    (await readNetworkFile(file)).release();
    const tensors = tf.memory().numTensors;
    await fuzzFormat(
      name,
      arbitrary,
      async (bytes) => {
        writeFileSync(file, bytes);
        (await readNetworkFile(file)).release();
      },
      {
        runs: fuzzRuns(200),
        caseTimeoutMs: 10_000,
        maxRssGrowthBytes: 512 * 1024 ** 2,
        subject: () => file,
        after: () => assert.equal(tf.memory().numTensors, tensors, 'tensors leaked'),
      },
    );
  };

  it('imports or refuses damaged model files in one line naming them, leaking no tensors', async () => {
    await fuzz('ONNX', mutatedBytes(seeds(model)));
  });

  it('refuses initializers with hostile dims, data lengths, types and values in one line naming them', async () => {
    await fuzz('ONNX initializers', mutatedInitializers(model));
  });
});
