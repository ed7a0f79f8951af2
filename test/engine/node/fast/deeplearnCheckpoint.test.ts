import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isPasticheError } from '../../../../engine/common/errors.js';
import { transformerNetwork } from '../../../../engine/common/fast/transformerNetwork.js';
import { imageToTensor, tensorToImage } from '../../../../engine/common/imageTensor.js';
import { loadFastStyleNetwork, readDeeplearnCheckpoint } from '../../../../engine/node/fast/deeplearnCheckpoint.js';
import { readImage, writeImage } from '../../../../engine/node/image/imageIO.js';
import {
  randomCheckpoint,
  referenceStylize,
  writeCheckpoint,
  type CheckpointVariable,
} from '../../../helpers/fastStyle.js';
import { SHARED, TEST_RESULTS, sharedSkipReason } from '../../../helpers/shared.js';
import { maxAbsDifference, syntheticImage, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

const STYLES = ['la_muse', 'rain_princess', 'scream', 'udnie', 'wave'];

/** A checkpoint's variables read plainly (Variable, Variable_1, … in numeric order), for the reference. */
function readVariablesPlainly(folder: string): CheckpointVariable[] {
  const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as Record<
    string,
    { filename: string; shape: number[] }
  >;
  return Array.from({ length: Object.keys(manifest).length }, (_, i) => {
    const { filename, shape } = manifest[i === 0 ? 'Variable' : `Variable_${i}`];
    const bytes = readFileSync(join(folder, filename));
    return {
      shape,
      values: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
    };
  });
}

async function assertRefused(folder: string, message: RegExp): Promise<void> {
  await assert.rejects(readDeeplearnCheckpoint(folder), (error: unknown) => {
    assert.ok(isPasticheError(error), String(error));
    assert.match(error.message, message);
    assert.doesNotMatch(error.message, /\n/);
    return true;
  });
}

describe('reading a deeplearn.js checkpoint of a fast style network', () => {
  it(
    'loads a checkpoint in the real layout, whose network computes what a plain re-implementation computes at 32×48 ' +
      'px',
    async () => {
      const variables = randomCheckpoint(11);
      const folder = writeCheckpoint(mkdtempSync(join(tmpdir(), 'pastiche-fast-')), variables);
      const tensors = tf.memory().numTensors;
      const network = await loadFastStyleNetwork(folder);
      assert.equal(tf.memory().numTensors, tensors + 48);
      try {
        tf.tidy(() => {
          const rgb = syntheticImage(32, 48, 4);
          const styled = network.stylize(rgb);
          const values = styled.dataSync();
          const difference = maxAbsDifference(values, referenceStylize(variables, rgb).dataSync());
          assert.ok(difference < 0.02, `differs from the re-implementation by up to ${difference} grey levels`);
          assert.ok(values.every((v) => v >= 0 && v <= 255));
        });
      } finally {
        network.dispose();
      }
      assert.equal(tf.memory().numTensors, tensors);
    },
  );

  it(
    'refuses a truncated variable file, a wrong shape, ' + 'a missing variable and a missing manifest, naming the file',
    async () => {
      const variables = randomCheckpoint(12);
      const tensors = tf.memory().numTensors;

      const truncated = writeCheckpoint(mkdtempSync(join(tmpdir(), 'pastiche-fast-')), variables);
      truncateSync(join(truncated, 'Variable_40'), 100);
      await assertRefused(truncated, /Variable_40: holds 100 bytes, a 64 float32 variable needs 256$/);

      const reshaped = writeCheckpoint(mkdtempSync(join(tmpdir(), 'pastiche-fast-')), variables);
      const manifest = JSON.parse(readFileSync(join(reshaped, 'manifest.json'), 'utf8'));
      manifest.Variable_39.shape = [3, 3, 128, 64];
      writeFileSync(join(reshaped, 'manifest.json'), JSON.stringify(manifest));
      await assertRefused(
        reshaped,
        /Variable_39: Variable_39 is 3×3×128×64, the deconv1 kernel it holds is 3×3×64×128$/,
      );

      const short = writeCheckpoint(mkdtempSync(join(tmpdir(), 'pastiche-fast-')), variables.slice(0, 45));
      await assertRefused(short, /manifest\.json: has 45 variables, the fast style network has 48/);

      const empty = mkdtempSync(join(tmpdir(), 'pastiche-fast-'));
      mkdirSync(join(empty, 'inner'));
      await assertRefused(join(empty, 'inner'), /inner\/manifest\.json: /);
      // Nothing read before a refusal is kept.
      assert.equal(tf.memory().numTensors, tensors);
    },
  );
});

describe("a deeplearn.js checkpoint's files stay inside its folder, read within what the manifest declares", () => {
  it('refuses a variable file that is a link leading out of the folder', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'pastiche-fast-'));
    const folder = writeCheckpoint(join(parent, 'checkpoint'), randomCheckpoint(13));
    renameSync(join(folder, 'Variable_2'), join(parent, 'outside'));
    symlinkSync(join(parent, 'outside'), join(folder, 'Variable_2'));
    await assertRefused(folder, /manifest\.json: Variable_2's file "Variable_2" leads outside the folder/);
  });

  it('refuses a variable file larger than its shape says before reading it (a 3 GB sparse file)', async () => {
    const folder = writeCheckpoint(mkdtempSync(join(tmpdir(), 'pastiche-fast-')), randomCheckpoint(14));
    truncateSync(join(folder, 'Variable'), 3 * 1024 ** 3);
    await assertRefused(folder, /Variable: holds 3221225472 bytes, more than the 31104 /);
  });
});

