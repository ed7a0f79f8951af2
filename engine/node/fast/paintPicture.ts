import type { FeedforwardSettings } from '../../common/fast/feedforwardSettings.js';
import { stylizeTiled, type TiledStylizeRequest, type TiledStylizeResult } from '../../common/fast/tiledStylize.js';
import { planTransformerTiles, statisticsSize, STATISTICS_MAX_PIXELS } from '../../common/fast/tiling.js';
import { isTiled, tileRegions } from '../../common/tiles/tiling.js';
import type { PictureStylizer } from '../../common/fast/pictureStylizer.js';
import type { RgbImage } from '../../common/image.js';
import { checkPixelLimit, resizeImage } from '../image/imageIO.js';

export type PaintHooks = Pick<TiledStylizeRequest, 'signal' | 'onStatistics' | 'onTile'>;

/** How many tiles a run of these settings computes. */
export function tileCount(settings: FeedforwardSettings): number {
  return tileRegions(planTransformerTiles(settings.width, settings.height, settings)).length;
}

/**
 * A photo, already decoded at the run's size, through a style network as its settings tile it. A
 * tiled picture over STATISTICS_MAX_PIXELS has its statistics measured on a copy downscaled by
 * sharp (lanczos3), so no tensor ever holds the whole picture. Memory beyond TensorFlow.js's: the
 * photo and the result as 8-bit RGB (3 bytes a pixel each: 72 MB apiece at 6000×4000) and one row
 * of tiles as floats (12 bytes a pixel, picture-wide: 37 MB at 6000 px wide with 512 px tiles).
 */
export async function paintPicture(
  network: PictureStylizer,
  picture: RgbImage,
  settings: FeedforwardSettings,
  hooks: PaintHooks = {},
): Promise<TiledStylizeResult> {
  // The result has the picture's size: a run queued under a higher limit is refused before its first tile.
  checkPixelLimit(picture, 'size', 'a result of');
  const plan = planTransformerTiles(picture.width, picture.height, settings);
  const statisticsPicture =
    isTiled(plan) && picture.width * picture.height > STATISTICS_MAX_PIXELS ? await downscaled(picture) : undefined;
  return stylizeTiled({ network, picture, plan, statisticsPicture, ...hooks });
}

async function downscaled(picture: RgbImage): Promise<RgbImage> {
  const { width, height } = statisticsSize(picture.width, picture.height);
  return resizeImage(picture, width, height);
}
