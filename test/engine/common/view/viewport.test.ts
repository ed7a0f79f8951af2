import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  actualSizeView,
  fitView,
  imagePointAt,
  MAX_ZOOM,
  midpoint,
  panBy,
  pinchFactor,
  wheelFactor,
  zoomAt,
  zoomPercent,
} from '../../../../engine/common/view/viewport.js';
import { neighbour } from '../../../../engine/common/view/resultSequence.js';

const canvas = { width: 800, height: 600 };
const print = { width: 6000, height: 4000 };
const preview = { width: 128, height: 64 };

describe('the image viewer’s zoom and pan', () => {
  it('fits a large image whole, centred, and enlarges a small preview to fill the canvas', () => {
    const fitted = fitView(print, canvas, 1);
    assert.equal(fitted.scale, 800 / 6000);
    assert.deepEqual([fitted.x, fitted.y], [0, Math.round((600 - 4000 * fitted.scale) / 2)]);
    const small = fitView(preview, canvas, 1);
    assert.equal(small.scale, 800 / 128);
    assert.deepEqual([small.x, small.y], [0, 100]);
  });

  it('shows 100 % as one image pixel per device pixel, so half a CSS pixel at devicePixelRatio 2', () => {
    const fitted = fitView(print, canvas, 2);
    const actual = actualSizeView(fitted, { x: 400, y: 300 }, print, canvas, 2);
    assert.equal(actual.scale, 0.5);
    assert.equal(zoomPercent(actual, 2), 100);
    assert.equal(zoomPercent(actualSizeView(fitted, { x: 400, y: 300 }, print, canvas, 1), 1), 100);
  });

  it('keeps the image pixel under the pointer where it was while zooming in and out', () => {
    let view = fitView(print, canvas, 1);
    const pointer = { x: 250, y: 310 };
    for (const factor of [3, 1.7, 0.8, 4]) {
      const before = imagePointAt(view, pointer);
      view = zoomAt(view, factor, pointer, print, canvas, 1);
      const under = imagePointAt(view, pointer);
      // Offsets are kept on whole device pixels: each zoom moves the pixel under the pointer by at most half of one.
      assert.ok(Math.abs(under.x - before.x) * view.scale <= 0.5, `x ${under.x} vs ${before.x}`);
      assert.ok(Math.abs(under.y - before.y) * view.scale <= 0.5, `y ${under.y} vs ${before.y}`);
    }
  });

  it('zooms no further out than fit or 100 % and no further in than MAX_ZOOM', () => {
    const fitted = fitView(print, canvas, 1);
    assert.equal(zoomAt(fitted, 0.01, { x: 0, y: 0 }, print, canvas, 1).scale, fitted.scale);
    assert.equal(zoomAt(fitted, 1e9, { x: 0, y: 0 }, print, canvas, 1).scale, MAX_ZOOM);
    assert.equal(zoomAt(fitted, 1e9, { x: 0, y: 0 }, print, canvas, 2).scale, MAX_ZOOM / 2);
    const small = fitView(preview, canvas, 1);
    // A small preview may be shown at 100 %, smaller than it fits.
    assert.equal(zoomAt(small, 0.001, { x: 0, y: 0 }, preview, canvas, 1).scale, 1);
  });

  it('pans a zoomed image by the drag, but never past its edges, and not at all along an axis it fits', () => {
    const actual = actualSizeView(fitView(print, canvas, 1), { x: 400, y: 300 }, print, canvas, 1);
    const dragged = panBy(actual, 37, -12, print, canvas, 1);
    assert.deepEqual([dragged.x - actual.x, dragged.y - actual.y], [37, -12]);
    const farLeft = panBy(actual, 1e6, 1e6, print, canvas, 1);
    assert.deepEqual([farLeft.x, farLeft.y], [0, 0]);
    const farRight = panBy(actual, -1e6, -1e6, print, canvas, 1);
    assert.deepEqual([farRight.x, farRight.y], [800 - 6000, 600 - 4000]);
    const fitted = fitView(print, canvas, 1);
    assert.deepEqual(panBy(fitted, 50, 50, print, canvas, 1), fitted);
  });

  it('puts the image on whole device pixels, so 100 % draws each image pixel on exactly one', () => {
    const odd = { width: 333, height: 207 };
    for (const ratio of [1, 1.25, 2]) {
      const view = actualSizeView(fitView(odd, canvas, ratio), { x: 123.4, y: 77.7 }, odd, canvas, ratio);
      assert.ok(Number.isInteger(Math.round(view.x * ratio * 1e9) / 1e9), `x ${view.x} at ${ratio}`);
      assert.ok(Number.isInteger(Math.round(view.y * ratio * 1e9) / 1e9), `y ${view.y} at ${ratio}`);
    }
  });

  it('turns wheel travel into a zoom that the same travel back undoes, pixels and lines alike', () => {
    assert.ok(wheelFactor(-100, 0) > 1 && wheelFactor(100, 0) < 1);
    assert.ok(Math.abs(wheelFactor(-100, 0) * wheelFactor(100, 0) - 1) < 1e-12);
    assert.equal(wheelFactor(3, 1), wheelFactor(48, 0));
    // A flung wheel's huge delta is bounded: one event zooms at most e^0.8.
    assert.equal(wheelFactor(-1e6, 0), Math.exp(0.8));
  });

  it('measures a touch pinch by how far the fingers moved apart, around their middle', () => {
    const a = { x: 100, y: 100 };
    assert.equal(pinchFactor([a, { x: 200, y: 100 }], [a, { x: 300, y: 100 }]), 2);
    assert.equal(pinchFactor([a, a], [a, { x: 5, y: 5 }]), 1, 'fingers that started together zoom nothing');
    assert.deepEqual(midpoint([a, { x: 300, y: 200 }]), { x: 200, y: 150 });
  });
});

describe('←/→ through a project’s results', () => {
  it('steps to the previous and next result, and stops at either end', () => {
    const ids = [4, 7, 9];
    assert.equal(neighbour(ids, 7, 1), 9);
    assert.equal(neighbour(ids, 7, -1), 4);
    assert.equal(neighbour(ids, 9, 1), null);
    assert.equal(neighbour(ids, 4, -1), null);
    assert.equal(neighbour(ids, 5, 1), null, 'a result not in the sequence has no neighbours');
  });
});
