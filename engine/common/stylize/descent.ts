import * as tf from '@tensorflow/tfjs';
import { PasticheError } from '../errors.js';
import type { RgbImage } from '../image.js';
import { tensorToImage } from '../imageTensor.js';
import type { ActivationTerms, LossTerms } from '../losses/styleTransferLoss.js';
import { totalVariationLoss } from '../losses/totalVariation.js';
import type { FeatureNetwork } from '../networks/featureNetwork.js';
import { IMAGENET_MEAN_RGB } from '../networks/preprocessing.js';
import { adam } from '../optim/adam.js';
import { lbfgs } from '../optim/lbfgs.js';
import type { Evaluation, IterativeOptimizer, Objective } from '../optim/objective.js';
import type { StagePosition } from './schedule.js';
import type { OptimizerSettings } from './settings.js';

// The descent on an image's pixels that every run kind shares — a stylization (Gatys et al. 2015)
// and a generation from synthetic targets (Nikulin & Novak 2016, §6): progress, previews,
// cancellation and the finite-loss check, whatever the loss.

/** What a caller hears while a run descends, and how it stops it. */
export interface DescentHooks {
  readonly signal?: AbortSignal;
  /** Called with iteration 0 (the starting image's loss), then after every iteration. */
  onProgress?(progress: DescentProgress): void;
  /** Awaited, so that a preview is stored before the run goes on. */
  onPreview?(preview: DescentPreview): void | Promise<void>;
  /**
   * Asked after each iteration that previewEvery passes over: true makes a preview of it all the same
   * (a scheduled run's first picture, shown early when its first stage is long).
   */
  previewNow?(iteration: number): boolean;
}

export interface DescentProgress {
  /** 0 for the starting image, then 1 … iterations. */
  readonly iteration: number;
  readonly iterations: number;
  readonly loss: LossTerms;
  readonly elapsedMs: number;
  /** Estimated from the iterations so far; null before the first one has finished. */
  readonly remainingMs: number | null;
  /** The stage a scheduled run is on (coarse to fine); absent for a run in one piece. */
  readonly stage?: StagePosition;
}

export interface DescentPreview {
  readonly iteration: number;
  readonly image: RgbImage;
  /** The stage whose picture this is, for a scheduled run; `stageDone` when it is the stage's end result. */
  readonly stage?: StagePosition;
  readonly stageDone?: boolean;
}

export interface DescentResult {
  /** `cancelled` when the signal fired; the image is then the last one reached. */
  readonly status: 'done' | 'cancelled';
  readonly image: RgbImage;
  readonly iterationsDone: number;
  readonly initialLoss: LossTerms;
  readonly finalLoss: LossTerms;
  readonly elapsedMs: number;
}

export interface Descent extends DescentHooks {
  readonly network: FeatureNetwork;
  /** The pixels being optimised, in the network's input space; `optimizer` steps them in place. */
  readonly image: tf.Variable<tf.Rank.R4>;
  readonly optimizer: IterativeOptimizer<LossTerms>;
  readonly iterations: number;
  /** A preview every N iterations; 0 for none. */
  readonly previewEvery: number;
  /** Turns what the optimisation holds into the picture a person sees (a stylization puts the photo's colours back). */
  readonly finish?: (image: RgbImage) => RgbImage;
  /** Called before iteration t's step, for an objective that changes with t (re-drawn targets). */
  readonly beforeStep?: (iteration: number) => void;
}

/** Runs the optimiser for the iterations asked, or until it converges or the signal fires. */
export async function descend(descent: Descent): Promise<DescentResult> {
  const { optimizer, iterations, previewEvery, signal } = descent;
  const finish = descent.finish ?? ((image: RgbImage) => image);
  const started = Date.now();
  // The first step needs f and ∇f at the start anyway: one evaluation serves both.
  const initialLoss = checkedFinite((await optimizer.start()).detail);
  descent.onProgress?.({
    iteration: 0,
    iterations,
    loss: initialLoss,
    elapsedMs: Date.now() - started,
    remainingMs: null,
  });
  let iteration = 0;
  let loss = initialLoss;
  while (iteration < iterations && !signal?.aborted) {
    descent.beforeStep?.(iteration + 1);
    const report = await optimizer.step();
    loss = checkedFinite(report.detail);
    iteration++;
    const elapsedMs = Date.now() - started;
    descent.onProgress?.({
      iteration,
      iterations,
      loss,
      elapsedMs,
      remainingMs: (elapsedMs / iteration) * (iterations - iteration),
    });
    const periodic = previewEvery > 0 && iteration % previewEvery === 0;
    if (iteration < iterations && (periodic || descent.previewNow?.(iteration))) {
      await descent.onPreview?.({ iteration, image: finish(currentImage(descent.network, descent.image)) });
    }
    if (report.converged) break;
    await yieldToEventLoop();
  }
  return {
    status: iteration < iterations && signal?.aborted ? 'cancelled' : 'done',
    image: finish(currentImage(descent.network, descent.image)),
    iterationsDone: iteration,
    initialLoss,
    finalLoss: loss,
    elapsedMs: Date.now() - started,
  };
}

