import { PasticheError } from '../errors.js';

/**
 * Where the tiles of a large picture go and how their overlaps are blended: pure geometry, no
 * tensors, shared by a style network's tiled pass (fast/) and a tiled optimisation (stylize/). The
 * picture is first extended to multiples of the geometry's alignment (its last pixels repeated), so
 * that every tile starts and ends on a network's stride grid.
 *
 * Blending: in an overlap the later tile's weight rises from 0 to 1 and the earlier tile's falls
 * alike (raised cosine, sin² + cos² = 1: the weights of all tiles add up to 1 at every pixel, in 2-D
 * too, as products of per-axis weights). When the overlap has room for it, the rise keeps `reach`
 * pixels away from either tile's cut edge, where a tile's own computation differs from the whole
 * picture's (a style network's zero padding: see fast/tiling.ts); elsewhere it ramps over the whole
 * overlap.
 */
export interface Tiling {
  /** Side of the square tiles in pixels; 0 computes the picture in one piece. */
  readonly tile: number;
  /** Pixels neighbouring tiles share. */
  readonly overlap: number;
}

/** What a network asks of its tiles: where they may start, and how far from a cut edge its pixels are unreliable. */
export interface TileGeometry {
  /** Tiles start and end on multiples of this many pixels (1: anywhere). */
  readonly alignment: number;
  /** Pixels from a cut edge that differ from the whole picture's computation (0: blend over the whole overlap). */
  readonly reach: number;
}

/** One tile's extent along an axis. */
export interface Span {
  readonly start: number;
  readonly length: number;
}

export interface AxisTiles {
  readonly spans: readonly Span[];
  /** Pixels consecutive spans share (0 with a single span). */
  readonly overlap: number;
  /** Pixels from a cut edge where a tile's weight stays 0 (the geometry's reach, when the overlap has room for it). */
  readonly guard: number;
}

export interface TilePlan {
  /** The picture's size. */
  readonly width: number;
  readonly height: number;
  /** The size the network computes: the picture extended to multiples of the alignment. */
  readonly alignedWidth: number;
  readonly alignedHeight: number;
  readonly columns: AxisTiles;
  readonly rows: AxisTiles;
}

/** A tile of the plan, by column and row. */
export interface TileRegion {
  readonly column: number;
  readonly row: number;
  readonly x: Span;
  readonly y: Span;
}

/**
 * The tiling asked for, made to fit the grid (tile rounded down, overlap up, to multiples of the
 * alignment), or an error naming the option: tiles must hold two overlaps (so that only neighbours
 * overlap and their weights add up to 1).
 */
export function alignedTiling({ tile, overlap }: Tiling, alignment: number): Tiling {
  if (!Number.isInteger(tile) || tile < 0)
    throw new PasticheError(`must be a whole number of pixels, got ${tile}`, 'tile');
  if (!Number.isInteger(overlap) || overlap < 0)
    throw new PasticheError(`must be a whole number of pixels, got ${overlap}`, 'overlap');
  if (tile === 0) return { tile: 0, overlap: 0 };
  const aligned = { tile: alignDown(tile, alignment), overlap: alignUp(overlap, alignment) };
  if (aligned.tile < 2 * Math.max(aligned.overlap, alignment)) {
    const rounding = alignment > 1 ? ` (tiles and overlaps are rounded to multiples of ${alignment} px)` : '';
    throw new PasticheError(
      `tiles of ${aligned.tile} px cannot hold two overlaps of ${aligned.overlap} px${rounding}`,
      'tile',
    );
  }
  return aligned;
}

/** The tiles of a width × height picture; one tile when `tiling.tile` is 0 or the picture fits in one. */
export function planTiles(width: number, height: number, tiling: Tiling, geometry: TileGeometry): TilePlan {
  const { tile, overlap } = alignedTiling(tiling, geometry.alignment);
  const alignedWidth = alignUp(width, geometry.alignment);
  const alignedHeight = alignUp(height, geometry.alignment);
  const single = tile === 0 || (alignedWidth <= tile && alignedHeight <= tile);
  const axis = (length: number) => (single ? wholeAxis(length) : axisTiles(length, tile, overlap, geometry.reach));
  return { width, height, alignedWidth, alignedHeight, columns: axis(alignedWidth), rows: axis(alignedHeight) };
}

export function tileRegions(plan: TilePlan): TileRegion[] {
  return plan.rows.spans.flatMap((y, row) => plan.columns.spans.map((x, column) => ({ column, row, x, y })));
}

export function isTiled(plan: TilePlan): boolean {
  return plan.columns.spans.length * plan.rows.spans.length > 1;
}

/**
 * The weights of span `index` along its axis, one per pixel: rising over the overlap with the span
 * before, falling over the overlap with the span after, 1 elsewhere.
 */
export function spanWeights(axis: AxisTiles, index: number): Float32Array {
  const { length } = axis.spans[index];
  const weights = new Float32Array(length).fill(1);
  const ramp = rampWeights(axis.overlap, axis.guard);
  for (let d = 0; d < axis.overlap; d++) {
    if (index > 0) weights[d] *= ramp[d];
    if (index < axis.spans.length - 1) weights[length - 1 - d] *= ramp[d];
  }
  return weights;
}

/**
 * A tile's weight at distance d from its cut edge, over an overlap: 0 within `guard`, then
 * sin²(π/2 · (d − guard + ½)/(overlap − 2·guard)) up to overlap − guard, 1 beyond. The tile on the
 * other side of the cut, at distance overlap − 1 − d from its own edge, has the cos² of the same
 * angle: the two add up to 1.
 */
export function rampWeights(overlap: number, guard: number): Float32Array {
  const width = overlap - 2 * guard;
  return Float32Array.from({ length: overlap }, (_, d) => {
    if (d < guard) return 0;
    if (d >= overlap - guard) return 1;
    return Math.sin(((Math.PI / 2) * (d - guard + 0.5)) / width) ** 2;
  });
}

/**
 * Spans of `tile` px every `tile − overlap` px, the last one shortened to end with the picture (it
 * stays longer than the overlap, so each pixel is shared by at most two spans).
 */
function axisTiles(length: number, tile: number, overlap: number, reach: number): AxisTiles {
  if (length <= tile) return wholeAxis(length);
  const step = tile - overlap;
  const spans: Span[] = [];
  for (let start = 0; ; start += step) {
    spans.push({ start, length: Math.min(tile, length - start) });
    if (start + tile >= length) break;
  }
  const guard = overlap >= 2 * reach + 1 ? reach : 0;
  return { spans, overlap, guard };
}

function wholeAxis(length: number): AxisTiles {
  return { spans: [{ start: 0, length }], overlap: 0, guard: 0 };
}

/** `value` rounded up to a multiple of `alignment`. */
export function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

function alignDown(value: number, alignment: number): number {
  return Math.floor(value / alignment) * alignment;
}
