import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageToTensor } from '../../../engine/common/imageTensor.js';
import { styleTransferTargets } from '../../../engine/common/losses/styleTransferLoss.js';
import type { LayerSpec } from '../../../engine/common/networks/architecture.js';
import { styleLongSide, type StylizeSettings } from '../../../engine/common/stylize/settings.js';
import { readImage } from '../../../engine/node/image/imageIO.js';
import { loadNetwork } from '../../../engine/node/networks/registry.js';

/**
 * What the PyTorch peer needs to minimise exactly the engine's loss (styleTransferLoss.ts), written
 * into `folder`: the network's layers in order up to the deepest one read and their weights, the
 * start image (the photo in the network's input space), the content activations and the painting's
 * Gram matrices as the engine measured them, and α, β, γ with the layer weights. Each tensor is a raw
 * little-endian float32 file named in peer.json with its shape; kernels as [h, w, in, out].
 */
export async function exportForPeer(
  folder: string,
  settings: StylizeSettings,
  files: { content: string; style: string },
  modelsDir: string,
): Promise<string> {
  mkdirSync(folder, { recursive: true });
  const { network, weights } = await loadNetwork(settings.network, modelsDir);
  const family = network.architecture.family;
  if (!family.startsWith('vgg')) throw new Error(`the peer runs VGG networks only, not ${family}`);
  const tensors: Record<string, { file: string; shape: number[] }> = {};
  const write = async (name: string, tensor: tf.Tensor) => {
    const file = `${name}.f32`;
    const data = await tensor.data();
    writeFileSync(join(folder, file), Buffer.from(new Float32Array(data).buffer));
    tensors[name] = { file, shape: tensor.shape };
  };
  const content = await readImage(files.content, { longSide: settings.size });
  const painting = await readImage(files.style, { longSide: styleLongSide(settings) });
  const [start, paintingInput] = [content, painting].map((image) =>
    tf.tidy(() => network.preprocess(imageToTensor(image))),
  );
  const targets = await styleTransferTargets(network, settings, start, [paintingInput]);
  try {
    const read = [...settings.contentLayers, ...settings.styleLayers.map((l) => l.layer)];
    const layers = layersUpTo(network.architecture.layers, read);
    for (const layer of layers) {
      if (layer.kind !== 'conv') continue;
      await write(`${layer.name}.kernel`, weights.get(layer.name)!.kernel);
      await write(`${layer.name}.bias`, weights.get(layer.name)!.bias);
    }
    await write('start', start);
    for (const [layer, target] of targets.content) await write(`content.${layer}`, target);
    for (const [layer, target] of targets.style) await write(`gram.${layer}`, target.statistic);
    const manifest = {
      layers: layers.map((l) =>
        l.kind === 'conv'
          ? { kind: 'conv', name: l.name }
          : { kind: 'pool', name: l.name, size: l.size, stride: l.stride },
      ),
      pooling: settings.pooling,
      contentLayers: settings.contentLayers,
      styleLayers: settings.styleLayers,
      contentWeight: settings.contentWeight,
      styleWeight: settings.styleWeight,
      tvWeight: settings.tvWeight,
      tensors,
    };
    writeFileSync(join(folder, 'peer.json'), JSON.stringify(manifest));
    return folder;
  } finally {
    targets.dispose();
    tf.dispose([start, paintingInput]);
    network.dispose();
  }
}

/** The plain chain of a VGG's layers up to the deepest one of `read` (VGG has no branches). */
function layersUpTo(
  layers: readonly LayerSpec[],
  read: readonly string[],
): Array<Extract<LayerSpec, { kind: 'conv' | 'pool' }>> {
  const last = layers.reduce((found, layer, i) => (read.includes(layer.name) ? i : found), -1);
  return layers.slice(0, last + 1).map((layer) => {
    if (layer.kind !== 'conv' && layer.kind !== 'pool')
      throw new Error(`the peer cannot run a ${layer.kind} layer (${layer.name})`);
    return layer;
  });
}
