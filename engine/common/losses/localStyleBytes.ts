import { PasticheError } from '../errors.js';

// What the local style representation (localStyle.ts) costs, without TensorFlow.js: the studio's
// editor states it as the settings change, and its bundle should not carry a tensor library for that.

/**
 * Bytes one layer's local style needs at its peak, for H×W×C at this radius: three C²·H·W float32
 * tensors — the target, the residual kept for the backward pass, and one transient (the statistic
 * before the target is subtracted, then the residual's square) — plus a few C·H·W-sized ones (the
 * features, their neighbourhood sums, gradient terms) and the window's weights. The radius changes
 * only the last, since the window sum factorises out of the C² part (see localGram). The target and
 * the residual stay allocated from a layer's forward pass to the end of the backward pass, so a
 * loss over several layers needs 2·C²·H·W per layer plus one transient, the largest layer's.
 */
export function localStyleBytes(layer: { height: number; width: number; channels: number }, radius: number): number {
  checkRadius(radius);
  const { height, width, channels } = layer;
  const window = (2 * radius + 1) ** 2;
  return (
    FLOAT32_BYTES *
    (3 * channels * channels * height * width + MAP_SIZED_TENSORS * channels * height * width + window * channels)
  );
}

/**
 * The part of localStyleBytes freed once a layer's loss is computed (its one C²·H·W transient): a loss over several
 * layers holds only the largest layer's.
 */
export function localStyleTransientBytes(layer: { height: number; width: number; channels: number }): number {
  return FLOAT32_BYTES * layer.channels * layer.channels * layer.height * layer.width;
}

const FLOAT32_BYTES = 4;
/**
 * C·H·W-sized tensors alive at the peak (when the residual is saved for the backward pass): the
 * features, their neighbourhood sums, the copies kept for the gradient, and headroom for the
 * gradient terms — checked against tf.profile in localStyle.test.ts.
 */
const MAP_SIZED_TENSORS = 8;

/** Refuses a window radius that is not a whole number ≥ 0. */
export function checkRadius(radius: number): void {
  if (!Number.isInteger(radius) || radius < 0)
    throw new PasticheError(`the local style radius must be a whole number ≥ 0, not ${radius}`);
}
