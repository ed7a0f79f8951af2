import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readKerasWeightsFile } from '../../../../engine/node/networks/kerasWeightsFile.js';
import { vggWeightsFromLayersModel } from '../../../../engine/node/networks/vggWeights.js';
import { fuzzFormat, fuzzRuns, mutatedBytes } from '../../../helpers/fuzz.js';
import { writeKerasWeights } from '../../../helpers/kerasWeights.js';
import { useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

const folder = mkdtempSync(join(tmpdir(), 'pastiche-h5-fuzz-'));

/**
 * Small real layouts: block1_conv1 alone (7 kB) as save_weights and as a whole model, and blocks 1–2's first two
 * layers.
 */
function seeds(): Uint8Array[] {
  return [
    { wholeModel: false, convolutions: 1 },
    { wholeModel: true, convolutions: 1 },
    { wholeModel: false, convolutions: 2 },
  ].map(({ wholeModel, convolutions }, i) => {
    const file = join(folder, `seed${i}.h5`);
    writeKerasWeights(file, wholeModel, { convolutions });
    return new Uint8Array(readFileSync(file));
  });
}

/** Open descriptors of this process (Linux): a failing open that leaks one shows here after a few hundred cases. */
function openDescriptors(): number | null {
  return existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : null;
}

/**
 * Each case is read as readNetworkFile reads a Keras file (readKerasWeightsFile, then VGG's mapping),
 * with a 2 s limit on HDF5, which some damaged headers send into a loop. (That HDF5 prints nothing
 * is checked in kerasWeightsFile.test.ts, in a process of its own: it prints from the reading thread.)
 */
describe('fuzzing the Keras HDF5 importer', () => {
  it(
    'imports or refuses damaged files in one line naming ' + 'them within 2 s, leaking no tensors or descriptors',
    async () => {
      // Named as Keras Applications name their files, so that a weights-only file is taken for VGG-19.
      const file = join(folder, 'vgg19_weights_fuzz.h5');
      const inputs = seeds();
      // One warm-up read, so that loading h5wasm does not count as growth.
      writeFileSync(file, inputs[0]);
      tf.dispose(Object.values((await readKerasWeightsFile(file)).tensors));
      const tensors = tf.memory().numTensors;
      const descriptors = openDescriptors();
      await fuzzFormat(
        'Keras HDF5',
        mutatedBytes(inputs),
        async (bytes) => {
          writeFileSync(file, bytes);
          const named = await readKerasWeightsFile(file, { timeoutMs: 2_000 });
          try {
            vggWeightsFromLayersModel(named);
          } finally {
            tf.dispose(Object.values(named.tensors));
          }
        },
        {
          runs: fuzzRuns(200),
          caseTimeoutMs: 5_000,
          maxRssGrowthBytes: 256 * 1024 ** 2,
          subject: () => file,
          after: () => {
            assert.equal(tf.memory().numTensors, tensors, 'tensors leaked');
            // At most as many: a reading thread ended after a timeout takes its own (event loop) descriptors with it.
            assert.ok(
              (openDescriptors() ?? 0) <= (descriptors ?? 0),
              `file descriptors leaked: ${openDescriptors()} open, ${descriptors} before`,
            );
          },
        },
      );
    },
  );
});
