import type { GramGenerator } from './gramGenerator.js';
import type { GramStatistics, SquareMatrix } from './gramStatistics.js';
import { randomStream, type RandomStream } from './randomStream.js';

/**
 * A style layer as its target needs it: its number of feature maps and, for `mimic`, the painting's statistics there.
 */
export interface TargetLayer {
  readonly layer: string;
  readonly channels: number;
  readonly statistics?: GramStatistics;
}

/**
 * The synthetic Gram targets of one iteration, one symmetric matrix per style layer (Nikulin & Novak
 * 2016, §6). A generator that does not redraw gives the same targets at every iteration; one that
 * does draws iteration t's from its own stream. Everything comes from (seed, draw, layer position),
 * so a recorded run's targets are drawn again bit for bit.
 */
export function gramTargets(
  generator: GramGenerator,
  layers: readonly TargetLayer[],
  iteration: number,
): Map<string, SquareMatrix> {
  const draw = generator.redraw ? iteration : 0;
  return new Map(
    layers.map((target, position) => [
      target.layer,
      layerTarget(generator, target, randomStream(generator.seed, draw, position)),
    ]),
  );
}

function layerTarget(generator: GramGenerator, target: TargetLayer, random: RandomStream): SquareMatrix {
  const size = target.channels;
  switch (generator.kind) {
    case 'single': {
      if (target.layer !== generator.layer) return zeros(size);
      const entry = generator.entry ?? { row: random.below(size), column: random.below(size) };
      return withEntry(size, entry.row, entry.column, generator.amplitude);
    }
    case 'sparse':
      return generator.layers.includes(target.layer)
        ? sparseRandom(size, generator.amplitude, generator.sparsity, random)
        : zeros(size);
    case 'mimic': {
      if (!target.statistics) throw new Error(`mimic targets need the painting's statistics on ${target.layer}`);
      return sparseRandom(size, target.statistics.amplitude, target.statistics.sparsity, random);
    }
  }
}

function zeros(size: number): SquareMatrix {
  return { size, values: new Float32Array(size * size) };
}

/** Zero but Gᵢⱼ = Gⱼᵢ = amplitude. */
function withEntry(size: number, row: number, column: number, amplitude: number): SquareMatrix {
  const matrix = zeros(size);
  matrix.values[row * size + column] = amplitude;
  matrix.values[column * size + row] = amplitude;
  return matrix;
}

/** amplitude·|N(0, 1)| on the upper triangle, each entry kept with probability 1 − sparsity, mirrored below. */
function sparseRandom(size: number, amplitude: number, sparsity: number, random: RandomStream): SquareMatrix {
  const matrix = zeros(size);
  for (let row = 0; row < size; row++) {
    for (let column = row; column < size; column++) {
      if (random.uniform() < sparsity) continue;
      const value = amplitude * Math.abs(random.gaussian());
      matrix.values[row * size + column] = value;
      matrix.values[column * size + row] = value;
    }
  }
  return matrix;
}
