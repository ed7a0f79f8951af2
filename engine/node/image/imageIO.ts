/**
 * Reads and writes pictures as the engine's `RgbImage` (8-bit sRGB, no alpha) with sharp. Every
 * failure a person can cause — a missing, empty, corrupt, unsupported or oversized file, an
 * unwritable folder — becomes a one-line PasticheError naming the file.
 */
import { extname } from 'node:path';
import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import { PasticheError } from '../../common/errors.js';
import {
  MAX_PIXELS_VARIABLE,
  checkPixelCount,
  fitLongSide,
  rgbImage,
  type ImageSize,
  type RgbImage,
} from '../../common/image.js';
import { readFileBytes, writeFileAtomically } from '../fileIO.js';
import type { OutputFormat } from '../../common/image.js';

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'tiff';
export type { OutputFormat };

export interface ReadImageOptions {
  /** Resize so the long side is this many pixels (aspect kept; high-quality lanczos3 resampling). Omit to keep size. */
  longSide?: number;
  /** Resize to exactly this size, cropping the centre to its aspect first (sharp's `cover`); overrides longSide. */
  cover?: { width: number; height: number };
  /**
   * Refuse images with more pixels than this before decoding them. Default DEFAULT_MAX_PIXELS (e.g. 100 megapixels);
   * env PASTICHE_MAX_PIXELS overrides the default.
   */
  maxPixels?: number;
}

export interface WriteImageOptions {
  /** Overrides the format the file's extension names. */
  format?: OutputFormat;
  /** JPEG quality 1..100 (default 95); ignored by PNG and TIFF, which are lossless. */
  quality?: number;
  /** Pixels per inch written into the file (JFIF, pHYs, TIFF resolution), so a print comes out at its size. */
  dpi?: number;
}

/** 100 megapixels: more than any camera photo, while its decoded RGB (300 MB) still fits in memory. */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/** High enough that JPEG artefacts do not show in a print. */
const DEFAULT_JPEG_QUALITY = 95;

/** The formats read, as people spell them; the output formats are among them. */
const formatNames: Readonly<Record<ImageFormat, string>> = { jpeg: 'JPEG', png: 'PNG', webp: 'WebP', tiff: 'TIFF' };

const outputFormatByExtension: ReadonlyMap<string, OutputFormat> = new Map([
  ['.png', 'png'],
  ['.jpg', 'jpeg'],
  ['.jpeg', 'jpeg'],
  ['.tif', 'tiff'],
  ['.tiff', 'tiff'],
]);

/** Lanczos3 keeps brush-stroke detail that bilinear resampling blurs; `fill` gives exactly the size asked for. */
const resampling = { kernel: 'lanczos3', fit: 'fill' } as const;

/** The limit from PASTICHE_MAX_PIXELS when set, else DEFAULT_MAX_PIXELS. */
export function maxPixelsFromEnv(): number {
  const text = process.env[MAX_PIXELS_VARIABLE]?.trim();
  if (!text) return DEFAULT_MAX_PIXELS;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new PasticheError(`must be a whole number of pixels above 0, got '${text}'`, MAX_PIXELS_VARIABLE);
  }
  return value;
}

/**
 * The one check of the pixel limit (PASTICHE_MAX_PIXELS): every picture the product decodes, resizes,
 * composes, paints or encodes passes here before the work at its size starts. `subject` names the
 * file or option that asks for it, `what` the picture (e.g. 'a print of').
 */
export function checkPixelLimit(size: ImageSize, subject: string, what?: string, maxPixels = maxPixelsFromEnv()): void {
  checkPixelCount(size, maxPixels, subject, what);
}

export async function readImage(file: string, options: ReadImageOptions = {}): Promise<RgbImage> {
  return decodeImage(await readFileBytes(file), file, options);
}

/**
 * Decodes JPEG, PNG, WebP or TIFF bytes to 8-bit sRGB: EXIF orientation applied, colour profile
 * converted, transparency flattened onto white (a canvas colour, as paper is), 16-bit and
 * greyscale brought to three 8-bit channels. `label` stands for the file name in error messages.
 */
export async function decodeImage(bytes: Uint8Array, label: string, options: ReadImageOptions = {}): Promise<RgbImage> {
  const maxPixels = options.maxPixels ?? maxPixelsFromEnv();
  const header = await readHeader(bytes, label, maxPixels);
  // 'truncated' refuses files cut short yet still reads photos whose only fault is a decoder warning.
  let pipeline = sharp(bytes, { autoOrient: true, failOn: 'truncated', limitInputPixels: maxPixels })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb');
  const size =
    options.cover ??
    (options.longSide === undefined ? header : fitLongSide(header.width, header.height, options.longSide));
  checkPixelLimit(size, label, 'resized to', maxPixels);
  if (size.width !== header.width || size.height !== header.height) {
    pipeline = pipeline.resize(size.width, size.height, { ...resampling, fit: options.cover ? 'cover' : 'fill' });
  }
  const decoded = await toRawPixels(pipeline).catch(() => {
    throw new PasticheError('image data is corrupt or truncated', label);
  });
  return toRgbImage(decoded);
}

/**
 * The size (after EXIF orientation, so a rotated photo reports its rotated size) and format of an
 * image file, from its header. Refuses what readImage refuses (with the default pixel limit),
 * except truncated pixel data, which only decoding finds.
 */
