import type { ImageSize } from '../image.js';
import { alignUp, alignedTiling, planTiles, type TileGeometry, type TilePlan, type Tiling } from '../tiles/tiling.js';
import { receptiveField, strideAlignment, type ReceptiveField } from './receptiveField.js';

/**
 * How a style network's picture is tiled (the geometry itself is tiles/tiling.ts): tiles start on the
 * network's stride grid (strideAlignment, 4 px), so that each tile is exactly a piece of the whole
 * picture's computation but for the zero padding its convolutions see at its cut edges, whose effect
 * reaches receptiveField() pixels in (54 px). When the overlap is at least exactOverlap(), blend
 * weights rise only where both tiles are beyond that reach, so every pixel comes from tiles that
 * computed it exactly: tiled equals untiled (with the same instance-norm statistics) up to float
 * rounding. A narrower overlap ramps over its whole width, a best effort that is no longer exact near
 * the cuts.
 */
export function transformerGeometry(
  field: ReceptiveField = receptiveField(),
  alignment = strideAlignment(),
): TileGeometry {
  return { alignment, reach: Math.max(field.before, field.after) };
}

/** The tiles of a width × height picture through the style network. */
export function planTransformerTiles(
  width: number,
  height: number,
  tiling: Tiling,
  geometry = transformerGeometry(),
): TilePlan {
  return planTiles(width, height, tiling, geometry);
}

/**
 * The tiling asked for, rounded to the network's stride grid (tile down, overlap up), or an error naming the option.
 */
export function alignedTransformerTiling(tiling: Tiling): Tiling {
  return alignedTiling(tiling, strideAlignment());
}

/**
 * 1024 × 1024 px: the largest statistics pass on wasm, whose 4 GB heap a pass of 1024² px fills to
 * 1.6 GB and one of 1448² px (2 MP) to 3.8 GB (resident memory, measured). Larger pictures are
 * measured downscaled to this many pixels.
 */
export const STATISTICS_MAX_PIXELS = 1024 * 1024;

/**
 * The size the statistics of a width × height picture are measured at: its own when it has at most `maxPixels`, else
 * downscaled to that many.
 */
export function statisticsSize(width: number, height: number, maxPixels = STATISTICS_MAX_PIXELS): ImageSize {
  if (width * height <= maxPixels) return { width, height };
  const scale = Math.sqrt(maxPixels / (width * height));
  return { width: Math.max(1, Math.floor(width * scale)), height: Math.max(1, Math.floor(height * scale)) };
}

/** 512 px: one wasm pass takes about 0.6 GB and 4–7 s on two cores (measured); a GPU could take larger ones. */
export const DEFAULT_TILE = 512;

/**
 * 1024 px on onnxruntime, whose memory is not wasm's 4 GB heap (about 1 GB resident a pass): the
 * 112-px overlaps then make a 6000×4000 picture compute 1.24× its pixels in 35 tiles instead of
 * 1.58× in 150, and the processor time per pixel is the same (2.3–2.5 µs measured at 512–1536 px
 * tiles on two cores), so it takes about a fifth less time. Larger tiles would save little more
 * (1.13× at 1536 px) and go past the largest pass the settings allow.
 */
export const NATIVE_DEFAULT_TILE = 1024;

/**
 * The narrowest overlap for which tiling is exact: twice the reach of the receptive field plus one
 * pixel to change tiles at, rounded up to the stride (112 px for the network of Johnson et al.).
 */
export function exactOverlap(geometry: TileGeometry = transformerGeometry()): number {
  return alignUp(2 * geometry.reach + 1, geometry.alignment);
}
