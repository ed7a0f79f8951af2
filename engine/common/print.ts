import { PasticheError } from './errors.js';

export type LengthUnit = 'cm' | 'in';
export const CM_PER_INCH = 2.54;

/** A print as an artist orders it: a physical width (and, optionally, the height of the box to fit) at a resolution. */
export interface PrintSpec {
  readonly width: number;
  /** With a height the picture fits inside width × height; without, its height follows its proportions. */
  readonly height?: number;
  readonly unit: LengthUnit;
  /** Pixels per inch; 300 is the usual figure for photographic prints. */
  readonly dpi: number;
}

/** The longest side a print may have: TIFF and PNG go further, but JPEG stops at 65535 pixels. */
export const MAX_PRINT_SIDE = 65535;

/** The pixel size of a picture printed to `spec`, keeping its proportions. */
export function printPixels(
  imageWidth: number,
  imageHeight: number,
  spec: PrintSpec,
): { width: number; height: number } {
  positive('print width', spec.width);
  if (spec.height !== undefined) positive('print height', spec.height);
  if (!(Number.isFinite(spec.dpi) && spec.dpi >= 1 && spec.dpi <= 2400))
    throw new PasticheError(`must be from 1 to 2400, got ${spec.dpi}`, 'dpi');
  const inches = (length: number) => (spec.unit === 'cm' ? length / CM_PER_INCH : length);
  const boxWidth = inches(spec.width) * spec.dpi;
  const boxHeight = spec.height === undefined ? Infinity : inches(spec.height) * spec.dpi;
  const scale = Math.min(boxWidth / imageWidth, boxHeight / imageHeight);
  const size = {
    width: Math.max(1, Math.round(imageWidth * scale)),
    height: Math.max(1, Math.round(imageHeight * scale)),
  };
  if (Math.max(size.width, size.height) > MAX_PRINT_SIDE) {
    throw new PasticheError(
      `${size.width}×${size.height} pixels is over the limit of ${MAX_PRINT_SIDE} a side; lower the size or the DPI`,
      'print',
    );
  }
  return size;
}

function positive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) throw new PasticheError(`must be a positive length, got ${value}`, name);
}
