import * as tf from '@tensorflow/tfjs';
import { PasticheError } from '../../common/errors.js';
import {
  TRANSFORMER_LAYERS,
  transformerVariables,
  type NormalisedConvWeights,
  type TransformerWeights,
} from '../../common/fast/transformerNetwork.js';
import type { LayersModelFile } from '../networks/layersModel.js';

/**
 * The fast style network's weights from a TensorFlow.js layers model (model.json + shards, e.g. a
 * Keras port of Johnson et al.'s network converted by tensorflowjs_converter). The topology is not
 * read — layer types and names differ between ports (Keras has no instance normalisation of its
 * own) — only the weights, in the manifest's order, matched by shape to the network's 16
 * normalised convolutions (TRANSFORMER_LAYERS). The layout accepted, for each layer in turn:
 *
 *  1. its kernel: [k, k, in, out], or [k, k, out, in] for the two transposed convolutions (as Keras's
 *     Conv2DTranspose and tf.nn.conv2d_transpose store them);
 *  2. optionally its bias [out] — dropped: instance normalisation subtracts each channel's mean, which
 *     a per-channel constant only shifts, so the bias cancels exactly;
 *  3. the normalisation's shift (beta) and scale (gamma), [out] each: told apart by their names
 *     (…gamma or …scale is the scale; …beta, …shift, …offset or …center the shift), else in the
 *     order shift, scale (the deeplearn.js checkpoints').
 *
 * Anything else is refused, naming the first weight that does not fit.
 */
export function styleWeightsFromLayersModel(model: LayersModelFile): TransformerWeights {
  try {
    const weights = matchLayout(model);
    const kept = new Set<tf.Tensor>([...weights.values()].flatMap((w) => [w.kernel, w.shift, w.scale]));
    tf.dispose(Object.values(model.tensors).filter((t) => !kept.has(t)));
    return weights;
  } catch (error) {
    tf.dispose(Object.values(model.tensors));
    throw error;
  }
}

function matchLayout(model: LayersModelFile): TransformerWeights {
  const weights = manifestOrder(model);
  const kernels = transformerVariables().filter((v) => v.role === 'kernel');
  const result = new Map<string, NormalisedConvWeights>();
  const refuse = (problem: string) => new PasticheError(`${problem} (${LAYOUT})`, model.file);
  let next = 0;
  TRANSFORMER_LAYERS.forEach((layer, i) => {
    const kernel = weights[next];
    const expected = kernels[i].shape;
    if (!kernel) throw refuse(`has ${weights.length} weights and ends before the ${layer.name} kernel`);
    if (kernel.tensor.shape.join() !== expected.join())
      throw refuse(
        `weight ${next + 1} '${kernel.name}' is ${shapeText(kernel.tensor.shape)}, the ${layer.name} kernel is ` +
          `${shapeText(expected)}`,
      );
    next++;
    const vectors: NamedWeight[] = [];
    while (vectors.length < 3 && weights[next]?.tensor.rank === 1) vectors.push(weights[next++]);
    const misfit = vectors.find((v) => v.tensor.shape[0] !== layer.outChannels);
    if (misfit)
      throw refuse(
        `'${misfit.name}' is ${shapeText(misfit.tensor.shape)}, ${layer.name}'s vectors are [${layer.outChannels}]`,
      );
    if (vectors.length < 2)
      throw refuse(
        `${layer.name}'s kernel '${kernel.name}' is followed by ${vectors.length} vector(s) of ` +
          `[${layer.outChannels}], not a shift and a scale`,
      );
    const [shift, scale] = shiftThenScale(vectors.slice(-2), refuse);
    result.set(layer.name, {
      kernel: kernel.tensor as tf.Tensor4D,
      shift: shift.tensor as tf.Tensor1D,
      scale: scale.tensor as tf.Tensor1D,
    });
  });
  if (next < weights.length)
    throw refuse(
      `weight ${next + 1} '${weights[next].name}' is one more than the network's ${TRANSFORMER_LAYERS.length} layers ` +
        `hold`,
    );
  return result;
}

const LAYOUT = 'expected per layer: kernel, optional bias, normalisation shift and scale';

interface NamedWeight {
  readonly name: string;
  readonly tensor: tf.Tensor;
}

/** The model's weights in its manifest's order (the order Keras and TensorFlow.js save a model's weights in). */
function manifestOrder(model: LayersModelFile): NamedWeight[] {
  return model.weightOrder.map((name) => ({ name, tensor: model.tensors[name] }));
}

/** A normalisation's two vectors as [shift, scale]: by their names when these tell, else in that order. */
function shiftThenScale(
  [first, second]: NamedWeight[],
  refuse: (problem: string) => PasticheError,
): [NamedWeight, NamedWeight] {
  const role = (w: NamedWeight) =>
    /(gamma|scale)$/i.test(w.name) ? 'scale' : /(beta|shift|offset|center)$/i.test(w.name) ? 'shift' : null;
  const [a, b] = [role(first), role(second)];
  if (a !== null && a === b) throw refuse(`'${first.name}' and '${second.name}' are both a normalisation's ${a}`);
  return a === 'scale' || b === 'shift' ? [second, first] : [first, second];
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
