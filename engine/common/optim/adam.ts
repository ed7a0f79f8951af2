import * as tf from '@tensorflow/tfjs';
import { PasticheError } from '../errors.js';
import type { Evaluation, IterativeOptimizer, Objective } from './objective.js';

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
 * m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ). Like L-BFGS, a step reports the loss at the x it reached; that
 * evaluation's gradient drives the next step, so a step costs one evaluation (the first, two). Adam
 * has no line search to step back from a non-finite loss: it puts x back where it was and throws.
 */
export function adam<Detail>(
  x: tf.Variable,
  objective: Objective<Detail>,
  options: AdamOptions,
): IterativeOptimizer<Detail> {
  const moments = adamMoments(x);
  const { m, v } = moments;
  let t = 0;
  let current: Evaluation<Detail> | null = null;

  function update(gradient: tf.Tensor): void {
    t++;
    adamUpdate(x, moments, gradient, t, options);
  }

  /** f and ∇f at x, or x restored to `previous` and an error when f is not finite there. */
  async function evaluateAt(previous: tf.Tensor | null): Promise<Evaluation<Detail>> {
    const evaluation = await objective(x);
    if (Number.isFinite(evaluation.loss)) return evaluation;
    evaluation.gradient.dispose();
    if (previous) x.assign(previous);
    throw new PasticheError(`the loss is not finite (${evaluation.loss}) after ${t} steps`, 'optimisation');
  }

  return {
    async start() {
      current ??= await evaluateAt(null);
      return { loss: current.loss, detail: current.detail };
    },
    async step() {
      let evaluations = 0;
      if (!current) {
        current = await evaluateAt(null);
        evaluations++;
      }
      const previous = tf.clone(x);
      try {
        update(current.gradient);
        current.gradient.dispose();
        current = null;
        current = await evaluateAt(previous);
        evaluations++;
      } finally {
        previous.dispose();
      }
      // Adam has no stopping test of its own: neural-style runs it for a fixed number of iterations.
      return { loss: current.loss, detail: current.detail, evaluations, converged: false };
    },
    dispose() {
      tf.dispose([m, v]);
      current?.gradient.dispose();
      current = null;
    },
  };
}

/** Adam's running estimates for one variable: the gradient's mean m and uncentred variance v. */
export interface AdamMoments {
  readonly m: tf.Variable;
  readonly v: tf.Variable;
}

/** Zero moments shaped as x, or the given ones (a training resumed from its checkpoint). */
export function adamMoments(x: tf.Tensor, saved?: { m: tf.Tensor; v: tf.Tensor }): AdamMoments {
  return tf.tidy(() => ({
    m: tf.variable(saved ? tf.clone(saved.m) : tf.zerosLike(x), false),
    v: tf.variable(saved ? tf.clone(saved.v) : tf.zerosLike(x), false),
  }));
}

/**
 * Step t (from 1) of Algorithm 1 on x in place. The bias corrections 1 − βᵗ are computed from t
 * alone, so a run resumed at step t with its moments continues exactly as one that never stopped.
 */
export function adamUpdate(
  x: tf.Variable,
  { m, v }: AdamMoments,
  gradient: tf.Tensor,
  t: number,
  options: AdamOptions,
): void {
  const { learningRate, beta1, beta2, epsilon } = options;
  tf.tidy(() => {
    m.assign(tf.add(tf.mul(beta1, m), tf.mul(1 - beta1, gradient)));
    v.assign(tf.add(tf.mul(beta2, v), tf.mul(1 - beta2, tf.square(gradient))));
    const mHat = tf.div(m, 1 - beta1 ** t);
    const vHat = tf.div(v, 1 - beta2 ** t);
    x.assign(tf.sub(x, tf.mul(learningRate, tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon)))));
  });
}
