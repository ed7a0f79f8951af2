import * as tf from '@tensorflow/tfjs';
import { PasticheError } from '../../common/errors.js';
import {
  convPadding,
  kernelShape,
  outputSize,
  type ConcatLayerSpec,
  type ConvLayerSpec,
  type LayerSpec,
  type LrnLayerSpec,
  type NetworkArchitecture,
  type PoolLayerSpec,
} from '../../common/networks/architecture.js';
import { ARCHITECTURES } from '../../common/networks/architectures.js';
import { disposeWeights, type ConvWeights } from '../../common/networks/weights.js';
import type { OnnxModel, OnnxNode } from './onnxFile.js';

/**
 * The model zoo's AlexNet and GoogLeNet were converted from Caffe through Caffe2, which names a
 * layer's kernel and bias after the Caffe layer: `conv1_w_0`, `inception_3a/1x1_b_0`.
 */
export const onnxKernelName = (layer: string) => `${layer}_w_0`;
export const onnxBiasName = (layer: string) => `${layer}_b_0`;

/** Caffe2's converter states the input it was run with; a graph that states none is checked at ImageNet's 224 px. */
const DEFAULT_INPUT_SIDE = 224;

/** Where the trace through the graph stands: the tensor the next layer must read, and its channels and side. */
interface Position {
  readonly tensor: string;
  readonly channels: number;
  readonly side: number;
}

/**
 * Maps an ONNX graph onto a declared architecture — AlexNet or GoogLeNet, told by the graph's
 * initializer names unless `family` says — following the graph from its input layer by layer:
 * each convolution must read the previous layer's output and be followed by a Relu, and every
 * operation must have the architecture's kernel, stride, padding, groups and LRN constants. What
 * follows the last feature layer (pooling, Dropout, Gemm, Softmax) is not read. The kernels are
 * turned from ONNX's [out, in/groups, kH, kW] into TensorFlow's [kH, kW, in/groups, out].
 */
