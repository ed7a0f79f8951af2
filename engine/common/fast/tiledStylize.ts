import * as tf from '@tensorflow/tfjs';
import type { ImageSize, RgbImage } from '../image.js';
import { strideAlignment } from './receptiveField.js';
import { imageToTensor } from '../imageTensor.js';
import { regionPixels } from '../tiles/regionPixels.js';
import { tileBlender } from '../tiles/tileBlender.js';
import { alignUp, isTiled, tileRegions, type Span, type TilePlan } from '../tiles/tiling.js';
import type { MomentValues, PictureStylizer } from './pictureStylizer.js';

/**
 * A picture through a style network at any size, in the tiles of a TilePlan. Instance normalisation
 * normalises each layer by its mean and variance over the whole picture, so tiles normalised by
 * their own would each get their own tone and show seams; instead the statistics are measured once,
 * on the whole picture, and every tile is normalised by them. The network then never holds more
 * than one tile's activations, or the statistics pass's (at most STATISTICS_MAX_PIXELS).
 */
export interface TiledStylizeRequest {
  readonly network: PictureStylizer;
  readonly picture: RgbImage;
  readonly plan: TilePlan;
  /**
   * What the statistics are measured on when the picture is tiled: the picture itself (exact), or,
   * when it has more than STATISTICS_MAX_PIXELS, a copy downscaled to statisticsSize — the
   * "thumbnail instance normalisation" of Chen et al. (2022, Towards Ultra-Resolution Neural Style
   * Transfer via Thumbnail Instance Normalization), an approximation: the layers' statistics shift a
   * little with scale. Measured with udnie on the Neckarfront photo at 1024×768 against the exact
   * result: statistics at 591×443 px change the output by 5.7 grey levels on average (0.8 % of
   * values by more than 32, in bright highlights), at 295×221 px by 17.
   */
  readonly statisticsPicture?: RgbImage;
  readonly signal?: AbortSignal;
  /** Before the statistics pass, with the size it is made at (tiled pictures only). */
  onStatistics?(size: ImageSize): void;
  /** After each tile, with the lines finished so far (see TileBlender.finished): what a stopped run keeps. */
  onTile?(progress: TileProgress): void;
}

export interface TileProgress {
  readonly done: number;
  readonly total: number;
  readonly finished: RgbImage | null;
}

export type TiledStylizeResult =
  { readonly status: 'done'; readonly image: RgbImage } | { readonly status: 'cancelled' };

export async function stylizeTiled(request: TiledStylizeRequest): Promise<TiledStylizeResult> {
  const { network, picture, plan, signal, onTile } = request;
  const regions = tileRegions(plan);
  const measured = request.statisticsPicture ?? picture;
  const statistics = isTiled(plan) ? await measureOn(network, measured, request.onStatistics) : undefined;
  const blender = tileBlender(plan);
  for (const [i, region] of regions.entries()) {
    if (signal?.aborted) return { status: 'cancelled' };
    blender.add(region, await network.stylize(regionPixels(picture, region.x, region.y), statistics));
    onTile?.({ done: i + 1, total: regions.length, finished: blender.finished() });
  }
  return { status: 'done', image: blender.result() };
}

/** Each layer's statistics on the whole picture, extended to the stride grid as the tiles see it. */
function measureOn(
  network: PictureStylizer,
  picture: RgbImage,
  onStatistics?: (size: ImageSize) => void,
): Promise<MomentValues> {
  onStatistics?.({ width: picture.width, height: picture.height });
  const aligned = (length: number): Span => ({ start: 0, length: alignUp(length, strideAlignment()) });
  return network.measureStatistics(regionPixels(picture, aligned(picture.width), aligned(picture.height)));
}

/** The picture's pixels in a region (see regionPixels) as a float tensor [height, width, 3]. */
export function regionTensor(picture: RgbImage, x: Span, y: Span): tf.Tensor3D {
  return imageToTensor(regionPixels(picture, x, y));
}
