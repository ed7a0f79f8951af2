import { PasticheError } from '../errors.js';
import { convPadding, kernelShape, pathTo, type LayerSpec, type NetworkArchitecture } from './architecture.js';

/**
 * Which image pixels a layer's neurons see: the neuron at map position (y, x) reads the rows
 * start[0] + stride·y … start[0] + stride·y + size[0] − 1 and likewise the columns (zero padding where
 * that leaves the image). Gatys et al. 2017 §4 bring guidance masks to a layer through it.
 */
export interface LayerReceptiveField {
  /** [rows, columns] of input pixels one neuron sees. */
  readonly size: readonly [number, number];
  /** Input pixels between neighbouring neurons: the product of the strides on the way. */
  readonly stride: number;
  /** [row, column] of the first pixel neuron (0, 0) sees, negative where its window starts in the padding. */
  readonly start: readonly [number, number];
}

/**
 * The receptive field of the layer `name` in image coordinates, by the usual recurrence (e.g. Araujo et al. 2019,
 * "Computing Receptive Fields of Convolutional Neural Networks", eq. 1–2): a k-wide window at cumulative stride j
 * widens the field by (k − 1)·j and moves its start by −pad·j. A reflected input frame shifts every start out by its
 * width. VGG-19: conv1_1 3, conv2_1 10, conv3_1 24, conv4_1 68, conv5_1 156 pixels.
 */
export function receptiveField(architecture: NetworkArchitecture, name: string): LayerReceptiveField {
  const path = pathTo(architecture.layers, name);
  if (!path) throw new PasticheError(`${architecture.family} has no layer named ${name}`);
  const field = fieldAfter(path, { size: [1, 1], stride: 1, start: [0, 0] });
  const frame = architecture.inputPadding?.size ?? 0;
  return { ...field, start: [field.start[0] - frame, field.start[1] - frame] };
}

function fieldAfter(layers: readonly LayerSpec[], first: LayerReceptiveField): LayerReceptiveField {
  return layers.reduce((field, layer) => {
    switch (layer.kind) {
      case 'lrn':
        return field;
      case 'conv':
        return widened(field, kernelShape(layer), convPadding(layer).map(Math.floor), layer.stride ?? 1);
      case 'pool':
        return widened(field, [layer.size, layer.size], [layer.pad ?? 0, layer.pad ?? 0], layer.stride);
      case 'concat':
        return union(layer.branches.map((branch) => fieldAfter(branch, field)));
    }
  }, first);
}

function widened(
  { size, stride, start }: LayerReceptiveField,
  kernel: readonly [number, number],
  pad: readonly number[],
  layerStride: number,
): LayerReceptiveField {
  return {
    size: [size[0] + (kernel[0] - 1) * stride, size[1] + (kernel[1] - 1) * stride],
    stride: stride * layerStride,
    start: [start[0] - pad[0] * stride, start[1] - pad[1] * stride],
  };
}

/** An inception module's neuron sees what any of its branches sees. */
function union(fields: readonly LayerReceptiveField[]): LayerReceptiveField {
  const axis = (a: 0 | 1) => {
    const first = Math.min(...fields.map((f) => f.start[a]));
    const end = Math.max(...fields.map((f) => f.start[a] + f.size[a]));
    return { first, size: end - first };
  };
  const [rows, cols] = [axis(0), axis(1)];
  return {
    size: [rows.size, cols.size],
    stride: Math.max(...fields.map((f) => f.stride)),
    start: [rows.first, cols.first],
  };
}
