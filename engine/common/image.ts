import { PasticheError } from './errors.js';

/**
 * A decoded picture as the engine exchanges it between image IO and the networks: 8-bit sRGB,
 * three interleaved channels, row-major, no alpha. Small and runtime-neutral so that Node (sharp),
 * a browser canvas or a worker can produce and consume it.
 */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** width × height × 3 bytes: R, G, B of the top-left pixel first. */
  readonly data: Uint8Array;
}

export function rgbImage(width: number, height: number, data: Uint8Array): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image size must be positive integers, got ${width}×${height}`);
  }
  if (data.length !== width * height * 3) {
    throw new RangeError(`image of ${width}×${height} needs ${width * height * 3} bytes, got ${data.length}`);
  }
  return { width, height, data };
}

export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

/** The environment variable that sets how many pixels a picture may have (read by engine/node/image/imageIO.ts). */
export const MAX_PIXELS_VARIABLE = 'PASTICHE_MAX_PIXELS';

/**
 * Refuses a picture of more than `maxPixels` pixels before it is decoded, resampled, composed or
 * encoded at that size; `subject` names the file or option that asks for it, `what` the picture ('a print of').
 */
export function checkPixelCount(size: ImageSize, maxPixels: number, subject?: string, what?: string): void {
  if (size.width * size.height <= maxPixels) return;
  const picture = `${what ? `${what} ` : ''}${size.width}×${size.height} pixels`;
  throw new PasticheError(
    `${picture} is over the limit of ${maxPixels} (set ${MAX_PIXELS_VARIABLE} to raise it)`,
    subject,
  );
}

/** The size whose long side is `longSide`, keeping the aspect ratio (neural-style's -image_size). */
export function fitLongSide(width: number, height: number, longSide: number): ImageSize {
  const scale = longSide / Math.max(width, height);
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/** The formats Pastiche writes: lossless PNG and TIFF for prints and archives, JPEG to share. */
export type OutputFormat = 'png' | 'jpeg' | 'tiff';

/** A name safe as a file name on every system: no path separators, reserved or control characters, at most 100 long. */
export function fileNameStem(text: string): string {
  const stem = text
    .replace(/[\\/:*?"<>|\x00-\x1f]+/g, '-')
    .replace(/^[\s.-]+|[\s.]+$/g, '')
    .slice(0, 100);
  return stem === '' ? 'untitled' : stem;
}

/** The file extension each format is saved under. */
export const FILE_EXTENSIONS: Readonly<Record<OutputFormat, string>> = { png: 'png', jpeg: 'jpg', tiff: 'tif' };

/** The files Pastiche reads as photos and paintings (what sharp decodes), by extension, with their media types. */
export const READABLE_IMAGE_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
};
