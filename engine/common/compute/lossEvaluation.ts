import * as tf from '@tensorflow/tfjs';
import type { LossEvaluation, LossEvaluationRequest } from '../api/computeProtocol.js';
import { imageToTensor } from '../imageTensor.js';
import { styleTransferTerms } from '../losses/styleTransferLoss.js';
import type { FeatureNetwork } from '../networks/featureNetwork.js';
import { lossObjective } from '../stylize/descent.js';
import { computeTargets } from '../stylize/stylize.js';

/**
 * A stylization's loss terms and gradient at one image, computed as its first iteration computes
 * them (the same targets and objective), so that two backends can be compared term by term.
 */
export async function evaluateStyleTransfer(
  network: FeatureNetwork,
  request: LossEvaluationRequest,
): Promise<LossEvaluation> {
  const targets = await computeTargets({ network, ...request });
  const image = tf.tidy(() => network.preprocess(imageToTensor(request.image)));
  try {
    const { detail, gradient } = await lossObjective(network, styleTransferTerms(request.settings, targets))(image);
    const values = (await gradient.data()) as Float32Array;
    gradient.dispose();
    return { loss: detail, gradient: values };
  } finally {
    image.dispose();
    targets.dispose();
  }
}
