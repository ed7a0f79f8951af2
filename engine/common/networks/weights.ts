import * as tf from '@tensorflow/tfjs';

export interface ConvWeights {
  /** [kernelHeight, kernelWidth, inChannels, outChannels], TensorFlow's layout. */
  readonly kernel: tf.Tensor4D;
  readonly bias: tf.Tensor1D;
}

/** Weights by the papers' layer name (`conv1_1`); a network may hold only a prefix of its architecture. */
export type NetworkWeights = ReadonlyMap<string, ConvWeights>;

/** The tensor names a network's weights are saved under, in the engine's own format. */
export function weightTensorNames(layer: string): { kernel: string; bias: string } {
  return { kernel: `${layer}/kernel`, bias: `${layer}/bias` };
}

export function toNamedTensors(weights: NetworkWeights): tf.NamedTensorMap {
  const named: tf.NamedTensorMap = {};
  for (const [layer, { kernel, bias }] of weights) {
    const names = weightTensorNames(layer);
    named[names.kernel] = kernel;
    named[names.bias] = bias;
  }
  return named;
}

export function disposeWeights(weights: NetworkWeights): void {
  for (const { kernel, bias } of weights.values()) tf.dispose([kernel, bias]);
}
