import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PasticheError } from '../../../../engine/common/errors.js';
import { receptiveField } from '../../../../engine/common/networks/receptiveField.js';
import { VGG16, VGG19 } from '../../../../engine/common/networks/vgg.js';
import { GOOGLENET } from '../../../../engine/common/networks/googlenet.js';

describe('receptiveField', () => {
  it("gives VGG-19's known fields: 3 px at conv1_1, 10 at conv2_1 (through pool1), 156 at conv5_1", () => {
    // By hand: each 3×3 conv widens by 2·j and starts j earlier, each 2×2 pool widens by j, j doubling at each pool;
    // the first neuron's field is centred on the centre of its first j×j cell, (j − 1)/2 (conv5_1: −70…85 ↔ 7.5).
    const expected: Record<string, [number, number, number]> = {
      conv1_1: [3, 1, -1],
      conv1_2: [5, 1, -2],
      pool1: [6, 2, -2],
      conv2_1: [10, 2, -4],
      conv3_1: [24, 4, -10],
      conv4_1: [68, 8, -30],
      conv4_2: [84, 8, -38],
      conv5_1: [156, 16, -70],
    };
    for (const [layer, [size, stride, start]] of Object.entries(expected))
      assert.deepEqual(receptiveField(VGG19, layer), { size: [size, size], stride, start: [start, start] }, layer);
  });

  it("gives VGG-16's published 196 px at conv5_3 and 212 px at pool5 (Araujo et al. 2019)", () => {
    assert.deepEqual(receptiveField(VGG16, 'conv5_3').size, [196, 196]);
    assert.deepEqual(receptiveField(VGG16, 'pool5').size, [212, 212]);
  });

  it("covers an inception module's widest branch", () => {
    const before = receptiveField(GOOGLENET, 'pool2/3x3_s2');
    const module = receptiveField(GOOGLENET, 'inception_3a/output');
    // The 5×5 branch widens the field by 4 strides, the 3×3 pool then 1×1 branch by 2.
    assert.deepEqual(module.size, [before.size[0] + 4 * before.stride, before.size[1] + 4 * before.stride]);
    assert.equal(module.stride, before.stride);
  });

  it('refuses an unknown layer with a one-line error', () => {
    assert.throws(() => receptiveField(VGG19, 'conv9_9'), PasticheError);
  });
});
