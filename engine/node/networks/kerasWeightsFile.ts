import * as tf from '@tensorflow/tfjs';
import type { Group } from 'h5wasm';
import { basename } from 'node:path';
import { PasticheError } from '../../common/errors.js';
import { convLayers } from '../../common/networks/architecture.js';
import { paperLayerName, VGG16, VGG19 } from '../../common/networks/vgg.js';
import { childDataset, childGroup, float32Dataset, readHdf5File, stringAttribute, stringListAttribute } from './hdf5File.js';
import type { NamedWeights } from './layersModel.js';

export { isHdf5File } from './hdf5File.js';

export interface KerasReadOptions {
  /**
   * The shape the tensor (`block1_conv1/kernel`) must have, checked before its dataset is read;
   * null: the network does not use it and it is not read. By default, VGG-16's and VGG-19's
   * convolutions (the only Keras networks the product reads), so that the classifier layers of a
   * file with its top (0.5 GB) are skipped.
   */
  readonly expectedShape?: (tensor: string) => readonly number[] | null;
}

/**
 * The weights of a Keras HDF5 file — `model.save_weights` (the Keras Applications downloads, such
 * as vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5) or a whole saved model, whose weights sit
 * under `model_weights` — by tensor name (`block1_conv1/kernel`). The root's `layer_names` attribute
 * lists the layers; each layer group's `weight_names` its datasets (`block1_conv1/kernel:0`).
 */
export async function readKerasWeightsFile(file: string, { expectedShape = vggTensorShape }: KerasReadOptions = {}): Promise<NamedWeights> {
  const tensors: tf.NamedTensorMap = {};
  try {
    const modelName = await readHdf5File(file, (opened) => {
      const root = childGroup(opened, 'model_weights') ?? opened;
      const layers = stringListAttribute(root, 'layer_names', file);
      if (layers === null) throw new PasticheError('not a Keras weights file (its root has no layer_names attribute)', file);
      for (const layer of layers) readLayer(root, layer, file, expectedShape, tensors);
      return savedModelName(opened);
    });
    return { modelName: modelName ?? nameInFileName(file), tensors, file };
  } catch (error) {
    tf.dispose(Object.values(tensors));
    throw error;
  }
}

function readLayer(root: Group, layer: string, file: string, expectedShape: (tensor: string) => readonly number[] | null, into: tf.NamedTensorMap): void {
  const group = childGroup(root, layer);
  if (!group) return;
  for (const weight of stringListAttribute(group, 'weight_names', file) ?? []) {
    const name = `${layer}/${weight.split('/').at(-1)!.replace(/:\d+$/, '')}`;
    const shape = expectedShape(name);
    if (shape === null) continue;
    if (Object.hasOwn(into, name)) throw new PasticheError(`layer ${layer} names weight ${weight} twice`, file);
    const dataset = childDataset(group, weight);
    if (!dataset) throw new PasticheError(`layer ${layer} names weight ${weight}, which is missing`, file);
    into[name] = tf.tensor(float32Dataset(dataset, shape, `${layer}/${weight}`, file), [...shape], 'float32');
  }
}

/** Each VGG convolution's kernel [3, 3, in, out] and bias [out] by Keras tensor name (VGG-16's are VGG-19's). */
const VGG_SHAPES: ReadonlyMap<string, readonly number[]> = new Map([VGG16, VGG19].flatMap((architecture) => {
  let inChannels: number = architecture.inputChannels;
  return convLayers(architecture).flatMap((layer): [string, readonly number[]][] => {
    const kernel = [layer.kernelSize, layer.kernelSize, inChannels, layer.filters];
    inChannels = layer.filters;
    return [[`${layer.name}/kernel`, kernel], [`${layer.name}/bias`, [layer.filters]]];
  });
}));

function vggTensorShape(tensor: string): readonly number[] | null {
  const [layer, part] = tensor.split('/').slice(-2);
  return VGG_SHAPES.get(`${paperLayerName(layer)}/${part}`) ?? null;
}

/**
 * A weights-only file does not say which model it belongs to, but Keras Applications name their
 * files after it (vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5); that tells VGG-16 from VGG-19
 * when the file holds only blocks the two share.
 */
function nameInFileName(file: string): string | null {
  return /(?:^|[^a-z0-9])(vgg16|vgg19)(?:[^0-9]|$)/i.exec(basename(file))?.[1].toLowerCase() ?? null;
}

/** A whole saved model names itself in its `model_config`; a weights-only file does not. */
function savedModelName(file: Group): string | null {
  const config = stringAttribute(file, 'model_config');
  if (config === null) return null;
  try {
    const name = (JSON.parse(config) as { config?: { name?: unknown } } | null)?.config?.name;
    return typeof name === 'string' ? name : null;
  } catch {
    return null;
  }
}
