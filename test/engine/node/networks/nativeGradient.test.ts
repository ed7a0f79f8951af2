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
import { INCEPTION_V3 } from '../../../../engine/common/networks/inception3.js';
import { gradientGraphs, unsupportedReason } from '../../../../engine/common/networks/onnx/gradientGraphs.js';
import { randomWeights } from '../../../../engine/common/networks/randomWeights.js';
import { VGG19 } from '../../../../engine/common/networks/vgg.js';
import { disposeWeights } from '../../../../engine/common/networks/weights.js';
import { nativeGradientRuntime, selectBackend } from '../../../../engine/node/backend.js';
import { withNativeGradient } from '../../../../engine/node/networks/nativeGradient.js';
import { loadNetwork } from '../../../../engine/node/networks/registry.js';
import type { Pooling } from '../../../../engine/common/stylize/settings.js';
import { useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

/**
 * A style-transfer-shaped loss: Gram terms on every layer but the last, a squared activation on the last, and the
 * image's own energy.
 */
function lossOn(layers: readonly string[], seed: number): ActivationLoss {
  const targets = layers.map((_, i) => tf.randomUniform([1], 0, 1, 'float32', seed + i));
  return (activations, image) =>
    tf.tidy(
      () =>
        tf.addN([
          ...layers
            .slice(0, -1)
            .map((layer, i) => tf.sum(tf.square(tf.sub(gramMatrix(activations.get(layer)!), targets[i])))),
          tf.mean(tf.square(activations.get(layers.at(-1)!)!)),
          tf.mul(1e-4, tf.sum(tf.square(image))),
        ]) as tf.Scalar,
    );
}

/**
 * The native and TensorFlow.js gradients of one loss at one image, and how far apart they are. The
 * reference is autodiff on TensorFlow.js's cpu backend, its reference kernels: wasm's MaxPoolGrad
 * routes a window of negative values' gradient to the wrong cell (measured: a 2×2 window of
 * −4, −3, −8, −7 sends it to the −4), which matters after Darknet's leaky ReLUs.
 */
async function compare(
  architecture: NetworkArchitecture,
  layers: readonly string[],
  height: number,
  width: number,
  options: { pooling?: Pooling; image?: tf.Tensor4D } = {},
) {
  const pooling = options.pooling ?? 'max';
  const weights = randomWeights(architecture, 5);
  const plain = featureNetwork(architecture.family, architecture, weights);
  const native = withNativeGradient(plain, weights, ort);
  assert.equal(unsupportedReason(architecture, layers, pooling), null, 'the graphs cover these layers');
  const image = options.image ?? (tf.randomNormal([1, height, width, 3], 0, 60, 'float32', 9) as tf.Tensor4D);
  const loss = lossOn(layers, 3);
  const before = tf.memory().numTensors;
  const fast = await native.lossAndGradient(image, layers, pooling, loss);
  const grown = tf.memory().numTensors - before;
  await tf.setBackend('cpu');
  const reference = await plain.lossAndGradient(image, layers, pooling, loss);
  await tf.setBackend('wasm');
  const [difference, scale] = tf.tidy(() =>
    [tf.max(tf.abs(tf.sub(fast.gradient, reference.gradient))), tf.max(tf.abs(reference.gradient))].map(
      (t) => t.dataSync()[0],
    ),
  );
  tf.dispose([image, fast.gradient, reference.gradient]);
  native.dispose();
  return { relative: difference / scale, scale, losses: [fast.loss, reference.loss], grown };
}

/**
 * Gatys et al.'s terms and gradient from the one-pass graph against TensorFlow.js's on the cpu
 * backend; asserts they agree and returns a line with the figures.
 */
async function compareMatching(
  architecture: NetworkArchitecture,
  layers: { content: string[]; style: { layer: string; weight: number }[] },
  pooling: Pooling,
  height: number,
  width: number,
): Promise<string> {
  const weights = randomWeights(architecture, 5);
  const plain = featureNetwork(architecture.family, architecture, weights);
  const native = withNativeGradient(plain, weights, ort);
  const settings = {
    contentLayers: layers.content,
    styleLayers: layers.style,
    contentWeight: 5,
    styleWeight: 100,
    tvWeight: 0,
    pooling,
    styleBlend: [1],
    styleRepr: 'gram' as const,
    localRadius: 0,
    gramMix: 0,
  };
  const [photo, painting, image] = [1, 2, 3].map(
    (seed) => tf.randomUniform([1, height, width, 3], -100, 100, 'float32', seed) as tf.Tensor4D,
  );
  const targets = await styleTransferTargets(plain, settings, photo, [painting]);
  const terms = styleTransferTerms(settings, targets);
  const matched = await native.matchFeatures!(image, pooling, terms.matching!);
  assert.ok(matched, `${architecture.family} with ${pooling} pooling is matched natively`);
  let reference = { content: 0, style: 0 };
  await tf.setBackend('cpu');
  const expected = await plain.lossAndGradient(image, terms.layers, pooling, (activations, x) => {
    const values = terms.terms(activations, x);
    reference = { content: values.content.dataSync()[0], style: values.style.dataSync()[0] };
    return values.total;
  });
  await tf.setBackend('wasm');
  const [difference, scale] = tf.tidy(() =>
    [tf.max(tf.abs(tf.sub(matched.gradient, expected.gradient))), tf.max(tf.abs(expected.gradient))].map(
      (t) => t.dataSync()[0],
    ),
  );
  assert.ok(
    Math.abs(matched.content - reference.content) <= 1e-4 * reference.content && reference.content > 0,
    `content ${matched.content} vs ${reference.content}`,
  );
  assert.ok(
    Math.abs(matched.style - reference.style) <= 1e-4 * reference.style && reference.style > 0,
    `style ${matched.style} vs ${reference.style}`,
  );
  assert.ok(difference / scale < 1e-4, `relative gradient difference ${difference / scale}`);
  tf.dispose([photo, painting, image, matched.gradient, expected.gradient]);
  targets.dispose();
  native.dispose();
  return (
    `content ${matched.content} / ${reference.content}, style ${matched.style} / ${reference.style}, gradient ` +
    `${(difference / scale).toExponential(2)}`
  );
}

/**
 * Max pools that overlap, hang over the edge (Caffe's ceil) or are padded (GoogLeNet's), and an average pool that
 * always averages (Inception-v3's).
 */
const POOLS: NetworkArchitecture = {
  ...VGG19,
  family: 'pools',
  layers: [
    { kind: 'conv', name: 'conv1', filters: 4, kernelSize: 3, relu: true },
    { kind: 'pool', name: 'pool1', size: 3, stride: 2 },
    { kind: 'conv', name: 'conv2', filters: 5, kernelSize: 3, relu: true },
    { kind: 'pool', name: 'pool2', size: 3, stride: 2, ceil: true },
    { kind: 'conv', name: 'conv3', filters: 5, kernelSize: 3, relu: true },
    { kind: 'pool', name: 'pool3', size: 3, stride: 1, pad: 1, ceil: true },
    { kind: 'pool', name: 'pool4', size: 2, stride: 2 },
    { kind: 'conv', name: 'conv4', filters: 4, kernelSize: 1, relu: true },
    { kind: 'pool', name: 'pool5', size: 3, stride: 1, pad: 1, average: true },
    { kind: 'conv', name: 'conv5', filters: 4, kernelSize: 3, relu: true },
  ],
};

describe('native gradients (onnxruntime) of a feature network', () => {
  it('equal TensorFlow.js autodiff through VGG-19 to conv5_1, at a size whose pools drop an odd row', async () => {
    const { relative, scale, losses, grown } = await compare(
      VGG19,
      ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1', 'conv4_2'],
      45,
      38,
    );
    console.log(
      `# VGG-19 45×38: relative gradient difference ${relative.toExponential(2)}, losses ${losses.join(' / ')}`,
    );
    assert.ok(scale > 0, 'the gradient is not zero');
    assert.ok(relative < 1e-4, `relative difference ${relative}`);
    // Float32 sums of ~10⁶ products in another order: the cpu backend's naive sums drift by ~10⁻⁴.
    assert.ok(Math.abs(losses[0] - losses[1]) <= 2e-4 * Math.abs(losses[1]), `losses ${losses.join(' vs ')}`);
    assert.equal(grown, 1, 'the gradient is the only tensor left');
  });

  it("equal autodiff through Darknet's leaky ReLUs and 1×1 convolutions at an odd size", async () => {
    const { relative, scale } = await compare(DARKNET_TINY, ['conv1', 'conv4', 'conv8', 'conv10'], 37, 29);
    assert.ok(scale > 0);
    assert.ok(relative < 1e-4, `relative difference ${relative}`);
  });

  it("equal autodiff through ceil-rounded pools that hang over the edge (Caffe's rounding)", async () => {
    const ceiled: NetworkArchitecture = {
      ...VGG19,
      family: 'vgg19-ceil',
      layers: VGG19.layers.map((layer) => (layer.kind === 'pool' ? { ...layer, ceil: true } : layer)),
    };
    const { relative, scale } = await compare(ceiled, ['conv1_2', 'conv2_1', 'conv3_1', 'conv3_2'], 35, 27);
    assert.ok(scale > 0);
    assert.ok(relative < 1e-4, `relative difference ${relative}`);
  });

  it('equal autodiff through strided, unpadded, explicitly padded, grouped and factorised convolutions', async () => {
    const convs: NetworkArchitecture = {
      ...VGG19,
      family: 'convs',
      layers: [
        { kind: 'conv', name: 'pad3_s2', filters: 6, kernelSize: 7, stride: 2, padding: 3, relu: true },
        { kind: 'conv', name: 'grouped', filters: 8, kernelSize: 5, groups: 2, relu: true },
        { kind: 'conv', name: 'valid_s2', filters: 5, kernelSize: 3, stride: 2, padding: 'valid', relu: true },
        { kind: 'conv', name: 'same_s2', filters: 4, kernelSize: 3, stride: 2, relu: true },
        { kind: 'conv', name: 'valid_1x1', filters: 4, kernelSize: 1, padding: 'valid', relu: true },
        { kind: 'conv', name: 'row', filters: 4, kernelSize: [1, 7], relu: true },
        { kind: 'conv', name: 'column', filters: 4, kernelSize: [7, 1], relu: true },
      ],
    };
    const { relative, scale } = await compare(convs, ['grouped', 'same_s2', 'column'], 47, 42);
    console.log(`# strided and padded convolutions: relative gradient difference ${relative.toExponential(2)}`);
    assert.ok(scale > 0);
    assert.ok(relative < 1e-4, `relative difference ${relative}`);
  });

  for (const pooling of ['max', 'avg'] as const) {
    it(
      `equal autodiff through overlapping, padded and ceil-rounded pools (${pooling} pooling), and average pools ` +
        `that count only image cells`,
      async () => {
        const { relative, scale } = await compare(POOLS, ['conv1', 'conv3', 'conv5'], 37, 30, { pooling });
        console.log(`# pools (${pooling}): relative gradient difference ${relative.toExponential(2)}`);
        assert.ok(scale > 0);
        assert.ok(relative < 1e-4, `relative difference ${relative}`);
      },
    );
  }

  it(
    "send a max pool window's gradient to its first maximal cell, as autodiff does, where a flat picture ties " +
      'positive activations',
    async () => {
      // Blocks of one colour: every convolution output inside a block repeats, so pool windows hold equal positive
      // maxima.
      const image = tf.tidy(
        () =>
          tf.image.resizeNearestNeighbor(
            tf.randomUniform([1, 4, 4, 3], -100, 100, 'float32', 4),
            [37, 30],
          ) as tf.Tensor4D,
      );
      const plain = featureNetwork('pools', POOLS, randomWeights(POOLS, 5));
      const ties = tf.tidy(() => {
        const y = plain.activations(image, ['conv1'], 'max').get('conv1')!;
        const [left, right] = [
          tf.slice(y, [0, 0, 0, 0], [-1, -1, 29, -1]),
          tf.slice(y, [0, 0, 1, 0], [-1, -1, 29, -1]),
        ];
        return tf.sum(tf.cast(tf.logicalAnd(tf.equal(left, right), tf.greater(left, 0)), 'int32')).dataSync()[0];
      });
      plain.dispose();
      assert.ok(ties > 100, `neighbouring positive activations are equal (${ties} pairs)`);
      const { relative, scale } = await compare(POOLS, ['conv1', 'conv3', 'conv5'], 37, 30, { image });
      assert.ok(scale > 0);
      assert.ok(relative < 1e-4, `relative difference ${relative}`);
    },
  );

  it(
    'equal autodiff through Inception-v3 to mixed5: branches, stride-2 unpadded stem, 3×3 max and average pools, ' +
      '1×7 and 7×1 kernels',
    async () => {
      const layers = [
        'activation_1',
        'activation_3',
        'activation_5',
        'mixed0',
        'activation_20',
        'mixed2',
        'mixed3',
        'mixed5',
      ];
      const { relative, scale, losses, grown } = await compare(INCEPTION_V3, layers, 87, 83);
      console.log(
        `# Inception-v3 87×83 to mixed5: relative gradient difference ${relative.toExponential(2)}, losses ` +
          `${losses.join(' / ')}`,
      );
      assert.ok(scale > 0);
      assert.ok(relative < 1e-4, `relative difference ${relative}`);
      // Float32 Gram sums of activations that differ in their last bits, as for VGG-19 above.
      assert.ok(Math.abs(losses[0] - losses[1]) <= 2e-4 * Math.abs(losses[1]), `losses ${losses.join(' vs ')}`);
      assert.equal(grown, 1, 'the gradient is the only tensor left');
    },
  );

  it('run only the branches that lead to a requested layer inside a module', async () => {
    // activation_37 is the 1×7 convolution in the middle of mixed4's third branch: mixed4's other branches, the rest of
    // that branch and its concatenation are not needed. At 61×57 this image puts one of activation_1's pre-activations
    // within rounding of 0, where onnxruntime's and tfjs's sums take different sides of the ReLU (measured: one sign
    // flip), so the sizes here are 67×63.
    const { relative, scale } = await compare(INCEPTION_V3, ['activation_12', 'activation_37'], 67, 63);
    assert.ok(scale > 0);
    assert.ok(relative < 1e-4, `relative difference ${relative}`);
    const weights = randomWeights(INCEPTION_V3, 1);
    const values = new Map(
      [...weights].map(([layer, { kernel, bias }]) => [
        layer,
        { kernel: kernel.dataSync() as Float32Array, kernelShape: kernel.shape, bias: bias.dataSync() as Float32Array },
      ]),
    );
    disposeWeights(weights);
    const { forward } = gradientGraphs(INCEPTION_V3, values, ['activation_12', 'activation_37'], 'max', 67, 63);
    const computed = new Set(forward.graph!.node.flatMap((node) => node.output));
    assert.ok(['mixed3', 'activation_35', 'activation_36', 'activation_37'].every((layer) => computed.has(layer)));
    assert.ok(
      ['mixed4', 'activation_31', 'activation_32', 'activation_38', 'average_pooling2d_4'].every(
        (layer) => !computed.has(layer),
      ),
      'nothing past the requested layers runs',
    );
  });

  it("equal autodiff through GoogLeNet's LRN, padded stride-2 convolution and inception modules", async () => {
    const layers = ['conv1/7x7_s2', 'conv2/3x3', 'inception_3a/output', 'inception_3b/5x5', 'inception_4a/output'];
    const { relative, scale } = await compare(GOOGLENET, layers, 67, 61);
    console.log(`# GoogLeNet 67×61: relative gradient difference ${relative.toExponential(2)}`);
    assert.ok(scale > 0);
    assert.ok(relative < 1e-4, `relative difference ${relative}`);
  });

  it("equal autodiff through AlexNet's stride-4 convolution, LRN and grouped convolutions", async () => {
    const { relative, scale } = await compare(ALEXNET, ['conv1', 'conv2', 'conv4', 'conv5'], 99, 107);
    console.log(`# AlexNet 99×107: relative gradient difference ${relative.toExponential(2)}`);
    assert.ok(scale > 0);
    assert.ok(relative < 1e-4, `relative difference ${relative}`);
  });

  it(
    "compute Gatys et al.'s content and Gram terms in one pass, equal to the terms TensorFlow.js " + 'computes',
    async () => {
      for (const pooling of ['max', 'avg'] as const) {
        const layers = {
          content: ['conv4_2'],
          style: [
            { layer: 'conv1_1', weight: 1 },
            { layer: 'conv3_1', weight: 0.5 },
            { layer: 'conv4_2', weight: 2 },
          ],
        };
        const matched = await compareMatching(VGG19, layers, pooling, 41, 50);
        console.log(`# matched terms, VGG-19 (${pooling}): ${matched}`);
      }
    },
  );

  it('compute the terms on Inception-v3, Gram matrices of concatenated modules included', async () => {
    const layers = {
      content: ['mixed2'],
      style: [
        { layer: 'activation_1', weight: 1 },
        { layer: 'mixed0', weight: 0.5 },
        { layer: 'mixed3', weight: 2 },
        { layer: 'mixed5', weight: 1 },
      ],
    };
    console.log(`# matched terms, Inception-v3: ${await compareMatching(INCEPTION_V3, layers, 'max', 79, 85)}`);
  });

  it("cover every layer kind of the catalogue's networks, and name what they do not", () => {
    for (const pooling of ['max', 'avg'] as const) {
      assert.equal(unsupportedReason(VGG19, ['conv1_1', 'conv5_1'], pooling), null);
      assert.equal(unsupportedReason(ALEXNET, ['conv2', 'conv5'], pooling), null);
      assert.equal(unsupportedReason(GOOGLENET, ['inception_3a/output', 'inception_5b/output'], pooling), null);
      assert.equal(unsupportedReason(INCEPTION_V3, ['activation_1', 'mixed5'], pooling), null);
    }
    assert.equal(unsupportedReason(VGG19, ['conv9_9'], 'max'), 'it has no layer conv9_9');
    assert.equal(unsupportedReason(VGG19, [], 'max'), 'no layer is requested');
    const evenLrn: NetworkArchitecture = {
      ...ALEXNET,
      layers: ALEXNET.layers.map((layer) => (layer.kind === 'lrn' ? { ...layer, size: 4 } : layer)),
    };
    assert.match(
      unsupportedReason(evenLrn, ['conv2'], 'max') ?? '',
      /norm1 normalises over an even number of channels/,
    );
  });

  it('are what networks loaded on the onnxruntime backend use, and the run records that backend', async () => {
    const backend = await selectBackend('onnxruntime');
    try {
      assert.match(backend.name, /^onnxruntime\/(cuda|tensorrt|dml|coreml|webgpu|cpu)$/);
      assert.match(backend.description, /onnxruntime .* for the network; WebAssembly/);
      assert.ok(nativeGradientRuntime(), 'the runtime is kept for networks to use');
      const { network } = await loadNetwork('vgg19-random', '/nonexistent');
      const plain = featureNetwork('vgg19-random', VGG19, randomWeights(VGG19, 0));
      assert.notEqual(
        network.lossAndGradient.toString(),
        plain.lossAndGradient.toString(),
        'the loaded network differentiates natively',
      );
      network.dispose();
      plain.dispose();
    } finally {
      await useTestBackend();
    }
    assert.equal(nativeGradientRuntime(), null, 'choosing another backend drops it');
  });
});
