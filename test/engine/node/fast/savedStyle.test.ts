import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { transformerNetwork } from '../../../../engine/common/fast/transformerNetwork.js';
import { readDeeplearnCheckpoint } from '../../../../engine/node/fast/deeplearnCheckpoint.js';
import { loadSavedStyle, readSavedStyleInfo, saveStyle } from '../../../../engine/node/fast/savedStyle.js';
import { randomCheckpoint, writeCheckpoint } from '../../../helpers/fastStyle.js';
import { maxAbsDifference, syntheticImage, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

describe('saved style networks', () => {
  it('saves a style and loads weights that paint exactly as the original, with the digest of weights.bin', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pastiche-style-'));
    const checkpoint = join(root, 'checkpoint');
    writeCheckpoint(checkpoint, randomCheckpoint(3));
    const original = await readDeeplearnCheckpoint(checkpoint);
    const folder = join(root, 'styles', 'speckle');
    const info = await saveStyle(folder, { name: 'speckle', source: 'deeplearn', origin: checkpoint }, original);
    assert.equal(
      info.weightsSha256,
      createHash('sha256')
        .update(readFileSync(join(folder, 'weights.bin')))
        .digest('hex'),
    );
    assert.deepEqual(readSavedStyleInfo(folder), info);
    const photo = syntheticImage(24, 20, 1);
    const loaded = await loadSavedStyle(folder);
    const [before, after] = [original, loaded.weights].map((weights) => transformerNetwork(weights).stylize(photo));
    assert.equal(maxAbsDifference(before.dataSync(), after.dataSync()), 0);
    tf.dispose([photo, before, after]);
  });

  it('replaces a saved style only when asked, and refuses a folder that is not a style', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pastiche-style-'));
    const checkpoint = join(root, 'checkpoint');
    writeCheckpoint(checkpoint, randomCheckpoint(4));
    const weights = await readDeeplearnCheckpoint(checkpoint);
    const folder = join(root, 'speckle');
    const first = await saveStyle(folder, { name: 'speckle', source: 'deeplearn', origin: 'a' }, weights);
    await assert.rejects(saveStyle(folder, { name: 'speckle', source: 'deeplearn', origin: 'b' }, weights), /speckle/);
    assert.equal(readSavedStyleInfo(folder)?.origin, 'a');
    const second = await saveStyle(folder, { name: 'speckle', source: 'deeplearn', origin: 'b' }, weights, {
      replace: true,
    });
    assert.equal(readSavedStyleInfo(folder)?.origin, 'b');
    assert.equal(second.weightsSha256, first.weightsSha256);
    const model = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
    writeFileSync(join(folder, 'model.json'), JSON.stringify({ ...model, format: 'pastiche-network' }));
    assert.equal(readSavedStyleInfo(folder), null);
    await assert.rejects(
      loadSavedStyle(folder),
      (error: Error) => error.message.includes('model.json') && /not a style network/.test(error.message),
    );
  });
});
