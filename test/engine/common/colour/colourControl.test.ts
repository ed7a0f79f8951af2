import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  colourStatistics,
  luminanceImage,
  matchedColourHistogram,
  matchedLuminance,
  withColoursOf,
} from '../../../../engine/common/colour/colourControl.js';
import { multiply, symmetricPower, type Matrix3 } from '../../../../engine/common/colour/matrix3.js';
import { rgbImage, type RgbImage } from '../../../../engine/common/image.js';

/** A seeded picture whose channels are correlated like a photo's, within 30…225 so no transform here clips. */
function picture(seed: number, width = 24, height = 16, tint: [number, number, number] = [1, 1, 1]): RgbImage {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const shade = 60 + 100 * random();
    for (let c = 0; c < 3; c++)
      data[3 * p + c] = Math.round(Math.min(225, Math.max(30, shade * tint[c] + 25 * random())));
  }
  return rgbImage(width, height, data);
}

const luma = (image: RgbImage, p: number) =>
  0.299 * image.data[3 * p] + 0.587 * image.data[3 * p + 1] + 0.114 * image.data[3 * p + 2];
const chroma = (image: RgbImage, p: number) => {
  const [r, g, b] = [image.data[3 * p], image.data[3 * p + 1], image.data[3 * p + 2]];
  return [0.595716 * r - 0.274453 * g - 0.321263 * b, 0.211456 * r - 0.522591 * g + 0.311135 * b];
};
const pixels = (image: RgbImage) => Array.from({ length: image.width * image.height }, (_, p) => p);

function closeMatrices(a: Matrix3, b: Matrix3, tolerance: number): boolean {
  return a.every((row, i) => row.every((value, j) => Math.abs(value - b[i][j]) <= tolerance));
}

describe('colour control (Gatys et al. 2017)', () => {
  it('takes symmetric square roots and inverse square roots of a covariance', () => {
    const covariance = colourStatistics(picture(3, 32, 32, [1.1, 0.9, 0.6])).covariance;
    const root = symmetricPower(covariance, 0.5);
    assert.ok(closeMatrices(multiply(root, root), covariance, 1e-6 * covariance[0][0]), 'S½·S½ = S');
    const inverseRoot = symmetricPower(covariance, -0.5);
    assert.ok(
      closeMatrices(
        multiply(multiply(root, root), multiply(inverseRoot, inverseRoot)),
        [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ],
        1e-6,
      ),
      'S · S^-1 = I',
    );
  });

  it('greys a picture by its luminance', () => {
    const image = picture(5, 24, 16, [1.2, 0.8, 0.5]);
    const grey = luminanceImage(image);
    for (const p of pixels(image)) {
      assert.equal(grey.data[3 * p], grey.data[3 * p + 1]);
      assert.equal(grey.data[3 * p], grey.data[3 * p + 2]);
      assert.ok(Math.abs(grey.data[3 * p] - luma(image, p)) <= 0.5);
    }
  });

  it("matches a painting's luminance to the photo's mean and deviation", () => {
    const photo = picture(7);
    const painting = rgbImage(
      20,
      20,
      new Uint8Array(20 * 20 * 3).map((_, i) => 200 + ((i * 7) % 40)),
    );
    const matched = matchedLuminance(painting, photo);
    const stats = (image: RgbImage) => {
      const ys = pixels(image).map((p) => luma(image, p));
      const mean = ys.reduce((a, b) => a + b) / ys.length;
      return { mean, deviation: Math.sqrt(ys.reduce((a, y) => a + (y - mean) ** 2, 0) / ys.length) };
    };
    const [want, got] = [stats(photo), stats(matched)];
    assert.ok(Math.abs(got.mean - want.mean) < 0.6, `mean ${got.mean} vs ${want.mean}`);
    assert.ok(Math.abs(got.deviation - want.deviation) < 0.6, `deviation ${got.deviation} vs ${want.deviation}`);
  });

  it("puts one picture's colours on another's luminance", () => {
    const shapes = luminanceImage(picture(11));
    const colours = picture(13, 24, 16, [1.15, 0.95, 0.7]);
    const combined = withColoursOf(shapes, colours);
    for (const p of pixels(shapes)) {
      assert.ok(Math.abs(luma(combined, p) - luma(shapes, p)) <= 1, `luminance at ${p}`);
      chroma(combined, p).forEach((value, c) =>
        assert.ok(Math.abs(value - chroma(colours, p)[c]) <= 1.5, `chroma ${c} at ${p}`),
      );
    }
    assert.throws(() => withColoursOf(shapes, picture(1, 8, 8)), /cannot go on/);
  });

  it(
    "recolours a painting to the photo's mean colour and covariance, and leaves a picture matched to itself as it " +
      'was',
    () => {
      const photo = picture(17, 32, 24, [0.7, 0.9, 1.2]);
      const painting = picture(19, 28, 28, [1.2, 0.9, 0.6]);
      const matched = colourStatistics(matchedColourHistogram(painting, photo));
      const target = colourStatistics(photo);
      matched.mean.forEach((value, c) =>
        assert.ok(Math.abs(value - target.mean[c]) < 0.6, `mean ${c}: ${value} vs ${target.mean[c]}`),
      );
      assert.ok(
        closeMatrices(matched.covariance, target.covariance, 0.03 * target.covariance[0][0]),
        'covariance matched within rounding',
      );
      const before = colourStatistics(painting);
      assert.ok(
        !closeMatrices(before.covariance, target.covariance, 0.03 * target.covariance[0][0]),
        'the painting started elsewhere',
      );
      const self = matchedColourHistogram(photo, photo);
      assert.ok(self.data.every((value, i) => Math.abs(value - photo.data[i]) <= 1));
    },
  );

  it("recolours a flat painting to the photo's mean colour instead of dividing by zero", () => {
    const flat = rgbImage(8, 8, new Uint8Array(8 * 8 * 3).fill(90));
    const photo = picture(23);
    const mean = colourStatistics(photo).mean.map(Math.round);
    const matched = matchedColourHistogram(flat, photo);
    assert.deepEqual([...matched.data.subarray(0, 3)], mean);
  });
});
