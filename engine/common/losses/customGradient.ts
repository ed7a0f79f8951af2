import * as tf from '@tensorflow/tfjs';

/** What a one-input function with a hand-written gradient returns: its value, and ∂L/∂x from ∂L/∂value. */
export interface ValueAndGradient<V extends tf.Tensor, X extends tf.Tensor> {
  readonly value: V;
  readonly gradFunc: (dy: V, saved: tf.Tensor[]) => X;
}

/**
 * tf.customGrad for a function of one tensor, typed. Tensors passed to `save` are kept for the
 * gradient only while a gradient is being recorded, so a forward-only call leaks nothing.
 */
export function withCustomGradient<X extends tf.Tensor, V extends tf.Tensor>(
  f: (x: X, save: tf.GradSaveFunc) => ValueAndGradient<V, X>,
): (x: X) => V {
  type Untyped = Parameters<typeof tf.customGrad>[0];
  const compute = tf.customGrad(f as unknown as Untyped);
  return (x) => compute(x) as V;
}
