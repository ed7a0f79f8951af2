import type * as tf from '@tensorflow/tfjs';
import type { TransformerWeights } from './transformerNetwork.js';

/**
 * The transformer's forward and backward passes computed outside TensorFlow.js (by a native runtime,
 * engine/node/fast/nativeTransformerGradient.ts): what a trainer needs besides the loss network.
 */
export interface TransformerGradient {
  /** The network with `weights` on photos [N, H, W, 3] in 0..255, keeping what its backward pass reads. */
  forward(weights: TransformerWeights, photos: tf.Tensor4D): Promise<TransformerPass>;
  /** Releases the runtime's sessions. */
  dispose(): void;
}

/** One forward pass and the way back through it. */
export interface TransformerPass {
  /** tanh·150 + 127.5, [N, H, W, 3], not clipped (as transformerOutput); the pass owns it. */
  readonly output: tf.Tensor4D;
  /** Every variable's gradient, in transformerVariables' order, given ∂L/∂output; the caller owns them. */
  backward(outputGradient: tf.Tensor4D): Promise<tf.Tensor[]>;
  /** Releases the output and the saved tensors. */
  dispose(): void;
}
