import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MAX_SCREEN_SIDE,
  MIN_SCREEN_SIDE,
  needsFullImage,
  parseMaxSide,
  screenSide,
} from '../../../../engine/common/view/screenImage.js';
import { actualSizeView, fitView } from '../../../../engine/common/view/viewport.js';

describe('a print-size result shown at screen resolution first', () => {
  it('asks for a copy as large as the canvas in device pixels, rounded up to a power of two within limits', () => {
    assert.equal(screenSide({ width: 900, height: 600 }, 1), 1024);
    assert.equal(screenSide({ width: 900, height: 600 }, 2), 2048);
    assert.equal(screenSide({ width: 1024, height: 600 }, 1), 1024);
    assert.equal(screenSide({ width: 10, height: 10 }, 1), MIN_SCREEN_SIDE);
    assert.equal(screenSide({ width: 5000, height: 3000 }, 3), MAX_SCREEN_SIDE);
  });

  it('keeps the copy while fitted, and loads the full file once zoomed past the copy’s pixels', () => {
    const print = { width: 6000, height: 4000 };
    const canvas = { width: 900, height: 600 };
    const side = screenSide(canvas, 1);
    const fitted = fitView(print, canvas, 1);
    assert.equal(needsFullImage(print, side, fitted.scale, 1), false);
    // 1024 px of 6000 along the width: past a scale of 1024/6000 the copy would be enlarged.
    assert.equal(needsFullImage(print, side, 1024 / 6000, 1), false);
    assert.equal(needsFullImage(print, side, 1025 / 6000, 1), true);
    assert.equal(needsFullImage(print, side, actualSizeView(fitted, { x: 0, y: 0 }, print, canvas, 1).scale, 1), true);
  });

  it('shows a result no larger than the copy from its own file', () => {
    assert.equal(needsFullImage({ width: 512, height: 300 }, 1024, 0.1, 1), true);
  });

  it('accepts a maxSide only as a plain whole number of pixels within the limits, with a one-line reason', () => {
    assert.deepEqual(parseMaxSide(null), { maxSide: null });
    assert.deepEqual(parseMaxSide('1024'), { maxSide: 1024 });
    assert.deepEqual(parseMaxSide(String(MIN_SCREEN_SIDE)), { maxSide: MIN_SCREEN_SIDE });
    for (const hostile of [
      '',
      '0',
      '-5',
      '1e3',
      '0x400',
      '01024',
      '1024.5',
      ' 1024',
      '1024 ',
      'NaN',
      'Infinity',
      '9'.repeat(400),
    ]) {
      const parsed = parseMaxSide(hostile);
      assert.ok('problem' in parsed, `'${hostile}' is refused`);
      assert.match(parsed.problem, /^maxSide must be a whole number of pixels, not '.{0,20}'$/);
    }
    for (const outside of [String(MIN_SCREEN_SIDE - 1), String(MAX_SCREEN_SIDE + 1), '999999']) {
      const parsed = parseMaxSide(outside);
      assert.ok('problem' in parsed && /^maxSide must be between 256 and 4096 pixels, not \d+$/.test(parsed.problem));
    }
  });
});
