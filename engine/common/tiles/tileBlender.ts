import { rgbImage, type RgbImage } from '../image.js';
import { spanWeights, type TilePlan, type TileRegion } from './tiling.js';

/**
 * Assembles styled tiles into the picture, row of tiles by row of tiles: each tile's pixels are
 * added with their blend weights into a float strip one tile high and the picture wide; once a row
 * of tiles is done, the strip's lines that no later tile reaches are final and are rounded into the
 * 8-bit output (the only full-size buffer: 3 bytes a pixel, 72 MB at 6000×4000), and the lines the
 * next row overlaps are carried over. Tiles must come row by row, left to right.
 */
export interface TileBlender {
  /**
   * A tile's styled pixels, [y.length, x.length, 3] row-major RGB in 0..255; the parts beyond the picture (stride
   * padding) are dropped.
   */
  add(region: TileRegion, pixels: Float32Array): void;
  /** The picture, once every tile was added. */
  result(): RgbImage;
  /** The lines finished so far (a view, not a copy), or null before the first row of tiles is done. */
  finished(): RgbImage | null;
}

export function tileBlender(plan: TilePlan): TileBlender {
  const { width, height, columns, rows } = plan;
  const output = new Uint8Array(width * height * 3);
  const stripLines = Math.max(...rows.spans.map((s) => s.length));
  const strip = new Float32Array(width * stripLines * 3);
  /** The picture line the strip's first line holds. */
  let top = 0;
  const columnWeights = columns.spans.map((_, i) => spanWeights(columns, i));
  const rowWeights = rows.spans.map((_, i) => spanWeights(rows, i));
  let added = 0;

  function flush(row: number): void {
    const next = row + 1 < rows.spans.length ? rows.spans[row + 1].start : height;
    const finalLines = Math.min(next, height) - top;
    for (let i = 0; i < finalLines * width * 3; i++)
      output[top * width * 3 + i] = Math.round(Math.min(255, Math.max(0, strip[i])));
    // The lines the next row of tiles overlaps move to the strip's start; the rest starts again from 0.
    strip.copyWithin(0, finalLines * width * 3);
    strip.fill(0, strip.length - finalLines * width * 3);
    top = next;
  }

  return {
    add(region, pixels) {
      const expected = tileRegionOrder(plan, added);
      if (region.column !== expected.column || region.row !== expected.row)
        throw new Error(`tile (${region.column}, ${region.row}) came out of order`);
      const wx = columnWeights[region.column];
      const wy = rowWeights[region.row];
      const visibleWidth = Math.min(region.x.length, width - region.x.start);
      const visibleLines = Math.min(region.y.length, height - region.y.start);
      for (let ty = 0; ty < visibleLines; ty++) {
        const stripRow = (region.y.start + ty - top) * width;
        for (let tx = 0; tx < visibleWidth; tx++) {
          const weight = wx[tx] * wy[ty];
          if (weight === 0) continue;
          const from = (ty * region.x.length + tx) * 3;
          const to = (stripRow + region.x.start + tx) * 3;
          strip[to] += weight * pixels[from];
          strip[to + 1] += weight * pixels[from + 1];
          strip[to + 2] += weight * pixels[from + 2];
        }
      }
      added++;
      if (region.column === columns.spans.length - 1) flush(region.row);
    },
    finished() {
      return top === 0
        ? null
        : rgbImage(width, Math.min(top, height), output.subarray(0, Math.min(top, height) * width * 3));
    },
    result() {
      if (added !== columns.spans.length * rows.spans.length)
        throw new Error(`${added} of ${columns.spans.length * rows.spans.length} tiles were added`);
      return rgbImage(width, height, output);
    },
  };
}

function tileRegionOrder(plan: TilePlan, index: number): { column: number; row: number } {
  const perRow = plan.columns.spans.length;
  return { column: index % perRow, row: Math.floor(index / perRow) };
}
