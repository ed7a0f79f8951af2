import { rgbImage, type RgbImage } from '../image.js';
import { apply, invert, multiply, symmetricPower, type Matrix3 } from './matrix3.js';

/**
 * Keeping the photo's colours while taking the painting's style (Gatys, Bethge, Hertzmann &
 * Shechtman 2017, "Preserving colour in neural artistic style transfer", and "Controlling
 * Perceptual Factors in Neural Style Transfer" §5).
 */

/** RGB → YIQ (NTSC): Y is luminance, I and Q carry the colour; the papers' choice for luminance-only transfer. */
const RGB_TO_YIQ: Matrix3 = [
  [0.299, 0.587, 0.114],
  [0.595716, -0.274453, -0.321263],
  [0.211456, -0.522591, 0.311135],
];
const YIQ_TO_RGB = invert(RGB_TO_YIQ);

/** Each pixel as floats, through `transform`, back into bytes (rounded, clamped to 0…255). */
function mapPixels(
  image: RgbImage,
  transform: (rgb: [number, number, number], index: number) => readonly [number, number, number],
): RgbImage {
  const out = new Uint8Array(image.data.length);
  for (let i = 0; i < image.data.length; i += 3) {
    const [r, g, b] = transform([image.data[i], image.data[i + 1], image.data[i + 2]], i);
    out[i] = clampByte(r);
    out[i + 1] = clampByte(g);
    out[i + 2] = clampByte(b);
  }
  return rgbImage(image.width, image.height, out);
}

function clampByte(value: number): number {
  return Math.min(255, Math.max(0, Math.round(value)));
}

/** Y of every pixel. */
function luminances(image: RgbImage): Float64Array {
  const [wr, wg, wb] = RGB_TO_YIQ[0];
  const y = new Float64Array(image.width * image.height);
  for (let p = 0; p < y.length; p++)
    y[p] = wr * image.data[3 * p] + wg * image.data[3 * p + 1] + wb * image.data[3 * p + 2];
  return y;
}

function meanAndDeviation(values: Float64Array): { mean: number; deviation: number } {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return { mean, deviation: Math.sqrt(squares / values.length) };
}

/**
 * The picture in grey: its luminance in all three channels, which is what the network sees in luminance-only transfer.
 */
export function luminanceImage(image: RgbImage): RgbImage {
  const y = luminances(image);
  return mapPixels(image, (_, i) => [y[i / 3], y[i / 3], y[i / 3]]);
}

/**
 * The painting in grey with its luminance matched to the photo's mean and deviation, so the style's
 * statistics do not pull the result's brightness away from the photo's (Gatys et al. 2017, §5.1:
 * L_S' = σ_C/σ_S (L_S − μ_S) + μ_C).
 */
export function matchedLuminance(style: RgbImage, content: RgbImage): RgbImage {
  const ys = luminances(style);
  const s = meanAndDeviation(ys);
  const c = meanAndDeviation(luminances(content));
  const gain = s.deviation > 1e-6 ? c.deviation / s.deviation : 0;
  return mapPixels(style, (_, i) => {
    const y = gain * (ys[i / 3] - s.mean) + c.mean;
    return [y, y, y];
  });
}

/**
 * The luminance of `luminanceSource` with the colour (I and Q) of `colourSource`: the result of luminance-only
 * transfer.
 */
export function withColoursOf(luminanceSource: RgbImage, colourSource: RgbImage): RgbImage {
  if (luminanceSource.width !== colourSource.width || luminanceSource.height !== colourSource.height) {
    throw new RangeError(
      `colours of a ${colourSource.width}×${colourSource.height} image cannot go on a ` +
        `${luminanceSource.width}×${luminanceSource.height} one`,
    );
  }
  const y = luminances(luminanceSource);
  return mapPixels(colourSource, (rgb, i) => {
    const [, iChroma, qChroma] = apply(RGB_TO_YIQ, rgb);
    return apply(YIQ_TO_RGB, [y[i / 3], iChroma, qChroma]);
  });
}

/**
 * The painting recoloured so its colours have the photo's mean and covariance, before transfer
 * (Gatys et al. 2017 §5.1, after Hertzmann's Image Analogies): x' = Σ_C^½ Σ_S^-½ (x − μ_S) + μ_C.
 */
export function matchedColourHistogram(style: RgbImage, content: RgbImage): RgbImage {
  const s = colourStatistics(style);
  const c = colourStatistics(content);
  // A flat painting has no covariance to invert: one grey level of variance keeps the map finite.
  const transform = multiply(symmetricPower(c.covariance, 0.5), symmetricPower(s.covariance, -0.5, 1));
  return mapPixels(style, (rgb) => {
    const [r, g, b] = apply(transform, [rgb[0] - s.mean[0], rgb[1] - s.mean[1], rgb[2] - s.mean[2]]);
    return [r + c.mean[0], g + c.mean[1], b + c.mean[2]];
  });
}

/** The mean colour and the 3×3 covariance of an image's pixels. */
export function colourStatistics(image: RgbImage): { mean: [number, number, number]; covariance: Matrix3 } {
  const n = image.width * image.height;
  const mean: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < image.data.length; i++) mean[i % 3] += image.data[i] / n;
  const sums = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  for (let i = 0; i < image.data.length; i += 3) {
    const d = [image.data[i] - mean[0], image.data[i + 1] - mean[1], image.data[i + 2] - mean[2]];
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) sums[a][b] += (d[a] * d[b]) / n;
  }
  return { mean, covariance: sums as unknown as Matrix3 };
}