export function onnxNetworkWeights(
  model: OnnxModel,
  family?: string,
): { architecture: NetworkArchitecture; weights: Map<string, ConvWeights> } {
  const architecture = chooseArchitecture(model, family);
  const consumers = new Map<string, OnnxNode[]>();
  // Appended in place: a copy per reader would cost the square of a hostile graph's readers of one tensor.
  for (const node of model.nodes) {
    for (const input of node.inputs) consumers.get(input)?.push(node) ?? consumers.set(input, [node]);
  }
  const weights = new Map<string, ConvWeights>();
  const fail = (message: string): never => {
    throw new PasticheError(message, model.file);
  };

  const trace = (layers: readonly LayerSpec[], from: Position): Position =>
    layers.reduce((at, layer) => step(layer, at), from);

  function step(layer: LayerSpec, at: Position): Position {
    switch (layer.kind) {
      case 'conv':
        return convolution(layer, at);
      case 'lrn':
        return normalisation(layer, at);
      case 'pool':
        return pooling(layer, at);
      case 'concat':
        return concatenation(layer, at);
    }
  }

  function convolution(layer: ConvLayerSpec, at: Position): Position {
    const groups = layer.groups ?? 1;
    const expected = [layer.filters, at.channels / groups, ...kernelShape(layer)];
    const kernel = model.initializer(onnxKernelName(layer.name));
    const bias = model.initializer(onnxBiasName(layer.name));
    if (!kernel || !bias)
      return fail(
        `no initializer ${!kernel ? onnxKernelName(layer.name) : onnxBiasName(layer.name)} for ` +
          `${architecture.family}'s ${layer.name}`,
      );
    if (kernel.dims.join() !== expected.join())
      return fail(
        `${onnxKernelName(layer.name)} is ${kernel.dims.join('×')}, ${architecture.family}'s ${layer.name} needs ` +
          `${expected.join('×')}`,
      );
    if (bias.dims.join() !== String(layer.filters))
      return fail(
        `${onnxBiasName(layer.name)} is ${bias.dims.join('×')}, ${architecture.family}'s ${layer.name} needs ` +
          `${layer.filters}`,
      );
    const node = model.nodes.find((n) => n.opType === 'Conv' && n.inputs[1] === onnxKernelName(layer.name));
    if (!node) return fail(`no Conv node uses ${onnxKernelName(layer.name)}`);
    if (node.inputs[0] !== at.tensor)
      return fail(`the Conv of ${layer.name} reads ${node.inputs[0]}, not ${at.tensor}`);
    const [padRows, padColumns] = convPadding(layer);
    checkAttributes(layer.name, 'Conv', node, {
      kernel_shape: [...kernelShape(layer)],
      strides: repeat(layer.stride ?? 1),
      pads: [padRows, padColumns, padRows, padColumns],
      dilations: repeat(1),
      group: groups,
    });
    const relu = only(layer.name, 'Relu', node.outputs[0]);
    weights.set(
      layer.name,
      tf.tidy(() => ({
        // ONNX's [out, in/groups, kH, kW] becomes TensorFlow's [kH, kW, in/groups, out].
        kernel: tf.transpose(
          tf.tensor4d(kernel.values, expected as [number, number, number, number]),
          [2, 3, 1, 0],
        ) as tf.Tensor4D,
        bias: tf.tensor1d(bias.values),
      })),
    );
    return { tensor: relu.outputs[0], channels: layer.filters, side: outputSize(layer, at.side) };
  }

  function normalisation(layer: LrnLayerSpec, at: Position): Position {
    const node = only(layer.name, 'LRN', at.tensor);
    checkAttributes(layer.name, 'LRN', node, { size: layer.size, alpha: layer.alpha, beta: layer.beta, bias: layer.k });
    return { ...at, tensor: node.outputs[0] };
  }

  /**
   * Caffe2's converter wrote Caffe's rounded-up pools as floor-rounded ones with extra padding at
   * the end, sized for the input it was given; so a pool must start where the architecture's does
   * and, at the graph's input size, end with as many windows (which then hold the same cells).
   */
  function pooling(layer: PoolLayerSpec, at: Position): Position {
    const node = only(layer.name, 'MaxPool', at.tensor, 'AveragePool');
    const pads = node.attributes.get('pads') ?? [0, 0, 0, 0];
    const [top, left, bottom, right] = Array.isArray(pads) ? pads : [];
    checkAttributes(layer.name, node.opType, node, {
      kernel_shape: [layer.size, layer.size],
      strides: repeat(layer.stride),
      dilations: repeat(1),
    });
    const span = (at.side + top + bottom - layer.size) / layer.stride;
    const windows = (node.attributes.get('ceil_mode') === 1 ? Math.ceil(span) : Math.floor(span)) + 1;
    const expected = outputSize(layer, at.side);
    if (top !== (layer.pad ?? 0) || left !== top || right !== bottom || windows !== expected) {
      return fail(
        `the ${node.opType} of ${layer.name} (pads ${String(pads)}) gives ${windows} windows on ${at.side} px, ` +
          `${architecture.family} needs ${expected} starting at pad ${layer.pad ?? 0}`,
      );
    }
    return { ...at, tensor: node.outputs[0], side: expected };
  }

  function concatenation(layer: ConcatLayerSpec, at: Position): Position {
    const ends = layer.branches.map((branch) => trace(branch, at));
    const node = model.nodes.find(
      (n) => n.opType === 'Concat' && n.inputs.join() === ends.map((end) => end.tensor).join(),
    );
    if (!node)
      return fail(`no Concat joins the branches of ${layer.name} (${ends.map((end) => end.tensor).join(', ')})`);
    checkAttributes(layer.name, 'Concat', node, { axis: 1 });
    return {
      tensor: node.outputs[0],
      channels: ends.reduce((sum, end) => sum + end.channels, 0),
      side: outputSize(layer, at.side),
    };
  }

  /** The one node of that type reading `tensor`. */
  function only(layer: string, opType: string, tensor: string, alternative?: string): OnnxNode {
    const found = (consumers.get(tensor) ?? []).filter((n) => n.opType === opType || n.opType === alternative);
    if (found.length !== 1)
      return fail(
        `${layer} expects ${found.length === 0 ? 'a' : 'one'} ${opType} reading ${tensor}, the graph has ` +
          `${found.length}${describeReaders(tensor)}`,
      );
    return found[0];
  }

  function describeReaders(tensor: string): string {
    const readers = (consumers.get(tensor) ?? []).map((n) => n.opType);
    return readers.length ? ` (its readers: ${readers.join(', ')})` : '';
  }

  function checkAttributes(
    layer: string,
    opType: string,
    node: OnnxNode,
    expected: Record<string, number | readonly number[]>,
  ): void {
    for (const [name, wanted] of Object.entries(expected)) {
      const found = node.attributes.get(name) ?? ONNX_DEFAULTS[name] ?? (name === 'kernel_shape' ? wanted : undefined);
      if (!sameNumbers(found, wanted))
        fail(`the ${opType} of ${layer} has ${name} ${String(found)}, ${architecture.family} needs ${String(wanted)}`);
    }
    const autoPad = node.attributes.get('auto_pad') ?? 'NOTSET';
    if (autoPad !== 'NOTSET')
      fail(`the ${opType} of ${layer} has auto_pad ${String(autoPad)}; explicit pads are needed`);
  }

  try {
    trace(architecture.layers, {
      tensor: model.input,
      channels: architecture.inputChannels,
      side: model.inputSide ?? DEFAULT_INPUT_SIDE,
    });
  } catch (error) {
    disposeWeights(weights);
    throw error;
  }
  return { architecture, weights };
}

