import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  activationShape,
  convLayers,
  minimumInputSize,
  pickableLayers,
} from '../../../../engine/common/networks/architecture.js';
import { INCEPTION_V3 } from '../../../../engine/common/networks/inception3.js';

/** Keras's layers alone, without the reflected frame the engine adds around the image. */
const UNPADDED = { ...INCEPTION_V3, inputPadding: undefined };

test('Inception-v3 to mixed5 has the shapes of Szegedy et al. 2016, table 1, at 299 px', () => {
  const at299 = (layer: string) => activationShape(UNPADDED, layer, { height: 299, width: 299 });
  assert.deepEqual(at299('activation_1'), { height: 149, width: 149, channels: 32 });
  assert.deepEqual(at299('activation_5'), { height: 71, width: 71, channels: 192 });
  assert.deepEqual(at299('mixed0'), { height: 35, width: 35, channels: 256 });
  assert.deepEqual(at299('mixed2'), { height: 35, width: 35, channels: 288 });
  assert.deepEqual(at299('mixed3'), { height: 17, width: 17, channels: 768 });
  assert.deepEqual(at299('mixed5'), { height: 17, width: 17, channels: 768 });
});

test('Inception-v3 names its layers as Keras does, fifty convolutions to mixed5', () => {
  const convs = convLayers(INCEPTION_V3);
  assert.equal(convs.length, 50);
  assert.deepEqual(
    convs.map((c) => c.name),
    Array.from({ length: 50 }, (_, i) => `activation_${i + 1}`),
  );
  assert.deepEqual(convs.find((c) => c.name === 'activation_33')?.kernelSize, [1, 7]);
  assert.deepEqual(convs.find((c) => c.name === 'activation_34')?.kernelSize, [7, 1]);
  assert.deepEqual(pickableLayers(INCEPTION_V3).slice(-6), [
    'mixed0',
    'mixed1',
    'mixed2',
    'mixed3',
    'mixed4',
    'mixed5',
  ]);
  // Unpadded stem and mixed3's reduction: 43 → 21 → 19 → 9 → 7 → 3 → 1 (Keras's 75 is for mixed8's further reduction).
  assert.equal(minimumInputSize(UNPADDED), 43);
  assert.equal(activationShape(UNPADDED, 'mixed3', { height: 42, width: 42 })?.height, 0);
});

test("Inception-v3's layers see the image with the 21-px frame they would cut mirrored around it", () => {
  // 1 + 2 + 2 + 4 + 4 + 8 px: the unpadded stem's convolutions and pools and mixed3's reduction, each at its scale.
  assert.deepEqual(INCEPTION_V3.inputPadding, { size: 21, mode: 'reflect' });
  // 299 + 42 = 341 px → 170 → 168 → 83 → 81 → 40 → 19: mixed5 keeps a position for each 16 px of the image, near
  // enough.
  assert.deepEqual(activationShape(INCEPTION_V3, 'mixed5', { height: 299, width: 299 }), {
    height: 19,
    width: 19,
    channels: 768,
  });
  assert.deepEqual(activationShape(INCEPTION_V3, 'activation_1', { height: 256, width: 128 }), {
    height: 148,
    width: 84,
    channels: 32,
  });
  // 22 px is the least a 21-px reflection needs (it does not repeat the edge pixel); 22 + 42 = 64 ≥ 43.
  assert.equal(minimumInputSize(INCEPTION_V3), 22);
});
