/**
 * Fuzzing the engine's own style format (issue 13): a saved style's model.json mutated as JSON (its
 * pastiche section, format and manifest) and its weights.bin as bytes, and the TensorFlow.js layers
 * style a Keras port writes. Each case is listed and loaded from the library: a style that paints, or
 * a refusal in one line naming a file of its folder; listing never fails.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readDeeplearnCheckpoint } from '../../../../engine/node/fast/deeplearnCheckpoint.js';
import { saveStyle } from '../../../../engine/node/fast/savedStyle.js';
import { listStyles, loadStyle } from '../../../../engine/node/fast/styleLibrary.js';
import { disposeTransformerWeights } from '../../../../engine/common/fast/transformerNetwork.js';
import { randomCheckpoint, writeCheckpoint, writeLayersStyleModel } from '../../../helpers/fastStyle.js';
import { fuzzFormat, fuzzRuns, mutatedBytes, mutatedJson } from '../../../helpers/fuzz.js';
import { useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

const root = mkdtempSync(join(tmpdir(), 'pastiche-fuzz-'));
const styles = join(root, 'styles');
const saved = join(styles, 'speckle');
const variables = randomCheckpoint(22);
const weights = await readDeeplearnCheckpoint(writeCheckpoint(join(root, 'checkpoint'), variables));
await saveStyle(saved, { name: 'speckle', source: 'deeplearn', origin: 'fuzz' }, weights);
disposeTransformerWeights(weights);
const layers = join(root, 'keras-port');
await writeLayersStyleModel(layers, variables);

/** A folder and its two files as written: the saved style and the layers-format port. */
const SEEDS = [
  { folder: saved, name: 'speckle', shard: 'weights.bin', load: () => loadStyle('speckle', styles) },
  { folder: layers, name: 'keras-port', shard: 'group1-shard1of1.bin', load: () => loadStyle(layers, styles) },
].map((seed) => ({
  ...seed,
  json: JSON.parse(readFileSync(join(seed.folder, 'model.json'), 'utf8')),
  bytes: readFileSync(join(seed.folder, seed.shard)),
}));

type Seed = (typeof SEEDS)[number];
type Case = { seed: Seed; json?: unknown; bytes?: Uint8Array };

const cases: fc.Arbitrary<Case> = fc.constantFrom(...SEEDS).chain((seed) =>
  fc.oneof(
    mutatedJson([seed.json]).map((json): Case => ({ seed, json })),
    mutatedBytes([seed.bytes]).map((bytes): Case => ({ seed, bytes })),
  ),
);

function prepare({ seed, json, bytes }: Case): void {
  for (const { folder, shard, json: original, bytes: originalBytes } of SEEDS) {
    writeFileSync(join(folder, 'model.json'), JSON.stringify(original));
    writeFileSync(join(folder, shard), originalBytes);
  }
  if (json !== undefined || bytes === undefined)
    writeFileSync(join(seed.folder, 'model.json'), JSON.stringify(json) ?? '');
  if (bytes !== undefined) writeFileSync(join(seed.folder, seed.shard), bytes);
}

describe('fuzzing saved styles and layers-format styles', () => {
  it(
    'every mutated model.json or weights file loads as a style or is refused in one line naming a file of its folder',
    { timeout: 3_600_000 },
    async () => {
      // A damaged library style is no longer one: refused by its name, which its folder's path holds too.
      let name = '';
      await fuzzFormat(
        'Pastiche style',
        cases,
        async (input) => {
          prepare(input);
          name = input.seed.name;
          const tensors = tf.memory().numTensors;
          listStyles(styles);
          try {
            const { network } = await input.seed.load();
            network.dispose();
          } finally {
            if (tf.memory().numTensors !== tensors)
              throw new Error(`a case left ${tf.memory().numTensors - tensors} tensors behind`);
          }
        },
        { runs: fuzzRuns(200), caseTimeoutMs: 10_000, maxRssGrowthBytes: 512 * 1024 ** 2, subject: () => name },
      );
      rmSync(root, { recursive: true, force: true });
    },
  );
});
