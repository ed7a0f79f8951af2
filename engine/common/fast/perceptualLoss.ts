import * as tf from '@tensorflow/tfjs';
import { disposeStyleTarget } from '../losses/styleRepresentation.js';
import {
  contentTargets as measureContent,
  styleTargets,
  styleTransferLoss,
  type LossSettings,
  styleTransferTerms,
  type LossTerms,
} from '../losses/styleTransferLoss.js';
import type { FeatureNetwork } from '../networks/featureNetwork.js';
import { preprocessBatch } from '../networks/preprocessing.js';
import { lossObjective } from '../stylize/descent.js';
import type { TrainStyleSettings } from './trainingSettings.js';
import { transformerOutput, type TransformerWeights } from './transformerNetwork.js';

/**
 * Johnson et al.'s perceptual loss (2016, §3.1–3.2) of the transformer on a batch of photos: the
 * feature reconstruction loss of each output against its photo (eq. 2), the style reconstruction
 * loss of its Gram matrices against the painting's (eq. 3–5) and total variation, each the mean of
 * the batch's pictures. It is the engine's style-transfer loss (Gatys et al.) on a batch whose
 * content targets change with every batch, so the normalisations and weights are those of `stylize`.
 */
export interface PerceptualLoss {
  /** The photos' activations on the content layers: constants of the loss, computed outside its gradient. */
  contentTargets(photos: tf.Tensor4D): Map<string, tf.Tensor4D>;
  /** The loss terms of the transformer with `weights` on `photos` (RGB [N, S, S, 3] in 0..255). */
  loss(
    weights: TransformerWeights,
    photos: tf.Tensor4D,
    contentTargets: ReadonlyMap<string, tf.Tensor4D>,
  ): LossTerms<tf.Scalar>;
  /**
   * The loss's terms on `photos` and its gradient with respect to `variables` (the ones `weights`
   * holds), one tensor each in order, computed `picturesPerPass` pictures at a time.
   */
  gradient(
    weights: TransformerWeights,
    variables: readonly tf.Variable[],
    photos: tf.Tensor4D,
    picturesPerPass: number,
  ): { terms: LossTerms; gradients: tf.Tensor[] };
  /**
   * The loss's terms for the transformer's `output` on `photos` (both [N, S, S, 3]) and its gradient
   * with respect to that output (the caller owns it), the loss network's part computed where the
   * network runs fastest (natively on a native backend), one picture at a time.
   */
  outputGradient(output: tf.Tensor4D, photos: tf.Tensor4D): Promise<{ terms: LossTerms; gradient: tf.Tensor4D }>;
  /** Releases the painting's Gram matrices. */
  dispose(): void;
}

type TrainingLossSettings = Pick<
  TrainStyleSettings,
  'contentLayers' | 'styleLayers' | 'contentWeight' | 'styleWeight' | 'tvWeight' | 'pooling'
>;

/**
 * The loss for one painting (RGB [H, W, 3] in 0..255, at its working size), whose Gram matrices are computed once,
 * here.
 */
