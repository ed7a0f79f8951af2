import type { ModelProto, ValueInfoProto } from 'onnx-buf';
import { GraphBuilder } from '../../networks/onnx/graphBuilder.js';
import { floatValueInfo } from '../../networks/onnx/onnxProto.js';
import { INSTANCE_NORM_EPSILON, TRANSFORMER_LAYERS, type TransformerLayer } from '../transformerLayers.js';
import {
  outputChannelShape,
  PHASES,
  phaseConvNode,
  phaseKernelToOnnx,
  runsOnPhases,
  transformerConvNode,
  transformerKernelToOnnx,
  transformerOutputSide,
  type Side,
} from './transformerConvNodes.js';

/**
 * The style network of Johnson et al. (2016) as two ONNX inference graphs of one picture size, what
 * transformerNetwork computes in TensorFlow.js: one normalising every layer by the picture's own
 * instance-norm moments (Ulyanov et al. 2016), which also outputs them, and one normalising by moments
 * given as inputs — a whole picture's, imposed on each of its tiles so that they are normalised alike.
 */

/** One layer's weights as plain arrays, the kernel in the checkpoint's layout (see transformerVariables). */
export interface TransformerLayerValues {
  readonly kernel: Float32Array;
  readonly shift: Float32Array;
  readonly scale: Float32Array;
}

/** Every layer's weights by layer name (conv1, res1a, …, conv4). */
export type TransformerValues = ReadonlyMap<string, TransformerLayerValues>;

/** The picture, RGB in 0..255 as its pixels lie: [1, H, W, 3]. */
export const PICTURE_INPUT = 'picture';
/** The styled picture, [1, H, W, 3], clipped to 0..255 (not rounded). */
export const STYLED_OUTPUT = 'styled';
/** A layer's instance-norm mean and variance: [1, C, 1, 1] as outputs of the own-moments graph, [C] as inputs. */
export const meanName = (layer: string) => `${layer}:mean`;
export const varianceName = (layer: string) => `${layer}:variance`;

/**
 * Picture → styled picture, each layer normalised by its own moments, which are outputs too (the
 * statistics of transformerNetwork.measureStatistics): a picture computed whole, or a whole
 * picture's statistics pass before its tiles.
 */
export function ownMomentsGraph(values: TransformerValues, height: number, width: number): ModelProto {
  const graph = new GraphBuilder();
  const styled = transformer(graph, values, [height, width], (layer, convolve) => ownMoments(graph, layer, convolve));
  const moments = TRANSFORMER_LAYERS.flatMap((layer) => [meanName(layer.name), varianceName(layer.name)]);
  return graph.model([pictureInput(height, width)], [styledOutput(styled, height, width), ...moments]);
}

/** Picture and every layer's moments → styled picture: a tile normalised by its whole picture's statistics. */
export function givenMomentsGraph(values: TransformerValues, height: number, width: number): ModelProto {
  const graph = new GraphBuilder();
  const styled = transformer(graph, values, [height, width], (layer, convolve) => givenMoments(graph, layer, convolve));
  const moments = TRANSFORMER_LAYERS.flatMap((layer) => [
    floatValueInfo(meanName(layer.name), [layer.outChannels]),
    floatValueInfo(varianceName(layer.name), [layer.outChannels]),
  ]);
  return graph.model([pictureInput(height, width), ...moments], [styledOutput(styled, height, width)]);
}

/** One layer's normalised convolution: `convolve` runs the convolution with a weight and an optional bias. */
type Convolve = (weight: string, bias?: string) => string;
type NormalisedConv = (layer: LayerConstants, convolve: Convolve) => string;

interface LayerConstants {
  readonly layer: TransformerLayer;
  /** Whether its convolution is computed per output phase (runsOnPhases): 4 kernels and biases per channel. */
  readonly phases: boolean;
  /** The kernel in ONNX's layout. */
  readonly weight: string;
  readonly shift: string;
  readonly scale: string;
}

/**
 * The layers in order on NCHW tensors: each normalised convolution, its ReLU, the residual adds; then
 * tanh·150 + 255/2 clipped to 0..255 (the recipe's save_img clips), cut to the picture's size (sides
 * come back rounded up by the strides) and laid out as pixels again.
 */
function transformer(
  graph: GraphBuilder,
  values: TransformerValues,
  picture: Side,
  normalisedConv: NormalisedConv,
): string {
  let x = graph.node('Transpose', [PICTURE_INPUT], 'x', { perm: [0, 3, 1, 2] });
  let side = picture;
  let blockInput = x;
  for (const layer of TRANSFORMER_LAYERS) {
    if (layer.residual === 'begin') blockInput = x;
    const input = x;
    const inputSide = side;
    const phases = runsOnPhases(layer, inputSide);
    const emit = phases ? phaseConvNode : transformerConvNode;
    const convolve: Convolve = (weight, bias) =>
      emit(graph, layer, { input, weight, bias, output: `${layer.name}:z`, side: inputSide });
    const normalised = normalisedConv(layerConstants(graph, layer, values, phases), convolve);
    x = layer.relu ? graph.node('Relu', [normalised], layer.name) : normalised;
    if (layer.residual === 'end') x = graph.node('Add', [blockInput, x], `${layer.name}:sum`);
    side = transformerOutputSide(layer, side);
  }
  const scaled = graph.node('Mul', [graph.node('Tanh', [x], 'tanh'), graph.scalar('150', 150)], 'tanh:scaled');
  const shifted = graph.node('Add', [scaled, graph.scalar('127.5', 255 / 2)], 'tanh:shifted');
  const clipped = graph.node('Clip', [shifted, graph.scalar('0', 0), graph.scalar('255', 255)], 'clipped');
  const ends = graph.int64('picture:side', [...picture]);
  const cut = graph.node('Slice', [clipped, graph.int64('origin', [0, 0]), ends, graph.int64('hw', [2, 3])], 'cut');
  return graph.node('Transpose', [cut], STYLED_OUTPUT, { perm: [0, 2, 3, 1] });
}

