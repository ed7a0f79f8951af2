import sharp from 'sharp';
import type { OutputFormat, RgbImage } from '../../common/image.js';
import { fitLongSide } from '../../common/image.js';
import { checkPixelLimit, encodeImage, resizeImage } from '../image/imageIO.js';

export interface SheetCell {
  readonly row: number;
  readonly column: number;
  /** Null for a cell whose run made no image (failed before its first preview). */
  readonly image: RgbImage | null;
}

export interface SheetLayout {
  readonly rowLabels: readonly string[];
  readonly columnLabels: readonly string[];
  /** The box each picture is fitted into, in pixels. */
  readonly cellSize: number;
  readonly title?: string;
}

const GAP = 16;
/** The row labels' column is at least this wide, and wider for a long label. */
const MIN_LABEL_WIDTH = 160;
const LABEL_HEIGHT = 44;
const TITLE_HEIGHT = 56;
const LABEL_FONT = 18;
const TITLE_FONT = 24;

/** Where everything goes on the sheet; a column is wide enough for its cell and for its label. */
export function sheetGeometry(layout: SheetLayout) {
  const { rowLabels, columnLabels, cellSize } = layout;
  // A sans-serif character is about 0.6 em wide.
  const textWidth = (label: string, font: number) => Math.ceil(label.length * font * 0.6);
  const slot = Math.max(cellSize, ...columnLabels.map((label) => textWidth(label, LABEL_FONT) + 8));
  const labelWidth = Math.max(MIN_LABEL_WIDTH, ...rowLabels.map((label) => textWidth(label, LABEL_FONT) + 2 * GAP));
  const top = (layout.title ? TITLE_HEIGHT : 0) + (columnLabels.length > 0 ? LABEL_HEIGHT : 0);
  // A narrow grid (one column) still holds its whole title.
  const titleWidth = layout.title ? textWidth(layout.title, TITLE_FONT) + 2 * GAP : 0;
  return {
    width: Math.max(labelWidth + columnLabels.length * (slot + GAP) + GAP, titleWidth),
    labelWidth,
    height: top + rowLabels.length * (cellSize + GAP) + GAP,
    /** The centre of a column's slot, and the top of a row's cells. */
    columnCentre: (column: number) => labelWidth + GAP + column * (slot + GAP) + slot / 2,
    rowTop: (row: number) => top + GAP + row * (cellSize + GAP),
    columnLabelBaseline: top - 14,
  };
}

/**
 * The sheet's geometry, refused over the pixel limit: called before any cell is read or resized, since
 * 12 × 12 cells of 4096 px would be 2.4 gigapixels.
 */
export function checkSheetSize(layout: SheetLayout): ReturnType<typeof sheetGeometry> {
  const geometry = sheetGeometry(layout);
  checkPixelLimit(geometry, 'contact sheet', 'the sheet of');
  return geometry;
}

/**
 * A comparison grid as one labelled picture, like the papers' figures: row labels on the left,
 * column labels on top, each result fitted into its cell on white paper.
 */
export async function contactSheet(
  cells: readonly SheetCell[],
  layout: SheetLayout,
  options: { format: OutputFormat; quality?: number; dpi?: number },
): Promise<{ bytes: Buffer; width: number; height: number }> {
  const geometry = checkSheetSize(layout);
  const { width, height } = geometry;

  const pictures = await Promise.all(
    cells
      .filter((cell) => cell.image)
      .map(async (cell) => {
        const image = cell.image!;
        const fitted = fitLongSide(image.width, image.height, layout.cellSize);
        const resized = await resizeImage(image, fitted.width, fitted.height, 'contact sheet');
        return {
          input: Buffer.from(resized.data),
          raw: { width: resized.width, height: resized.height, channels: 3 as const },
          left: Math.round(geometry.columnCentre(cell.column) - fitted.width / 2),
          top: geometry.rowTop(cell.row) + Math.floor((layout.cellSize - fitted.height) / 2),
        };
      }),
  );
  const labels = Buffer.from(labelsSvg(layout, geometry));
  const sheet = await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([...pictures, { input: labels, left: 0, top: 0 }])
    // Compositing the labels' SVG adds an alpha channel; the sheet is opaque paper.
    .removeAlpha()
    .raw()
    .toBuffer();
  const bytes = await encodeImage({ width, height, data: new Uint8Array(sheet) }, options, 'contact sheet');
  return { bytes, width, height };
}

function labelsSvg(layout: SheetLayout, geometry: ReturnType<typeof sheetGeometry>): string {
  const { rowLabels, columnLabels, cellSize, title } = layout;
  const { width, height } = geometry;
  const text = (x: number, y: number, anchor: string, size: number, content: string) =>
    `<text x="${x}" y="${y}" text-anchor="${anchor}" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" ` +
    `font-size="${size}" fill="#1b1b1d">${escapeXml(content)}</text>`;
  const columnText = columnLabels.map((label, column) =>
    text(geometry.columnCentre(column), geometry.columnLabelBaseline, 'middle', LABEL_FONT, label),
  );
  const rowText = rowLabels.map((label, row) =>
    text(geometry.labelWidth - 8, geometry.rowTop(row) + cellSize / 2, 'end', LABEL_FONT, label),
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    ${title ? text(GAP, TITLE_HEIGHT - 20, 'start', TITLE_FONT, title) : ''}
    ${columnText.join('')}
    ${rowText.join('')}
  </svg>`;
}

function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
