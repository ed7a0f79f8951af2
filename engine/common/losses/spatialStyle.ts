import * as tf from '@tensorflow/tfjs';
import { PasticheError } from '../errors.js';
import { withCustomGradient } from './customGradient.js';
import {
  forwardHalfSpectrum,
  inverseHalfSpectrum,
  positions,
  powerSpectrum,
  scaleSpectrum,
  type DftAxes,
} from './realDft.js';

/**
 * The spatial style representation of Nikulin & Novak 2016 (arXiv 1602.07188, §7): instead of the
 * Gram matrix's inner products of whole feature maps, each map's full 2-D autocorrelation
 *   Gᵢ(dy, dx) = Σ_{y,x} Fᵢ(y, x)·Fᵢ(y+dy, x+dx)   (F zero outside the map)
 * which keeps how a feature is arranged around itself, not only how strongly it fires.
 *
 * Shape and normalisation: [1, 2H−1, 2W−1, C], lag (0, 0) at the centre (H−1, W−1) and lag
 * (dy, dx) at (H−1+dy, W−1+dx) — every lag with any overlap, no zero-padding rows. Divided by C·H·W
 * like gramMatrix (style.ts), so the centre equals the Gram matrix's diagonal and, as for the Gram
 * matrix, values do not grow with the image's size: a style weight carries over between sizes.
 *
 * Computed through the correlation theorem, F⋆F = IDFT(|DFT F|²), with DFTs of size
 * (2H−1)×(2W−1) — the smallest that keeps the circular correlation from wrapping onto itself. Maps
 * of at most DIRECT_MAX_POSITIONS positions use the direct sum instead (a depthwise convolution of
 * the map with itself), measured faster there.
 */
export function autocorrelation(features: tf.Tensor4D): tf.Tensor4D {
  const [, height, width] = checkedShape(features);
  return height * width <= DIRECT_MAX_POSITIONS ? autocorrelationDirect(features) : autocorrelationByDft(features);
}

/**
 * Spatial style loss on one layer: the mean squared difference between the image's autocorrelation
 * and the target's (the style image's `autocorrelation`), as styleLoss is for Gram matrices. When
 * the style image's layer has another size, both are compared on the lags they share — the centred
 * (2h−1)×(2w−1) window with h, w the smaller height and width — since a lag beyond one map's extent
 * has no counterpart in the other.
 */
export function spatialStyleLoss(features: tf.Tensor4D, target: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const image = autocorrelation(features);
    const shared = sharedLagExtent(image.shape, target.shape);
    return tf.mean(tf.squaredDifference(centredWindow(image, shared), centredWindow(target, shared))) as tf.Scalar;
  });
}

/**
 * Maps of at most this many positions (4×4) take the direct sum. Measured on wasm for 64 channels,
 * loss and gradient: 4×4 direct 0.9 ms vs DFT 1.3 ms; 5×5 1.1 vs 0.9; 8×8 6.5 vs 3.1; 32×32 797 vs 18.
 */
export const DIRECT_MAX_POSITIONS = 16;

/**
 * The autocorrelation by DFTs, with its gradient by DFTs too (TensorFlow.js has no FFT gradients).
 *
 * Forward (correlation theorem): A = k·IDFT(|DFT F|²), k = 1/(C·H·W).
 *
 * Gradient (§7's representation, chain rule): with A(d) = k·Σ_y F(y)·F(y+d),
 *   ∂A(d)/∂F(y) = k·(F(y+d) + F(y−d)),
 * so for an upstream gradient D = ∂L/∂A (for L = mean((A − T)²), D = 2(A − T)/#A, a residual):
 *   ∂L/∂F(y) = k·Σ_d D(d)·(F(y+d) + F(y−d)) = k·((D̃ + D) ∗ F)(y),   D̃(d) = D(−d),
 * (∗ convolution): the residual correlated with F, both ways. For real D, DFT D̃ = conj(DFT D), so
 *   ∂L/∂F = k·IDFT(2·Re(DFT D)·DFT F)
 * — the spectrum of F from the forward pass times a real factor. The linear convolution spans
 * y ∈ [−(H−1), 2H−2]; with period 2H−1 nothing wraps onto the wanted y ∈ [0, H−1], so the same DFT
 * size serves both directions.
 *
 * A and D̃ + D are even, which could halve the inverse and the residual's transform, but mirroring
 * needs tf.reverse or tf.gather, which wasm runs ~10× slower than an add: measured no faster.
 */
