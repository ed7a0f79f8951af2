import * as tf from '@tensorflow/tfjs';
import type { RgbImage } from '../../../engine/common/image.js';
import { imageToTensor } from '../../../engine/common/imageTensor.js';
import { styleTransferLoss, styleTransferTargets } from '../../../engine/common/losses/styleTransferLoss.js';
import type { FeatureNetwork } from '../../../engine/common/networks/featureNetwork.js';
import { resolveSettings } from '../../../engine/common/stylize/settings.js';

/**
 * Where the score looks: Gatys et al.'s style layers of blocks 1–3 and the content layer neural-style would use there.
 */
export const VGG_LOSS_LAYERS = { content: ['conv3_2'], style: ['conv1_1', 'conv2_1', 'conv3_1'] } as const;

export interface VggLoss {
  /**
   * Σ over the style layers of the engine's Gram loss (mean squared difference of C·H·W-normalised Gram matrices),
   * unweighted.
   */
  readonly style: number;
  /** The engine's content loss on conv3_2 (mean squared difference of activations), unweighted. */
  readonly content: number;
}

/**
 * The "VGG loss" Ustyuzhaninov et al. 2017 (§3) compare texture models with: a result's style and
 * content losses measured through pretrained VGG-19 whatever network painted it, so that networks
 * are judged by one yardstick. The losses are the engine's own (styleTransferLoss with α = β = 1, no
 * TV), so the numbers read like a run's terms divided by its weights.
 */
export async function vggLoss(
  reference: FeatureNetwork,
  result: RgbImage,
  photo: RgbImage,
  painting: RgbImage,
): Promise<VggLoss> {
  const settings = resolveSettings({
    network: reference.name,
    contentLayers: [...VGG_LOSS_LAYERS.content],
    styleLayers: VGG_LOSS_LAYERS.style.map((layer) => ({ layer, weight: 1 })),
    contentWeight: 1,
    styleWeight: 1,
    tvWeight: 0,
  });
  const input = (image: RgbImage) => tf.tidy(() => reference.preprocess(imageToTensor(image)));
  const [photoInput, paintingInput, resultInput] = [photo, painting, result].map(input);
  const targets = await styleTransferTargets(reference, settings, photoInput, [paintingInput]);
  try {
    const terms = tf.tidy(() => {
      const { content, style } = styleTransferLoss(reference, settings, targets)(resultInput);
      return tf.stack([content, style]);
    });
    const [content, style] = await terms.data();
    terms.dispose();
    return { content, style };
  } finally {
    targets.dispose();
    tf.dispose([photoInput, paintingInput, resultInput]);
  }
}
