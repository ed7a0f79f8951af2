import type * as tf from '@tensorflow/tfjs';

/**
 * The value of the function at x and its gradient; the optimiser owns `gradient` and disposes it.
 * `detail` is whatever else the objective tells about x (a style transfer's separate loss terms);
 * optimisers hand it back with the point they keep.
 */
export interface Evaluation<Detail = undefined> {
  readonly loss: number;
  readonly gradient: tf.Tensor;
  readonly detail: Detail;
}

/**
 * A differentiable function of a tensor, asynchronous because a native feature network (onnxruntime)
 * computes off the JavaScript thread. It may return a non-finite loss away from the start:
 * L-BFGS then shortens its step; at the start there is nowhere to step back to, and optimisers throw.
 */
export type Objective<Detail = undefined> = (x: tf.Tensor) => Promise<Evaluation<Detail>>;

export interface StepReport<Detail = undefined> {
  /** The loss at x after the step, and the objective's detail there. */
  readonly loss: number;
  readonly detail: Detail;
  readonly evaluations: number;
  /**
   * True when no further progress is possible — the gradient or the step vanished, or no step along
   * the search direction lowers the loss — and x is left where it was; callers stop iterating.
   */
  readonly converged: boolean;
}

/**
 * One object per run: each `step()` is one iteration of the method and updates x in place. Nothing
 * else may change x between steps: the optimiser keeps f and ∇f at x from the step before.
 */
export interface IterativeOptimizer<Detail = undefined> {
  /** f at x before any step, and the objective's detail there; evaluated once, since the first step needs it too. */
  start(): Promise<{ readonly loss: number; readonly detail: Detail }>;
  step(): Promise<StepReport<Detail>>;
  dispose(): void;
}
