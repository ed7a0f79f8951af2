import type { LayerSpec, NetworkArchitecture } from './architecture.js';

/** Caffe's LRN settings for AlexNet (bvlc_alexnet deploy.prototxt): 5 channels, α = 1e-4, β = 0.75. */
const lrn = (name: string): LayerSpec => ({ kind: 'lrn', name, size: 5, alpha: 1e-4, beta: 0.75, k: 1 });

/**
 * AlexNet (Krizhevsky, Sutskever & Hinton 2012) as Caffe's BVLC reference model defines it: an
 * 11×11 stride-4 first convolution, local response normalisation after the first two, grouped
 * convolutions (2 groups) in conv2, conv4 and conv5, and overlapping 3×3 stride-2 max pooling
 * whose output size Caffe rounds up (227 px gives the paper's sizes either way; 224 px does not).
 */
export const ALEXNET: NetworkArchitecture = {
  family: 'alexnet',
  inputChannels: 3,
  layers: [
    { kind: 'conv', name: 'conv1', filters: 96, kernelSize: 11, stride: 4, padding: 'valid', relu: true },
    lrn('norm1'),
    { kind: 'pool', name: 'pool1', size: 3, stride: 2, ceil: true },
    { kind: 'conv', name: 'conv2', filters: 256, kernelSize: 5, groups: 2, relu: true },
    lrn('norm2'),
    { kind: 'pool', name: 'pool2', size: 3, stride: 2, ceil: true },
    { kind: 'conv', name: 'conv3', filters: 384, kernelSize: 3, relu: true },
    { kind: 'conv', name: 'conv4', filters: 384, kernelSize: 3, groups: 2, relu: true },
    { kind: 'conv', name: 'conv5', filters: 256, kernelSize: 3, groups: 2, relu: true },
    { kind: 'pool', name: 'pool5', size: 3, stride: 2, ceil: true },
  ],
  preprocessing: 'caffe-bgr',
  // Every convolution for style, as Gatys et al. take one layer per VGG block; content one layer deep.
  defaultLayers: { content: ['conv4'], style: ['conv1', 'conv2', 'conv3', 'conv4', 'conv5'] },
};
