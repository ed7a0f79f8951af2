/**
 * Fuzzing deeplearn.js checkpoints through `styles import` (issue 13): the real la_muse checkpoint's
 * manifest.json and a generated one's mutated as JSON, the generated one's variable files mutated as
 * bytes. Each case is imported into a store: saved whole, or refused in one line naming a file of the
 * checkpoint's folder, and nothing half-written stays in styles/.
 */
import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { importStyle } from '../../../../engine/node/fast/styleLibrary.js';
import { randomCheckpoint, writeCheckpoint } from '../../../helpers/fastStyle.js';
import { mutatedBytes, mutatedJson } from '../../../helpers/fuzz.js';
import { copyOfFolder, fuzzImport, jsonSeed, type JsonSeed } from '../../../helpers/fuzzFolders.js';
import { SHARED, sharedSkipReason } from '../../../helpers/shared.js';
import { useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

const generated = jsonSeed(
  writeCheckpoint(join(mkdtempSync(join(tmpdir(), 'pastiche-fuzz-')), 'checkpoint'), randomCheckpoint(21)),
  'manifest.json',
);
const real = sharedSkipReason('models/fast-style/la_muse/manifest.json')
  ? []
  : [jsonSeed(copyOfFolder(join(SHARED, 'models/fast-style/la_muse')), 'manifest.json')];
const seeds = [generated, ...real];
/** The variables whose files are mutated: a kernel, a shift and a scale of different layers. */
const VARIABLES = ['Variable', 'Variable_4', 'Variable_29', 'Variable_47'];
const originals = new Map(VARIABLES.map((name) => [name, readFileSync(join(generated.folder, name))]));

type Case = { kind: 'manifest'; seed: JsonSeed; json: unknown } | { kind: 'variable'; name: string; bytes: Uint8Array };

const cases: fc.Arbitrary<Case> = fc.oneof(
  fc
    .constantFrom(...seeds)
    .chain((seed) => mutatedJson([seed.json]).map((json): Case => ({ kind: 'manifest', seed, json }))),
  fc
    .constantFrom(...VARIABLES)
    .chain((name) => mutatedBytes([originals.get(name)!]).map((bytes): Case => ({ kind: 'variable', name, bytes }))),
);

function prepare(input: Case): string {
  for (const seed of seeds) writeFileSync(join(seed.folder, 'manifest.json'), JSON.stringify(seed.json));
  for (const [name, bytes] of originals) writeFileSync(join(generated.folder, name), bytes);
  if (input.kind === 'variable') {
    writeFileSync(join(generated.folder, input.name), input.bytes);
    return generated.folder;
  }
  writeFileSync(join(input.seed.folder, 'manifest.json'), JSON.stringify(input.json) ?? '');
  return input.seed.folder;
}

describe('fuzzing deeplearn.js checkpoints imported into the style library', () => {
  it(
    'every mutated manifest or variable file is imported whole or refused in one line naming a file of its folder',
    { timeout: 3_600_000 },
    async () => {
      await fuzzImport('deeplearn.js checkpoint', cases, prepare, importStyle);
    },
  );
});
