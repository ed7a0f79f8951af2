import type { Pooling } from '../../stylize/settings.js';
import type { ConcatLayerSpec, ConvLayerSpec, LrnLayerSpec, PoolLayerSpec } from '../architecture.js';
import type { GraphBuilder } from './graphBuilder.js';
import { averages, convPads, onnxPads, poolWindows, windowCells, type Step } from './graphPlan.js';
import { flippedKernelToOnnx, kernelToOnnx } from './onnxProto.js';

// Each layer's forward operation and its input gradient as ONNX nodes, all inference operators: the
// runtime's inference builds have no training operators. Tensors are NCHW; a layer's output is named
// after it.

/** A convolution's weights as plain arrays, in TensorFlow's layout: kernel [kH, kW, in / groups, out]. */
export interface ConvValues {
  readonly kernel: Float32Array;
  readonly kernelShape: readonly [number, number, number, number];
  readonly bias: Float32Array;
}

/**
 * A forward tensor the backward pass reads, by name: in a graph of its own it becomes an input
 * (`int64` for MaxPool's indices), in one graph it is the tensor itself.
 */
export type ReadSaved = (name: string, type?: 'int64') => string;

export const indicesName = (pool: string) => `${pool}:indices`;

export function forwardStep(
  graph: GraphBuilder,
  step: Step,
  weights: ReadonlyMap<string, ConvValues>,
  pooling: Pooling,
): void {
  const { layer, inputs } = step;
  switch (layer.kind) {
    case 'conv':
      return forwardConv(graph, layer, step, weights.get(layer.name)!);
    case 'pool':
      return forwardPool(graph, layer, step, pooling);
    case 'lrn':
      return void graph.node(
        'LRN',
        inputs,
        layer.name,
        { size: layer.size },
        { alpha: layer.alpha, beta: layer.beta, bias: layer.k },
      );
    case 'concat':
      return void graph.node('Concat', inputs, layer.name, { axis: 1 });
  }
}

/** The gradient with respect to each of the step's inputs, from the gradient `dy` of its output. */
export function backwardStep(
  graph: GraphBuilder,
  step: Step,
  dy: string,
  weights: ReadonlyMap<string, ConvValues>,
  pooling: Pooling,
  read: ReadSaved,
): string[] {
  const { layer } = step;
  switch (layer.kind) {
    case 'conv':
      return [backwardConv(graph, layer, step, dy, weights.get(layer.name)!, read)];
    case 'pool':
      return [
        averages(layer, pooling)
          ? backwardAveragePool(graph, layer, step, dy)
          : backwardMaxPool(graph, layer, step, dy, read),
      ];
    case 'lrn':
      return [backwardLrn(graph, layer, step, dy, read)];
    case 'concat':
      return backwardConcat(graph, layer, step, dy);
  }
}

function forwardConv(
  graph: GraphBuilder,
  layer: ConvLayerSpec,
  step: Step,
  { kernel, kernelShape, bias }: ConvValues,
): void {
  const [kH, kW, inC, outC] = kernelShape;
  const stride = layer.stride ?? 1;
  const w = graph.constant(`${layer.name}:w`, [outC, inC, kH, kW], kernelToOnnx(kernel, kernelShape));
  const b = graph.constant(`${layer.name}:b`, [outC], bias);
  const pads = onnxPads(convPads(layer, step.inputSizes[0].side));
  const z = graph.node('Conv', [step.inputs[0], w, b], `${layer.name}:z`, {
    kernel_shape: [kH, kW],
    strides: [stride, stride],
    pads,
    group: layer.groups ?? 1,
  });
  if (layer.leak) graph.node('LeakyRelu', [z], layer.name, {}, { alpha: layer.leak });
  else graph.node('Relu', [z], layer.name);
}

/**
 * dz = dy where y > 0 (× the leak elsewhere); then dx, the adjoint of the convolution applied to dz.
 * For a stride-1 convolution padded (k − 1)/2 on every side that is a convolution with the flipped,
 * transposed kernel; otherwise ConvTranspose with the forward kernel, strides and pads, its
 * output_padding adding the last rows and columns a strided convolution never reads, whose gradient is 0.
 */
