import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { printPixels } from '../../../engine/common/print.js';

describe('printPixels', () => {
  it('turns a physical size and DPI into pixels, keeping the picture’s proportions', () => {
    // 10 cm = 3.937 in; × 300 dpi = 1181.1 px.
    assert.deepEqual(printPixels(64, 64, { width: 10, unit: 'cm', dpi: 300 }), { width: 1181, height: 1181 });
    assert.deepEqual(printPixels(400, 300, { width: 8, unit: 'in', dpi: 150 }), { width: 1200, height: 900 });
    // A box: a landscape picture in a tall box is limited by the box's width.
    assert.deepEqual(printPixels(400, 300, { width: 4, height: 10, unit: 'in', dpi: 100 }), {
      width: 400,
      height: 300,
    });
    assert.deepEqual(printPixels(300, 400, { width: 10, height: 4, unit: 'in', dpi: 100 }), {
      width: 300,
      height: 400,
    });
  });

  it('refuses sizes and resolutions that make no print, with one line', () => {
    assert.throws(
      () => printPixels(10, 10, { width: 0, unit: 'cm', dpi: 300 }),
      /print width: must be a positive length, got 0$/,
    );
    assert.throws(() => printPixels(10, 10, { width: 10, unit: 'cm', dpi: 0 }), /dpi: must be from 1 to 2400, got 0/);
    assert.throws(
      () => printPixels(10, 10, { width: 600, unit: 'cm', dpi: 2400 }),
      /print: 566929×566929 pixels is over the limit of 65535 a side/,
    );
  });
});
