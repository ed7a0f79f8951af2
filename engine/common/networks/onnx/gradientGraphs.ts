import { create } from '@bufbuild/protobuf';
import { GraphProtoSchema, ModelProtoSchema, OperatorSetIdProtoSchema, type ModelProto, type NodeProto, type TensorProto } from 'onnx-buf';
import type { Pooling } from '../../stylize/settings.js';
import { convPadding, outputSize, type ConvLayerSpec, type LayerSpec, type NetworkArchitecture, type PoolLayerSpec } from '../architecture.js';
import { isPlainSameConv } from '../layerOps.js';
import { floatTensor, floatValueInfo, flippedKernelToOnnx, int64Tensor, kernelToOnnx, onnxNode } from './onnxProto.js';

// A feature network's forward pass and its gradient with respect to the input as two ONNX graphs, so
// that a native runtime (onnxruntime) computes both with its own convolution kernels. The backward
// graph is written with forward-style operations only — a stride-1 'same' convolution's input
// gradient is a convolution with the flipped, transposed kernel; ReLU's is a mask; non-overlapping
// max pooling's is the upsampled gradient where the input equals its window's maximum — so it needs
// no training operators, which the runtime's inference builds lack.

/** A convolution's weights as plain arrays, in TensorFlow's layout: kernel [kH, kW, in, out]. */
export interface ConvValues {
  readonly kernel: Float32Array;
  readonly kernelShape: readonly [number, number, number, number];
  readonly bias: Float32Array;
}

/** The two graphs for one input size and one set of requested layers. */
export interface GradientGraphs {
  /** image [1, H, W, C] (NHWC) → `act:LAYER` (NHWC) for each requested layer, and the saved tensors the backward graph reads. */
  readonly forward: ModelProto;
  /** The saved tensors and `grad:LAYER` (NHWC, ∂L/∂activation) → `image_grad` [1, H, W, C]. */
  readonly backward: ModelProto;
  /** The forward graph's outputs that the backward graph takes as inputs, under the same names. */
  readonly saved: readonly string[];
}

/** The terms of a matching graph: which layers are compared with a target, and each term's weight. */
export interface MatchingTerms {
  /** Mean squared error of the activations (Gatys et al. 2015, eq. 1, normalised as contentLoss). */
  readonly content: readonly { readonly layer: string; readonly weight: number }[];
  /** Mean squared error of the normalised Gram matrices (eq. 4, normalised as styleLoss). */
  readonly gram: readonly { readonly layer: string; readonly weight: number }[];
}

export const IMAGE_INPUT = 'image';
export const CONTENT_LOSS = 'loss:content';
export const STYLE_LOSS = 'loss:style';
export const contentTargetName = (layer: string) => `target:content:${layer}`;
export const gramTargetName = (layer: string) => `target:gram:${layer}`;
export const IMAGE_GRADIENT = 'image_grad';
export const activationName = (layer: string) => `act:${layer}`;
export const gradientName = (layer: string) => `grad:${layer}`;

const OPSET = 13n;
const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

/**
 * Why these layers cannot be differentiated by the graphs here (a reason for the run's log), or null
 * when they can: a plain chain of stride-1 'same' convolutions and non-overlapping max pools fed by
 * one, as in VGG; other networks keep TensorFlow.js's gradients.
 */
export function unsupportedReason(architecture: NetworkArchitecture, layers: readonly string[], pooling: Pooling): string | null {
  const chain = layerChain(architecture, layers);
  if (!chain) return 'its layers are not a plain chain';
  for (const [i, layer] of chain.entries()) {
    if (layer.kind === 'conv' && !isPlainSameConv(layer)) return `${layer.name} is not a stride-1 'same' convolution`;
    if (layer.kind === 'lrn' || layer.kind === 'concat') return `${layer.name} is a ${layer.kind} layer`;
    if (layer.kind === 'pool') {
      if (pooling !== 'max' || layer.average) return 'average pooling';
      if (layer.size !== layer.stride || (layer.pad ?? 0) !== 0) return `${layer.name}'s windows overlap or are padded`;
      if (chain[i - 1]?.kind !== 'conv') return `${layer.name} does not follow a convolution`;
    }
  }
  return null;
}

/** The layers from the input to the deepest requested one, or null if that path holds a branching module. */
function layerChain(architecture: NetworkArchitecture, requested: readonly string[]): LayerSpec[] | null {
  const last = architecture.layers.reduce((found, layer, i) => (requested.includes(layer.name) ? i : found), -1);
  const chain = architecture.layers.slice(0, last + 1);
  return chain.length > 0 && requested.every((name) => chain.some((layer) => layer.name === name)) && chain.every((layer) => layer.kind !== 'concat') ? chain : null;
}

