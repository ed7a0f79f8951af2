import * as tf from '@tensorflow/tfjs';
import { PasticheError } from '../../common/errors.js';
import { convLayers, kernelShape, type NetworkArchitecture } from '../../common/networks/architecture.js';
import { ARCHITECTURES } from '../../common/networks/architectures.js';
import { paperLayerName } from '../../common/networks/vgg.js';
import type { ConvWeights } from '../../common/networks/weights.js';
import type { NamedWeights } from './layersModel.js';

/**
 * Turns a Keras-named layers model (block1_conv1/kernel …) into an architecture and weights by the
 * papers' names (conv1_1 …), checking every kernel's shape against the architecture. The model may
 * hold only the first blocks (e.g. VGG-19 blocks 1–3).
 */
export function vggWeightsFromLayersModel(model: NamedWeights): {
  architecture: NetworkArchitecture;
  weights: Map<string, ConvWeights>;
} {
  const architecture = detectArchitecture(model);
  const weights = new Map<string, ConvWeights>();
  let inChannels: number = architecture.inputChannels;
  for (const layer of convLayers(architecture)) {
    const kernel = findTensor(model, layer.name, 'kernel');
    const bias = findTensor(model, layer.name, 'bias');
    if (!kernel || !bias) break;
    const expected = [...kernelShape(layer), inChannels, layer.filters];
    if (kernel.shape.join() !== expected.join() || bias.shape.join() !== String(layer.filters)) {
      throw new PasticheError(
        `layer ${layer.name} has kernel ${kernel.shape.join('×')}, ${architecture.family} needs ${expected.join('×')}`,
        model.file,
      );
    }
    weights.set(layer.name, { kernel: kernel as tf.Tensor4D, bias: bias as tf.Tensor1D });
    inChannels = layer.filters;
  }
  if (weights.size === 0)
    throw new PasticheError(
      `no ${architecture.family} convolution weights found (expected block1_conv1/kernel …)`,
      model.file,
    );
  return { architecture, weights };
}

function findTensor(model: NamedWeights, layer: string, part: 'kernel' | 'bias'): tf.Tensor | undefined {
  const name = Object.keys(model.tensors).find((key) => {
    const [kerasLayer, tensor] = key.split('/').slice(-2);
    return paperLayerName(kerasLayer) === layer && tensor === part;
  });
  return name ? model.tensors[name] : undefined;
}

/** By the model's own name when it has one (`vgg19`), else by the layers it holds. */
function detectArchitecture(model: NamedWeights): NetworkArchitecture {
  const byName = model.modelName ? ARCHITECTURES[model.modelName.toLowerCase()] : undefined;
  if (byName) return byName;
  const names = new Set(Object.keys(model.tensors).map((key) => paperLayerName(key.split('/').slice(-2)[0])));
  if (['conv3_4', 'conv4_4', 'conv5_4'].some((layer) => names.has(layer))) return ARCHITECTURES.vgg19;
  if (names.has('conv3_3')) return ARCHITECTURES.vgg16;
  throw new PasticheError('cannot tell which VGG this is (name the model vgg16 or vgg19 in its topology)', model.file);
}
