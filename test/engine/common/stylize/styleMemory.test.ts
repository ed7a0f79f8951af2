import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localStyleBytes } from '../../../../engine/common/losses/localStyleBytes.js';
import { ALEXNET } from '../../../../engine/common/networks/alexnet.js';
import { activationShape } from '../../../../engine/common/networks/architecture.js';
import { GOOGLENET } from '../../../../engine/common/networks/googlenet.js';
import { VGG19 } from '../../../../engine/common/networks/vgg.js';
import {
  checkLocalStyleMemory,
  formatBytes,
  localStyleMemory,
  totalBytes,
} from '../../../../engine/common/stylize/styleMemory.js';

const layers = (...names: string[]) => names.map((layer) => ({ layer, weight: 1 }));

describe('activation shapes', () => {
  it("follow each network's strides, pools and channel counts, inception concatenations included", () => {
    assert.deepEqual(activationShape(VGG19, 'conv1_1', { width: 100, height: 80 }), {
      height: 80,
      width: 100,
      channels: 64,
    });
    assert.deepEqual(activationShape(VGG19, 'conv3_1', { width: 100, height: 80 }), {
      height: 20,
      width: 25,
      channels: 256,
    });
    assert.deepEqual(activationShape(ALEXNET, 'conv5', { width: 227, height: 227 }), {
      height: 13,
      width: 13,
      channels: 256,
    });
    assert.deepEqual(activationShape(GOOGLENET, 'inception_3a/output', { width: 224, height: 224 }), {
      height: 28,
      width: 28,
      channels: 256,
    });
    assert.deepEqual(activationShape(GOOGLENET, 'inception_4e/output', { width: 224, height: 224 }), {
      height: 14,
      width: 14,
      channels: 832,
    });
    assert.equal(activationShape(VGG19, 'conv9_9', { width: 10, height: 10 }), null);
  });
});

describe('local style memory', () => {
  it(
    "is each distinct style layer's C²·X·Y statistics at the image size, and nothing for other " + 'representations',
    () => {
      const settings = {
        styleRepr: 'local' as const,
        localRadius: 2,
        styleLayers: layers('conv1_1', 'conv2_1', 'conv1_1'),
      };
      const memory = localStyleMemory(VGG19, settings, { width: 64, height: 48 });
      const conv11 = { height: 48, width: 64, channels: 64 };
      const conv21 = { height: 24, width: 32, channels: 128 };
      assert.deepEqual(memory, [
        { layer: 'conv1_1', bytes: localStyleBytes(conv11, 2), transientBytes: 4 * 64 * 64 * 48 * 64 },
        { layer: 'conv2_1', bytes: localStyleBytes(conv21, 2), transientBytes: 4 * 128 * 128 * 24 * 32 },
      ]);
      // Both keep target and residual; only one transient (equal here: 64²·48·64 = 128²·24·32) is alive at a time.
      assert.equal(
        totalBytes(memory),
        localStyleBytes(conv11, 2) + localStyleBytes(conv21, 2) - 4 * 128 * 128 * 24 * 32,
      );
      assert.deepEqual(localStyleMemory(VGG19, { ...settings, styleRepr: 'gram' }, { width: 64, height: 48 }), []);
    },
  );

  it('refuses a run that would not fit, naming the costliest layer and what to change', () => {
    const settings = { styleRepr: 'local' as const, localRadius: 0, styleLayers: layers('conv1_1', 'conv3_1') };
    const image = { width: 300, height: 200 };
    const needed = totalBytes(localStyleMemory(VGG19, settings, image));
    assert.doesNotThrow(() => checkLocalStyleMemory('vgg19', VGG19, settings, image, needed));
    assert.throws(
      () => checkLocalStyleMemory('vgg19', VGG19, settings, image, needed - 1),
      new RegExp(
        String.raw`vgg19: local style needs 5\.1 GB at 300×200 \(conv1_1 alone 3\.1 GB\), more than the 5\.1 ` +
          String.raw`GB available: use a smaller size, deeper style layers, or another style representation$`,
      ),
    );
    assert.equal(formatBytes(420e6), '420 MB');
  });
});