/** Both graphs for an input of height × width; `weights` must hold every convolution up to the deepest requested layer. */
export function gradientGraphs(architecture: NetworkArchitecture, weights: ReadonlyMap<string, ConvValues>, layers: readonly string[], height: number, width: number): GradientGraphs {
  const chain = layerChain(architecture, layers)!;
  const channels = architecture.inputChannels;
  const forward = new GraphBuilder();
  const backward = new GraphBuilder();
  const sides = chainSides(chain, height, width);
  const saved = chain.filter((layer) => layer.kind === 'conv').map((layer) => layer.name);

  forward.node('Transpose', [IMAGE_INPUT], 'x', { perm: TO_NCHW });
  chain.forEach((layer, i) => forwardLayer(forward, layer, i === 0 ? 'x' : chain[i - 1].name, weights));
  for (const layer of layers) forward.node('Transpose', [layer], activationName(layer), { perm: TO_NHWC });

  const imageGradient = backwardChain(backward, chain, sides, weights, (layer) => (layers.includes(layer) ? backward.node('Transpose', [gradientName(layer)], `${layer}:g_in`, { perm: TO_NCHW }) : null));
  backward.node('Transpose', [imageGradient], IMAGE_GRADIENT, { perm: TO_NHWC });

  return {
    forward: forward.model([floatValueInfo(IMAGE_INPUT, [1, height, width, channels])], [...layers.map((layer) => activationName(layer)), ...saved]),
    backward: backward.model([...saved.map((name) => floatValueInfo(name, null)), ...layers.map((layer) => floatValueInfo(gradientName(layer), null))], [IMAGE_GRADIENT]),
    saved,
  };
}

/**
 * One graph for a whole evaluation of Gatys et al.'s feature terms: image and targets (content
 * activations NHWC, Gram matrices [C, C]) → the weighted content and style losses and their
 * gradient with respect to the image. Nothing crosses to TensorFlow.js but the image, the two losses
 * and the gradient, and the Gram products run on the runtime's multithreaded matrix kernels.
 */
export function matchingGraph(architecture: NetworkArchitecture, weights: ReadonlyMap<string, ConvValues>, terms: MatchingTerms, height: number, width: number): ModelProto {
  const layers = [...new Set([...terms.content, ...terms.gram].map((term) => term.layer))];
  const chain = layerChain(architecture, layers)!;
  const graph = new GraphBuilder();
  const sides = chainSides(chain, height, width);
  const outputShape = (layer: string) => {
    const i = chain.findIndex((l) => l.name === layer);
    const channels = weights.get(chain.slice(0, i + 1).reverse().find((l) => l.kind === 'conv')!.name)!.kernelShape[3];
    return { channels, height: outputSize(chain[i], sides[i][0]), width: outputSize(chain[i], sides[i][1]) };
  };
  graph.node('Transpose', [IMAGE_INPUT], 'x', { perm: TO_NCHW });
  chain.forEach((layer, i) => forwardLayer(graph, layer, i === 0 ? 'x' : chain[i - 1].name, weights));

  const arriving = new Map<string, string[]>();
  const arrive = (layer: string, gradient: string) => arriving.set(layer, [...(arriving.get(layer) ?? []), gradient]);
  const contentLosses = terms.content.map(({ layer, weight }) => {
    const { channels, height: h, width: w } = outputShape(layer);
    const target = graph.node('Transpose', [contentTargetName(layer)], `${layer}:content_target`, { perm: TO_NCHW });
    const difference = graph.node('Sub', [layer, target], `${layer}:content_d`);
    // ∂/∂F of weight·mean((F − P)²) = 2·weight·(F − P)/N.
    arrive(layer, graph.node('Mul', [difference, graph.scalar(`${layer}:content_scale`, (2 * weight) / (channels * h * w))], `${layer}:content_g`));
    return graph.node('Mul', [graph.node('ReduceMean', [graph.node('Mul', [difference, difference], `${layer}:content_d2`)], `${layer}:content_mean`, { keepdims: 0 }), graph.scalar(`${layer}:content_w`, weight)], `${layer}:content_loss`);
  });
  const styleLosses = terms.gram.map(({ layer, weight }) => {
    const { channels, height: h, width: w } = outputShape(layer);
    const norm = graph.scalar(`${layer}:gram_norm`, 1 / (channels * h * w));
    const features = graph.node('Reshape', [layer, graph.int64(`${layer}:flat`, [channels, h * w])], `${layer}:F`);
    const gram = graph.node('Mul', [graph.node('MatMul', [features, graph.node('Transpose', [features], `${layer}:Ft`, { perm: [1, 0] })], `${layer}:FFt`), norm], `${layer}:G`);
    const error = graph.node('Sub', [gram, gramTargetName(layer)], `${layer}:E`);
    // G = F·Fᵀ/(C·P), L = weight·mean(E²): ∂L/∂G = 2·weight·E/C², ∂L/∂F = (∂L/∂G + ∂L/∂Gᵀ)·F/(C·P), as gramMatrix's own gradient.
    const dGram = graph.node('Mul', [error, graph.scalar(`${layer}:gram_scale`, (2 * weight) / (channels * channels))], `${layer}:dG`);
    const symmetric = graph.node('Add', [dGram, graph.node('Transpose', [dGram], `${layer}:dGt`, { perm: [1, 0] })], `${layer}:dGs`);
    const dFeatures = graph.node('Mul', [graph.node('MatMul', [symmetric, features], `${layer}:dGF`), norm], `${layer}:dF`);
    arrive(layer, graph.node('Reshape', [dFeatures, graph.int64(`${layer}:shape`, [1, channels, h, w])], `${layer}:gram_g`));
    return graph.node('Mul', [graph.node('ReduceMean', [graph.node('Mul', [error, error], `${layer}:E2`)], `${layer}:gram_mean`, { keepdims: 0 }), graph.scalar(`${layer}:gram_w`, weight)], `${layer}:style_loss`);
  });
  const total = (losses: string[], name: string) => (losses.length > 0 ? graph.node('Sum', losses, name) : graph.node('Identity', [graph.scalar(`${name}:none`, 0)], name));
  total(contentLosses, CONTENT_LOSS);
  total(styleLosses, STYLE_LOSS);

  const gradient = backwardChain(graph, chain, sides, weights, (layer) => {
    const gradients = arriving.get(layer);
    return gradients ? (gradients.length === 1 ? gradients[0] : graph.node('Sum', gradients, `${layer}:g_sum`)) : null;
  });
  graph.node('Transpose', [gradient], IMAGE_GRADIENT, { perm: TO_NHWC });
  const inputs = [
    floatValueInfo(IMAGE_INPUT, [1, height, width, architecture.inputChannels]),
    ...terms.content.map(({ layer }) => floatValueInfo(contentTargetName(layer), null)),
    ...terms.gram.map(({ layer }) => floatValueInfo(gramTargetName(layer), null)),
  ];
  return graph.model(inputs, [CONTENT_LOSS, STYLE_LOSS, IMAGE_GRADIENT]);
}

