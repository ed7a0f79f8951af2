/**
 * Fuzzing Darknet Tiny's topology (issue 13): the real model's and a generated one's modelTopology
 * mutated as JSON — layers deleted, configs swapped for hostile values — with their weights intact,
 * so that most cases reach the Darknet reader itself (its layer sequence, configs and folding). Each
 * case gives a network or a refusal in one line naming the model.json.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readNetworkFile } from '../../../../engine/node/networks/networkFile.js';
import { kerasDarknetTiny, saveLayersModel } from '../../../helpers/darknet.js';
import { fuzzFormat, fuzzRuns, mutatedJson } from '../../../helpers/fuzz.js';
import { copyOfFolder } from '../../../helpers/fuzzFolders.js';
import { SHARED, sharedSkipReason } from '../../../helpers/shared.js';
import { useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

const keras = kerasDarknetTiny(31);
const generatedFolder = await saveLayersModel(keras, mkdtempSync(join(tmpdir(), 'pastiche-fuzz-')));
keras.dispose();
const folders = [
  generatedFolder,
  ...(sharedSkipReason('models/darknet-tiny/model.json') ? [] : [copyOfFolder(join(SHARED, 'models/darknet-tiny'))]),
];
const seeds = folders.map((folder) => ({
  folder,
  json: JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')) as Record<string, unknown>,
}));

const cases = fc
  .constantFrom(...seeds)
  .chain((seed) => mutatedJson([seed.json.modelTopology]).map((topology) => ({ seed, topology })));

describe('fuzzing Darknet Tiny layers models', () => {
  it(
    'every mutated topology gives Darknet Tiny or is refused in one line naming its model.json',
    { timeout: 3_600_000 },
    async () => {
      let file = '';
      await fuzzFormat(
        'Darknet topology',
        cases,
        async ({ seed, topology }) => {
          file = join(seed.folder, 'model.json');
          writeFileSync(file, JSON.stringify({ ...seed.json, modelTopology: topology }));
          const tensors = tf.memory().numTensors;
          try {
            (await readNetworkFile(seed.folder)).release();
          } finally {
            if (tf.memory().numTensors !== tensors)
              throw new Error(`a case left ${tf.memory().numTensors - tensors} tensors behind`);
          }
        },
        { runs: fuzzRuns(200), caseTimeoutMs: 10_000, maxRssGrowthBytes: 512 * 1024 ** 2, subject: () => file },
      );
    },
  );
});
