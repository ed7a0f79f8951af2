import type * as tf from '@tensorflow/tfjs';

/** The value of the function at x and its gradient; the optimiser owns `gradient` and disposes it. */
export interface Evaluation {
  readonly loss: number;
  readonly gradient: tf.Tensor;
}

/**
 * A differentiable function of a tensor. It may return a non-finite loss away from the start:
 * L-BFGS then shortens its step; at the start there is nowhere to step back to, and optimisers throw.
 */
export type Objective = (x: tf.Tensor) => Evaluation;

export interface StepReport {
  /**
   * The loss of the latest objective evaluation made in this step that the optimiser kept: for
   * L-BFGS the loss at the new x, for Adam the loss at the point it evaluated before its update.
   */
  readonly loss: number;
  readonly evaluations: number;
  /** True when no further progress is possible (the gradient or the step vanished); callers stop iterating. */
  readonly converged: boolean;
}

/** One object per run: each `step()` is one iteration of the method and updates x in place. */
export interface IterativeOptimizer {
  step(): StepReport;
  dispose(): void;
}
