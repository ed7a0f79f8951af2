import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PasticheError } from '../../../../engine/common/errors.js';
import {
  disposeLayerGuides,
  layerGuide,
  layerGuides,
  type GuideMode,
} from '../../../../engine/common/losses/guidanceMasks.js';
import type { NetworkWeights } from '../../../../engine/common/networks/weights.js';
import { receptiveField, type LayerReceptiveField } from '../../../../engine/common/networks/receptiveField.js';
import { VGG19 } from '../../../../engine/common/networks/vgg.js';
import { maxAbsDifference, plainActivations, TINY_ARCHITECTURE, useTestBackend } from '../../../helpers/tf.js';
import { randomWeights } from '../../../../engine/common/networks/randomWeights.js';

await useTestBackend();

const SIDE = 32;
const LAYERS: Record<string, number> = { conv1_1: 32, conv1_2: 32, conv2_1: 16, pool2: 8 };

/** A 0/1 mask: the rectangle rows [top, bottom) × columns [left, right). */
function rectangle(top: number, bottom: number, left: number, right: number, side = SIDE): tf.Tensor2D {
  return tf.tidy(() => {
    const rows = tf.logicalAnd(tf.greaterEqual(tf.range(0, side), top), tf.less(tf.range(0, side), bottom));
    const cols = tf.logicalAnd(tf.greaterEqual(tf.range(0, side), left), tf.less(tf.range(0, side), right));
    return tf.mul(tf.reshape(tf.cast(rows, 'float32'), [side, 1]), tf.reshape(tf.cast(cols, 'float32'), [1, side]));
  });
}

/**
 * §4's sets by their definition, with loops: the maximum (`all`) or minimum (`inside`) of the mask over the
 * pixels of the image each neuron's field covers.
 */
function byLoops(mask: Float32Array | Int32Array | Uint8Array, side: number, field: LayerReceptiveField, map: number) {
  const out = { all: new Float32Array(map * map), inside: new Float32Array(map * map) };
  for (let y = 0; y < map; y++)
    for (let x = 0; x < map; x++) {
      let [high, low] = [0, 1];
      for (let r = field.start[0] + y * field.stride; r < field.start[0] + y * field.stride + field.size[0]; r++)
        for (let c = field.start[1] + x * field.stride; c < field.start[1] + x * field.stride + field.size[1]; c++) {
          if (r < 0 || c < 0 || r >= side || c >= side) continue;
          high = Math.max(high, mask[r * side + c]);
          low = Math.min(low, mask[r * side + c]);
        }
      out.all[y * map + x] = high;
      out.inside[y * map + x] = low;
    }
  return out;
}

const guide = (mask: tf.Tensor2D, layer: string, mode: GuideMode, architecture = TINY_ARCHITECTURE) =>
  layerGuide(mask, receptiveField(architecture, layer), [LAYERS[layer], LAYERS[layer]], mode);

/** A network of all-ones kernels and zero biases: a neuron fires exactly when its field holds a positive pixel. */
function onesWeights(): NetworkWeights {
  const weights = new Map();
  let channels = 3;
  for (const layer of TINY_ARCHITECTURE.layers) {
    if (layer.kind !== 'conv') continue;
    weights.set(layer.name, { kernel: tf.ones([3, 3, channels, layer.filters]), bias: tf.zeros([layer.filters]) });
    channels = layer.filters;
  }
  return weights;
}

