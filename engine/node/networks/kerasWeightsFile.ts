import * as tf from '@tensorflow/tfjs';
import type { Dataset, Group } from 'h5wasm';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { PasticheError } from '../../common/errors.js';
import type { NamedWeights } from './layersModel.js';

type H5Module = typeof import('h5wasm/node');
let loading: Promise<H5Module> | null = null;

/**
 * h5wasm's Node build (HDF5 compiled to WebAssembly, reading the host's files directly), loaded once.
 * Its Emscripten start-up takes a runtime with a global `navigator` (Node ≥ 21, Electron) for a
 * browser, so `navigator` is hidden while it starts, as h5wasm's README advises.
 */
function hdf5(): Promise<H5Module> {
  loading ??= (async () => {
    const navigator = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    if (navigator?.configurable) Object.defineProperty(globalThis, 'navigator', { value: undefined, configurable: true });
    try {
      const h5 = await import('h5wasm/node');
      await h5.ready;
      return h5;
    } finally {
      if (navigator?.configurable) Object.defineProperty(globalThis, 'navigator', navigator);
    }
  })();
  return loading;
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** True when the file starts with HDF5's signature (at offset 0, where every file Keras writes has it). */
export async function isHdf5File(file: string): Promise<boolean> {
  const handle = await open(file, 'r').catch(() => null);
  if (!handle) return false;
  try {
    const head = Buffer.alloc(8);
    // A folder opens but cannot be read: it is not an HDF5 file either.
    const { bytesRead } = await handle.read(head, 0, 8, 0).catch(() => ({ bytesRead: 0 }));
    return bytesRead === 8 && head.equals(HDF5_SIGNATURE);
  } finally {
    await handle.close();
  }
}

/**
 * The weights of a Keras HDF5 file — `model.save_weights` (the Keras Applications downloads, such
 * as vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5) or a whole saved model, whose weights sit
 * under `model_weights` — by tensor name (`block1_conv1/kernel`). The root's `layer_names` attribute
 * lists the layers; each layer group's `weight_names` its datasets (`block1_conv1/kernel:0`).
 */
export async function readKerasWeightsFile(file: string): Promise<NamedWeights> {
  if (!(await isHdf5File(file))) throw new PasticheError('not an HDF5 file', file);
  const h5 = await hdf5();
  const opened = new h5.File(file, 'r');
  const tensors: tf.NamedTensorMap = {};
  try {
    const root = (opened.get('model_weights') as Group | null) ?? opened;
    const layers = stringList(root, 'layer_names');
    if (layers === null) throw new PasticheError('not a Keras weights file (its root has no layer_names attribute)', file);
    for (const layer of layers) {
      const group = root.get(layer) as Group | null;
      for (const weight of group ? stringList(group, 'weight_names') ?? [] : []) {
        const dataset = group!.get(weight) as Dataset | null;
        if (!dataset?.shape) throw new PasticheError(`layer ${layer} names weight ${weight}, which is missing`, file);
        // float32 datasets (every Keras weight) come as a Float32Array already: no 80 MB copy for a VGG.
        const values = dataset.value instanceof Float32Array ? dataset.value : Float32Array.from(dataset.value as ArrayLike<number>);
        tensors[`${layer}/${weight.split('/').at(-1)!.replace(/:\d+$/, '')}`] = tf.tensor(values, dataset.shape, 'float32');
      }
    }
    return { modelName: modelName(opened) ?? nameInFileName(file), tensors, file };
  } catch (error) {
    tf.dispose(Object.values(tensors));
    throw error;
  } finally {
    opened.close();
  }
}

/** A string-array attribute (h5py writes them as fixed-length byte strings); null when absent. */
function stringList(group: Group, name: string): string[] | null {
  const attribute = group.attrs[name];
  if (!attribute) return null;
  const value = attribute.value;
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.map(String) : [];
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
function modelName(file: Group): string | null {
  const config = file.attrs.model_config?.value;
  if (typeof config !== 'string') return null;
  try {
    return (JSON.parse(config) as { config?: { name?: string } }).config?.name ?? null;
  } catch {
    return null;
  }
}
