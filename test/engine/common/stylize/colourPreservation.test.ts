import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { colourStatistics } from '../../../../engine/common/colour/colourControl.js';
import { rgbImage, type RgbImage } from '../../../../engine/common/image.js';
import { featureNetwork } from '../../../../engine/common/networks/featureNetwork.js';
import { randomWeights } from '../../../../engine/common/networks/randomWeights.js';
import { VGG19 } from '../../../../engine/common/networks/vgg.js';
import { preserveColours } from '../../../../engine/common/stylize/colourPreservation.js';
import { NEURAL_STYLE_DEFAULTS, resolveSettings } from '../../../../engine/common/stylize/settings.js';
import { stylize } from '../../../../engine/common/stylize/stylize.js';
import { useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

/** A smooth gradient in one hue: a blue-green photo or a red-orange painting. */
function tinted(
  width: number,
  height: number,
  base: [number, number, number],
  slope: [number, number, number],
): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++)
        data[3 * (y * width + x) + c] = Math.round(base[c] + slope[c] * ((x + 2 * y) / (width + 2 * height)));
  }
  return rgbImage(width, height, data);
}
const photo = tinted(24, 16, [40, 110, 150], [40, 60, 60]);
const painting = tinted(24, 24, [190, 80, 30], [50, 60, 40]);
const isGrey = (image: RgbImage) => image.data.every((value, i) => value === image.data[i - (i % 3)]);
const meanHue = (image: RgbImage) => colourStatistics(image).mean.map(Math.round);

describe('colour preservation in a run', () => {
  it(
    'hands the optimisation grey images for luminance-only transfer, and the paintings recoloured for histogram ' +
      'matching',
    () => {
      const luminance = preserveColours('luminance', 'style', {
        content: photo,
        styles: [painting],
        initImage: painting,
      });
      assert.ok([luminance.content, ...luminance.styles, luminance.initImage!].every(isGrey));
      const histogram = preserveColours('histogram', 'style', {
        content: photo,
        styles: [painting],
        initImage: painting,
      });
      assert.equal(histogram.content, photo);
      for (const recoloured of [histogram.styles[0], histogram.initImage!]) {
        meanHue(recoloured).forEach((value, c) =>
          assert.ok(
            Math.abs(value - meanHue(photo)[c]) <= 1,
            `mean colour ${meanHue(recoloured)} vs the photo's ${meanHue(photo)}`,
          ),
        );
      }
      const none = preserveColours('none', 'style', { content: photo, styles: [painting], initImage: painting });
      assert.deepEqual([none.content, none.styles[0], none.initImage], [photo, painting, painting]);
      assert.equal(none.finish(painting), painting);
    },
  );

  it("paints with the photo's colours under luminance-only transfer, and with the painting's without it", async () => {
    const network = featureNetwork('vgg19-random', VGG19, randomWeights(VGG19, 0));
    const run = async (preserveColors: 'none' | 'luminance') =>
      (
        await stylize({
          network,
          content: photo,
          styles: [painting],
          settings: resolveSettings({
            ...NEURAL_STYLE_DEFAULTS,
            size: 24,
            iterations: 3,
            init: 'content',
            styleWeight: 1e4,
            contentLayers: ['conv2_1'],
            styleLayers: [{ layer: 'conv1_1', weight: 1 }],
            preserveColors,
          }),
        })
      ).image;
    const [kept, taken] = [await run('luminance'), await run('none')];
    network.dispose();
    // The photo is blue-green (B > R); the painting red-orange (R > B).
    const [r, , b] = meanHue(kept);
    assert.ok(b > r + 40, `luminance-only keeps the photo's hue: mean ${meanHue(kept)}`);
    const [rt, , bt] = meanHue(taken);
    assert.ok(rt - bt > r - b + 20, `plain transfer moves towards the painting's: mean ${meanHue(taken)}`);
  });
});
