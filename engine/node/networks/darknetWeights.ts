import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { PasticheError } from '../../common/errors.js';
import { checkFields } from '../../common/fieldCheck.js';
import { nonFiniteValue } from '../../common/networks/finiteWeights.js';
import { convLayers, flatLayers, kernelShape, type NetworkArchitecture } from '../../common/networks/architecture.js';
import { DARKNET_TINY } from '../../common/networks/darknet.js';
import type { ConvWeights } from '../../common/networks/weights.js';
import type { LayersModelFile, TopologyLayer } from './layersModel.js';

/** The configuration fields Darknet Tiny's layers are read by, checked before any is used. */
const configSchema = z.looseObject({
  epsilon: z.number().nonnegative().optional(),
  alpha: z.number().optional(),
  use_bias: z.boolean().optional(),
  pool_size: z.array(z.number()).optional(),
  strides: z.array(z.number()).optional(),
  padding: z.string().optional(),
});

interface KerasLayer {
  readonly class_name: string;
  readonly name: string;
  readonly config: z.infer<typeof configSchema>;
}

/**
 * The Keras classes Darknet Tiny is made of, as the engine's layer kinds (normalisations and activations belong to
 * their convolution).
 */
const KIND_OF_CLASS: Readonly<Record<string, 'conv' | 'pool' | 'norm' | 'activation'>> = {
  Conv2D: 'conv',
  MaxPooling2D: 'pool',
  BatchNormalization: 'norm',
  LeakyReLU: 'activation',
};

/**
 * Whether a TensorFlow.js layers model is a Darknet (batch-normalised convolutions with leaky ReLUs), rather than a
 * VGG.
 */
export function isDarknetLayersModel(model: LayersModelFile): boolean {
  const classes = new Set(model.layers.map((layer) => layer.className));
  return classes.has('LeakyReLU') && classes.has('BatchNormalization');
}

/**
 * Darknet Tiny's weights from ml5's TensorFlow.js port (conv2d_N without bias, batch_normalization_N,
 * leaky_re_lu_N, max_pooling2d_N) as the engine's conv1 … conv15. Each batch normalisation (Ioffe &
 * Szegedy 2015, eq. in Alg. 1, with its moving statistics) is folded into its convolution,
 *   γ·(W∗x − μ)/√(σ² + ε) + β  =  (γ/√(σ² + ε))·W ∗ x + (β − γ·μ/√(σ² + ε)),
 * and conv1's kernel is divided by 255: the port takes RGB/255, the engine RGB (see Preprocessing).
 * The layer sequence and every shape are checked against the architecture; the classifier is ignored.
 */
export function darknetWeightsFromLayersModel(model: LayersModelFile): {
  architecture: NetworkArchitecture;
  weights: Map<string, ConvWeights>;
} {
  const architecture = DARKNET_TINY;
  const layers = featureLayers(model, architecture);
  const weights = new Map<string, ConvWeights>();
  try {
    convLayers(architecture).forEach((spec, i) => {
      const [conv, norm, activation] = convTriple(layers, i);
      if (Math.abs((activation.config.alpha ?? 0.3) - (spec.leak ?? 0)) > 1e-6) {
        throw new PasticheError(
          `${activation.name} has slope ${activation.config.alpha}, ${architecture.family} uses ${spec.leak}`,
          model.file,
        );
      }
      weights.set(
        spec.name,
        foldedConv(model, conv, norm, i === 0 ? 1 / 255 : 1, [
          ...kernelShape(spec),
          i === 0 ? 3 : convLayers(architecture)[i - 1].filters,
          spec.filters,
        ]),
      );
    });
  } catch (error) {
    weights.forEach(({ kernel, bias }) => tf.dispose([kernel, bias]));
    throw error;
  }
  return { architecture, weights };
}

/**
 * The model's layers up to the last feature convolution, checked to follow the architecture's sequence of convolutions
 * and pools.
 */
