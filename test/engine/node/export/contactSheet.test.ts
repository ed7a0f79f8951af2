import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { rgbImage } from '../../../../engine/common/image.js';
import { contactSheet, sheetGeometry } from '../../../../engine/node/export/contactSheet.js';

describe('contact sheets', () => {
  it('widen a one-column grid to hold its whole title, and draw the title there', async () => {
    const title = 'paper figures: Initialisation (Nikulin & Novak fig. 3)';
    const layout = { cellSize: 48, title, rowLabels: ['init: style', 'init: noise'], columnLabels: [''] };
    const untitled = sheetGeometry({ ...layout, title: undefined });
    const geometry = sheetGeometry(layout);
    assert.ok(
      geometry.width > untitled.width + 200,
      `${geometry.width} px wide for the title, ${untitled.width} without`,
    );
    const picture = rgbImage(4, 3, new Uint8Array(36).fill(90));
    const sheet = await contactSheet(
      [
        { row: 0, column: 0, image: picture },
        { row: 1, column: 0, image: picture },
      ],
      layout,
      { format: 'png' },
    );
    const { data, info } = await sharp(sheet.bytes).raw().toBuffer({ resolveWithObject: true });
    const dark = (x0: number, x1: number) => {
      let count = 0;
      for (let y = 0; y < 56; y++)
        for (let x = x0; x < x1; x++) if (data[(y * info.width + x) * info.channels] < 100) count++;
      return count;
    };
    assert.ok(dark(untitled.width, info.width - 8) > 30, "the title continues past the grid's own width");
    assert.equal(dark(info.width - 4, info.width), 0, 'and ends before the edge');
  });

  it("widen the row labels' column to hold the longest label", async () => {
    const layout = {
      cellSize: 48,
      rowLabels: ['layers: Partial style transfer', 'layers: Gatys et al. 2015'],
      columnLabels: ['style weight: 1e3'],
    };
    const geometry = sheetGeometry(layout);
    const sheet = await contactSheet([], layout, { format: 'png' });
    const { data, info } = await sharp(sheet.bytes).raw().toBuffer({ resolveWithObject: true });
    let darkAtLeftEdge = 0;
    for (let y = 0; y < info.height; y++)
      for (let x = 0; x < 6; x++) if (data[(y * info.width + x) * info.channels] < 100) darkAtLeftEdge++;
    assert.equal(darkAtLeftEdge, 0, 'no label runs off the left edge');
    assert.ok(geometry.labelWidth > 300, `label column ${geometry.labelWidth} px`);
  });
});