describe('layerGuide', async () => {
  it('simple: the mask resampled (bilinear, centres aligned) to the map', () => {
    tf.tidy(() => {
      const mask = tf.clipByValue(tf.randomUniform([SIDE, SIDE], -0.2, 1.2, 'float32', 4), 0, 1) as tf.Tensor2D;
      const expected = tf.image.resizeBilinear(
        tf.reshape(mask, [1, SIDE, SIDE, 1]) as tf.Tensor4D,
        [8, 8],
        false,
        true,
      );
      assert.ok(maxAbsDifference(guide(mask, 'pool2', 'simple').dataSync(), expected.dataSync()) < 1e-6);
      assert.deepEqual(guide(mask, 'conv1_1', 'simple').arraySync(), mask.arraySync(), 'same size: unchanged');
    });
  });

  it('all and inside are the maximum and minimum of a soft mask over each field, edges zero-padded', () => {
    tf.tidy(() => {
      const mask = tf.clipByValue(tf.randomUniform([SIDE, SIDE], -0.5, 1.5, 'float32', 5), 0, 1) as tf.Tensor2D;
      const values = mask.dataSync() as Float32Array;
      for (const layer of Object.keys(LAYERS)) {
        const expected = byLoops(values, SIDE, receptiveField(TINY_ARCHITECTURE, layer), LAYERS[layer]);
        for (const mode of ['all', 'inside'] as const)
          assert.ok(maxAbsDifference(guide(mask, layer, mode).dataSync(), expected[mode]) < 1e-6, `${layer} ${mode}`);
      }
    });
  });

  it('all ⊇ simple ⊇ inside, and a region narrower than the field has no neuron inside it', () => {
    tf.tidy(() => {
      const square = rectangle(10, 16, 10, 16); // 6 px: narrower than conv2_1's 10-px field, wider than conv1_1's 3
      for (const layer of ['conv1_1', 'conv2_1', 'pool2']) {
        const [all, simple, inside] = (['all', 'simple', 'inside'] as const).map((m) =>
          guide(square, layer, m).dataSync(),
        );
        for (let i = 0; i < all.length; i++) assert.ok(all[i] >= simple[i] - 1e-6 && simple[i] >= inside[i] - 1e-6);
        const count = (values: ArrayLike<number>) => Array.from(values).filter((v) => v > 0).length;
        assert.ok(count(all) > count(inside), `${layer}: dilation larger than erosion`);
      }
      assert.equal(tf.sum(guide(square, 'conv2_1', 'inside')).dataSync()[0], 0);
      // conv1_1 (3 px): a 6-px square dilates to 8×8 and erodes to 4×4 neurons.
      assert.equal(tf.sum(guide(square, 'conv1_1', 'all')).dataSync()[0], 64);
      assert.equal(tf.sum(guide(square, 'conv1_1', 'inside')).dataSync()[0], 16);
    });
  });

  it("matches the authors' probe through a real network: neurons the region reaches, and those outside's", () => {
    // get_fm_guides: `all` = neurons responding to input inside the region, `inside` = those no outside input reaches.
    const weights = onesWeights();
    tf.tidy(() => {
      const mask = tf.maximum(rectangle(3, 20, 5, 13), rectangle(18, 30, 17, 29)) as tf.Tensor2D;
      const probe = (image: tf.Tensor2D) =>
        plainActivations(
          TINY_ARCHITECTURE,
          weights,
          tf.tile(tf.reshape(image, [1, SIDE, SIDE, 1]), [1, 1, 1, 3]),
          'avg',
        );
      const [inside, outside] = [probe(mask), probe(tf.sub(1, mask) as tf.Tensor2D)];
      for (const layer of Object.keys(LAYERS)) {
        const reached = tf.cast(tf.greater(tf.max(inside.get(layer)!, 3), 0), 'float32');
        const untouched = tf.cast(tf.equal(tf.max(outside.get(layer)!, 3), 0), 'float32');
        assert.deepEqual(guide(mask, layer, 'all').arraySync(), tf.squeeze(reached).arraySync(), `${layer} all`);
        assert.deepEqual(guide(mask, layer, 'inside').arraySync(), tf.squeeze(untouched).arraySync(), `${layer} in`);
      }
    });
    for (const { kernel, bias } of weights.values()) tf.dispose([kernel, bias]);
  });

  it("brings a mask to VGG-19's conv5_1 (156-px field) from a 64-px picture: all everywhere, inside nowhere", () => {
    tf.tidy(() => {
      const field = receptiveField(VGG19, 'conv5_1');
      const half = rectangle(0, 64, 0, 32, 64);
      assert.equal(tf.min(layerGuide(half, field, [4, 4], 'all')).dataSync()[0], 1);
      assert.equal(tf.max(layerGuide(half, field, [4, 4], 'inside')).dataSync()[0], 0);
    });
  });

  it("brings a mask to every layer a run styles, at the sizes the network's activations have", () => {
    const weights = randomWeights(TINY_ARCHITECTURE, 2);
    tf.tidy(() => {
      const mask = rectangle(4, 20, 6, 30, 28); // 28 px: conv2_1 14×14, pool2 7×7
      const activations = plainActivations(TINY_ARCHITECTURE, weights, tf.zeros([1, 28, 28, 3]), 'avg');
      const guides = layerGuides(mask, TINY_ARCHITECTURE, ['conv1_1', 'conv2_1', 'pool2'], 'inside');
      for (const [layer, guide] of guides) {
        const [, h, w] = activations.get(layer)!.shape;
        assert.deepEqual(guide.mask.shape, [h, w], layer);
        const field = receptiveField(TINY_ARCHITECTURE, layer);
        assert.deepEqual(guide.mask.arraySync(), layerGuide(mask, field, [h, w], 'inside').arraySync());
        assert.equal(guide.mass, tf.sum(tf.square(guide.mask)).dataSync()[0], `${layer}: Σ m²`);
      }
      disposeLayerGuides(guides);
      assert.throws(() => layerGuides(mask, TINY_ARCHITECTURE, ['conv7_1'], 'all'), /no layer named conv7_1/);
    });
    for (const { kernel, bias } of weights.values()) tf.dispose([kernel, bias]);
  });

  it('refuses a mask outside 0..1, of the wrong rank, or a map of no size, with one-line errors', () => {
    const field = receptiveField(TINY_ARCHITECTURE, 'conv2_1');
    tf.tidy(() => {
      assert.throws(() => layerGuide(tf.fill([4, 4], 2) as tf.Tensor2D, field, [2, 2], 'all'), /0\.\.1/);
      assert.throws(() => layerGuide(tf.fill([4, 4], NaN) as tf.Tensor2D, field, [2, 2], 'all'), PasticheError);
      assert.throws(() => layerGuide(tf.ones([1, 4, 4]) as unknown as tf.Tensor2D, field, [2, 2], 'all'), /\[H, W\]/);
      assert.throws(() => layerGuide(tf.ones([4, 4]) as tf.Tensor2D, field, [0, 2], 'simple'), PasticheError);
    });
  });
});
