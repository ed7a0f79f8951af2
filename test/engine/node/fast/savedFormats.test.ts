import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readDeeplearnCheckpoint } from '../../../../engine/node/fast/deeplearnCheckpoint.js';
import { saveStyle } from '../../../../engine/node/fast/savedStyle.js';
import { listStyles, loadStyle } from '../../../../engine/node/fast/styleLibrary.js';
import { importNetwork, listNetworks, loadNetwork } from '../../../../engine/node/networks/registry.js';
import { assertRefusedInOneLine } from '../../../helpers/fuzz.js';
import { randomCheckpoint, writeCheckpoint } from '../../../helpers/fastStyle.js';
import { editJsonFile, writeVggBlock1 } from '../../../helpers/layersModels.js';
import { useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

describe("the engine's own formats, damaged on disk", () => {
  it(
    'a saved network whose pastiche section or weights are wrong is refused in one line, and listed without ' +
      'crashing',
    async () => {
      const models = mkdtempSync(join(tmpdir(), 'pastiche-models-'));
      await importNetwork(await writeVggBlock1(mkdtempSync(join(tmpdir(), 'pastiche-layers-'))), 'block1', models);
      const modelJson = join(models, 'block1', 'model.json');
      const original = readFileSync(modelJson, 'utf8');
      const cases: [(json: any) => void, RegExp][] = [
        [
          (json) => {
            json.pastiche.layers = 'conv1_1';
          },
          /model\.json: pastiche\.layers/,
        ],
        [
          (json) => {
            json.pastiche.layers = ['conv1_1', 'conv9_9'];
          },
          /model\.json: .*conv9_9/,
        ],
        [
          (json) => {
            json.pastiche.architecture = 'toString';
          },
          /model\.json: .*toString/,
        ],
        [
          (json) => {
            json.weightsManifest[0].weights[1].name = 'conv1_1/offset';
          },
          /model\.json: conv1_1\/bias is missing/,
        ],
        [
          (json) => {
            json.weightsManifest[0].weights[0].name = 'conv1_1/bias';
          },
          /model\.json: .*twice/,
        ],
      ];
      for (const [change, pattern] of cases) {
        writeFileSync(modelJson, original);
        editJsonFile(modelJson, change);
        const tensors = tf.memory().numTensors;
        await assertRefusedInOneLine(loadNetwork('block1', models), pattern);
        assert.equal(tf.memory().numTensors, tensors);
        assert.doesNotThrow(() => listNetworks(models));
      }
    },
  );

  it(
    'a saved style whose pastiche section is wrong is not ' + 'listed as one, and its weights are checked when loaded',
    async () => {
      const root = mkdtempSync(join(tmpdir(), 'pastiche-style-'));
      const styles = join(root, 'styles');
      const weights = await readDeeplearnCheckpoint(writeCheckpoint(join(root, 'checkpoint'), randomCheckpoint(6)));
      await saveStyle(join(styles, 'speckle'), { name: 'speckle', source: 'deeplearn', origin: 'a' }, weights);
      tf.dispose([...weights.values()].flatMap((w) => [w.kernel, w.shift, w.scale]));
      const modelJson = join(styles, 'speckle', 'model.json');
      editJsonFile(modelJson, (json) => {
        json.pastiche.weightsSha256 = 12;
      });
      assert.deepEqual(listStyles(styles), [], 'a style with a malformed record is not listed');
      editJsonFile(modelJson, (json) => {
        json.pastiche.weightsSha256 = 'ab';
        json.weightsManifest[0].weights[0].name = 'conv1/other';
      });
      await assertRefusedInOneLine(loadStyle('speckle', styles), /model\.json: conv1\/kernel is missing/);
    },
  );
});