function layerConstants(
  graph: GraphBuilder,
  layer: TransformerLayer,
  values: TransformerValues,
  phases: boolean,
): LayerConstants {
  const found = values.get(layer.name);
  if (!found) throw new Error(`the style network's weights lack ${layer.name}`);
  const { dims, values: kernel } = (phases ? phaseKernelToOnnx : transformerKernelToOnnx)(layer, found.kernel);
  return {
    layer,
    phases,
    weight: graph.constant(`${layer.name}:w`, dims, kernel),
    shift: graph.constant(`${layer.name}:shift`, [layer.outChannels], found.shift),
    scale: graph.constant(`${layer.name}:scale`, [layer.outChannels], found.scale),
  };
}

/**
 * Instance normalisation by the convolution's own moments over H and W, as transformerNetwork computes
 * it: (z − μ)/√(σ² + ε)·scale + shift with σ² the mean squared deviation (tf.moments).
 */
function ownMoments(graph: GraphBuilder, { layer, weight, shift, scale }: LayerConstants, convolve: Convolve): string {
  const name = layer.name;
  const z = convolve(weight);
  const mean = graph.node('ReduceMean', [z], meanName(name), { axes: [2, 3], keepdims: 1 });
  const deviation = graph.node('Sub', [z, mean], `${name}:deviation`);
  const squared = graph.node('Mul', [deviation, deviation], `${name}:squared`);
  const variance = graph.node('ReduceMean', [squared], varianceName(name), { axes: [2, 3], keepdims: 1 });
  const channels = graph.int64(`channels:${layer.outChannels}`, [1, layer.outChannels, 1, 1]);
  const scale4 = graph.node('Reshape', [scale, channels], `${name}:scale4`);
  const factor = graph.node('Div', [scale4, deviationOf(graph, name, variance)], `${name}:factor`);
  const scaled = graph.node('Mul', [deviation, factor], `${name}:scaled`);
  return graph.node('Add', [scaled, graph.node('Reshape', [shift, channels], `${name}:shift4`)], `${name}:normalised`);
}

/**
 * Normalisation by given moments is affine per channel, z·a + b with a = scale/√(σ² + ε) and
 * b = shift − μ·a, so it is folded into the convolution: kernel·a per output channel and bias b, one
 * Conv node (fused with its ReLU by onnxruntime) instead of four passes over the activation.
 */
function givenMoments(graph: GraphBuilder, constants: LayerConstants, convolve: Convolve): string {
  const { layer, phases, weight, shift, scale } = constants;
  const name = layer.name;
  const factor = graph.node('Div', [scale, deviationOf(graph, name, varianceName(name))], `${name}:factor`);
  const shifted = graph.node('Mul', [meanName(name), factor], `${name}:shifted`);
  const bias = graph.node('Sub', [shift, shifted], `${name}:bias`);
  if (phases) {
    // One factor and one bias per phase channel (c·4 + p·2 + q): each of c's repeated 4 times.
    const repeated = (perChannel: string, shape: readonly number[], label: string) => {
      const columnShape = graph.int64(`${name}:column`, [layer.outChannels, 1]);
      const column = graph.node('Reshape', [perChannel, columnShape], `${label}:c1`);
      const spreadShape = graph.int64(`${name}:spread`, [layer.outChannels, PHASES]);
      const spread = graph.node('Expand', [column, spreadShape], `${label}:c4`);
      return graph.node('Reshape', [spread, graph.int64(`${label}:shape`, shape)], label);
    };
    const a = repeated(factor, [PHASES * layer.outChannels, 1, 1, 1], `${name}:a`);
    const b = repeated(bias, [PHASES * layer.outChannels], `${name}:b`);
    return convolve(graph.node('Mul', [weight, a], `${name}:wa`), b);
  }
  const shape = graph.int64(`${name}:channels`, outputChannelShape(layer));
  const perChannel = graph.node('Reshape', [factor, shape], `${name}:a`);
  return convolve(graph.node('Mul', [weight, perChannel], `${name}:wa`), bias);
}

/** √(σ² + ε), ε as the recipe's instance norm has it. */
function deviationOf(graph: GraphBuilder, name: string, variance: string): string {
  const epsilon = graph.scalar('epsilon', INSTANCE_NORM_EPSILON);
  return graph.node('Sqrt', [graph.node('Add', [variance, epsilon], `${name}:variance+e`)], `${name}:sd`);
}

function pictureInput(height: number, width: number): ValueInfoProto {
  return floatValueInfo(PICTURE_INPUT, [1, height, width, 3]);
}

function styledOutput(name: string, height: number, width: number): ValueInfoProto {
  return floatValueInfo(name, [1, height, width, 3]);
}
