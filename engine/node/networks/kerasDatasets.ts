import type { Group } from 'h5wasm';
import { PasticheError } from '../../common/errors.js';
import {
  childDataset,
  childGroup,
  float32Dataset,
  readHdf5File,
  stringAttribute,
  stringListAttribute,
} from './hdf5File.js';

/** One dataset as read: its tensor name (`block1_conv1/kernel`), shape and values. */
export interface KerasDataset {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/**
 * The shape each tensor (`block1_conv1/kernel`) must have, checked before its dataset is read; a
 * tensor not listed is not needed and not read. (A record, so that it crosses to the reading thread.)
 */
export type ExpectedShapes = Readonly<Record<string, readonly number[]>>;

/**
 * The datasets of a Keras HDF5 file — `model.save_weights` (the Keras Applications downloads, such
 * as vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5) or a whole saved model, whose weights sit
 * under `model_weights` — that `expectedShapes` lists, and the model's own name when it states one.
 * The root's `layer_names` attribute lists the layers; each layer group's `weight_names` its
 * datasets (`block1_conv1/kernel:0`).
 */
export async function readKerasDatasets(
  file: string,
  expectedShapes: ExpectedShapes,
): Promise<{ modelName: string | null; datasets: KerasDataset[] }> {
  const datasets = new Map<string, KerasDataset>();
  const modelName = await readHdf5File(file, (opened) => {
    const root = childGroup(opened, 'model_weights') ?? opened;
    const layers = stringListAttribute(root, 'layer_names', file);
    if (layers === null) {
      throw new PasticheError('not a Keras weights file (its root has no layer_names attribute)', file);
    }
    for (const layer of layers) readLayer(root, layer, file, expectedShapes, datasets);
    return savedModelName(opened);
  });
  return { modelName, datasets: [...datasets.values()] };
}

/** The datasets of one layer the network needs, into `into`; a layer that is no group holds none. */
function readLayer(
  root: Group,
  layer: string,
  file: string,
  expectedShapes: ExpectedShapes,
  into: Map<string, KerasDataset>,
): void {
  const group = childGroup(root, layer);
  if (!group) return;
  for (const weight of stringListAttribute(group, 'weight_names', file) ?? []) {
    const name = `${layer}/${weight.split('/').at(-1)!.replace(/:\d+$/, '')}`;
    const shape = Object.hasOwn(expectedShapes, name) ? expectedShapes[name] : null;
    if (shape === null) continue;
    if (into.has(name)) throw new PasticheError(`layer ${layer} names weight ${weight} twice`, file);
    const dataset = childDataset(group, weight);
    if (!dataset) throw new PasticheError(`layer ${layer} names weight ${weight}, which is missing`, file);
    into.set(name, { name, shape, values: float32Dataset(dataset, shape, `${layer}/${weight}`, file) });
  }
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
