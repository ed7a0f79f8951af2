import * as tf from '@tensorflow/tfjs';
import { PasticheError } from '../errors.js';
import type { IterativeOptimizer, Objective } from './objective.js';

export interface AdamOptions {
  /** α: each coordinate moves by about this much per step, whatever its gradient's magnitude. */
  readonly learningRate: number;
  /** β₁: decay of the first-moment (mean) estimate. */
  readonly beta1: number;
  /** β₂: decay of the second-moment (uncentred variance) estimate. */
  readonly beta2: number;
  /** ε: keeps the step finite where the gradient vanishes. */
  readonly epsilon: number;
}

/**
 * Adam (Kingma & Ba 2015, Algorithm 1): x ← x − α·m̂/(√v̂ + ε) with the bias-corrected moments
 * m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ). It has no line search, so it cannot step back from a non-finite
 * loss: it throws before such a gradient corrupts x and the moments.
 */
export function adam(x: tf.Variable, objective: Objective, options: AdamOptions): IterativeOptimizer {
  const { learningRate, beta1, beta2, epsilon } = options;
  const m = tf.tidy(() => tf.variable(tf.zerosLike(x), false));
  const v = tf.tidy(() => tf.variable(tf.zerosLike(x), false));
  let t = 0;

  function update(gradient: tf.Tensor): void {
    t++;
    tf.tidy(() => {
      m.assign(tf.add(tf.mul(beta1, m), tf.mul(1 - beta1, gradient)));
      v.assign(tf.add(tf.mul(beta2, v), tf.mul(1 - beta2, tf.square(gradient))));
      const mHat = tf.div(m, 1 - beta1 ** t);
      const vHat = tf.div(v, 1 - beta2 ** t);
      x.assign(tf.sub(x, tf.mul(learningRate, tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon)))));
    });
  }

  return {
    step() {
      const { loss, gradient } = objective(x);
      try {
        if (!Number.isFinite(loss)) throw new PasticheError(`the loss is not finite (${loss}) after ${t} steps`, 'optimisation');
        update(gradient);
      } finally {
        gradient.dispose();
      }
      // Adam has no stopping test of its own: neural-style runs it for a fixed number of iterations.
      return { loss, evaluations: 1, converged: false };
    },
    dispose() {
      tf.dispose([m, v]);
    },
  };
}
