/**
 * Fuzzing TensorFlow.js layers models through `models import` (issue 13): the real Darknet Tiny's and
 * VGG-19 blocks 1–3's model.json and a small generated VGG block mutated as JSON, the generated
 * model's shard mutated as bytes. Each case is imported into a store: it is saved whole, or refused
 * in one line naming a file of the model's folder, and nothing half-written stays in models/.
 */
import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { importNetwork } from '../../../../engine/node/networks/registry.js';
import { mutatedBytes, mutatedJson } from '../../../helpers/fuzz.js';
import { copyOfFolder, fuzzImport, jsonSeed, type JsonSeed } from '../../../helpers/fuzzFolders.js';
import { writeVggBlock1 } from '../../../helpers/layersModels.js';
import { SHARED, sharedSkipReason } from '../../../helpers/shared.js';
import { useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

const generated = jsonSeed(await writeVggBlock1(mkdtempSync(join(tmpdir(), 'pastiche-fuzz-'))), 'model.json');
const realModels = ['models/darknet-tiny', 'models/vgg19-imagenet-blocks1-3'];
const seeds = [
  generated,
  ...(sharedSkipReason(...realModels.map((m) => `${m}/model.json`))
    ? []
    : realModels.map((m) => jsonSeed(copyOfFolder(join(SHARED, m)), 'model.json'))),
];
const generatedShard = readFileSync(join(generated.folder, 'group1-shard1of1'));

type Case = { kind: 'json'; seed: JsonSeed; json: unknown } | { kind: 'shard'; shard: Uint8Array };

const cases: fc.Arbitrary<Case> = fc.oneof(
  fc
    .constantFrom(...seeds)
    .chain((seed) => mutatedJson([seed.json]).map((json): Case => ({ kind: 'json', seed, json }))),
  mutatedBytes([generatedShard]).map((shard): Case => ({ kind: 'shard', shard })),
);

/** Writes the case into its seed's folder (the rest of the folder as the seed has it) and returns the folder. */
function prepare(input: Case): string {
  for (const seed of seeds) writeFileSync(join(seed.folder, 'model.json'), JSON.stringify(seed.json));
  writeFileSync(join(generated.folder, 'group1-shard1of1'), generatedShard);
  if (input.kind === 'shard') {
    writeFileSync(join(generated.folder, 'group1-shard1of1'), input.shard);
    return generated.folder;
  }
  writeFileSync(join(input.seed.folder, 'model.json'), JSON.stringify(input.json) ?? '');
  return input.seed.folder;
}

describe('fuzzing TensorFlow.js layers models imported into the store', () => {
  it(
    'every mutated model.json or shard is imported whole or refused in one line naming a file of its folder',
    { timeout: 3_600_000 },
    async () => {
      await fuzzImport('TensorFlow.js layers model', cases, prepare, importNetwork);
    },
  );
});
