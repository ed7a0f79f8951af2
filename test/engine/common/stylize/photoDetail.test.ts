import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rgbImage } from '../../../../engine/common/image.js';
import { withPhotoDetail } from '../../../../engine/common/stylize/photoDetail.js';

describe('withPhotoDetail: a stage start with the photo detail the previous stage could not hold', () => {
  it('adds the photo minus its upsampled smaller copy to the upsampled result, clamped to 0..255', () => {
    const upsampled = rgbImage(2, 1, Uint8Array.from([100, 100, 100, 250, 5, 128]));
    const photo = rgbImage(2, 1, Uint8Array.from([60, 70, 80, 200, 0, 10]));
    const photoUpsampled = rgbImage(2, 1, Uint8Array.from([50, 70, 90, 100, 100, 10]));
    const start = withPhotoDetail(upsampled, photo, photoUpsampled);
    assert.deepEqual([...start.data], [110, 100, 90, 255, 0, 128]);
    assert.deepEqual([start.width, start.height], [2, 1]);
  });

  it('refuses pictures of other sizes', () => {
    const one = rgbImage(1, 1, new Uint8Array(3));
    const two = rgbImage(2, 1, new Uint8Array(6));
    assert.throws(() => withPhotoDetail(two, one, two), /photo detail of 1×1 for a 2×1 start/);
  });
});
