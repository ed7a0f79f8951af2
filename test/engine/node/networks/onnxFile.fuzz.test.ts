import { toBinary } from '@bufbuild/protobuf';
import * as tf from '@tensorflow/tfjs';
import { ModelProtoSchema } from 'onnx-buf';
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
function seeds(): Uint8Array[] {
  const weights = randomWeights(ALEXNET, 5);
  const model = onnxModelOf(ALEXNET, weights, 224, ['pool5']);
  disposeWeights(weights);
  const whole = toBinary(ModelProtoSchema, model);
  model.graph!.initializer = model.graph!.initializer.filter((tensor) => tensor.name.startsWith('conv1_'));
  return [whole, toBinary(ModelProtoSchema, model)];
}

describe('fuzzing the ONNX importer', () => {
  it('imports or refuses damaged model files in one line naming them, leaking no tensors', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pastiche-onnx-fuzz-')), 'alexnet-fuzz.onnx');
    const inputs = seeds();
    writeFileSync(file, inputs[0]);
    (await readNetworkFile(file)).release();
    const tensors = tf.memory().numTensors;
    await fuzzFormat('ONNX', mutatedBytes(inputs), async (bytes) => {
      writeFileSync(file, bytes);
      (await readNetworkFile(file)).release();
    }, {
      runs: fuzzRuns(200),
      caseTimeoutMs: 10_000,
      maxRssGrowthBytes: 512 * 1024 ** 2,
      subject: () => file,
      after: () => assert.equal(tf.memory().numTensors, tensors, 'tensors leaked'),
    });
  });
});