export async function probeImage(file: string): Promise<ImageHeader> {
  return describeImage(await readFileBytes(file), file);
}

/** probeImage for bytes already read; `label` stands for the file name in error messages. */
export async function describeImage(bytes: Uint8Array, label: string): Promise<ImageHeader> {
  return readHeader(bytes, label, maxPixelsFromEnv());
}

/**
 * `image` resampled to exactly width × height (the aspect ratio is the caller's business); `label` names it in errors.
 */
export async function resizeImage(
  image: RgbImage,
  width: number,
  height: number,
  label = 'picture',
): Promise<RgbImage> {
  checkPixelLimit({ width, height }, label, 'resized to');
  return toRgbImage(await toRawPixels(fromRgbImage(image).resize(width, height, resampling)));
}

/** The output format an extension names (.png .jpg .jpeg .tif .tiff, any case). */
export function outputFormatForPath(file: string): OutputFormat {
  const format = outputFormatByExtension.get(extname(file).toLowerCase());
  if (!format) {
    const supported = [...outputFormatByExtension.keys()].join(' ');
    throw new PasticheError(`cannot tell the image format from the extension (use ${supported})`, file);
  }
  return format;
}

/**
 * The image as PNG, JPEG (4:4:4 chroma, as prints need) or LZW TIFF bytes carrying an sRGB profile,
 * and the resolution when `dpi` is given; `label` names it in errors.
 */
export async function encodeImage(
  image: RgbImage,
  options: { format: OutputFormat } & Omit<WriteImageOptions, 'format'>,
  label?: string,
): Promise<Buffer> {
  checkPixelLimit(image, label ?? 'picture');
  const tagged = fromRgbImage(image).withIccProfile('srgb');
  const pipeline = withEncoder(
    options.dpi === undefined ? tagged : tagged.withMetadata({ density: options.dpi }),
    options.format,
    options.quality,
  );
  return pipeline.toBuffer().catch(() => {
    // e.g. JPEG allows at most 65535 pixels a side.
    throw new PasticheError(
      `cannot encode a ${image.width}×${image.height} image as ${formatNames[options.format]}`,
      label,
    );
  });
}

/** Writes the image in the format its extension names (unless `options.format` says otherwise), atomically. */
export async function writeImage(image: RgbImage, file: string, options: WriteImageOptions = {}): Promise<void> {
  const format = options.format ?? outputFormatForPath(file);
  const bytes = await encodeImage(image, { ...options, format }, file);
  await writeFileAtomically(file, bytes);
}

export interface ImageHeader {
  readonly width: number;
  readonly height: number;
  readonly format: ImageFormat;
}

/**
 * Checks what can be checked without decoding pixels: not empty, an image, a supported format, within the pixel limit.
 */
async function readHeader(bytes: Uint8Array, label: string, maxPixels: number): Promise<ImageHeader> {
  if (bytes.length === 0) throw new PasticheError('file is empty', label);
  // No pixel limit here: only the header is read, and the limit is checked below with a clearer message.
  const metadata = await sharp(bytes, { limitInputPixels: false })
    .metadata()
    .catch(() => {
      throw new PasticheError('not an image file (or corrupt)', label);
    });
  const format = readableFormat(metadata, label);
  const { width, height } = metadata.autoOrient;
  checkPixelLimit({ width, height }, label, undefined, maxPixels);
  return { width, height, format };
}

function readableFormat(metadata: Metadata, label: string): ImageFormat {
  if (Object.hasOwn(formatNames, metadata.format)) return metadata.format as ImageFormat;
  const supported = Object.values(formatNames).join(', ');
  throw new PasticheError(`unsupported format '${formatName(metadata)}' (supported: ${supported})`, label);
}

/** sharp reports AVIF as 'heif'; people know it by its own name. */
function formatName(metadata: Metadata): string {
  return metadata.format === 'heif' && metadata.compression === 'av1' ? 'avif' : metadata.format;
}

function withEncoder(pipeline: Sharp, format: OutputFormat, quality = DEFAULT_JPEG_QUALITY): Sharp {
  switch (format) {
    case 'png':
      return pipeline.png();
    case 'jpeg':
      return pipeline.jpeg({ quality: checkedJpegQuality(quality), chromaSubsampling: '4:4:4' });
    case 'tiff':
      return pipeline.tiff({ compression: 'lzw' });
  }
}

function checkedJpegQuality(quality: number): number {
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new PasticheError(`must be a whole number from 1 to 100, got ${quality}`, 'quality');
  }
  return quality;
}

interface RawPixels {
  readonly data: Buffer;
  readonly info: OutputInfo;
}

/** No sharp limit on pixels already in memory: checkPixelLimit bounded them when they were made. */
function fromRgbImage(image: RgbImage): Sharp {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 }, limitInputPixels: false });
}

function toRawPixels(pipeline: Sharp): Promise<RawPixels> {
  return pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
}

/**
 * A plain Uint8Array view (no copy): Buffer's `slice` shares memory where Uint8Array's copies, a trap for engine code.
 */
function toRgbImage({ data, info }: RawPixels): RgbImage {
  return rgbImage(info.width, info.height, new Uint8Array(data.buffer, data.byteOffset, data.length));
}