function backwardConv(
  graph: GraphBuilder,
  layer: ConvLayerSpec,
  step: Step,
  dy: string,
  values: ConvValues,
  read: ReadSaved,
): string {
  const [kH, kW, inC, outC] = values.kernelShape;
  const zero = graph.scalar('zero', 0);
  const positive = graph.node('Greater', [read(layer.name), zero], `${layer.name}:positive`);
  const below = layer.leak
    ? graph.node('Mul', [dy, graph.scalar(`${layer.name}:leak`, layer.leak)], `${layer.name}:leaked`)
    : zero;
  const dz = graph.node('Where', [positive, dy, below], `${layer.name}:dz`);
  const side = step.inputSizes[0].side;
  const padding = convPads(layer, side);
  const stride = layer.stride ?? 1;
  const groups = layer.groups ?? 1;
  const centred = padding.before.every((p, i) => p === ([kH, kW][i] - 1) / 2 && p === padding.after[i]);
  if (stride === 1 && groups === 1 && centred) {
    const flipped = graph.constant(
      `${layer.name}:wT`,
      [inC, outC, kH, kW],
      flippedKernelToOnnx(values.kernel, values.kernelShape),
    );
    return graph.node('Conv', [dz, flipped], `${layer.name}:dx`, { kernel_shape: [kH, kW], pads: onnxPads(padding) });
  }
  // ConvTranspose's weight is [C_in of the transpose = out, out channels / groups = in / groups, kH, kW]:
  // the forward kernel as it is.
  const w = graph.constant(`${layer.name}:w`, [outC, inC, kH, kW], kernelToOnnx(values.kernel, values.kernelShape));
  return transposed(graph, `${layer.name}:dx`, dz, w, {
    kernel: [kH, kW],
    stride,
    pads: padding,
    groups,
    output: step.output.side,
    input: side,
  });
}

/**
 * ConvTranspose of `dy` (side `output`) back to a tensor of side `input`: as many rows as the
 * forward windows span, then output_padding zero rows up to the input's side (fewer than a stride).
 */
function transposed(
  graph: GraphBuilder,
  name: string,
  dy: string,
  w: string,
  geometry: {
    kernel: readonly [number, number];
    stride: number;
    pads: ReturnType<typeof convPads>;
    groups: number;
    output: readonly [number, number];
    input: readonly [number, number];
  },
): string {
  const { kernel, stride, pads, groups, output, input } = geometry;
  const spanned = output.map((m, i) => (m - 1) * stride + kernel[i] - pads.before[i] - pads.after[i]);
  const extra = input.map((n, i) => n - spanned[i]);
  if (extra.some((rows) => rows < 0 || rows >= stride)) {
    throw new Error(`${name}: windows span ${spanned.join('×')} of ${input.join('×')}`);
  }
  return graph.node('ConvTranspose', [dy, w], name, {
    kernel_shape: [...kernel],
    strides: [stride, stride],
    pads: onnxPads(pads),
    group: groups,
    output_padding: extra,
  });
}

/**
 * MaxPool or AveragePool (counting only image cells, count_include_pad = 0) over explicit pads, as
 * layerOps.pool; a max pool also gives each window's first maximal cell (MaxPool's Indices, flat over
 * N·C·H·W, row by row) for its gradient.
 */
function forwardPool(graph: GraphBuilder, layer: PoolLayerSpec, step: Step, pooling: Pooling): void {
  const { pads, output, computed } = poolWindows(layer, step.inputSizes[0].side);
  const attributes = {
    kernel_shape: [layer.size, layer.size],
    strides: [layer.stride, layer.stride],
    pads: onnxPads(pads),
  };
  const cut = computed[0] !== output[0] || computed[1] !== output[1];
  const names = cut
    ? [`${layer.name}:uncut`, `${indicesName(layer.name)}:uncut`]
    : [layer.name, indicesName(layer.name)];
  if (averages(layer, pooling))
    graph.node('AveragePool', step.inputs, names[0], { ...attributes, count_include_pad: 0 });
  else graph.nodeWithOutputs('MaxPool', step.inputs, names, attributes);
  if (!cut) return;
  const [starts, ends, axes] = [
    graph.int64(`${layer.name}:cut_starts`, [0, 0]),
    graph.int64(`${layer.name}:cut_ends`, output),
    graph.int64('axes:hw', [2, 3]),
  ];
  graph.node('Slice', [names[0], starts, ends, axes], layer.name);
  if (!averages(layer, pooling)) graph.node('Slice', [names[1], starts, ends, axes], indicesName(layer.name));
}

/**
 * Each window's gradient divided by its image cells, then spread over them: a depthwise
 * ConvTranspose with a kernel of ones, the window sum's adjoint.
 */
function backwardAveragePool(graph: GraphBuilder, layer: PoolLayerSpec, step: Step, dy: string): string {
  const { side, channels } = step.inputSizes[0];
  const { pads, output } = poolWindows(layer, side);
  const cells = graph.constant(`${layer.name}:cells`, [1, 1, ...output], windowCells(layer, side));
  const share = graph.node('Div', [dy, cells], `${layer.name}:share`);
  const ones = graph.constant(
    `${layer.name}:ones`,
    [channels, 1, layer.size, layer.size],
    new Float32Array(channels * layer.size * layer.size).fill(1),
  );
  return transposed(graph, `${layer.name}:dx`, share, ones, {
    kernel: [layer.size, layer.size],
    stride: layer.stride,
    pads,
    groups: channels,
    output,
    input: side,
  });
}

