import { rgbImage, type RgbImage } from '../image.js';
import type { Span } from './tiling.js';

/**
 * The picture's pixels in a region, the picture's last column and line repeated where the region
 * reaches past it (a stride grid's few extra pixels).
 */
export function regionPixels(picture: RgbImage, x: Span, y: Span): RgbImage {
  const data = new Uint8Array(x.length * y.length * 3);
  for (let ty = 0; ty < y.length; ty++) {
    const line = Math.min(y.start + ty, picture.height - 1) * picture.width;
    for (let tx = 0; tx < x.length; tx++) {
      const from = (line + Math.min(x.start + tx, picture.width - 1)) * 3;
      data.set(picture.data.subarray(from, from + 3), (ty * x.length + tx) * 3);
    }
  }
  return rgbImage(x.length, y.length, data);
}
