import * as tf from '@tensorflow/tfjs';
import { PasticheError } from '../errors.js';
import type { RgbImage } from '../image.js';
import { imageToTensor, tensorToImage } from '../imageTensor.js';
import { styleTransferLoss, styleTransferTargets, type LossTerms } from '../losses/styleTransferLoss.js';
import type { FeatureNetwork } from '../networks/featureNetwork.js';
import { adam } from '../optim/adam.js';
import { lbfgs } from '../optim/lbfgs.js';
import type { IterativeOptimizer, Objective } from '../optim/objective.js';
import { preserveColours } from './colourPreservation.js';
import type { StylizeSettings } from './settings.js';

export interface StylizeRequest {
  readonly network: FeatureNetwork;
  readonly settings: StylizeSettings;
  /** The photo, already at the working size. */
  readonly content: RgbImage;
  /** One per entry of settings.styleBlend, each already at its working size (style scale applied). */
  readonly styles: readonly RgbImage[];
  /** The starting image for init `style` and `image`, at the content's exact size. */
  readonly initImage?: RgbImage;
  readonly signal?: AbortSignal;
  /** Called with iteration 0 (the starting image's loss), then after every iteration. */
  onProgress?(progress: StylizeProgress): void;
  /** Awaited, so that a preview is stored before the run goes on. */
  onPreview?(preview: StylizePreview): void | Promise<void>;
}

export interface StylizeProgress {
  /** 0 for the starting image, then 1 … iterations. */
  readonly iteration: number;
  readonly iterations: number;
  readonly loss: LossTerms;
  readonly elapsedMs: number;
  /** Estimated from the iterations so far; null before the first one has finished. */
  readonly remainingMs: number | null;
}

export interface StylizePreview {
  readonly iteration: number;
  readonly image: RgbImage;
}

export interface StylizeResult {
  /** `cancelled` when the signal fired; the image is then the last one reached. */
  readonly status: 'done' | 'cancelled';
  readonly image: RgbImage;
  readonly iterationsDone: number;
  readonly initialLoss: LossTerms;
  readonly finalLoss: LossTerms;
  readonly elapsedMs: number;
}

/**
 * Optimisation-based style transfer (Gatys, Ecker & Bethge 2015): starting from noise, the photo or
 * a painting, descend on the pixels of an image until its deep features match the photo's content
 * and its Gram statistics match the paintings' style.
 */
export async function stylize(given: StylizeRequest): Promise<StylizeResult> {
  const { network, settings } = given;
  network.checkLayers([...settings.contentLayers, ...settings.styleLayers.map((l) => l.layer)]);
  const { finish, ...images } = preserveColours(settings.preserveColors, settings.init, given);
  const request = { ...given, ...images };
  const targets = computeTargets(request);
  const start = initialImage(request);
  const image = tf.variable(start, true, undefined, 'float32') as tf.Variable<tf.Rank.R4>;
  start.dispose();
  const optimizer = makeOptimizer(settings, image, lossObjective(network, settings, targets));
  try {
    return await iterate(request, image, optimizer, finish);
  } finally {
    optimizer.dispose();
    image.dispose();
    targets.dispose();
  }
}

/** `finish` turns what the optimisation holds into the picture a person sees (the photo's colours put back). */
async function iterate(request: StylizeRequest, image: tf.Variable<tf.Rank.R4>, optimizer: IterativeOptimizer<LossTerms>, finish: (image: RgbImage) => RgbImage): Promise<StylizeResult> {
  const { settings, signal } = request;
  const started = Date.now();
  // The first step needs f and ∇f at the start anyway: one evaluation serves both.
  const initialLoss = checkedFinite(optimizer.start().detail);
  request.onProgress?.({ iteration: 0, iterations: settings.iterations, loss: initialLoss, elapsedMs: Date.now() - started, remainingMs: null });
  let iteration = 0;
  let loss = initialLoss;
  while (iteration < settings.iterations && !signal?.aborted) {
    const report = optimizer.step();
    loss = checkedFinite(report.detail);
    iteration++;
    const elapsedMs = Date.now() - started;
    request.onProgress?.({ iteration, iterations: settings.iterations, loss, elapsedMs, remainingMs: (elapsedMs / iteration) * (settings.iterations - iteration) });
    if (settings.previewEvery > 0 && iteration % settings.previewEvery === 0 && iteration < settings.iterations) {
      await request.onPreview?.({ iteration, image: finish(currentImage(request.network, image)) });
    }
    if (report.converged) break;
    await yieldToEventLoop();
  }
  return {
    status: iteration < settings.iterations && signal?.aborted ? 'cancelled' : 'done',
    image: finish(currentImage(request.network, image)),
    iterationsDone: iteration,
    initialLoss,
    finalLoss: loss,
    elapsedMs: Date.now() - started,
  };
}

