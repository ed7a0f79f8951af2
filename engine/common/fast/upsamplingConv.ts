import * as tf from '@tensorflow/tfjs';

/**
 * tf.conv2dTranspose(x, kernel, [N, 2H, 2W, out], 2, 'same') — the style network's upsampling —
 * computed as one ordinary convolution on the low-resolution input that makes the four output
 * phases (even/odd row × even/odd column) as channels, then interleaved: the "sub-pixel
 * convolution" of Shi et al. (2016, §2.2), which is exactly the transposed convolution with its
 * kernel taps regrouped by phase. Same values and gradients; on TensorFlow.js's wasm backend the
 * transposed convolution has no XNNPACK kernel and takes 7–10× longer (measured at 64–128 px).
 *
 * The transposed convolution is conv2d's gradient: with 'same' padding's share before
 * p = ⌊(k − 2)/2⌋, output o receives input m through tap t wherever o = 2m + t − p. For output
 * o = 2n + r (phase r) that is input m = n + d with d = (r + p − t)/2, for the taps t of r's parity.
 *
 * `kernel` is [k, k, out, in], as tf.conv2dTranspose takes it.
 */
export function upsamplingConv(x: tf.Tensor4D, kernel: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, height, width] = x.shape;
    const [k, , outChannels] = kernel.shape;
    const taps = phaseTaps(k);
    const padded = tf.pad(x, [[0, 0], [-taps.minOffset, taps.maxOffset], [-taps.minOffset, taps.maxOffset], [0, 0]]);
    const phases = tf.conv2d(padded, phaseKernel(kernel, taps), 1, 'valid');
    // Channels (rowPhase, columnPhase, c) → pixel (2n + rowPhase, 2m + columnPhase), channel c.
    const split = tf.reshape(phases, [batch, height, width, 2, 2, outChannels]);
    return tf.reshape(tf.transpose(split, [0, 1, 3, 2, 4, 5]), [batch, 2 * height, 2 * width, outChannels]);
  });
}

interface PhaseTaps {
  /** The input offsets d an output pixel of phase r reads, with the kernel tap t each takes. */
  readonly byPhase: readonly (readonly { offset: number; tap: number }[])[];
  readonly minOffset: number;
  readonly maxOffset: number;
}

function phaseTaps(k: number): PhaseTaps {
  const before = Math.floor(Math.max(k - 2, 0) / 2);
  const byPhase = [0, 1].map((r) => Array.from({ length: k }, (_, tap) => tap)
    .filter((tap) => (r + before - tap) % 2 === 0)
    .map((tap) => ({ offset: (r + before - tap) / 2, tap })));
  const offsets = byPhase.flat().map((t) => t.offset);
  return { byPhase, minOffset: Math.min(...offsets), maxOffset: Math.max(...offsets) };
}

/** [span, span, in, 4·out]: at each input offset, for each phase (row phase major), the tap's [in, out] block, or zeros. */
function phaseKernel(kernel: tf.Tensor4D, taps: PhaseTaps): tf.Tensor4D {
  const [, , outChannels, inChannels] = kernel.shape;
  const inOut = tf.transpose(kernel, [0, 1, 3, 2]);
  const zeros = tf.zeros([inChannels, outChannels]);
  const tapAt = (phase: number, offset: number) => taps.byPhase[phase].find((t) => t.offset === offset)?.tap;
  const span = taps.maxOffset - taps.minOffset + 1;
  const rows = Array.from({ length: span }, (_, a) => tf.stack(Array.from({ length: span }, (_, b) => {
    const blocks = [0, 1].flatMap((rowPhase) => [0, 1].map((columnPhase) => {
      const ty = tapAt(rowPhase, taps.minOffset + a);
      const tx = tapAt(columnPhase, taps.minOffset + b);
      return ty === undefined || tx === undefined ? zeros : tf.reshape(tf.slice(inOut, [ty, tx, 0, 0], [1, 1, inChannels, outChannels]), [inChannels, outChannels]);
    }));
    return tf.concat(blocks, 1);
  })));
  return tf.stack(rows) as tf.Tensor4D;
}