export function autocorrelationByDft(features: tf.Tensor4D): tf.Tensor4D {
  const [, height, width, channels] = checkedShape(features);
  const normaliser = 1 / (channels * height * width);
  const mapAxes = axesOf(height, width, positions(0, height - 1), positions(0, width - 1));
  const lagAxes = axesOf(height, width, positions(-(height - 1), height - 1), positions(-(width - 1), width - 1));
  const compute = withCustomGradient<tf.Tensor4D, tf.Tensor4D>((x, save) => {
    const spectrum = forwardHalfSpectrum(channelsFirst(x), mapAxes);
    save([spectrum]);
    const lags = inverseHalfSpectrum(powerSpectrum(spectrum), channels, lagAxes, normaliser);
    return {
      value: channelsLast(lags),
      gradFunc: (dy, [savedSpectrum]) => {
        const realPart = forwardHalfSpectrum(channelsFirst(dy), lagAxes, 'real');
        return channelsLast(
          inverseHalfSpectrum(scaleSpectrum(savedSpectrum as tf.Tensor2D, realPart), channels, mapAxes, 2 * normaliser),
        );
      },
    };
  });
  return compute(features);
}

/**
 * The autocorrelation by its definition, as a depthwise convolution of the map (zero-padded by H−1
 * and W−1) with itself as the kernel; its gradient k·((D̃ + D) ⋆ F) (see autocorrelationByDft) is
 * another such convolution — written by hand because the wasm backend has no depthwise-convolution
 * gradient kernels. Cost C·(2H−1)(2W−1)·H·W, so only for small maps.
 */
export function autocorrelationDirect(features: tf.Tensor4D): tf.Tensor4D {
  const [, height, width, channels] = checkedShape(features);
  const normaliser = 1 / (channels * height * width);
  const compute = withCustomGradient<tf.Tensor4D, tf.Tensor4D>((f, save) => {
    save([f]);
    return {
      value: tf.mul(correlateWithPadded(f, tf.reshape(f, [height, width, channels, 1])), normaliser) as tf.Tensor4D,
      gradFunc: (dy, [saved]) => {
        const evenUpstream = tf.add(dy, tf.reverse(dy, [1, 2]));
        const kernel = tf.reshape(evenUpstream, [2 * height - 1, 2 * width - 1, channels, 1]) as tf.Tensor4D;
        return tf.mul(correlateWithPadded(saved as tf.Tensor4D, kernel), normaliser) as tf.Tensor4D;
      },
    };
  });
  return compute(features);
}

/**
 * out_c(y) = Σ_d kernel_c(d)·F_c(y + d − (H−1)) over the map zero-padded by H−1, W−1: a 'valid' depthwise correlation.
 */
function correlateWithPadded(features: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
  const [, height, width] = features.shape;
  const padded = tf.pad(features, [
    [0, 0],
    [height - 1, height - 1],
    [width - 1, width - 1],
    [0, 0],
  ]);
  return tf.depthwiseConv2d(padded, kernel, 1, 'valid');
}

function axesOf(height: number, width: number, rows: number[], cols: number[]): DftAxes {
  return { size: [2 * height - 1, 2 * width - 1], rows, cols };
}

/** [1, H, W, C] → [C, H, W]: the transforms run along the innermost axes. */
function channelsFirst(features: tf.Tensor4D): tf.Tensor3D {
  const [, height, width, channels] = features.shape;
  return tf.transpose(tf.reshape(features, [height, width, channels]), [2, 0, 1]);
}

function channelsLast(maps: tf.Tensor3D): tf.Tensor4D {
  const [channels, height, width] = maps.shape;
  return tf.reshape(tf.transpose(maps, [1, 2, 0]), [1, height, width, channels]);
}

function checkedShape(features: tf.Tensor4D): [number, number, number, number] {
  const [batch, height, width, channels] = features.shape;
  if (batch !== 1) throw new PasticheError(`spatial style takes one image's activations, not a batch of ${batch}`);
  return [batch, height, width, channels];
}

/** Half-extents [h, w] of the lags both autocorrelations cover (a [1, 2H−1, 2W−1, C] map covers H, W). */
function sharedLagExtent(image: number[], target: number[]): [number, number] {
  if (target.length !== 4 || target[1] % 2 === 0 || target[2] % 2 === 0 || image[3] !== target[3]) {
    throw new PasticheError(
      `the spatial style target's shape [${target.join(', ')}] is not an autocorrelation of a ${image[3]}-channel ` +
        `layer`,
    );
  }
  return [Math.min(image[1], target[1]) + 1, Math.min(image[2], target[2]) + 1].map((size) => size / 2) as [
    number,
    number,
  ];
}

/** The centred (2h−1)×(2w−1) lags of an autocorrelation. */
function centredWindow(lags: tf.Tensor4D, [h, w]: [number, number]): tf.Tensor4D {
  const [, rows, cols] = lags.shape;
  if (rows === 2 * h - 1 && cols === 2 * w - 1) return lags;
  return tf.slice(lags, [0, (rows + 1) / 2 - h, (cols + 1) / 2 - w, 0], [1, 2 * h - 1, 2 * w - 1, -1]);
}