/** By `family` when given, else by the layers whose weights the graph holds. */
function chooseArchitecture(model: OnnxModel, family: string | undefined): NetworkArchitecture {
  if (family !== undefined) {
    const named = Object.hasOwn(ARCHITECTURES, family) ? ARCHITECTURES[family] : undefined;
    if (!named)
      throw new PasticheError(
        `unknown architecture '${family}' (known: ${Object.keys(ARCHITECTURES).join(', ')})`,
        model.file,
      );
    return named;
  }
  const names = new Set(model.initializerNames);
  if (names.has(onnxKernelName('inception_3a/1x1'))) return ARCHITECTURES.googlenet;
  if (['conv1', 'conv5'].every((layer) => names.has(onnxKernelName(layer)))) return ARCHITECTURES.alexnet;
  throw new PasticheError(
    `cannot tell which network this is: no initializer ${onnxKernelName('conv1')} (AlexNet) or ` +
      `${onnxKernelName('inception_3a/1x1')} (GoogLeNet); name it with --architecture`,
    model.file,
  );
}

/**
 * The values ONNX's operator specs give attributes a graph leaves out (kernel_shape defaults to the kernel's own,
 * checked already).
 */
const ONNX_DEFAULTS: Readonly<Record<string, number | readonly number[]>> = {
  strides: [1, 1],
  dilations: [1, 1],
  pads: [0, 0, 0, 0],
  group: 1, // Conv, MaxPool, AveragePool
  alpha: 1e-4,
  beta: 0.75,
  bias: 1, // LRN
};

function sameNumbers(
  found: number | string | readonly number[] | undefined,
  wanted: number | readonly number[],
): boolean {
  if (typeof found === 'string') return false;
  const [a, b] = [found, wanted].map((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])) as number[][];
  // float32 attributes (LRN's α = 1e-4) differ from their decimal in the eighth digit.
  return a.length === b.length && a.every((x, i) => Math.abs(x - b[i]) <= 1e-6 * Math.max(1, Math.abs(b[i])));
}

function repeat(value: number): number[] {
  return [value, value];
}
