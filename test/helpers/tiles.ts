import * as tf from '@tensorflow/tfjs';
import type { RgbImage } from '../../engine/common/image.js';
import { tileBlender } from '../../engine/common/tiles/tileBlender.js';
import { tfjsStylizer, type PictureStylizer } from '../../engine/common/fast/pictureStylizer.js';
import { regionPixels } from '../../engine/common/tiles/regionPixels.js';
import { spanWeights, tileRegions, type TilePlan } from '../../engine/common/tiles/tiling.js';
import type { NormStatistics } from '../../engine/common/fast/transformerNetwork.js';

/**
 * The counterfactual: the same tiles and blending, but each tile normalised by its own statistics,
 * as running the network on each tile separately would. Shows what sharing the statistics prevents.
 */
export async function stylizeTilesAlone(
  network: PictureStylizer,
  picture: RgbImage,
  plan: TilePlan,
): Promise<RgbImage> {
  const blender = tileBlender(plan);
  for (const region of tileRegions(plan)) {
    blender.add(region, await network.stylize(regionPixels(picture, region.x, region.y)));
  }
  return blender.result();
}

/**
 * The columns x where the picture passes from one tile to the next: some tile's weight between x − 1 and x is neither 0
 * nor 1.
 */
export function seamColumns(plan: TilePlan): Set<number> {
  const seams = new Set<number>();
  plan.columns.spans.forEach((span, i) => {
    const weights = spanWeights(plan.columns, i);
    for (let d = 1; d < span.length; d++) {
      const changing = weights[d] !== weights[d - 1] || (weights[d] > 0 && weights[d] < 1);
      if (changing && span.start + d < plan.width) seams.add(span.start + d);
    }
  });
  return seams;
}

/**
 * Gradient energy across vertical lines: for each x, the squared difference between columns x − 1
 * and x of the picture's column profile (each column's mean over all lines, per channel). A seam
 * runs the whole height of the picture and survives the averaging; texture mostly does not. Returns
 * the mean energy at the seam columns and at all the others.
 */
export function seamEnergy(image: RgbImage, seams: ReadonlySet<number>): { seams: number; elsewhere: number } {
  const profile = new Float64Array(image.width * 3);
  for (let y = 0; y < image.height; y++) {
    for (let i = 0; i < image.width * 3; i++) profile[i] += image.data[y * image.width * 3 + i] / image.height;
  }
  const sums = { seams: [0, 0], elsewhere: [0, 0] };
  for (let x = 1; x < image.width; x++) {
    let energy = 0;
    for (let c = 0; c < 3; c++) energy += (profile[x * 3 + c] - profile[(x - 1) * 3 + c]) ** 2;
    const bucket = seams.has(x) ? sums.seams : sums.elsewhere;
    bucket[0] += energy;
    bucket[1]++;
  }
  return { seams: sums.seams[0] / sums.seams[1], elsewhere: sums.elsewhere[0] / sums.elsewhere[1] };
}

/**
 * A stand-in for a style network that is nothing but instance normalisation, pixel by pixel: a tile normalised by its
 * own statistics takes its own tone.
 */
export function normalisingNetwork(): PictureStylizer {
  const ownMoments = (rgb: tf.Tensor3D) => {
    const { mean, variance } = tf.moments(rgb, [0, 1]);
    return {
      mean: tf.reshape(mean, [1, 1, 1, 3]) as tf.Tensor4D,
      variance: tf.reshape(variance, [1, 1, 1, 3]) as tf.Tensor4D,
    };
  };
  return tfjsStylizer({
    stylize: (rgb, statistics) =>
      tf.tidy(() => {
        const { mean, variance } = statistics?.get('conv1') ?? ownMoments(rgb);
        const normalised = tf.div(
          tf.sub(rgb, tf.reshape(mean, [1, 1, 3])),
          tf.sqrt(tf.add(tf.reshape(variance, [1, 1, 3]), 1e-3)),
        );
        return tf.clipByValue(tf.add(tf.mul(normalised, 50), 127.5), 0, 255) as tf.Tensor3D;
      }),
    measureStatistics: (rgb): NormStatistics => new Map([['conv1', tf.tidy(() => ownMoments(rgb))]]),
    dispose: () => {},
  });
}
