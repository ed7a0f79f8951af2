import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { receptiveField, strideAlignment } from '../../../../engine/common/fast/receptiveField.js';
import {
  alignedTransformerTiling as alignedTiling,
  exactOverlap,
  planTransformerTiles as planTiles,
} from '../../../../engine/common/fast/tiling.js';
import { rampWeights, spanWeights, tileRegions, type AxisTiles } from '../../../../engine/common/tiles/tiling.js';

/** Each pixel's weights summed over the tiles covering it, along one axis. */
function weightSums(axis: AxisTiles, length: number): Float64Array {
  const sums = new Float64Array(length);
  axis.spans.forEach((span, i) => spanWeights(axis, i).forEach((w, d) => (sums[span.start + d] += w)));
  return sums;
}

describe('tiling geometry', () => {
  it(
    'tiles on the stride grid, consecutive tiles sharing the overlap, the last one shortened to end with the ' +
      'picture',
    () => {
      const plan = planTiles(1001, 300, { tile: 512, overlap: 112 });
      assert.deepEqual([plan.alignedWidth, plan.alignedHeight], [1004, 300]);
      assert.deepEqual(plan.columns.spans, [
        { start: 0, length: 512 },
        { start: 400, length: 512 },
        { start: 800, length: 204 },
      ]);
      assert.deepEqual(plan.rows.spans, [{ start: 0, length: 300 }]);
      assert.equal(tileRegions(plan).length, 3);
      for (const { start, length } of plan.columns.spans) assert.equal((start % 4) + (length % 4), 0);
    },
  );

  it('computes in one piece when told to or when the picture fits in a tile', () => {
    for (const plan of [
      planTiles(3000, 2000, { tile: 0, overlap: 112 }),
      planTiles(510, 400, { tile: 512, overlap: 112 }),
    ]) {
      assert.equal(tileRegions(plan).length, 1);
      assert.deepEqual(plan.columns.spans, [{ start: 0, length: plan.alignedWidth }]);
    }
  });

  it('rounds tiles down and overlaps up to the stride, and refuses tiles that cannot hold two overlaps', () => {
    assert.deepEqual(alignedTiling({ tile: 514, overlap: 110 }), { tile: 512, overlap: 112 });
    assert.throws(
      () => alignedTiling({ tile: 200, overlap: 112 }),
      /tile: tiles of 200 px cannot hold two overlaps of 112 px/,
    );
    assert.throws(() => alignedTiling({ tile: 256.5, overlap: 8 }), /tile: must be a whole number/);
  });

  it('knows the network’s reach (54 px each way, stride 4) and the narrowest exact overlap (112 px)', () => {
    assert.deepEqual(receptiveField(), { before: 54, after: 54 });
    assert.equal(strideAlignment(), 4);
    assert.equal(exactOverlap(), 112);
  });
});

describe('blend weights', () => {
  it('add up to 1 at every pixel, for exact and for narrow overlaps', () => {
    for (const overlap of [112, 200, 16]) {
      const plan = planTiles(1500, 40, { tile: 512, overlap });
      weightSums(plan.columns, plan.alignedWidth).forEach((sum, x) =>
        assert.ok(Math.abs(sum - 1) < 1e-6, `overlap ${overlap}: weights add up to ${sum} at x = ${x}`),
      );
    }
  });

  it(
    'are 0 within the receptive field’s reach of a cut edge when the overlap is exact, and ramp over all of a ' +
      'narrow one',
    () => {
      const exact = planTiles(1500, 40, { tile: 512, overlap: 112 }).columns;
      assert.equal(exact.guard, 54);
      const second = spanWeights(exact, 1);
      assert.ok(second.subarray(0, 54).every((w) => w === 0));
      assert.ok(second.subarray(512 - 54).every((w) => w === 0));
      assert.ok(second[56] > 0 && second[56] < 1);
      const narrow = planTiles(1500, 40, { tile: 512, overlap: 16 }).columns;
      assert.equal(narrow.guard, 0);
      assert.ok(spanWeights(narrow, 1)[0] > 0);
    },
  );

  it('rise smoothly (raised cosine): each step at most π/2 ÷ the ramp’s width', () => {
    const ramp = rampWeights(64, 0);
    for (let d = 1; d < 64; d++) assert.ok(ramp[d] > ramp[d - 1] && ramp[d] - ramp[d - 1] <= Math.PI / 2 / 64 + 1e-6);
  });
});
