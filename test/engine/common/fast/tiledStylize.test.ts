import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { RgbImage } from '../../../../engine/common/image.js';
import { tensorToImage } from '../../../../engine/common/imageTensor.js';
import { receptiveField } from '../../../../engine/common/fast/receptiveField.js';
import { stylizeTiled } from '../../../../engine/common/fast/tiledStylize.js';
import {
  exactOverlap,
  planTransformerTiles as planTiles,
  statisticsSize,
} from '../../../../engine/common/fast/tiling.js';
import type { TilePlan, Tiling } from '../../../../engine/common/tiles/tiling.js';
import type { PictureStylizer } from '../../../../engine/common/fast/pictureStylizer.js';
import { readDeeplearnCheckpoint } from '../../../../engine/node/fast/deeplearnCheckpoint.js';
import { readImage } from '../../../../engine/node/image/imageIO.js';
import { checkpointWeights, randomCheckpoint, testStylizer } from '../../../helpers/fastStyle.js';
import { SHARED, sharedSkipReason } from '../../../helpers/shared.js';
import { normalisingNetwork, seamColumns, seamEnergy, stylizeTilesAlone } from '../../../helpers/tiles.js';
import { syntheticImage, useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

/**
 * Exact tiling needs tiles holding two overlaps of 112 px, so the pictures here are strips 352 px
 * wide (three tiles of 224 px) and 48 high: fewer pixels than 128 × 128.
 */
const STRIP = { width: 352, height: 48 };
const EXACT: Tiling = { tile: 224, overlap: exactOverlap() };

function syntheticPicture(width: number, height: number, seed: number): RgbImage {
  const tensor = syntheticImage(height, width, seed);
  try {
    return tensorToImage(tensor);
  } finally {
    tensor.dispose();
  }
}

/** Random weights on the test backend (onnxruntime's graphs with PASTICHE_BACKEND=onnxruntime). */
function randomNetwork(seed: number): Promise<PictureStylizer> {
  return testStylizer(checkpointWeights(randomCheckpoint(seed)));
}

async function paint(
  network: PictureStylizer,
  picture: RgbImage,
  tiling: Tiling,
): Promise<{ image: RgbImage; plan: TilePlan }> {
  const plan = planTiles(picture.width, picture.height, tiling);
  const result = await stylizeTiled({ network, picture, plan });
  assert.equal(result.status, 'done');
  return { image: (result as { image: RgbImage }).image, plan };
}

/** Per pixel, the largest difference over its channels. */
function pixelDifferences(a: RgbImage, b: RgbImage): Float32Array {
  const differences = new Float32Array(a.width * a.height);
  for (let i = 0; i < a.data.length; i++)
    differences[Math.floor(i / 3)] = Math.max(differences[Math.floor(i / 3)], Math.abs(a.data[i] - b.data[i]));
  return differences;
}

function meanDifference(a: RgbImage, b: RgbImage): number {
  return pixelDifferences(a, b).reduce((s, d) => s + d, 0) / (a.width * a.height);
}

/**
 * No seam: gradient energy across the tile borders, relative to elsewhere, no higher than in the
 * untiled picture (whose content sets what "elsewhere" looks like: a photo is not alike everywhere)
 * by more than 10 %.
 */
function seamExcess(tiled: RgbImage, untiled: RgbImage, plan: TilePlan): number {
  const seams = seamColumns(plan);
  const ratio = (image: RgbImage) => {
    const { seams: atSeams, elsewhere } = seamEnergy(image, seams);
    return atSeams / elsewhere;
  };
  return ratio(tiled) / Math.max(1, ratio(untiled));
}

describe('stylizing in tiles with shared instance-norm statistics', () => {
  it(
    'equals the untiled picture everywhere when the overlap is exact (to 1 grey level: float sums in another order ' +
      'can flip a rounding)',
    async () => {
      const network = await randomNetwork(5);
      const picture = syntheticPicture(STRIP.width, STRIP.height, 3);
      try {
        const untiled = await paint(network, picture, { tile: 0, overlap: 0 });
        const tiled = await paint(network, picture, EXACT);
        assert.equal(tiled.plan.columns.spans.length, 3);
        const differences = pixelDifferences(tiled.image, untiled.image);
        assert.ok(
          differences.every((d) => d <= 1),
          `up to ${Math.max(...differences)} grey levels apart`,
        );
        // The statistics are what makes it so: tiles normalised alone paint another picture.
        const alone = await stylizeTilesAlone(network, picture, tiled.plan);
        assert.ok(
          meanDifference(alone, untiled.image) > 10,
          `tiles normalised alone differ by ${meanDifference(alone, untiled.image)} on average`,
        );
      } finally {
        network.dispose();
      }
    },
  );

  it('equals it away from the cut edges with a narrower overlap, and differs near them', async () => {
    const network = await randomNetwork(6);
    const picture = syntheticPicture(STRIP.width, STRIP.height, 4);
    try {
      const untiled = await paint(network, picture, { tile: 0, overlap: 0 });
      const tiled = await paint(network, picture, { tile: 224, overlap: 32 });
      const { before, after } = receptiveField();
      // Cut edges: where a tile starts (but the first) and ends (but the last).
      const spans = tiled.plan.columns.spans;
      const cuts = [
        ...spans.slice(1).map((s) => ({ at: s.start, reach: before })),
        ...spans.slice(0, -1).map((s) => ({ at: s.start + s.length, reach: after })),
      ];
      const nearCut = (x: number) => cuts.some(({ at, reach }) => Math.abs(x - at) <= reach);
      const differences = pixelDifferences(tiled.image, untiled.image);
      let far = 0;
      let near = 0;
      differences.forEach((d, i) => {
        if (nearCut(i % STRIP.width)) near = Math.max(near, d);
        else far = Math.max(far, d);
      });
      assert.ok(far <= 1, `${far} grey levels apart farther than the receptive field from the cuts`);
      assert.ok(near > 1, 'a narrow overlap is not exact near the cuts');
    } finally {
      network.dispose();
    }
  });

  it(
    'shows no seam where per-tile statistics make one (an instance-normalisation stand-in on a picture brightening ' +
      'left to right, 2-D tiles)',
    async () => {
      const network = normalisingNetwork();
      const brightening = tf.tidy(() => {
        const ramp = tf.mul(tf.linspace(0, 1, 128).reshape([1, 128, 1]), tf.ones([96, 1, 3]));
        return tf.add(tf.mul(ramp, 160), syntheticImage(96, 128, 2).mul(0.3)) as tf.Tensor3D;
      });
      const picture = tensorToImage(brightening);
      brightening.dispose();
      const tiling = { tile: 48, overlap: 12 };
      const untiled = await paint(network, picture, { tile: 0, overlap: 0 });
      const tiled = await paint(network, picture, tiling);
      assert.deepEqual([tiled.plan.columns.spans.length, tiled.plan.rows.spans.length], [4, 3]);
      assert.ok(meanDifference(tiled.image, untiled.image) < 0.01);
      assert.ok(seamExcess(tiled.image, untiled.image, tiled.plan) <= 1.1);
      const alone = await stylizeTilesAlone(network, picture, tiled.plan);
      const excess = seamExcess(alone, untiled.image, tiled.plan);
      assert.ok(excess > 2, `per-tile statistics raise the energy across the seams only ${excess}×`);
    },
  );

  it('measures the statistics of a picture larger than the bound on a copy downscaled to it', () => {
    assert.deepEqual(statisticsSize(800, 600, 1024 * 1024), { width: 800, height: 600 });
    const { width, height } = statisticsSize(6000, 4000, 1024 * 1024);
    assert.ok(width * height <= 1024 * 1024 && width * height > 0.99 * 1024 * 1024);
    assert.ok(Math.abs(width / height - 1.5) < 0.01);
  });

  it('reports each tile with the lines finished so far, and stops between tiles when cancelled', async () => {
    const network = normalisingNetwork();
    const picture = syntheticPicture(128, 64, 1);
    const abort = new AbortController();
    const seen: string[] = [];
    const result = await stylizeTiled({
      network,
      picture,
      plan: planTiles(128, 64, { tile: 32, overlap: 8 }),
      signal: abort.signal,
      onStatistics: ({ width, height }) => seen.push(`statistics ${width}×${height}`),
      onTile: ({ done, total, finished }) => {
        seen.push(`${done}/${total}: ${finished ? `${finished.width}×${finished.height}` : 'none'}`);
        if (done === 6) abort.abort();
      },
    });
    assert.equal(result.status, 'cancelled');
    // Five tiles a row, every 24 px: once the first row is done, the lines above the second are final.
    assert.deepEqual(seen, [
      'statistics 128×64',
      '1/15: none',
      '2/15: none',
      '3/15: none',
      '4/15: none',
      '5/15: 128×24',
      '6/15: 128×24',
    ]);
  });

  it('paints clearly different pictures with two styles', async () => {
    const picture = syntheticPicture(64, 48, 7);
    const [a, b] = [await randomNetwork(1), await randomNetwork(2)];
    try {
      const [first, second] = [
        await paint(a, picture, { tile: 0, overlap: 0 }),
        await paint(b, picture, { tile: 0, overlap: 0 }),
      ];
      assert.ok(meanDifference(first.image, second.image) > 30);
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});

const skip = sharedSkipReason('models/fast-style/udnie', 'models/fast-style/wave', 'images/content/tubingen.jpg');

describe('tiles of a pretrained network (../shared: udnie and wave on the Neckarfront photo)', { skip }, () => {
  it(
    'show no seam with shared statistics, where tiles normalised alone do; two styles paint clearly different ' +
      'pictures',
    async () => {
      const folder = (style: string) => join(SHARED, 'models/fast-style', style);
      const load = async (style: string) => testStylizer(await readDeeplearnCheckpoint(folder(style)));
      const [udnie, wave] = [await load('udnie'), await load('wave')];
      try {
        const picture = await readImage(join(SHARED, 'images/content/tubingen.jpg'), { cover: STRIP });
        const untiled = await paint(udnie, picture, { tile: 0, overlap: 0 });
        const tiled = await paint(udnie, picture, EXACT);
        assert.ok(pixelDifferences(tiled.image, untiled.image).every((d) => d <= 1));
        assert.ok(seamExcess(tiled.image, untiled.image, tiled.plan) <= 1.1);
        const alone = await stylizeTilesAlone(udnie, picture, tiled.plan);
        const excess = seamExcess(alone, untiled.image, tiled.plan);
        assert.ok(excess > 2, `per-tile statistics raise the energy across the seams only ${excess}×`);
        const other = await paint(wave, picture, { tile: 0, overlap: 0 });
        assert.ok(meanDifference(other.image, untiled.image) > 30);
      } finally {
        udnie.dispose();
        wave.dispose();
      }
    },
  );
});