const skip = sharedSkipReason(
  ...STYLES.map((style) => `models/fast-style/${style}/manifest.json`),
  'images/content/tubingen.jpg',
);

describe('the five pretrained fast style networks in ../shared', { skip }, () => {
  it(
    'load, each stylizes Tübingen at 128 px as the plain re-implementation does, and different styles differ ' +
      'clearly',
    async () => {
      const image = await readImage(join(SHARED, 'images/content/tubingen.jpg'), { longSide: 128 });
      const content = imageToTensor(image);
      const styled = new Map<string, tf.Tensor3D>();
      mkdirSync(TEST_RESULTS, { recursive: true });
      try {
        for (const style of STYLES) {
          const folder = join(SHARED, 'models/fast-style', style);
          const network = transformerNetwork(await readDeeplearnCheckpoint(folder));
          try {
            const start = performance.now();
            const result = network.stylize(content);
            result.dataSync();
            const milliseconds = performance.now() - start;
            styled.set(style, result);
            const reference = referenceStylize(readVariablesPlainly(folder), content);
            const difference = maxAbsDifference(result.dataSync(), reference.dataSync());
            reference.dispose();
            console.log(
              `${style}: ${image.width}×${image.height} px in ${milliseconds.toFixed(0)} ms, ` +
                `${difference.toFixed(4)} ` +
                `grey levels from the re-implementation at most`,
            );
            assert.deepEqual(result.shape, [image.height, image.width, 3]);
            assert.ok(
              difference < 0.01,
              `${style} differs from the re-implementation by up to ${difference} grey levels`,
            );
            await writeImage(tensorToImage(result), join(TEST_RESULTS, `fast-${style}.png`));
          } finally {
            network.dispose();
          }
        }
        const meanDifference = (a: string, b: string) =>
          tf.tidy(() => tf.mean(tf.abs(tf.sub(styled.get(a)!, styled.get(b)!))).dataSync()[0]);
        for (const [a, b] of [
          ['udnie', 'wave'],
          ['la_muse', 'scream'],
          ['rain_princess', 'udnie'],
        ]) {
          const difference = meanDifference(a, b);
          console.log(`${a} vs ${b}: mean absolute difference ${difference.toFixed(1)} grey levels`);
          assert.ok(difference > 10, `${a} and ${b} differ by only ${difference} grey levels on average`);
        }
        // Styled, not copied: each differs from the photograph too.
        for (const [style, result] of styled)
          assert.ok(tf.tidy(() => tf.mean(tf.abs(tf.sub(result, content))).dataSync()[0]) > 10, style);
      } finally {
        tf.dispose([content, ...styled.values()]);
      }
    },
  );
});
