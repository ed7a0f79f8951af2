import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveGenerator, type GivenGenerator } from '../../../../engine/common/generate/gramGenerator.js';
import type { SquareMatrix } from '../../../../engine/common/generate/gramStatistics.js';
import { gramTargets, type TargetLayer } from '../../../../engine/common/generate/syntheticGrams.js';

const LAYERS: TargetLayer[] = [
  { layer: 'conv1_1', channels: 64 },
  { layer: 'conv2_1', channels: 128 },
  { layer: 'conv3_1', channels: 96 },
];
const generator = (given: GivenGenerator) =>
  resolveGenerator(
    given,
    LAYERS.map((l) => l.layer),
  );
const targetsOf = (given: GivenGenerator, iteration = 0) => gramTargets(generator(given), LAYERS, iteration);

/** (row, column, value) of every non-zero entry. */
function nonZero({ size, values }: SquareMatrix): Array<[number, number, number]> {
  const entries: Array<[number, number, number]> = [];
  values.forEach((value, index) => value !== 0 && entries.push([Math.floor(index / size), index % size, value]));
  return entries;
}

function isSymmetric({ size, values }: SquareMatrix): boolean {
  for (let row = 0; row < size; row++)
    for (let column = 0; column < row; column++)
      if (values[row * size + column] !== values[column * size + row]) return false;
  return true;
}

describe('gramTargets: one entry (Nikulin & Novak §6)', () => {
  it('sets the chosen entry and its mirror to the amplitude, every other target to zero', () => {
    const targets = targetsOf({ kind: 'single', layer: 'conv2_1', entry: { row: 5, column: 17 }, amplitude: 250 });
    assert.deepEqual(nonZero(targets.get('conv2_1')!), [
      [5, 17, 250],
      [17, 5, 250],
    ]);
    assert.deepEqual([...targets.keys()], ['conv1_1', 'conv2_1', 'conv3_1']);
    assert.deepEqual(nonZero(targets.get('conv1_1')!), []);
    assert.deepEqual(nonZero(targets.get('conv3_1')!), []);
    assert.equal(targets.get('conv2_1')!.size, 128);
    assert.deepEqual(
      nonZero(
        targetsOf({ kind: 'single', layer: 'conv1_1', entry: { row: 9, column: 9 }, amplitude: 3 }).get('conv1_1')!,
      ),
      [[9, 9, 3]],
    );
  });

  it('draws the entry from the seed: the same seed the same entry, other seeds others', () => {
    const entryOf = (seed: number, iteration = 0, redraw = false) =>
      nonZero(
        targetsOf({ kind: 'single', layer: 'conv2_1', amplitude: 1, seed, redraw }, iteration).get('conv2_1')!,
      )[0];
    assert.deepEqual(entryOf(4), entryOf(4));
    assert.ok(
      new Set([1, 2, 3, 4, 5].map((seed) => String(entryOf(seed)))).size >= 4,
      'five seeds draw (nearly) five entries',
    );
    assert.deepEqual(entryOf(4, 7), entryOf(4, 0), 'drawn once, the entry stays');
    const redrawn = [1, 2, 3, 4, 5].map((iteration) => String(entryOf(4, iteration, true)));
    assert.ok(new Set(redrawn).size >= 4, `re-drawn at every iteration: ${redrawn.join(' ')}`);
    assert.deepEqual(entryOf(4, 3, true), entryOf(4, 3, true), 'iteration t of a seed is always the same draw');
  });
});

describe('gramTargets: sparse random matrices', () => {
  it(
    'zeroes a sparsity fraction of the entries (within binomial tolerance) and fills the rest with amplitude·|N(0, ' +
      '1)|',
    () => {
      for (const sparsity of [0.1, 0.9]) {
        const target = targetsOf({ kind: 'sparse', layers: ['conv2_1'], amplitude: 40, sparsity, seed: 3 }).get(
          'conv2_1',
        )!;
        assert.ok(isSymmetric(target));
        // The upper triangle's entries are the independent draws; each is kept with probability 1 − sparsity.
        const { size, values } = target;
        const draws = (size * (size + 1)) / 2;
        let kept = 0;
        for (let row = 0; row < size; row++)
          for (let column = row; column < size; column++) if (values[row * size + column] !== 0) kept++;
        const expected = draws * (1 - sparsity);
        const tolerance = 4 * Math.sqrt(draws * sparsity * (1 - sparsity));
        assert.ok(
          Math.abs(kept - expected) < tolerance,
          `sparsity ${sparsity}: ${kept} kept of ${draws}, expected ${expected.toFixed(0)} ± ${tolerance.toFixed(0)}`,
        );
        const entries = nonZero(target).map(([, , value]) => value);
        assert.ok(
          entries.every((value) => value > 0),
          'absolute values',
        );
        // E[(A·|N|)²] = A², and the variance of a squared half-normal is 2A⁴.
        const meanSquare = entries.reduce((sum, value) => sum + value * value, 0) / entries.length;
        assert.ok(
          Math.abs(meanSquare / 40 ** 2 - 1) < 4 * Math.sqrt(2 / entries.length),
          `amplitude ${Math.sqrt(meanSquare)}`,
        );
      }
    },
  );

  it('fills only the chosen layers (figure 7), leaving the others zero', () => {
    const targets = targetsOf({ kind: 'sparse', layers: ['conv1_1', 'conv3_1'], amplitude: 5, sparsity: 0.5, seed: 1 });
    assert.ok(nonZero(targets.get('conv1_1')!).length > 0);
    assert.deepEqual(nonZero(targets.get('conv2_1')!), []);
    assert.ok(nonZero(targets.get('conv3_1')!).length > 0);
  });

  it(
    'gives the same seed identical targets, another seed other ones, and new ones at each iteration only when ' +
      're-drawing',
    () => {
      const given: GivenGenerator = {
        kind: 'sparse',
        layers: ['conv1_1', 'conv2_1'],
        amplitude: 5,
        sparsity: 0.5,
        seed: 11,
      };
      const values = (targets: Map<string, SquareMatrix>) => [...targets.values()].map((matrix) => matrix.values);
      assert.deepEqual(values(targetsOf(given)), values(targetsOf(given)));
      assert.notDeepEqual(values(targetsOf(given)), values(targetsOf({ ...given, seed: 12 })));
      assert.deepEqual(values(targetsOf(given, 5)), values(targetsOf(given, 0)));
      const redraw = { ...given, redraw: true };
      assert.notDeepEqual(values(targetsOf(redraw, 1)), values(targetsOf(redraw, 2)));
      assert.deepEqual(values(targetsOf(redraw, 2)), values(targetsOf(redraw, 2)));
      // Each layer draws from its own stream: conv1_1 is not a corner of conv2_1.
      const [first, second] = values(targetsOf(given));
      assert.notDeepEqual(first.slice(0, 8), second.slice(0, 8));
    },
  );

  it('draws seeds beyond 2³² apart from their low 32 bits', () => {
    const given: GivenGenerator = { kind: 'sparse', layers: ['conv1_1'], amplitude: 1, sparsity: 0.5 };
    const first = targetsOf({ ...given, seed: 7 }).get('conv1_1')!.values;
    assert.notDeepEqual(targetsOf({ ...given, seed: 7 + 2 ** 32 }).get('conv1_1')!.values, first);
    assert.deepEqual(
      targetsOf({ ...given, seed: 2 ** 53 - 1 }).get('conv1_1')!.values,
      targetsOf({ ...given, seed: 2 ** 53 - 1 }).get('conv1_1')!.values,
    );
  });
});
