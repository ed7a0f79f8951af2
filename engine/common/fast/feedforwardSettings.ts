import { PasticheError } from '../errors.js';
import { checkPixelCount, fitLongSide, type ImageSize } from '../image.js';
import { isTiled } from '../tiles/tiling.js';
import { nonEmptyString, nonNegativeInteger, record, shownValue } from '../stylize/settingChecks.js';
import {
  DEFAULT_TILE,
  STATISTICS_MAX_PIXELS,
  alignedTransformerTiling,
  exactOverlap,
  planTransformerTiles,
} from './tiling.js';

/**
 * What a feed-forward run (Johnson et al. 2016) is: a photo through one style network of the style
 * library, at a chosen size, in overlapping tiles when it is large. Everything here is recorded.
 */
export interface FeedforwardSettings {
  /** The style network's name in the style library (`pastiche styles`). */
  readonly style: string;
  /** The output's long side in pixels; null keeps the photo's own size (`--full`). */
  readonly size: number | null;
  /** The output's size, from the photo and `size`; fixed when the run is queued. */
  readonly width: number;
  readonly height: number;
  /** Side of the square tiles the picture is computed in, in output pixels; 0 computes it in one piece. */
  readonly tile: number;
  /** Pixels neighbouring tiles share, blended across so no seam shows; 0 when not tiled. */
  readonly overlap: number;
}

/** What a person asks for; what is left out takes its default (see resolveFeedforwardSettings). */
export interface FeedforwardRequest {
  readonly style: string;
  /** The output's long side; null for the photo's own size; undefined for the default. */
  readonly size?: number | null;
  readonly tile?: number;
  readonly overlap?: number;
}

/**
 * 512 px, as `stylize` (neural-style's default size), so that fast and optimised results of one
 * photo compare side by side; a smaller photo keeps its size. `--size` or `--full` for prints.
 */
export const DEFAULT_FEEDFORWARD_SIZE = 512;

/**
 * The settings a run records for a photo of `photo`'s size: the output's size, and its tiling. By
 * default a picture of at most STATISTICS_MAX_PIXELS is computed in one piece — its statistics pass
 * would take as much memory as computing it whole — and a larger one in `defaultTile` tiles (DEFAULT_TILE,
 * or NATIVE_DEFAULT_TILE where onnxruntime computes) with the exact overlap; `tile` and `overlap`
 * override that (rounded to the stride grid). The output may not have more than `maxPixels` pixels
 * (the limit pictures are read with).
 */
export function resolveFeedforwardSettings(
  request: FeedforwardRequest,
  photo: ImageSize,
  maxPixels: number,
  defaultTile = DEFAULT_TILE,
): FeedforwardSettings {
  record('request', request);
  nonEmptyString('style', request.style);
  if (request.tile !== undefined) nonNegativeInteger('tile', request.tile);
  if (request.overlap !== undefined) nonNegativeInteger('overlap', request.overlap);
  const size =
    request.size === undefined ? Math.min(DEFAULT_FEEDFORWARD_SIZE, Math.max(photo.width, photo.height)) : request.size;
  if (size !== null && !(Number.isSafeInteger(size) && size >= 1))
    throw new PasticheError(`must be a whole number of pixels above 0, got ${shownValue(size)}`, 'size');
  const { width, height } = size === null ? photo : fitLongSide(photo.width, photo.height, size);
  checkPixelCount({ width, height }, maxPixels, 'size', 'a result of');
  const tiled = request.tile !== undefined || width * height > STATISTICS_MAX_PIXELS;
  const tile = tiled ? (request.tile ?? defaultTile) : 0;
  const asked = alignedTransformerTiling({ tile, overlap: request.overlap ?? exactOverlap() });
  const plan = planTransformerTiles(width, height, asked);
  const tiling = isTiled(plan) ? asked : { tile: 0, overlap: 0 };
  checkPassSize(tiling.tile === 0 ? width * height : tiling.tile ** 2, width, height);
  return { style: request.style, size, width, height, ...tiling };
}

/** No pass over STATISTICS_MAX_PIXELS: the most wasm's memory takes in one (the statistics pass's bound too). */
function checkPassSize(pixels: number, width: number, height: number): void {
  if (pixels <= STATISTICS_MAX_PIXELS) return;
  const largest = Math.sqrt(STATISTICS_MAX_PIXELS);
  throw new PasticheError(
    `one pass takes at most ${largest}×${largest} px (what wasm's memory holds); ${width}×${height} needs tiles of ` +
      `at most ${largest} px`,
    'tile',
  );
}
