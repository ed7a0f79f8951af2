/**
 * A reproducible stream of random numbers named by integer keys — a run's seed, an iteration, a
 * layer — so that a recorded run draws the same targets bit for bit when it is repeated, on any
 * backend: the numbers come from plain JavaScript (32-bit integer steps; V8's Math.log and Math.cos
 * are its own fdlibm port), never from a backend's random kernels.
 */
export interface RandomStream {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal N(0, 1). */
  gaussian(): number;
  /** Uniform among the whole numbers 0 … n − 1. */
  below(n: number): number;
}

/** Keys are whole numbers ≥ 0 up to 2⁵³ − 1 (the settings' seeds); different keys give independent streams. */
export function randomStream(...keys: readonly number[]): RandomStream {
  let state = keys.reduce(mixKey, 0x9e3779b9);
  // mulberry32 (Tommy Ettinger, 2017): a 32-bit state stepped by a Weyl sequence, then scrambled.
  const next32 = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const uniform = () => next32() / 2 ** 32;
  return {
    uniform,
    // Box–Muller (1958): 1 − u lies in (0, 1], so the logarithm is finite.
    gaussian: () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform()),
    below: (n) => Math.floor(uniform() * n),
  };
}

/** Folds a key into the hash, its bits above 32 too (seeds go up to 2⁵³ − 1). */
function mixKey(hash: number, key: number): number {
  const low = key >>> 0;
  const high = Math.floor(key / 2 ** 32) >>> 0;
  return finalMix(finalMix(hash ^ low) ^ high);
}

/** MurmurHash3's 32-bit finaliser: every input bit flips each output bit with probability about ½. */
function finalMix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