/**
 * The gradient with respect to the chain's input (NCHW), from the gradients that flow in at some
 * layers (`incoming`, null where none does), pulled back through the chain from its last layer.
 */
function backwardChain(graph: GraphBuilder, chain: readonly LayerSpec[], sides: readonly [number, number][], weights: ReadonlyMap<string, ConvValues>, incoming: (layer: string) => string | null): string {
  const zero = graph.constant('zero', [], new Float32Array([0]));
  let gradient: string | null = null;
  for (let i = chain.length - 1; i >= 0; i--) {
    const layer = chain[i];
    const arriving = incoming(layer.name);
    if (arriving) gradient = gradient ? graph.node('Add', [gradient, arriving], `${layer.name}:g`) : arriving;
    if (!gradient) continue;
    gradient = layer.kind === 'conv'
      ? backwardConv(graph, layer, gradient, weights.get(layer.name)!, zero)
      : backwardMaxPool(graph, layer as PoolLayerSpec, gradient, chain[i - 1].name, sides[i], zero);
  }
  return gradient!;
}

/** Each chain layer's input side (height, width). */
function chainSides(chain: readonly LayerSpec[], height: number, width: number): [number, number][] {
  const sides: [number, number][] = [];
  let side: [number, number] = [height, width];
  for (const layer of chain) {
    sides.push(side);
    side = [outputSize(layer, side[0]), outputSize(layer, side[1])];
  }
  return sides;
}

function forwardLayer(graph: GraphBuilder, layer: LayerSpec, input: string, weights: ReadonlyMap<string, ConvValues>): void {
  if (layer.kind === 'pool') {
    graph.node('MaxPool', [input], layer.name, { kernel_shape: [layer.size, layer.size], strides: [layer.stride, layer.stride], ceil_mode: layer.ceil ? 1 : 0 });
    return;
  }
  const conv = layer as ConvLayerSpec;
  const { kernel, kernelShape, bias } = weights.get(conv.name)!;
  const [kH, kW, inC, outC] = kernelShape;
  const [padRows, padColumns] = convPadding(conv);
  const w = graph.constant(`${conv.name}:w`, [outC, inC, kH, kW], kernelToOnnx(kernel, kernelShape));
  const b = graph.constant(`${conv.name}:b`, [outC], bias);
  const pads = [padRows, padColumns, padRows, padColumns];
  const z = graph.node('Conv', [input, w, b], `${conv.name}:z`, { kernel_shape: [kH, kW], pads });
  if (conv.leak) graph.node('LeakyRelu', [z], conv.name, {}, { alpha: conv.leak });
  else graph.node('Relu', [z], conv.name);
}

