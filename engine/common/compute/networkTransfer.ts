import * as tf from '@tensorflow/tfjs';
import type { TransferredConv, TransferredNetwork } from '../api/computeProtocol.js';
import type { NetworkArchitecture } from '../networks/architecture.js';
import { featureNetwork, type FeatureNetwork } from '../networks/featureNetwork.js';
import type { ConvWeights, NetworkWeights } from '../networks/weights.js';

/** A network's weights as buffers that can be transferred (not copied) to a device; read from the tensors once. */
export async function packNetwork(
  key: string,
  name: string,
  architecture: NetworkArchitecture,
  weights: NetworkWeights,
): Promise<{ network: TransferredNetwork; transfer: ArrayBuffer[] }> {
  const layers: TransferredConv[] = [];
  for (const [layer, { kernel, bias }] of weights) {
    const [k, b] = await Promise.all([ownCopy(kernel), ownCopy(bias)]);
    layers.push({ layer, kernelShape: kernel.shape, kernel: k, bias: b });
  }
  return {
    network: { key, name, architecture, layers },
    transfer: layers.flatMap((conv) => [conv.kernel.buffer as ArrayBuffer, conv.bias.buffer as ArrayBuffer]),
  };
}

/** The device's side: tensors on its backend, and the feature network they make. */
export function unpackNetwork(transferred: TransferredNetwork): FeatureNetwork {
  const weights = new Map<string, ConvWeights>(
    transferred.layers.map((conv) => [
      conv.layer,
      {
        kernel: tf.tensor4d(conv.kernel, [...conv.kernelShape]),
        bias: tf.tensor1d(conv.bias),
      },
    ]),
  );
  return featureNetwork(transferred.name, transferred.architecture, weights);
}

/**
 * A tensor's float32 values in a buffer of their own, to transfer: a typed array from data() may view a larger, shared
 * one (wasm's heap).
 */
async function ownCopy(tensor: tf.Tensor): Promise<Float32Array> {
  return Float32Array.from((await tensor.data()) as Float32Array);
}
