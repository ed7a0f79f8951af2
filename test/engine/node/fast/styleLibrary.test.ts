import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { transformerNetwork, type TransformerNetwork } from '../../../../engine/common/fast/transformerNetwork.js';
import { importStyle, listStyles, loadStyle } from '../../../../engine/node/fast/styleLibrary.js';
import {
  checkpointWeights,
  randomCheckpoint,
  writeCheckpoint,
  writeLayersStyleModel,
  type CheckpointVariable,
} from '../../../helpers/fastStyle.js';
import { maxAbsDifference, syntheticImage, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

function sandbox() {
  const root = mkdtempSync(join(tmpdir(), 'pastiche-styles-'));
  return { root, styles: join(root, 'styles') };
}

/** The largest difference between what a loaded style and the original weights paint. */
function paintingDifference(network: TransformerNetwork, variables: readonly CheckpointVariable[]): number {
  const reference = transformerNetwork(checkpointWeights(variables));
  const photo = syntheticImage(20, 28, 2);
  try {
    return tf.tidy(() => maxAbsDifference(network.stylize(photo).dataSync(), reference.stylize(photo).dataSync()));
  } finally {
    reference.dispose();
    photo.dispose();
  }
}

describe('the style library', () => {
  it(
    'imports a deeplearn.js checkpoint, lists it from its model.json, and loads it by name or straight from the ' +
      'checkpoint, painting as the original',
    async () => {
      const { root, styles } = sandbox();
      const variables = randomCheckpoint(11);
      const checkpoint = writeCheckpoint(join(root, 'speckle-checkpoint'), variables);
      const info = await importStyle(checkpoint, 'speckle', styles);
      assert.equal(info.source, 'deeplearn');
      assert.equal(info.origin, checkpoint);
      assert.equal(
        info.weightsSha256,
        createHash('sha256')
          .update(readFileSync(join(styles, 'speckle', 'weights.bin')))
          .digest('hex'),
      );
      assert.deepEqual(
        listStyles(styles).map(({ name, source, weightsSha256, location }) => ({
          name,
          source,
          weightsSha256,
          location,
        })),
        [
          {
            name: 'speckle',
            source: 'deeplearn',
            weightsSha256: info.weightsSha256,
            location: join(styles, 'speckle'),
          },
        ],
      );
      const byName = await loadStyle('speckle', styles);
      const direct = await loadStyle(checkpoint, styles);
      try {
        assert.equal(paintingDifference(byName.network, variables), 0);
        assert.equal(paintingDifference(direct.network, variables), 0);
        assert.equal(
          direct.summary.weightsSha256,
          info.weightsSha256,
          'a style has one digest whichever format it is read from',
        );
        assert.deepEqual(
          [direct.summary.name, direct.summary.savedAt, byName.summary.savedAt],
          ['speckle-checkpoint', null, info.savedAt],
        );
      } finally {
        byName.network.dispose();
        direct.network.dispose();
      }
    },
  );

  it(
    'imports a TensorFlow.js layers model (biases, gamma before beta) that paints identically to the weights it was ' +
      'written from',
    async () => {
      const { root, styles } = sandbox();
      const variables = randomCheckpoint(12);
      const modelJson = await writeLayersStyleModel(join(root, 'keras-port'), variables);
      const info = await importStyle(modelJson, 'port', styles);
      assert.equal(info.source, 'tfjs-layers');
      const [imported, direct] = [await loadStyle('port', styles), await loadStyle(join(root, 'keras-port'), styles)];
      try {
        assert.equal(paintingDifference(imported.network, variables), 0);
        assert.equal(direct.summary.weightsSha256, info.weightsSha256);
      } finally {
        imported.network.dispose();
        direct.network.dispose();
      }
    },
  );

  it(
    'refuses a taken or malformed name, an unknown style, and a layers model whose weights do not fit, naming the ' +
      'first misfit',
    async () => {
      const { root, styles } = sandbox();
      const checkpoint = writeCheckpoint(join(root, 'checkpoint'), randomCheckpoint(13));
      await importStyle(checkpoint, 'speckle', styles);
      await assert.rejects(
        importStyle(checkpoint, 'speckle', styles),
        /^PasticheError: speckle: a style of that name is already in/,
      );
      await assert.rejects(importStyle(checkpoint, '../speckle', styles), /\.\.\/speckle: a style name is letters/);
      await assert.rejects(loadStyle('nonesuch', styles), /nonesuch: no such style \(the library holds speckle;/);
      await assert.rejects(importStyle(join(root, 'nowhere'), 'x', styles), /nowhere: not a style network/);

      const port = join(root, 'port');
      await writeLayersStyleModel(port, randomCheckpoint(14));
      const model = JSON.parse(readFileSync(join(port, 'model.json'), 'utf8'));
      const specs = model.weightsManifest[0].weights;
      // The fourth convolution (res1a) made 64 → 128 instead of 128 → 128: its kernel takes fewer bytes.
      const misfit = specs.filter((w: { shape: number[] }) => w.shape.length === 4)[3];
      misfit.shape = [3, 3, 64, 128];
      const bytes = readFileSync(join(port, 'group1-shard1of1.bin'));
      const offset = specs
        .slice(0, specs.indexOf(misfit))
        .reduce((sum: number, w: { shape: number[] }) => sum + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
      writeFileSync(
        join(port, 'group1-shard1of1.bin'),
        Buffer.concat([
          bytes.subarray(0, offset + 4 * 3 * 3 * 64 * 128),
          bytes.subarray(offset + 4 * 3 * 3 * 128 * 128),
        ]),
      );
      writeFileSync(join(port, 'model.json'), JSON.stringify(model));
      await assert.rejects(
        importStyle(port, 'port', styles),
        (error: Error) =>
          error.message ===
          `${join(port, 'model.json')}: weight 13 '${misfit.name}' is [3, 3, 64, 128], the res1a kernel is [3, 3, ` +
            `128, ` +
            `128] (expected per layer: kernel, optional bias, normalisation shift and scale)`,
      );
      assert.deepEqual(
        listStyles(styles).map((s) => s.name),
        ['speckle'],
        'nothing half-imported',
      );
    },
  );
});
