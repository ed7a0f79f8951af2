import * as tf from '@tensorflow/tfjs';
import { PasticheError } from '../errors.js';
import type { LossTerms } from '../losses/styleTransferLoss.js';
import type { FeatureNetwork } from '../networks/featureNetwork.js';
import { adamMoments, adamUpdate, type AdamMoments } from '../optim/adam.js';
import { perceptualLoss } from './perceptualLoss.js';
import { initialTransformerValues, namedVariables, transformerVariablesFrom } from './trainableTransformer.js';
import type { TransformerGradient } from './transformerGradient.js';
import type { TrainStyleSettings } from './trainingSettings.js';
import { disposeTransformerWeights, transformerNetwork, type TransformerWeights } from './transformerNetwork.js';

/** Where a training stands: everything a checkpoint must hold to go on exactly as if never stopped. */
export interface TrainerState {
  /** Steps taken: Adam's t. */
  readonly step: number;
  /** Each variable's value (`conv1/kernel`, …) and Adam's moments (`conv1/kernel/m`, `conv1/kernel/v`). */
  readonly tensors: ReadonlyMap<string, tf.Tensor>;
}

/** A style network being trained (Johnson et al. 2016, §3): the transformer's variables, Adam's moments, the loss. */
export interface StyleTrainer {
  /** The weights as they are now; the trainer owns them. */
  readonly weights: TransformerWeights;
  /** Steps taken so far. */
  readonly step: number;
  /**
   * One step of Adam on the perceptual loss of a batch of photos (RGB [N, S, S, 3] in 0..255); resolves to
   * the loss terms before the step.
   */
  trainStep(photos: tf.Tensor4D): Promise<LossTerms>;
  /** The network as it is now on one photo (RGB [H, W, 3] in 0..255), clipped to 0..255: the training's preview. */
  stylize(photo: tf.Tensor3D): tf.Tensor3D;
  /** The state to checkpoint; its tensors are the trainer's own, valid until the next step. */
  state(): TrainerState;
  dispose(): void;
}

export interface TrainerOptions {
  /** Where a checkpoint left off; from the recipe's initial weights (drawn from the seed) when absent. */
  readonly resumeFrom?: TrainerState;
  /**
   * Pictures computed together (the whole batch unless given): the step is the same, up to float
   * rounding, whatever this is; fewer take less memory (on wasm, about 1.6 GB per 256 px picture
   * with VGG-19 to conv5_1, against a 4 GiB heap; measured).
   */
  readonly picturesPerPass?: number;
  /**
   * The transformer's passes on a native runtime (the trainer takes it over): the step then runs the
   * transformer there, the loss network where it runs fastest, and only the loss's cheap terms and
   * Adam in TensorFlow.js; the whole batch goes through the transformer at once. By TensorFlow.js's
   * autodiff when absent.
   */
  readonly transformerGradient?: TransformerGradient;
}

/** A trainer for one painting (RGB [H, W, 3] in 0..255 at its working size) through `network`. */
export function styleTrainer(
  network: FeatureNetwork,
  settings: TrainStyleSettings,
  painting: tf.Tensor3D,
  options: TrainerOptions = {},
): StyleTrainer {
  const { resumeFrom } = options;
  const picturesPerPass = options.picturesPerPass ?? settings.batchSize;
  const loss = perceptualLoss(network, settings, painting);
  const initial = resumeFrom?.tensors ?? initialTransformerValues(settings.seed);
  const weights = transformerVariablesFrom(initial);
  if (!resumeFrom) tf.dispose([...initial.values()]);
  const variables = namedVariables(weights);
  const moments = new Map<string, AdamMoments>(
    variables.map(([name, variable]) => {
      const m = resumeFrom?.tensors.get(`${name}/m`);
      const v = resumeFrom?.tensors.get(`${name}/v`);
      return [name, adamMoments(variable, m && v ? { m, v } : undefined)];
    }),
  );
  let step = resumeFrom?.step ?? 0;

  /** The loss and its gradients with the transformer's passes on the native runtime. */
  async function nativeGradient(
    native: TransformerGradient,
    photos: tf.Tensor4D,
  ): Promise<{ terms: LossTerms; gradients: tf.Tensor[] }> {
    const pass = await native.forward(weights, photos);
    try {
      const { terms, gradient } = await loss.outputGradient(pass.output, photos);
      try {
        return { terms, gradients: await pass.backward(gradient) };
      } finally {
        gradient.dispose();
      }
    } finally {
      pass.dispose();
    }
  }

  async function trainStep(photos: tf.Tensor4D): Promise<LossTerms> {
    const { terms, gradients } = options.transformerGradient
      ? await nativeGradient(options.transformerGradient, photos)
      : loss.gradient(
          weights,
          variables.map(([, variable]) => variable),
          photos,
          picturesPerPass,
        );
    try {
      if (!Number.isFinite(terms.total))
        throw new PasticheError(
          `the loss became ${terms.total} at step ${step + 1}; lower the weights or the learning rate`,
          'training',
        );
      step++;
      variables.forEach(([name, variable], i) =>
        adamUpdate(variable, moments.get(name)!, gradients[i], step, settings.optimizer),
      );
      return terms;
    } finally {
      tf.dispose(gradients);
    }
  }

  return {
    weights,
    get step() {
      return step;
    },
    trainStep,
    // A view on the variables: the trainer, not this network, owns and releases them.
    stylize: (photo) => transformerNetwork(weights).stylize(photo),
    state: () => ({
      step,
      tensors: new Map(
        variables.flatMap(([name, variable]) => {
          const { m, v } = moments.get(name)!;
          return [
            [name, variable],
            [`${name}/m`, m],
            [`${name}/v`, v],
          ] as Array<[string, tf.Tensor]>;
        }),
      ),
    }),
    dispose: () => {
      options.transformerGradient?.dispose();
      loss.dispose();
      disposeTransformerWeights(weights);
      moments.forEach(({ m, v }) => tf.dispose([m, v]));
    },
  };
}