export function perceptualLoss(
  network: FeatureNetwork,
  settings: TrainingLossSettings,
  painting: tf.Tensor3D,
): PerceptualLoss {
  const lossSettings = gramLossSettings(settings);
  network.checkLayers([...settings.contentLayers, ...settings.styleLayers.map((l) => l.layer)]);
  const paintingInput = network.preprocess(painting);
  const style = styleTargets(network, lossSettings, [paintingInput]);
  paintingInput.dispose();
  const inputOf = (rgb: tf.Tensor4D) => preprocessBatch(network.architecture.preprocessing, rgb);
  const contentTargets = (photos: tf.Tensor4D) =>
    network.activations(inputOf(photos), settings.contentLayers, settings.pooling);
  const loss: PerceptualLoss['loss'] = (weights, photos, content) => {
    const total = styleTransferLoss(network, lossSettings, { content, style, dispose: () => {} });
    return total(inputOf(transformerOutput(weights, photos)));
  };

  /** share × the loss on `photos` and its gradient: one pass's part of a batch's. */
  function passGradient(
    weights: TransformerWeights,
    variables: readonly tf.Variable[],
    photos: tf.Tensor4D,
    share: number,
  ): { terms: LossTerms; gradients: tf.Tensor[] } {
    let terms: LossTerms | null = null;
    const gradients = tf.tidy(() => {
      const content = contentTargets(photos);
      const { grads } = tf.variableGrads(() => {
        const tensors = loss(weights, photos, content);
        const [total, contentTerm, styleTerm, tv] = tf
          .stack([tensors.total, tensors.content, tensors.style, tensors.tv])
          .dataSync();
        terms = { total: share * total, content: share * contentTerm, style: share * styleTerm, tv: share * tv };
        return tf.mul(tensors.total, share) as tf.Scalar;
      }, [...variables]);
      return variables.map((variable) => grads[variable.name]);
    });
    return { terms: terms!, gradients };
  }

  /**
   * The loss is the mean of each picture's and instance normalisation keeps the pictures apart, so a
   * batch's gradient is the sum of its passes' gradients, each pass's loss weighted by its share of
   * the batch: passes of fewer pictures compute the same gradient in less memory.
   */
  function gradient(
    weights: TransformerWeights,
    variables: readonly tf.Variable[],
    photos: tf.Tensor4D,
    picturesPerPass: number,
  ) {
    const count = photos.shape[0];
    let terms: LossTerms = { total: 0, content: 0, style: 0, tv: 0 };
    const gradients = tf.tidy(() => {
      let sum: tf.Tensor[] | null = null;
      for (let start = 0; start < count; start += picturesPerPass) {
        const size = Math.min(picturesPerPass, count - start);
        const pass = passGradient(
          weights,
          variables,
          tf.slice(photos, [start, 0, 0, 0], [size, -1, -1, -1]),
          size / count,
        );
        terms = addTerms(terms, pass.terms);
        sum = sum ? sum.map((part, i) => tf.add(part, pass.gradients[i])) : pass.gradients;
      }
      return sum!;
    });
    return { terms, gradients };
  }

  /**
   * The batch's loss is the mean of each picture's (content, Gram and TV terms alike), so each
   * picture's gradient is its own loss's, ÷N: the loss network sees one picture at a time, through
   * the same objective as a stylization (lossObjective: natively matched terms when it can).
   */
  async function outputGradient(
    output: tf.Tensor4D,
    photos: tf.Tensor4D,
  ): Promise<{ terms: LossTerms; gradient: tf.Tensor4D }> {
    const count = output.shape[0];
    let terms: LossTerms = { total: 0, content: 0, style: 0, tv: 0 };
    const inputGradients: tf.Tensor[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const [photo, image] = [photos, output].map((batch) =>
          tf.tidy(() => inputOf(tf.slice(batch, [i, 0, 0, 0], [1, -1, -1, -1]))),
        );
        const content = await measureContent(network, settings, photo);
        try {
          const pictureLoss = styleTransferTerms(lossSettings, { content, style, dispose: () => {} });
          const { detail, gradient } = await lossObjective(network, pictureLoss)(image);
          inputGradients.push(gradient);
          terms = addTerms(terms, scaleTerms(detail, 1 / count));
        } finally {
          tf.dispose([photo, image, ...content.values()]);
        }
      }
      // Back through the preprocessing (a channel flip and a shift, or nothing): its vector-Jacobian product.
      const gradient = tf.tidy(() => {
        const perInput = tf.mul(tf.concat(inputGradients, 0), 1 / count);
        const product = (rgb: tf.Tensor) => tf.sum(tf.mul(inputOf(rgb as tf.Tensor4D), perInput));
        return tf.grad(product)(output) as tf.Tensor4D;
      });
      return { terms, gradient };
    } finally {
      tf.dispose(inputGradients);
    }
  }

  return { contentTargets, loss, gradient, outputGradient, dispose: () => style.forEach(disposeStyleTarget) };
}

function scaleTerms(terms: LossTerms, share: number): LossTerms {
  const { total, content, style, tv } = terms;
  return { total: share * total, content: share * content, style: share * style, tv: share * tv };
}

function addTerms(a: LossTerms, b: LossTerms): LossTerms {
  return { total: a.total + b.total, content: a.content + b.content, style: a.style + b.style, tv: a.tv + b.tv };
}

/** The stylization loss's settings that make it Johnson et al.'s: Gram matrices of one painting. */
function gramLossSettings(settings: TrainingLossSettings): LossSettings {
  return { ...settings, styleBlend: [1], styleRepr: 'gram', localRadius: 0, gramMix: 0 };
}
