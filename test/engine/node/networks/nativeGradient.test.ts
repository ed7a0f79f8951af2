import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { gramMatrix } from '../../../../engine/common/losses/style.js';
import { styleTransferTargets, styleTransferTerms } from '../../../../engine/common/losses/styleTransferLoss.js';
import { ALEXNET } from '../../../../engine/common/networks/alexnet.js';
import type { NetworkArchitecture } from '../../../../engine/common/networks/architecture.js';
import { DARKNET_TINY } from '../../../../engine/common/networks/darknet.js';
import { featureNetwork, type ActivationLoss } from '../../../../engine/common/networks/featureNetwork.js';
import { GOOGLENET } from '../../../../engine/common/networks/googlenet.js';
import { unsupportedReason } from '../../../../engine/common/networks/onnx/gradientGraphs.js';
import { randomWeights } from '../../../../engine/common/networks/randomWeights.js';
import { VGG19 } from '../../../../engine/common/networks/vgg.js';
import { nativeGradientRuntime, selectBackend } from '../../../../engine/node/backend.js';
import { withNativeGradient } from '../../../../engine/node/networks/nativeGradient.js';
import { loadNetwork } from '../../../../engine/node/networks/registry.js';
import { useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

/** A style-transfer-shaped loss: Gram terms on every layer but the last, a squared activation on the last, and the image's own energy. */
function lossOn(layers: readonly string[], seed: number): ActivationLoss {
  const targets = layers.map((_, i) => tf.randomUniform([1], 0, 1, 'float32', seed + i));
  return (activations, image) => tf.tidy(() => tf.addN([
    ...layers.slice(0, -1).map((layer, i) => tf.sum(tf.square(tf.sub(gramMatrix(activations.get(layer)!), targets[i])))),
    tf.mean(tf.square(activations.get(layers.at(-1)!)!)),
    tf.mul(1e-4, tf.sum(tf.square(image))),
  ]) as tf.Scalar);
}

/**
 * The native and TensorFlow.js gradients of one loss at one image, and how far apart they are. The
 * reference is autodiff on TensorFlow.js's cpu backend, its reference kernels: wasm's MaxPoolGrad
 * routes a window of negative values' gradient to the wrong cell (measured: a 2×2 window of
 * −4, −3, −8, −7 sends it to the −4), which matters after Darknet's leaky ReLUs.
 */
async function compare(architecture: NetworkArchitecture, layers: readonly string[], height: number, width: number) {
  const weights = randomWeights(architecture, 5);
  const plain = featureNetwork(architecture.family, architecture, weights);
  const native = withNativeGradient(plain, weights, ort);
  const image = tf.randomNormal([1, height, width, 3], 0, 60, 'float32', 9) as tf.Tensor4D;
  const loss = lossOn(layers, 3);
  const before = tf.memory().numTensors;
  const fast = await native.lossAndGradient(image, layers, 'max', loss);
  const grown = tf.memory().numTensors - before;
  await tf.setBackend('cpu');
  const reference = await plain.lossAndGradient(image, layers, 'max', loss);
  await tf.setBackend('wasm');
  const [difference, scale] = tf.tidy(() => [tf.max(tf.abs(tf.sub(fast.gradient, reference.gradient))), tf.max(tf.abs(reference.gradient))].map((t) => t.dataSync()[0]));
  tf.dispose([image, fast.gradient, reference.gradient]);
  native.dispose();
  return { relative: difference / scale, scale, losses: [fast.loss, reference.loss], grown };
}

describe('native gradients (onnxruntime) of a feature network', () => {
  it('equal TensorFlow.js autodiff through VGG-19 to conv5_1, at a size whose pools drop an odd row', async () => {
    const { relative, scale, losses, grown } = await compare(VGG19, ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1', 'conv4_2'], 45, 38);
    console.log(`# VGG-19 45×38: relative gradient difference ${relative.toExponential(2)}, losses ${losses.join(' / ')}`);
    assert.ok(scale > 0, 'the gradient is not zero');
    assert.ok(relative < 1e-4, `relative difference ${relative}`);
    // Float32 sums of ~10⁶ products in another order: the cpu backend's naive sums drift by ~10⁻⁴.
    assert.ok(Math.abs(losses[0] - losses[1]) <= 2e-4 * Math.abs(losses[1]), `losses ${losses.join(' vs ')}`);
    assert.equal(grown, 1, 'the gradient is the only tensor left');
  });

  it('equal autodiff through Darknet\'s leaky ReLUs and 1×1 convolutions at an odd size', async () => {
    const { relative, scale } = await compare(DARKNET_TINY, ['conv1', 'conv4', 'conv8', 'conv10'], 37, 29);
    assert.ok(scale > 0);
    assert.ok(relative < 1e-4, `relative difference ${relative}`);
  });

  it('equal autodiff through ceil-rounded pools that hang over the edge (Caffe\'s rounding)', async () => {
    const ceiled: NetworkArchitecture = { ...VGG19, family: 'vgg19-ceil', layers: VGG19.layers.map((layer) => (layer.kind === 'pool' ? { ...layer, ceil: true } : layer)) };
    const { relative, scale } = await compare(ceiled, ['conv1_2', 'conv2_1', 'conv3_1', 'conv3_2'], 35, 27);
    assert.ok(scale > 0);
    assert.ok(relative < 1e-4, `relative difference ${relative}`);
  });

  it('compute Gatys et al.\'s content and Gram terms in one pass, equal to the terms TensorFlow.js computes', async () => {
    const weights = randomWeights(VGG19, 5);
    const plain = featureNetwork('vgg19', VGG19, weights);
    const native = withNativeGradient(plain, weights, ort);
    const settings = { contentLayers: ['conv4_2'], styleLayers: [{ layer: 'conv1_1', weight: 1 }, { layer: 'conv3_1', weight: 0.5 }, { layer: 'conv4_2', weight: 2 }], contentWeight: 5, styleWeight: 100, tvWeight: 0, pooling: 'max' as const, styleBlend: [1], styleRepr: 'gram' as const, localRadius: 0, gramMix: 0 };
    const [photo, painting, image] = [1, 2, 3].map((seed) => tf.randomUniform([1, 41, 50, 3], -100, 100, 'float32', seed) as tf.Tensor4D);
    const targets = await styleTransferTargets(plain, settings, photo, [painting]);
    const terms = styleTransferTerms(settings, targets);
    const matched = await native.matchFeatures!(image, 'max', terms.matching!);
    assert.ok(matched, 'VGG-19 with max pooling is matched natively');
    let reference = { content: 0, style: 0 };
    await tf.setBackend('cpu');
    const expected = await plain.lossAndGradient(image, terms.layers, 'max', (activations, x) => {
      const values = terms.terms(activations, x);
      reference = { content: values.content.dataSync()[0], style: values.style.dataSync()[0] };
      return values.total;
    });
    await tf.setBackend('wasm');
    const [difference, scale] = tf.tidy(() => [tf.max(tf.abs(tf.sub(matched.gradient, expected.gradient))), tf.max(tf.abs(expected.gradient))].map((t) => t.dataSync()[0]));
    console.log(`# matched terms: content ${matched.content} / ${reference.content}, style ${matched.style} / ${reference.style}, gradient ${(difference / scale).toExponential(2)}`);
    assert.ok(Math.abs(matched.content - reference.content) <= 1e-4 * reference.content && reference.content > 0, `content ${matched.content} vs ${reference.content}`);
    assert.ok(Math.abs(matched.style - reference.style) <= 1e-4 * reference.style && reference.style > 0, `style ${matched.style} vs ${reference.style}`);
    assert.ok(difference / scale < 1e-4, `relative gradient difference ${difference / scale}`);
    assert.equal(await native.matchFeatures!(image, 'avg', terms.matching!), null, 'average pooling is left to the terms path');
    tf.dispose([photo, painting, image, matched.gradient, expected.gradient]);
    targets.dispose();
    native.dispose();
  });

  it('leave to TensorFlow.js what their graphs do not cover, and say why', () => {
    assert.equal(unsupportedReason(VGG19, ['conv1_1', 'conv5_1'], 'max'), null);
    assert.equal(unsupportedReason(VGG19, ['conv1_1'], 'avg'), null, 'no pool before conv1_1');
    assert.equal(unsupportedReason(VGG19, ['conv2_1'], 'avg'), 'average pooling');
    assert.match(unsupportedReason(ALEXNET, ['conv2'], 'max') ?? '', /not a stride-1 'same' convolution|lrn layer/);
    assert.match(unsupportedReason(GOOGLENET, ['inception_3a/output'], 'max') ?? '', /not a plain chain|not a stride-1/);
  });

  it('are what networks loaded on the onnxruntime backend use, and the run records that backend', async () => {
    const backend = await selectBackend('onnxruntime');
    try {
      assert.equal(backend.name, 'onnxruntime');
      assert.match(backend.description, /onnxruntime .* for the network; WebAssembly/);
      assert.ok(nativeGradientRuntime(), 'the runtime is kept for networks to use');
      const { network } = await loadNetwork('vgg19-random', '/nonexistent');
      const plain = featureNetwork('vgg19-random', VGG19, randomWeights(VGG19, 0));
      assert.notEqual(network.lossAndGradient.toString(), plain.lossAndGradient.toString(), 'the loaded network differentiates natively');
      network.dispose();
      plain.dispose();
    } finally {
      await useTestBackend();
    }
    assert.equal(nativeGradientRuntime(), null, 'choosing another backend drops it');
  });
});
