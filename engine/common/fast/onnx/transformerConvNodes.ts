import type { GraphBuilder } from '../../networks/onnx/graphBuilder.js';
import { kernelToOnnx } from '../../networks/onnx/onnxProto.js';
import type { TransformerLayer } from '../transformerLayers.js';

// One transformer layer's convolution as an ONNX node (NCHW), for the inference and training graphs
// alike: TensorFlow's 'same' padding made explicit, and the checkpoint's kernel layout converted.

/** A tensor's height and width. */
export type Side = readonly [number, number];

/**
 * The layer's kernel in ONNX's layout from the checkpoint's: a convolution's [k, k, in, out] becomes
 * Conv's [out, in, k, k]; a transposed one's [k, k, out, in] becomes ConvTranspose's [in, out, k, k]
 * (the same index swap, so both go through kernelToOnnx with the stored shape).
 */
export function transformerKernelToOnnx(layer: TransformerLayer, kernel: Float32Array): {
  readonly dims: readonly number[];
  readonly values: Float32Array;
} {
  const { kernelSize: k, inChannels, outChannels } = layer;
  const stored = layer.kind === 'transposed' ? [k, k, outChannels, inChannels] : [k, k, inChannels, outChannels];
  const values = kernelToOnnx(kernel, stored);
  return { dims: [stored[3], stored[2], k, k], values };
}

/**
 * The shape that broadcasts one factor per output channel over the ONNX kernel: [out, 1, 1, 1] for
 * Conv, [1, out, 1, 1] for ConvTranspose (whose kernel is [in, out, k, k]).
 */
export function outputChannelShape(layer: TransformerLayer): readonly number[] {
  return layer.kind === 'transposed' ? [1, layer.outChannels, 1, 1] : [layer.outChannels, 1, 1, 1];
}

/** The layer's output side from its input side: ⌈n / stride⌉ for a convolution, 2n for a transposed one. */
export function transformerOutputSide(layer: TransformerLayer, [height, width]: Side): Side {
  if (layer.kind === 'transposed') return [height * layer.stride, width * layer.stride];
  return [Math.ceil(height / layer.stride), Math.ceil(width / layer.stride)];
}

/**
 * TensorFlow's 'same' padding of one axis of n cells: (⌈n/s⌉ − 1)·s + k − n in all, the odd cell at
 * the end (tf.nn.conv2d's documented rule, which ONNX's auto_pad SAME_UPPER also follows).
 */
export function samePads(n: number, kernelSize: number, stride: number): readonly [number, number] {
  const total = Math.max((Math.ceil(n / stride) - 1) * stride + kernelSize - n, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

export interface TransformerConvRequest {
  readonly input: string;
  /** The kernel in ONNX's layout (see transformerKernelToOnnx), a constant or a computed tensor. */
  readonly weight: string;
  readonly bias?: string;
  readonly output: string;
  /** The input's height and width: the explicit pads depend on them. */
  readonly side: Side;
}

/**
 * The layer's convolution. A transposed one is tf.nn.conv2d_transpose with output [2H, 2W] and
 * 'SAME': the adjoint of the stride-2 'same' convolution from 2H × 2W, which pads nothing before and
 * one cell after (k = 3), so ConvTranspose crops that one cell at the end of each axis and its
 * output, (H − 1)·2 + 3 − 1 = 2H, needs no output_padding.
 */
export function transformerConvNode(graph: GraphBuilder, layer: TransformerLayer, request: TransformerConvRequest): string {
  const { input, weight, bias, output, side } = request;
  const k = layer.kernelSize;
  const inputs = bias ? [input, weight, bias] : [input, weight];
  const attributes = { kernel_shape: [k, k], strides: [layer.stride, layer.stride] };
  if (layer.kind === 'transposed') {
    // The forward convolution's pads on the output's side (k − s in all, so (H − 1)·s + k − pads = s·H).
    const pads = onnxSamePads([side[0] * layer.stride, side[1] * layer.stride], k, layer.stride);
    return graph.node('ConvTranspose', inputs, output, { ...attributes, pads, output_padding: [0, 0] });
  }
  return graph.node('Conv', inputs, output, { ...attributes, pads: onnxSamePads(side, k, layer.stride) });
}

/** samePads on both axes, in ONNX's order [top, left, bottom, right]. */
function onnxSamePads([height, width]: Side, kernelSize: number, stride: number): number[] {
  const [top, bottom] = samePads(height, kernelSize, stride);
  const [left, right] = samePads(width, kernelSize, stride);
  return [top, left, bottom, right];
}