function featureLayers(model: LayersModelFile, architecture: NetworkArchitecture): KerasLayer[] {
  const layers = kerasLayers(model).filter((layer) => Object.hasOwn(KIND_OF_CLASS, layer.class_name));
  const expected = flatLayers(architecture.layers).flatMap((l) =>
    l.kind === 'conv' ? ['conv', 'norm', 'activation'] : [l.kind],
  );
  const found = layers.slice(0, expected.length).map((layer) => KIND_OF_CLASS[layer.class_name]);
  const mismatch = expected.findIndex((kind, i) => found[i] !== kind);
  if (mismatch >= 0) {
    const layer = layers[mismatch];
    throw new PasticheError(
      `layer ${mismatch + 1} of the features is ${layer ? `${layer.class_name} ${layer.name}` : 'missing'}, ` +
        `${architecture.family} needs a ${expected[mismatch]} there`,
      model.file,
    );
  }
  const oddPool = layers.find(
    (layer) =>
      layer.class_name === 'MaxPooling2D' &&
      !(
        layer.config.pool_size?.join() === '2,2' &&
        layer.config.strides?.join() === '2,2' &&
        layer.config.padding === 'same'
      ),
  );
  if (oddPool)
    throw new PasticheError(
      `${oddPool.name} is not a 2×2 stride-2 'same' pool as ${architecture.family}'s`,
      model.file,
    );
  return layers.slice(0, expected.length);
}

/**
 * The i-th convolution with the batch normalisation and activation that follow it (featureLayers checked the order).
 */
function convTriple(layers: readonly KerasLayer[], i: number): [KerasLayer, KerasLayer, KerasLayer] {
  const convs = layers.filter((layer) => layer.class_name === 'Conv2D');
  const at = layers.indexOf(convs[i]);
  return [layers[at], layers[at + 1], layers[at + 2]];
}

function foldedConv(
  model: LayersModelFile,
  conv: KerasLayer,
  norm: KerasLayer,
  inputScale: number,
  shape: readonly number[],
): ConvWeights {
  const tensor = (layer: KerasLayer, part: string, expected: readonly number[]) => {
    const found = model.tensors[`${layer.name}/${part}`];
    if (!found) throw new PasticheError(`no ${layer.name}/${part} in the weights`, model.file);
    if (found.shape.join() !== expected.join())
      throw new PasticheError(
        `${layer.name}/${part} is ${found.shape.join('×')}, darknet-tiny needs ${expected.join('×')}`,
        model.file,
      );
    return found;
  };
  const kernel = tensor(conv, 'kernel', shape);
  if (conv.config.use_bias)
    throw new PasticheError(
      `${conv.name} has a bias before its batch normalisation, which Darknet's convolutions do not`,
      model.file,
    );
  const [gamma, beta, mean, variance] = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((part) =>
    tensor(norm, part, [shape[3]]),
  );
  const folded = tf.tidy(() => {
    const scale = tf.div(gamma, tf.sqrt(tf.add(variance, norm.config.epsilon ?? 1e-3)));
    return {
      kernel: tf.mul(kernel, tf.mul(scale, inputScale)) as tf.Tensor4D,
      bias: tf.sub(beta, tf.mul(scale, mean)) as tf.Tensor1D,
    };
  });
  // A negative or zero variance folds into NaN or ±Infinity, which would paint nothing.
  const problem = nonFiniteValue(folded.kernel.dataSync()) ?? nonFiniteValue(folded.bias.dataSync());
  if (problem === null) return folded;
  tf.dispose([folded.kernel, folded.bias]);
  throw new PasticheError(
    `${norm.name} folded into ${conv.name}: ${problem} (is its moving_variance negative?)`,
    model.file,
  );
}

/** The topology's layers in order, each one's configuration checked. */
function kerasLayers(model: LayersModelFile): KerasLayer[] {
  return model.layers.map((layer: TopologyLayer) => ({
    class_name: layer.className,
    name: layer.name,
    config: checkFields(configSchema, layer.config, model.file, [layer.field, 'config']),
  }));
}
