import * as tf from '@tensorflow/tfjs';
import type { Pooling } from '../stylize/settings.js';
import { avgPoolTiled, fastPoolGradientPays, maxPoolTiled } from './poolGradients.js';
import { flippedKernel } from './trainableConv.js';
import { kernelShape, outputSize, type ConvLayerSpec, type LrnLayerSpec, type PoolLayerSpec } from './architecture.js';

/** The convolution of a layer (no bias, no ReLU) for any stride, padding and channel groups. */
export function convolve(spec: ConvLayerSpec, x: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
  const stride = spec.stride ?? 1;
  const padding = spec.padding ?? 'same';
  const groups = spec.groups ?? 1;
  if (groups === 1) return tf.conv2d(x, kernel, stride, padding) as tf.Tensor4D;
  // tfjs has no grouped convolution: each group's filters convolve their share of the channels.
  return tf.tidy(() => {
    const inputs = tf.split(x, groups, 3) as tf.Tensor4D[];
    const kernels = tf.split(kernel, groups, 3) as tf.Tensor4D[];
    return tf.concat(
      inputs.map((input, g) => tf.conv2d(input, kernels[g], stride, padding) as tf.Tensor4D),
      3,
    );
  });
}

/**
 * Whether a layer's input gradient is itself a stride-1 'same' convolution with as many channel
 * groups (see featureNetwork's fast path). Strided convolutions (AlexNet's and GoogLeNet's first)
 * keep tf's Conv2DBackpropInput: their gradient as forward convolutions takes one per stride phase
 * (16 for AlexNet's stride 4, each with its own sub-kernel), and it is needed once, for the
 * 3-channel image.
 */
export function isPlainSameConv(spec: ConvLayerSpec): boolean {
  const padding = spec.padding ?? 'same';
  const [height, width] = kernelShape(spec);
  const same = padding === 'same' || (height === width && padding === (height - 1) / 2);
  return (spec.stride ?? 1) === 1 && same && height % 2 === 1 && width % 2 === 1;
}

/**
 * The kernel of the convolution that computes a stride-1 'same' convolution's input gradient: each
 * group's kernel [k, k, in/g, out/g] flipped in space with its in and out channels swapped, the
 * groups side by side again ([k, k, out/g, in]), so that convolve(spec, dy, that kernel) is ∂L/∂x.
 */
export function groupedFlippedKernel(spec: ConvLayerSpec, kernel: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const groups = spec.groups ?? 1;
    return groups === 1
      ? flippedKernel(kernel)
      : tf.concat((tf.split(kernel, groups, 3) as tf.Tensor4D[]).map(flippedKernel), 3);
  });
}

/**
 * Caffe's cross-channel LRN, x / (k + α/n · Σ x²)^β over the n channels centred on each, written with
 * elementary operations: the backends' own LRN kernels exist on cpu only, and these differentiate everywhere.
 */
export function localResponseNorm(spec: LrnLayerSpec, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const radius = (spec.size - 1) / 2;
    const channels = x.shape[3];
    const squares = tf.pad(tf.square(x), [
      [0, 0],
      [0, 0],
      [0, 0],
      [radius, radius],
    ]);
    let sum: tf.Tensor = tf.zerosLike(x);
    for (let offset = 0; offset < spec.size; offset++)
      sum = tf.add(sum, tf.slice(squares, [0, 0, 0, offset], [-1, -1, -1, channels]));
    return tf.mul(x, tf.pow(tf.add(spec.k, tf.mul(spec.alpha / spec.size, sum)), -spec.beta)) as tf.Tensor4D;
  });
}

/**
 * Max or average pooling (neural-style's -pooling) with Caffe's padding and rounding. Windows see
 * only the cells inside the image: the padding is −∞ for max pooling, and average pooling divides
 * by the number of image cells in the window (ONNX's count_include_pad = 0). For Caffe's ceil-rounded
 * windows over the edge that is exactly what Caffe computes, and for Inception-v3's 'same' average
 * pools what Keras computes; Caffe would also count explicit `pad` cells in an average, but its
 * networks here pad only max pools (GoogLeNet's inception pools). A pool marked `average` averages
 * whatever the run's pooling.
 */
export function pool(spec: PoolLayerSpec, runPooling: Pooling, x: tf.Tensor4D): tf.Tensor4D {
  const pooling: Pooling = spec.average ? 'avg' : runPooling;
  const [, height, width] = x.shape;
  const outHeight = outputSize(spec, height);
  const outWidth = outputSize(spec, width);
  const pad = spec.pad ?? 0;
  const padAfter = (n: number, out: number) => Math.max(0, (out - 1) * spec.stride + spec.size - n - pad);
  const padding: [number, number][] = [
    [0, 0],
    [pad, padAfter(height, outHeight)],
    [pad, padAfter(width, outWidth)],
    [0, 0],
  ];
  if (padding.every(([before, after]) => before === 0 && after === 0)) return poolValid(pooling, spec, x);
  return tf.tidy(() => {
    const pooled =
      pooling === 'max'
        ? poolValid('max', spec, tf.pad(x, padding, -Infinity))
        : (tf.div(
            poolValid('avg', spec, tf.pad(x, padding)),
            poolValid('avg', spec, tf.pad(tf.onesLike(tf.slice(x, 0, [1, height, width, 1])), padding)),
          ) as tf.Tensor4D);
    // A last window Caffe drops (one starting in the padding) is cut off here.
    return pooled.shape[1] === outHeight && pooled.shape[2] === outWidth
      ? pooled
      : tf.slice(pooled, [0, 0, 0, 0], [-1, outHeight, outWidth, -1]);
  });
}

function poolValid(pooling: Pooling, spec: PoolLayerSpec, x: tf.Tensor4D): tf.Tensor4D {
  if (spec.size === spec.stride && fastPoolGradientPays(pooling)) return poolTiles(pooling, spec.size, x);
  return pooling === 'max'
    ? tf.maxPool(x, spec.size, spec.stride, 'valid')
    : tf.avgPool(x, spec.size, spec.stride, 'valid');
}

/**
 * Non-overlapping pooling with the gradients of poolGradients.ts; cells past the last whole window, which no window
 * sees, are cut off first.
 */
function poolTiles(pooling: Pooling, k: number, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [, height, width] = x.shape;
    const tiled =
      height % k === 0 && width % k === 0
        ? x
        : tf.slice(x, [0, 0, 0, 0], [-1, height - (height % k), width - (width % k), -1]);
    return pooling === 'max' ? maxPoolTiled(tiled, k) : avgPoolTiled(tiled, k);
  });
}