/** What optimisers call: the total loss, its gradient with respect to the image, and each term. */
function lossObjective(network: FeatureNetwork, settings: StylizeSettings, targets: ReturnType<typeof styleTransferTargets>): Objective<LossTerms> {
  const loss = styleTransferLoss(network, settings, targets);
  return (x) => {
    let terms: LossTerms | null = null;
    const { value, grad } = tf.valueAndGrad((input: tf.Tensor) => {
      const tensors = loss(input as tf.Tensor4D);
      const [total, content, style, tv] = tf.stack([tensors.total, tensors.content, tensors.style, tensors.tv]).dataSync();
      terms = { total, content, style, tv };
      return tensors.total;
    })(x);
    value.dispose();
    return { loss: terms!.total, gradient: grad, detail: terms! };
  };
}

function computeTargets(request: StylizeRequest) {
  const { network, settings } = request;
  if (request.styles.length !== settings.styleBlend.length) {
    throw new PasticheError(`${request.styles.length} style images but ${settings.styleBlend.length} blend weights`, 'style');
  }
  const content = tf.tidy(() => network.preprocess(imageToTensor(request.content)));
  const styles = request.styles.map((style) => tf.tidy(() => network.preprocess(imageToTensor(style))));
  try {
    return styleTransferTargets(network, settings, content, styles);
  } finally {
    tf.dispose([content, ...styles]);
  }
}

/**
 * The starting point in the network's input space. Noise follows neural-style (N(0, 0.001²) around
 * the mean pixel) so its iteration counts carry over; `content`, `style` and `image` start from a
 * picture (Nikulin & Novak 2016, §4 compare the three).
 */
function initialImage(request: StylizeRequest): tf.Tensor4D {
  const { content, settings, network } = request;
  return tf.tidy(() => {
    if (settings.init === 'noise') {
      return tf.randomNormal([1, content.height, content.width, 3], 0, 1e-3, 'float32', settings.seed) as tf.Tensor4D;
    }
    if (settings.init === 'content') return network.preprocess(imageToTensor(content));
    const start = request.initImage;
    if (!start) throw new PasticheError(`init '${settings.init}' needs a starting image`, 'init');
    if (start.width !== content.width || start.height !== content.height) {
      throw new PasticheError(`starting image is ${start.width}×${start.height}, the content is ${content.width}×${content.height}`, 'init');
    }
    return network.preprocess(imageToTensor(start));
  });
}

function makeOptimizer(settings: StylizeSettings, image: tf.Variable, objective: Objective<LossTerms>): IterativeOptimizer<LossTerms> {
  const optimizer = settings.optimizer;
  return optimizer.name === 'lbfgs'
    ? lbfgs(image, objective, { historySize: optimizer.historySize })
    : adam(image, objective, { learningRate: optimizer.learningRate, beta1: optimizer.beta1, beta2: optimizer.beta2, epsilon: optimizer.epsilon });
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
  if (!Number.isFinite(loss.total)) throw new PasticheError(`the loss became ${loss.total}; lower the weights or the learning rate`, 'optimisation');
  return loss;
}

/** Lets a pending abort (Ctrl-C, a cancel button) and other events run between iterations. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
