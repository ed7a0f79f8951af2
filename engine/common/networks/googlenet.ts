import type { ConcatLayerSpec, LayerSpec, NetworkArchitecture } from './architecture.js';

/** Caffe's LRN settings for GoogLeNet (bvlc_googlenet deploy.prototxt): 5 channels, α = 1e-4, β = 0.75. */
const lrn = (name: string): LayerSpec => ({ kind: 'lrn', name, size: 5, alpha: 1e-4, beta: 0.75, k: 1 });

/** The 3×3 stride-2 max pools between stages, rounded up as every Caffe pool is. */
const reduce = (name: string): LayerSpec => ({ kind: 'pool', name, size: 3, stride: 2, ceil: true });

const conv = (name: string, filters: number, kernelSize: number): LayerSpec => ({
  kind: 'conv',
  name,
  filters,
  kernelSize,
  relu: true,
});

/**
 * An inception module (Szegedy et al. 2015, fig. 2b and table 1) as bvlc_googlenet's prototxt
 * names it: 1×1; 1×1 reduce → 3×3; 1×1 reduce → 5×5; 3×3 stride-1 max pool → 1×1 projection,
 * concatenated in that order. Caffe pads the 3×3 and 5×5 convolutions by 1 and 2, which at stride 1
 * is TensorFlow's 'same'.
 */
function inception(
  module: string,
  [n1x1, n3x3Reduce, n3x3, n5x5Reduce, n5x5, poolProj]: readonly number[],
): ConcatLayerSpec {
  const layer = (name: string) => `inception_${module}/${name}`;
  return {
    kind: 'concat',
    name: layer('output'),
    branches: [
      [conv(layer('1x1'), n1x1, 1)],
      [conv(layer('3x3_reduce'), n3x3Reduce, 1), conv(layer('3x3'), n3x3, 3)],
      [conv(layer('5x5_reduce'), n5x5Reduce, 1), conv(layer('5x5'), n5x5, 5)],
      [
        { kind: 'pool', name: layer('pool'), size: 3, stride: 1, pad: 1, ceil: true },
        conv(layer('pool_proj'), poolProj, 1),
      ],
    ],
  };
}

/**
 * GoogLeNet (Inception-v1, Szegedy et al. 2015) exactly as Caffe's BVLC model defines it
 * (models/bvlc_googlenet/deploy.prototxt), up to inception_5b: the classifier's global 7×7 average
 * pool, dropout and fully connected layer follow and are left out, as VGG's and AlexNet's are.
 */
export const GOOGLENET: NetworkArchitecture = {
  family: 'googlenet',
  inputChannels: 3,
  layers: [
    { kind: 'conv', name: 'conv1/7x7_s2', filters: 64, kernelSize: 7, stride: 2, padding: 3, relu: true },
    reduce('pool1/3x3_s2'),
    lrn('pool1/norm1'),
    conv('conv2/3x3_reduce', 64, 1),
    conv('conv2/3x3', 192, 3),
    lrn('conv2/norm2'),
    reduce('pool2/3x3_s2'),
    inception('3a', [64, 96, 128, 16, 32, 32]),
    inception('3b', [128, 128, 192, 32, 96, 64]),
    reduce('pool3/3x3_s2'),
    inception('4a', [192, 96, 208, 16, 48, 64]),
    inception('4b', [160, 112, 224, 24, 64, 64]),
    inception('4c', [128, 128, 256, 24, 64, 64]),
    inception('4d', [112, 144, 288, 32, 64, 64]),
    inception('4e', [256, 160, 320, 32, 128, 128]),
    reduce('pool4/3x3_s2'),
    inception('5a', [256, 160, 320, 32, 128, 128]),
    inception('5b', [384, 192, 384, 48, 128, 128]),
  ],
  preprocessing: 'caffe-bgr',
  // Liu's Caffe style-transfer (fzliu/style-transfer, GOOGLENET_WEIGHTS), the implementation that made
  // GoogLeNet a neural-style network: style at conv1, conv2 and the first module of each stage;
  // content at inception_3a, which has VGG conv4_2's stride of 8.
  defaultLayers: {
    content: ['inception_3a/output'],
    style: ['conv1/7x7_s2', 'conv2/3x3', 'inception_3a/output', 'inception_4a/output', 'inception_5a/output'],
  },
};
