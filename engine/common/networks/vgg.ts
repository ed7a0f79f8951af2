import type { LayerSpec, NetworkArchitecture } from './architecture.js';

/**
 * VGG networks (Simonyan & Zisserman, "Very Deep Convolutional Networks", 2014, table 1):
 * 3×3 convolutions with stride 1 and 'same' padding, each followed by a ReLU, in five blocks
 * separated by 2×2 pooling with stride 2. Configuration D is VGG-16, E is VGG-19.
 */
function vgg(family: string, convsPerBlock: readonly number[]): NetworkArchitecture {
  const filtersPerBlock = [64, 128, 256, 512, 512];
  const layers: LayerSpec[] = [];
  convsPerBlock.forEach((count, b) => {
    for (let i = 1; i <= count; i++) {
      layers.push({ kind: 'conv', name: `conv${b + 1}_${i}`, filters: filtersPerBlock[b], kernelSize: 3, relu: true });
    }
    layers.push({ kind: 'pool', name: `pool${b + 1}`, size: 2, stride: 2 });
  });
  // Gatys et al. 2015 (and neural-style): content at conv4_2, style at the first layer of every block.
  return {
    family,
    inputChannels: 3,
    layers,
    preprocessing: 'caffe-bgr',
    defaultLayers: { content: ['conv4_2'], style: ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1'] },
  };
}

export const VGG16: NetworkArchitecture = vgg('vgg16', [2, 2, 3, 3, 3]);
export const VGG19: NetworkArchitecture = vgg('vgg19', [2, 2, 4, 4, 4]);

/** Keras Applications name their VGG layers `block1_conv1`; the papers say `conv1_1`. */
export function paperLayerName(kerasName: string): string {
  const conv = /^block(\d+)_conv(\d+)$/.exec(kerasName);
  if (conv) return `conv${conv[1]}_${conv[2]}`;
  const pool = /^block(\d+)_pool$/.exec(kerasName);
  if (pool) return `pool${pool[1]}`;
  return kerasName;
}