/** dz = dy where y > 0 (× the leak elsewhere), then dx = conv(dz, flip(k)ᵀ): the input gradient as a forward convolution. */
function backwardConv(graph: GraphBuilder, layer: ConvLayerSpec, dy: string, { kernel, kernelShape }: ConvValues, zero: string): string {
  const [kH, kW, inC, outC] = kernelShape;
  const positive = graph.node('Greater', [layer.name, zero], `${layer.name}:positive`);
  const below = layer.leak ? graph.node('Mul', [dy, graph.constant(`${layer.name}:leak`, [], new Float32Array([layer.leak]))], `${layer.name}:leaked`) : zero;
  const dz = graph.node('Where', [positive, dy, below], `${layer.name}:dz`);
  const flipped = graph.constant(`${layer.name}:wT`, [inC, outC, kH, kW], flippedKernelToOnnx(kernel, kernelShape));
  const [padRows, padColumns] = convPadding(layer);
  const pads = [padRows, padColumns, padRows, padColumns];
  return graph.node('Conv', [dz, flipped], `${layer.name}:dx`, { kernel_shape: [kH, kW], pads });
}

/**
 * Each window's gradient goes to the cells equal to its maximum. Ties only happen at 0 after a
 * ReLU (a window of dead units), and there the convolution's ReLU mask zeroes the gradient anyway,
 * so the result is autodiff's. The upsampled map is cut or zero-padded to the input's size: a
 * floor-rounded pool drops the last odd row, a ceil-rounded one hangs over it.
 */
function backwardMaxPool(graph: GraphBuilder, layer: PoolLayerSpec, dy: string, input: string, [inH, inW]: [number, number], zero: string): string {
  const scales = graph.constant(`${layer.name}:scales`, [4], new Float32Array([1, 1, layer.stride, layer.stride]));
  const upsample = (tensor: string, name: string) => fitTo(graph, graph.node('Resize', [tensor, '', scales], name, {}, {}, { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }), layer, inH, inW);
  const maxima = upsample(graph.node('MaxPool', [input], `${layer.name}:y`, { kernel_shape: [layer.size, layer.size], strides: [layer.stride, layer.stride], ceil_mode: layer.ceil ? 1 : 0 }), `${layer.name}:y_up`);
  const spread = upsample(dy, `${layer.name}:dy_up`);
  const argmax = graph.node('Equal', [input, maxima], `${layer.name}:argmax`);
  return graph.node('Where', [argmax, spread, zero], `${layer.name}:dx`);
}

/** Crops or zero-pads an upsampled pool map [1, C, outH·s, outW·s] to the pool's input size. */
function fitTo(graph: GraphBuilder, tensor: string, layer: PoolLayerSpec, inH: number, inW: number): string {
  const outH = outputSize(layer, inH) * layer.stride;
  const outW = outputSize(layer, inW) * layer.stride;
  if (outH === inH && outW === inW) return tensor;
  if (outH >= inH && outW >= inW) {
    const starts = graph.int64(`${tensor}:starts`, [0, 0]);
    const ends = graph.int64(`${tensor}:ends`, [inH, inW]);
    const axes = graph.int64(`${tensor}:axes`, [2, 3]);
    return graph.node('Slice', [tensor, starts, ends, axes], `${tensor}:fit`);
  }
  const pads = graph.int64(`${tensor}:pads`, [0, 0, 0, 0, 0, 0, Math.max(0, inH - outH), Math.max(0, inW - outW)]);
  const padded = graph.node('Pad', [tensor, pads], `${tensor}:padded`);
  return fitTo(graph, padded, { ...layer, stride: 1, size: 1 }, inH, inW);
}

/** Nodes and constants in order, then the model. */
class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly constants: TensorProto[] = [];

  node(opType: string, input: readonly string[], output: string, ints: Record<string, number | readonly number[]> = {}, floats: Record<string, number> = {}, strings: Record<string, string> = {}): string {
    this.nodes.push(onnxNode(opType, input, output, ints, floats, strings));
    return output;
  }

  constant(name: string, dims: readonly number[], values: Float32Array): string {
    this.constants.push(floatTensor(name, dims, values));
    return name;
  }

  scalar(name: string, value: number): string {
    return this.constant(name, [], new Float32Array([value]));
  }

  int64(name: string, values: readonly number[]): string {
    this.constants.push(int64Tensor(name, values));
    return name;
  }

  model(inputs: ReturnType<typeof floatValueInfo>[], outputs: readonly string[]): ModelProto {
    const graph = create(GraphProtoSchema, { name: 'pastiche', node: this.nodes, initializer: this.constants, input: inputs, output: outputs.map((name) => floatValueInfo(name, null)) });
    return create(ModelProtoSchema, { irVersion: 7n, producerName: 'pastiche', graph, opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: OPSET })] });
  }
}
