/** A square matrix in plain data, row by row: a layer's Gram matrix or a target for it. */
export interface SquareMatrix {
  readonly size: number;
  readonly values: Float32Array;
}

/** What Nikulin & Novak (2016, §6) keep of a painting's Gram matrix to invent one like it. */
export interface GramStatistics {
  /** The fraction of entries that are (negligibly close to) zero. */
  readonly sparsity: number;
  /**
   * The root mean square of the other entries: for entries amplitude·|N(0, 1)|, as the random targets
   * draw them, this is the amplitude itself (E[x²] = amplitude²), so measuring a drawn matrix gives
   * back the statistics it was drawn with.
   */
  readonly amplitude: number;
}

/**
 * Entries at most this fraction of the matrix's largest are counted as zero: a ReLU network's Gram
 * entries are rarely exactly zero in float32 but span several orders of magnitude (on a random VGG-19
 * at 64 px, 2% of conv1_1's entries and 47% of conv3_1's fall below it), and a random target's
 * |N(0, 1)| draws fall below it only 0.3% of the time.
 */
export const NEGLIGIBLE_FRACTION = 1e-3;

/** Each layer's sparsity and amplitude, for `mimic` targets. */
export function measureGramStatistics(grams: ReadonlyMap<string, SquareMatrix>): Map<string, GramStatistics> {
  return new Map([...grams].map(([layer, gram]) => [layer, statisticsOf(gram)]));
}

function statisticsOf({ values }: SquareMatrix): GramStatistics {
  const largest = values.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
  let kept = 0;
  let sumOfSquares = 0;
  for (const value of values) {
    if (Math.abs(value) <= NEGLIGIBLE_FRACTION * largest) continue;
    kept++;
    sumOfSquares += value * value;
  }
  return { sparsity: 1 - kept / values.length, amplitude: kept === 0 ? 0 : Math.sqrt(sumOfSquares / kept) };
}
