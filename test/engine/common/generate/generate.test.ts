import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generate } from '../../../../engine/common/generate/generate.js';
import {
  resolveGenerateSettings,
  type GivenGenerateSettings,
} from '../../../../engine/common/generate/generateSettings.js';
import type { RgbImage } from '../../../../engine/common/image.js';
import { imageToTensor, tensorToImage } from '../../../../engine/common/imageTensor.js';
import { gramMatrix } from '../../../../engine/common/losses/style.js';
import { syntheticImage, tinyNetwork, useTestBackend } from '../../../helpers/tf.js';

const backend = await useTestBackend();
const network = tinyNetwork(3);
const adam = (learningRate: number) => ({
  name: 'adam' as const,
  learningRate,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
});

/** A run on the tiny network's two style layers, 24 px, no smoothing: only the Gram loss counts. */
const settings = (given: Partial<GivenGenerateSettings> & Pick<GivenGenerateSettings, 'generator'>) =>
  resolveGenerateSettings({
    network: 'tiny',
    styleLayers: [
      { layer: 'conv1_1', weight: 1 },
      { layer: 'conv2_1', weight: 1 },
    ],
    tvWeight: 0,
    width: 24,
    height: 16,
    iterations: 30,
    previewEvery: 0,
    ...given,
  });

function picture(size: number, seed: number): RgbImage {
  const tensor = syntheticImage(size, size, seed);
  const image = tensorToImage(tensor);
  tensor.dispose();
  return image;
}

/** The result's Gram matrix on the tiny network's conv2_1, rows of numbers. */
function conv2Gram(image: RgbImage): number[][] {
  return tf.tidy(() =>
    gramMatrix(
      network.activations(network.preprocess(imageToTensor(image)), ['conv2_1'], 'max').get('conv2_1')!,
    ).arraySync(),
  );
}

// Random targets are seldom Gram matrices (a zero diagonal entry forbids its row), so the loss falls
// to a floor, not to zero; the factors below were measured at 30 iterations with margin.
describe(`generate (Nikulin & Novak 2016, §6: style without content), on ${backend.name}`, () => {
  it('drives the Gram loss from noise towards sparse random targets, without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const result = await generate({
      network,
      settings: settings({ generator: { kind: 'sparse', layers: ['conv2_1'], amplitude: 50, sparsity: 0.5, seed: 4 } }),
    });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(result.status, 'done');
    assert.deepEqual([result.image.width, result.image.height], [24, 16]);
    assert.equal(result.finalLoss.content, 0);
    assert.ok(
      result.finalLoss.style < 0.5 * result.initialLoss.style,
      `style loss ${result.initialLoss.style} → ${result.finalLoss.style}`,
    );
  });

  it(
    'raises the one entry asked for: a diagonal one nearly ' + 'to its amplitude, an off-diagonal one above all others',
    async () => {
      // 150 iterations: the first ones mostly quieten the white noise the run starts from.
      const diagonal = await generate({
        network,
        settings: settings({
          generator: { kind: 'single', layer: 'conv2_1', entry: { row: 2, column: 2 }, amplitude: 200 },
          iterations: 150,
        }),
      });
      assert.ok(
        diagonal.finalLoss.style < 0.25 * diagonal.initialLoss.style,
        `style loss ${diagonal.initialLoss.style} → ${diagonal.finalLoss.style}`,
      );
      const gram = conv2Gram(diagonal.image);
      assert.ok(gram[2][2] > 100, `G₂₂ = ${gram[2][2]}`);
      assert.ok(
        gram.every((row, i) => row.every((value, j) => (i === 2 && j === 2) || value < gram[2][2] / 2)),
        'every other entry stays well below it',
      );
      // Gᵢⱼ ≤ √(Gᵢᵢ·Gⱼⱼ): an off-diagonal target with zero diagonal targets is met halfway.
      const offDiagonal = conv2Gram(
        (
          await generate({
            network,
            settings: settings({
              generator: { kind: 'single', layer: 'conv2_1', entry: { row: 1, column: 4 }, amplitude: 200 },
              iterations: 150,
            }),
          })
        ).image,
      );
      const others = offDiagonal.flatMap((row, i) =>
        row.filter((_, j) => i !== j && !(i === 1 && j === 4) && !(i === 4 && j === 1)),
      );
      assert.ok(
        offDiagonal[1][4] > 60 && offDiagonal[1][4] > 4 * Math.max(...others),
        `G₁₄ = ${offDiagonal[1][4]}, the other off-diagonal entries up to ${Math.max(...others)}`,
      );
    },
  );

  it("descends towards targets with a painting's statistics, and needs the painting", async () => {
    const mimic = settings({ generator: { kind: 'mimic', seed: 1 } });
    const result = await generate({ network, settings: mimic, painting: picture(24, 8) });
    assert.ok(
      result.finalLoss.style < 0.7 * result.initialLoss.style,
      `style loss ${result.initialLoss.style} → ${result.finalLoss.style}`,
    );
    await assert.rejects(
      generate({ network, settings: mimic }),
      /style: mimic measures a painting, and none was given/,
    );
  });

  it('repeats a recorded run bit for bit', async () => {
    const given = settings({
      iterations: 5,
      generator: { kind: 'sparse', layers: ['conv2_1'], amplitude: 30, sparsity: 0.2, seed: 9, redraw: true },
    });
    const [first, second] = [
      await generate({ network, settings: given }),
      await generate({ network, settings: given }),
    ];
    assert.deepEqual(second.image.data, first.image.data);
    assert.deepEqual(second.finalLoss, first.finalLoss);
  });

  it(
    're-draws the targets between iterations when asked: ' + 'on a still image the loss then changes at every step',
    async () => {
      // A learning rate of 1e-9 leaves the pixels where they are, so the loss moves only with the targets.
      const stillLosses = async (redraw: boolean) => {
        const losses: number[] = [];
        await generate({
          network,
          settings: settings({
            iterations: 4,
            optimizer: adam(1e-9),
            generator: { kind: 'sparse', layers: ['conv2_1'], amplitude: 100, sparsity: 0.5, seed: 2, redraw },
          }),
          onProgress: ({ loss }) => losses.push(loss.style),
        });
        return losses;
      };
      const fixed = await stillLosses(false);
      assert.ok(
        fixed.every((loss) => Math.abs(loss / fixed[0] - 1) < 1e-6),
        `fixed targets: ${fixed.join(', ')}`,
      );
      const redrawn = await stillLosses(true);
      assert.equal(
        new Set(redrawn.map((loss) => loss.toPrecision(4))).size,
        5,
        `re-drawn targets: ${redrawn.join(', ')}`,
      );
    },
  );

  it('refuses an entry outside the layer before any work', async () => {
    await assert.rejects(
      generate({
        network,
        settings: settings({ generator: { kind: 'single', layer: 'conv1_1', entry: { row: 0, column: 4 } } }),
      }),
      /entry: \(0, 4\) is outside conv1_1's 4×4 Gram matrix/,
    );
  });
});
