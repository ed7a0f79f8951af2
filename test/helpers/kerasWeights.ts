import * as tf from '@tensorflow/tfjs';
import type { Group } from 'h5wasm';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { randomWeights } from '../../engine/common/networks/randomWeights.js';
import { VGG19 } from '../../engine/common/networks/vgg.js';

const h5 = await import('h5wasm/node');
await h5.ready;

const KERAS_NAMES: Record<string, string> = {
  conv1_1: 'block1_conv1',
  conv1_2: 'block1_conv2',
  conv2_1: 'block2_conv1',
  conv2_2: 'block2_conv2',
};
const LAYER_NAMES = [
  'input_1',
  'block1_conv1',
  'block1_conv2',
  'block1_pool',
  'block2_conv1',
  'block2_conv2',
  'block2_pool',
];

export interface KerasWeightsOptions {
  /** How many of the four convolutions to write (fuzz seeds write one: a 7 kB file). */
  readonly convolutions?: number;
  /** Writes the dataset `name` (`kernel:0`) of `layer` itself (hostile variants); false: written as usual. */
  readonly dataset?: (inner: Group, layer: string, name: string, values: Float32Array, shape: number[]) => boolean;
  /** Changes the weights group (`root`) before the file is closed: hostile variants. */
  readonly edit?: (root: Group) => void;
}

/**
 * VGG-19's first two blocks as Keras 2's `save_weights` writes them (the layout of the Keras
 * Applications downloads): the root's `layer_names`, each layer's `weight_names`, and datasets at
 * LAYER/LAYER/kernel:0 and …/bias:0; layers without weights (input, pools) list none. `wholeModel`:
 * under `model_weights` with a `model_config` naming the model vgg19, as `model.save` writes.
 */
export function writeKerasWeights(
  file: string,
  wholeModel = false,
  { convolutions = 4, dataset, edit }: KerasWeightsOptions = {},
) {
  const weights = randomWeights(VGG19, 11);
  const written = Object.keys(KERAS_NAMES).slice(0, convolutions);
  const out = new h5.File(file, 'w');
  const root = wholeModel ? out.create_group('model_weights') : out;
  if (wholeModel)
    out.create_attribute(
      'model_config',
      JSON.stringify({ class_name: 'Functional', config: { name: 'vgg19', layers: [] } }),
    );
  root.create_attribute('layer_names', LAYER_NAMES);
  root.create_attribute('backend', 'tensorflow');
  for (const layer of LAYER_NAMES) {
    const group = root.create_group(layer);
    const paper = written.find((name) => KERAS_NAMES[name] === layer);
    if (!paper) continue;
    group.create_attribute('weight_names', [`${layer}/kernel:0`, `${layer}/bias:0`]);
    const inner = group.create_group(layer);
    const { kernel, bias } = weights.get(paper)!;
    for (const [name, tensor] of [
      ['kernel:0', kernel],
      ['bias:0', bias],
    ] as const) {
      const values = tensor.dataSync() as Float32Array;
      if (!dataset?.(inner, layer, name, values, tensor.shape))
        inner.create_dataset({ name, data: values, shape: tensor.shape });
    }
  }
  edit?.(root);
  out.close();
  for (const [name, { kernel, bias }] of weights) if (!written.includes(name)) tf.dispose([kernel, bias]);
  return new Map(written.map((name) => [name, weights.get(name)!]));
}

/**
 * Reads `file` with readKerasWeightsFile in a Node process of its own: the refusal's message (or
 * `read`), and everything written to that process's stderr by any thread or route — HDF5 prints its
 * error stack straight to the file descriptor, from the reading thread.
 */
export function readInChildProcess(file: string): { outcome: string; stderr: string } {
  const reader = new URL('../../engine/node/networks/kerasWeightsFile.js', import.meta.url).href;
  const code = `const { readKerasWeightsFile } = await import(${JSON.stringify(reader)});
    await readKerasWeightsFile(${JSON.stringify(file)})
      .then(() => console.log('read'), (error) => console.log(error.message));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
  return { outcome: run.stdout.trim(), stderr: run.stderr };
}

/**
 * A local server standing in for the catalogue's VGG-19 download (Google's storage): VGG-19 blocks 1–2
 * in the Keras layout, written into `folder`, and the catalogue source that names it.
 */
export async function serveKerasWeights(folder: string): Promise<{ server: Server; source: object }> {
  const file = join(folder, 'vgg19_mirror.h5');
  writeKerasWeights(file);
  const weights = readFileSync(file);
  const server = createServer((_, response) => response.end(weights));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/vgg19_mirror.h5`;
  const md5 = createHash('md5').update(weights).digest('hex');
  return {
    server,
    source: { kind: 'download', url, file: 'vgg19_mirror.h5', bytes: weights.length, md5, format: 'keras-h5' },
  };
}
