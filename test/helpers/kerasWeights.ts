import { randomWeights } from '../../engine/common/networks/randomWeights.js';
import { VGG19 } from '../../engine/common/networks/vgg.js';

const h5 = await import('h5wasm/node');
await h5.ready;

/**
 * VGG-19's first two blocks as Keras 2's `save_weights` writes them (the layout of the Keras
 * Applications downloads): the root's `layer_names`, each layer's `weight_names`, and datasets at
 * LAYER/LAYER/kernel:0 and …/bias:0; layers without weights (input, pools) list none.
 */
export function writeKerasWeights(file: string, wholeModel = false) {
  const weights = randomWeights(VGG19, 11);
  const kerasNames: Record<string, string> = { conv1_1: 'block1_conv1', conv1_2: 'block1_conv2', conv2_1: 'block2_conv1', conv2_2: 'block2_conv2' };
  const layerNames = ['input_1', 'block1_conv1', 'block1_conv2', 'block1_pool', 'block2_conv1', 'block2_conv2', 'block2_pool'];
  const out = new h5.File(file, 'w');
  const root = wholeModel ? out.create_group('model_weights') : out;
  if (wholeModel) out.create_attribute('model_config', JSON.stringify({ class_name: 'Functional', config: { name: 'vgg19', layers: [] } }));
  root.create_attribute('layer_names', layerNames);
  root.create_attribute('backend', 'tensorflow');
  for (const layer of layerNames) {
    const group = root.create_group(layer);
    const paper = Object.keys(kerasNames).find((name) => kerasNames[name] === layer);
    if (!paper) continue;
    group.create_attribute('weight_names', [`${layer}/kernel:0`, `${layer}/bias:0`]);
    const inner = group.create_group(layer);
    const { kernel, bias } = weights.get(paper)!;
    inner.create_dataset({ name: 'kernel:0', data: kernel.dataSync() as Float32Array, shape: kernel.shape });
    inner.create_dataset({ name: 'bias:0', data: bias.dataSync() as Float32Array, shape: bias.shape });
  }
  out.close();
  return new Map(Object.keys(kerasNames).map((name) => [name, weights.get(name)!]));
}

