import * as tf from '@tensorflow/tfjs';
import type { Objective } from '../../../../engine/common/optim/objective.js';

/** An objective from a scalar-valued tfjs function of x, its gradient by tfjs's autodiff. */
export function autodiff(f: (x: tf.Tensor) => tf.Tensor): Objective {
  const valueAndGrad = tf.valueAndGrad(f);
  return async (x) => {
    const { value, grad } = valueAndGrad(x);
    const loss = value.dataSync()[0];
    value.dispose();
    return { loss, gradient: grad, detail: undefined };
  };
}

/** The N-dimensional Rosenbrock function Σ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)², minimum 0 at (1, …, 1). */
export function rosenbrock(x: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const n = x.shape[0]!;
    const head = tf.slice(x, 0, n - 1);
    const tail = tf.slice(x, 1, n - 1);
    return tf.add(
      tf.sum(tf.mul(100, tf.square(tf.sub(tail, tf.square(head))))),
      tf.sum(tf.square(tf.sub(1, head))),
    ) as tf.Scalar;
  });
}

/** Σ x² with a count of its evaluations, to see which an optimiser makes. */
export function countedSquares(): { objective: Objective; readonly calls: number } {
  const squares = autodiff((v) => tf.tidy(() => tf.sum(tf.square(v))));
  const counted = {
    calls: 0,
    objective: async (point: tf.Tensor) => {
      counted.calls++;
      return squares(point);
    },
  };
  return counted;
}