/**
 * What optimisers call: the total loss, its gradient with respect to the image, and each term. A
 * network that can match Gatys et al.'s terms itself (a native runtime) computes them in one pass and
 * the smoothness term is added here; otherwise the network computes its part of the gradient of the
 * terms, whose values are read while the loss is evaluated.
 */
export function lossObjective(network: FeatureNetwork, loss: ActivationTerms): Objective<LossTerms> {
  return async (x) =>
    (await matchedObjective(network, loss, x as tf.Tensor4D)) ?? termsObjective(network, loss, x as tf.Tensor4D);
}

async function matchedObjective(
  network: FeatureNetwork,
  loss: ActivationTerms,
  x: tf.Tensor4D,
): Promise<Evaluation<LossTerms> | null> {
  const matched =
    loss.matching && network.matchFeatures ? await network.matchFeatures(x, loss.pooling, loss.matching) : null;
  if (!matched) return null;
  const { content, style } = matched;
  if (loss.tvWeight === 0)
    return {
      loss: content + style,
      gradient: matched.gradient,
      detail: { total: content + style, content, style, tv: 0 },
    };
  const { value, grad } = tf.valueAndGrad(
    (image: tf.Tensor) => tf.mul(totalVariationLoss(image as tf.Tensor4D), loss.tvWeight) as tf.Scalar,
  )(x);
  const tv = (await value.data())[0];
  const gradient = tf.add(matched.gradient, grad);
  tf.dispose([value, grad, matched.gradient]);
  return { loss: content + style + tv, gradient, detail: { total: content + style + tv, content, style, tv } };
}

async function termsObjective(
  network: FeatureNetwork,
  loss: ActivationTerms,
  x: tf.Tensor4D,
): Promise<Evaluation<LossTerms>> {
  let terms: LossTerms | null = null;
  const { gradient } = await network.lossAndGradient(x, loss.layers, loss.pooling, (activations, image) => {
    const tensors = loss.terms(activations, image);
    const [total, content, style, tv] = tf
      .stack([tensors.total, tensors.content, tensors.style, tensors.tv])
      .dataSync();
    terms = { total, content, style, tv };
    return tensors.total;
  });
  return { loss: terms!.total, gradient, detail: terms! };
}

export function makeOptimizer(
  optimizer: OptimizerSettings,
  image: tf.Variable,
  objective: Objective<LossTerms>,
): IterativeOptimizer<LossTerms> {
  return optimizer.name === 'lbfgs'
    ? lbfgs(image, objective, { historySize: optimizer.historySize })
    : adam(image, objective, {
        learningRate: optimizer.learningRate,
        beta1: optimizer.beta1,
        beta2: optimizer.beta2,
        epsilon: optimizer.epsilon,
      });
}

/**
 * neural-style's noise start: N(0, 0.001²) around the mean pixel, so its iteration counts carry over.
 * The mean pixel is 0 in Caffe's input space, and the noise is drawn in 0..255 units on every network;
 * `sigma` widens it where a nearly flat image would leave features dead (style generation).
 */
export function noiseStart(
  network: FeatureNetwork,
  height: number,
  width: number,
  seed: number,
  sigma = 1e-3,
): tf.Tensor4D {
  return tf.tidy(() => {
    const mean = network.preprocess(
      tf.tile(tf.tensor3d([...IMAGENET_MEAN_RGB], [1, 1, 3]), [height, width, 1]) as tf.Tensor3D,
    );
    return tf.add(mean, tf.randomNormal([1, height, width, 3], 0, sigma, 'float32', seed)) as tf.Tensor4D;
  });
}

function currentImage(network: FeatureNetwork, image: tf.Variable<tf.Rank.R4>): RgbImage {
  const rgb = network.deprocess(image);
  try {
    return tensorToImage(rgb);
  } finally {
    rgb.dispose();
  }
}

/** A loss that overflowed means the weights or learning rate are out of range for this image. */
function checkedFinite(loss: LossTerms): LossTerms {
  if (!Number.isFinite(loss.total))
    throw new PasticheError(`the loss became ${loss.total}; lower the weights or the learning rate`, 'optimisation');
  return loss;
}

/** Lets a pending abort (Ctrl-C, a cancel button) and other events run between iterations. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