/**
 * Each window's gradient added to its first maximal cell, where MaxPool's indices point, as
 * TensorFlow's MaxPoolGrad and tfjs's cpu backend route it: ScatterElements with reduction 'add' into
 * zeros over the flattened input (overlapping windows that share a maximum add up, as in autodiff).
 * onnxruntime's MaxPool keeps the first of equal values in its window (a strict '>' scan, row by row),
 * the same rule, so ties — dead ReLU windows, flat areas of a picture — go where autodiff sends them.
 */
function backwardMaxPool(graph: GraphBuilder, layer: PoolLayerSpec, step: Step, dy: string, read: ReadSaved): string {
  const {
    side: [h, w],
    channels,
  } = step.inputSizes[0];
  const flat = graph.int64('shape:flat', [-1]);
  const indices = graph.node('Reshape', [read(indicesName(layer.name), 'int64'), flat], `${layer.name}:indices_flat`);
  const updates = graph.node('Reshape', [dy, flat], `${layer.name}:dy_flat`);
  const zeros = graph.node(
    'ConstantOfShape',
    [graph.int64(`${layer.name}:cells`, [channels * h * w])],
    `${layer.name}:zeros`,
  );
  const scattered = graph.node(
    'ScatterElements',
    [zeros, indices, updates],
    `${layer.name}:dx_flat`,
    { axis: 0 },
    {},
    { reduction: 'add' },
  );
  return graph.node(
    'Reshape',
    [scattered, graph.int64(`${layer.name}:shape`, [1, channels, h, w])],
    `${layer.name}:dx`,
  );
}

/**
 * Caffe's LRN, y = x·D^−β with D = k + α/n·S and S the sum of x² over the n channels centred on each
 * (Krizhevsky et al. 2012 §3.3): ∂L/∂x = dy·D^−β − (2αβ/n)·x·Sᵀ(dy·y/D), where the channel window sum S
 * is a 1×1 convolution with a band of ones and its adjoint the same band transposed.
 */
function backwardLrn(graph: GraphBuilder, layer: LrnLayerSpec, step: Step, dy: string, read: ReadSaved): string {
  const { channels } = step.inputSizes[0];
  const n = layer.name;
  const [band, bandT] = [false, true].map((transpose) =>
    graph.constant(
      `${n}:band${transpose ? 'T' : ''}`,
      [channels, channels, 1, 1],
      channelBand(channels, layer.size, transpose),
    ),
  );
  const x = read(step.inputs[0]);
  const sums = graph.node('Conv', [graph.node('Mul', [x, x], `${n}:x2`), band], `${n}:S`, { kernel_shape: [1, 1] });
  const d = graph.node(
    'Add',
    [
      graph.node('Mul', [sums, graph.scalar(`${n}:a`, layer.alpha / layer.size)], `${n}:aS`),
      graph.scalar(`${n}:k`, layer.k),
    ],
    `${n}:D`,
  );
  const scale = graph.node('Pow', [d, graph.scalar(`${n}:-b`, -layer.beta)], `${n}:Db`);
  const direct = graph.node('Mul', [dy, scale], `${n}:direct`);
  const inner = graph.node(
    'Div',
    [graph.node('Mul', [graph.node('Mul', [dy, x], `${n}:dyx`), scale], `${n}:dyy`), d],
    `${n}:dyy_D`,
  );
  const spread = graph.node('Conv', [inner, bandT], `${n}:spread`, { kernel_shape: [1, 1] });
  const cross = graph.node(
    'Mul',
    [graph.node('Mul', [x, spread], `${n}:xs`), graph.scalar(`${n}:c`, (2 * layer.alpha * layer.beta) / layer.size)],
    `${n}:cross`,
  );
  return graph.node('Sub', [direct, cross], `${n}:dx`);
}

/**
 * [out, in, 1, 1]: 1 where input channel i is within the window of output channel o (ONNX LRN's:
 * floor((n − 1)/2) before, ceil after).
 */
function channelBand(channels: number, size: number, transpose: boolean): Float32Array {
  const band = new Float32Array(channels * channels);
  const [before, after] = [Math.floor((size - 1) / 2), Math.ceil((size - 1) / 2)];
  for (let o = 0; o < channels; o++)
    for (let i = Math.max(0, o - before); i <= Math.min(channels - 1, o + after); i++) {
      band[transpose ? i * channels + o : o * channels + i] = 1;
    }
  return band;
}

/** The concatenated gradient cut back into the branches' channels. */
function backwardConcat(graph: GraphBuilder, layer: ConcatLayerSpec, step: Step, dy: string): string[] {
  const names = step.inputs.map((_, i) => `${layer.name}:g${i}`);
  const split = graph.int64(
    `${layer.name}:split`,
    step.inputSizes.map((size) => size.channels),
  );
  return [...graph.nodeWithOutputs('Split', [dy, split], names, { axis: 1 })];
}
