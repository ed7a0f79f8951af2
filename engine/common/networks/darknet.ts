import type { LayerSpec, NetworkArchitecture } from './architecture.js';

/** Darknet's convolution: batch normalisation folded into kernel and bias at import, then a leaky ReLU of slope 0.1. */
const conv = (index: number, filters: number, kernelSize: 1 | 3): LayerSpec => ({
  kind: 'conv',
  name: `conv${index}`,
  filters,
  kernelSize,
  relu: true,
  leak: 0.1,
});
/**
 * Darknet's 2×2 stride-2 max pool with TensorFlow's 'same' padding: an odd side's last row and column pooled alone,
 * i.e. the output rounded up.
 */
const pool = (index: number): LayerSpec => ({ kind: 'pool', name: `pool${index}`, size: 2, stride: 2, ceil: true });

/**
 * Darknet Tiny (Redmon's ImageNet classifier "tiny.cfg", as ml5's TensorFlow.js port has it): 3×3
 * convolutions that double their filters after each pool, with 1×1 bottlenecks (squeezes) between
 * them from the third block on. Layers are named by position, conv1 … conv15 and pool1 … pool4;
 * the classifier (a 1×1 convolution to 1000 classes and a global average) is left out.
 */
export const DARKNET_TINY: NetworkArchitecture = {
  family: 'darknet-tiny',
  inputChannels: 3,
  layers: [
    conv(1, 16, 3),
    pool(1),
    conv(2, 32, 3),
    pool(2),
    conv(3, 16, 1),
    conv(4, 128, 3),
    conv(5, 16, 1),
    conv(6, 128, 3),
    pool(3),
    conv(7, 32, 1),
    conv(8, 256, 3),
    conv(9, 32, 1),
    conv(10, 256, 3),
    pool(4),
    conv(11, 64, 1),
    conv(12, 512, 3),
    conv(13, 64, 1),
    conv(14, 512, 3),
    conv(15, 128, 1),
  ],
  // ml5's port divides RGB by 255; the importer moves that into conv1's kernel (see Preprocessing).
  preprocessing: 'rgb',
  // As on VGG: style from the first 3×3 convolution at each scale, content from the 1/8-scale block.
  defaultLayers: { content: ['conv10'], style: ['conv1', 'conv2', 'conv4', 'conv8', 'conv12'] },
  // Its batch-normalised features are small: measured on tubingen × starry_night at 128 px, its content
  // loss is 2·10⁵ and its style loss 5–9·10⁶ times VGG-19's at these layers, so neural-style's α = 5 and
  // β = 100 scaled by those keep content, style and smoothness in the proportions they have on VGG.
  defaultWeights: { content: 1e6, style: 7e8 },
};
