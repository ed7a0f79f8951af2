import type { RgbImage } from '../../common/image.js';
import { printPixels, type PrintSpec } from '../../common/print.js';
import { checkPixelLimit, encodeImage, resizeImage, type OutputFormat } from '../image/imageIO.js';

export interface PrintFile {
  readonly bytes: Buffer;
  readonly width: number;
  readonly height: number;
  readonly dpi: number;
}

/**
 * A picture as a print file: resampled to the print's pixel size with Lanczos-3 (the best method the
 * engine has until the high-resolution issue brings tiled stylization), tagged sRGB, with its DPI
 * written in, so that printing software lays it out at the physical size asked for. A print over
 * the pixel limit is refused before anything is resampled.
 */
export async function exportPrint(
  image: RgbImage,
  spec: PrintSpec,
  options: { format: OutputFormat; quality?: number },
  label?: string,
): Promise<PrintFile> {
  const { width, height } = printPixels(image.width, image.height, spec);
  checkPixelLimit({ width, height }, 'print', `${spec.width} ${spec.unit} wide at ${spec.dpi} DPI:`);
  const sized =
    width === image.width && height === image.height ? image : await resizeImage(image, width, height, label);
  const bytes = await encodeImage(sized, { ...options, dpi: spec.dpi }, label);
  return { bytes, width, height, dpi: spec.dpi };
}
