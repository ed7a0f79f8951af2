import type { ModelProto, ValueInfoProto } from 'onnx-buf';
import { GraphBuilder } from '../../networks/onnx/graphBuilder.js';
import { floatValueInfo } from '../../networks/onnx/onnxProto.js';
import {
  INSTANCE_NORM_EPSILON,
  TRANSFORMER_LAYERS,
  transformerVariables,
  type TransformerLayer,
} from '../transformerLayers.js';
import { samePads as axisSamePads, transformerConvNode, transformerOutputSide } from './transformerConvNodes.js';

// The style transformer (transformerLayers.ts) as two ONNX graphs for training on a native runtime: its
// forward pass on a batch, keeping what backpropagation reads, and its backward pass from ∂L/∂output to
// the gradient of every variable. Only inference operators: a convolution's kernel gradient is itself a
// convolution (trainableConv.ts's filterGradient), its input gradient the transposed operation.
// Tensors are NCHW inside; the photos, the output and its gradient are NHWC, the variables in their
// checkpoint layouts (transformerVariables).

export const PHOTOS_INPUT = 'photos';
export const OUTPUT = 'output';
export const OUTPUT_GRADIENT = 'output_grad';
/** A variable's input name: its checkpoint name (`conv1/kernel`). */
export const variableInput = (name: string) => name;
export const variableGradient = (name: string) => `grad:${name}`;

/** The forward and backward graphs for one batch shape. */
export interface TransformerTrainingGraphs {
  /** photos [N, H, W, 3] in 0..255 and the variables → OUTPUT [N, H, W, 3] (tanh·150 + 127.5) and `saved`. */
  readonly forward: ModelProto;
  /** `saved`, the variables and OUTPUT_GRADIENT [N, H, W, 3] → variableGradient(name) for every variable. */
  readonly backward: ModelProto;
  /** The forward graph's outputs the backward graph takes, under the same names. */
  readonly saved: readonly string[];
}

const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];
/** TensorFlow's kernel [k, k, a, b] → ONNX's [b, a, k, k]: Conv's weight, or ConvTranspose's for [k, k, out, in]. */
const KERNEL_TO_ONNX = [3, 2, 0, 1];
/** Instance normalisation's axes: each picture's and channel's positions. */
const SPATIAL = [2, 3];

const outputName = (layer: TransformerLayer) => `${layer.name}:out`;
const savedName = (layer: TransformerLayer, what: 'n' | 'rstd') => `${layer.name}:${what}`;
const TANH = 'tanh';

/**
 * Both graphs for a batch of `batch` photos of height × width (multiples of 4, as training sizes
 * are), so that every stride divides the sides and the sub-pixel sides come back whole.
 */
export function transformerTrainingGraphs(
  batch: number,
  height: number,
  width: number,
  patchFloats = PATCH_FLOATS,
): TransformerTrainingGraphs {
  if (height % 4 !== 0 || width % 4 !== 0) {
    throw new Error(`the transformer trains on sides divisible by 4, not ${height}×${width}`);
  }
  const variables = transformerVariables().map(({ layer, role, shape }) =>
    floatValueInfo(variableInput(`${layer}/${role}`), shape),
  );
  const forward = new GraphBuilder();
  const saved = new Map<string, ValueInfoProto>();
  const save = (name: string) => (saved.set(name, floatValueInfo(name, null)), name);

  let x = forward.node('Transpose', [PHOTOS_INPUT], 'photos:nchw', { perm: TO_NCHW });
  let side = [height, width];
  const inputs = new Map<string, { name: string; side: number[] }>();
  for (const [i, layer] of TRANSFORMER_LAYERS.entries()) {
    inputs.set(layer.name, { name: save(x), side });
    const closing = layer.residual === 'end';
    const y = forwardLayer(forward, layer, x, side, closing ? `${layer.name}:y` : outputName(layer));
    side = layerSide(layer, side);
    save(savedName(layer, 'n'));
    save(savedName(layer, 'rstd'));
    x = closing ? forward.node('Add', [inputs.get(TRANSFORMER_LAYERS[i - 1].name)!.name, y], outputName(layer)) : y;
  }
  const tanh = save(forward.node('Tanh', [x], TANH));
  const scaled = forward.node('Mul', [tanh, forward.scalar('150', 150)], 'output:scaled');
  const shifted = forward.node('Add', [scaled, forward.scalar('127.5', 255 / 2)], 'output:nchw');
  forward.node('Transpose', [shifted], OUTPUT, { perm: TO_NHWC });

  const backward = new GraphBuilder();
  backwardLayers(backward, inputs, { batch, patchFloats });
  const photoShape = [batch, height, width, 3];
  return {
    forward: forward.model([floatValueInfo(PHOTOS_INPUT, photoShape), ...variables], [OUTPUT, ...saved.values()]),
    backward: backward.model(
      [...saved.values(), ...variables, floatValueInfo(OUTPUT_GRADIENT, photoShape)],
      transformerVariables().map(({ layer, role }) => variableGradient(`${layer}/${role}`)),
    ),
    saved: [...saved.keys()],
  };
}

/** A layer's output side (the training graphs take sides divisible by 4, so every stride divides them). */
function layerSide(layer: TransformerLayer, side: readonly number[]): number[] {
  return [...transformerOutputSide(layer, [side[0], side[1]])];
}

/**
 * One layer forward: its convolution, instance normalisation with each picture's own moments
 * ((c − μ)·rsqrt(σ² + ε), σ² biased, as tf.moments), ·scale + shift, then ReLU where it has one.
 * Saves the normalised tensor and rsqrt(σ² + ε), which the backward pass reads.
 */
function forwardLayer(
  graph: GraphBuilder,
  layer: TransformerLayer,
  x: string,
  inputSide: number[],
  output: string,
): string {
  const n = layer.name;
  const kernel = graph.node('Transpose', [variableInput(`${n}/kernel`)], `${n}:w`, { perm: KERNEL_TO_ONNX });
  const request = { input: x, weight: kernel, output: `${n}:c`, side: [inputSide[0], inputSide[1]] as const };
  const convolved = transformerConvNode(graph, layer, request);
  const mean = graph.node('ReduceMean', [convolved], `${n}:mean`, { axes: SPATIAL, keepdims: 1 });
  const centred = graph.node('Sub', [convolved, mean], `${n}:centred`);
  const squares = graph.node('Mul', [centred, centred], `${n}:sq`);
  const variance = graph.node('ReduceMean', [squares], `${n}:var`, { axes: SPATIAL });
  const epsilon = graph.scalar('epsilon', INSTANCE_NORM_EPSILON);
  const std = graph.node('Sqrt', [graph.node('Add', [variance, epsilon], `${n}:var_e`)], `${n}:std`);
  const rstd = graph.node('Reciprocal', [std], savedName(layer, 'rstd'));
  const normalised = graph.node('Mul', [centred, rstd], savedName(layer, 'n'));
  const scaled = graph.node('Mul', [normalised, channelVector(graph, n, 'scale')], `${n}:scaled`);
  if (!layer.relu) return graph.node('Add', [scaled, channelVector(graph, n, 'shift')], output);
  return graph.node('Relu', [graph.node('Add', [scaled, channelVector(graph, n, 'shift')], `${n}:y`)], output);
}

/** A [C] variable as [1, C, 1, 1], to scale or shift each channel of an NCHW tensor. */
function channelVector(graph: GraphBuilder, layer: string, role: 'scale' | 'shift'): string {
  const shape = graph.int64('shape:channels', [1, -1, 1, 1]);
  return graph.node('Reshape', [variableInput(`${layer}/${role}`), shape], `${layer}:${role}4`);
}

interface Pads {
  readonly before: readonly number[];
  readonly after: readonly number[];
}

/**
 * A layer's 'same' zeros for its output side from an input side (TensorFlow's rule, transformerConvNodes'
 * samePads): for a transposed layer those of the convolution it is the adjoint of, on its output.
 */
function samePads(inputSide: readonly number[], layer: TransformerLayer): Pads {
  const [rows, columns] = inputSide.map((n) => axisSamePads(n, layer.kernelSize, layer.stride));
  return { before: [rows[0], columns[0]], after: [rows[1], columns[1]] };
}

const onnxPads = ({ before, after }: Pads) => [...before, ...after];

/** A convolution of the backward pass (an input gradient), weight [out, in, k, k], with explicit pads. */
function convNodes(
  graph: GraphBuilder,
  name: string,
  x: string,
  weight: string,
  k: number,
  stride: number,
  pads: Pads,
): string {
  return graph.node('Conv', [x, weight], name, {
    kernel_shape: [k, k],
    strides: [stride, stride],
    pads: onnxPads(pads),
  });
}

/**
 * The gradients from OUTPUT_GRADIENT back through every layer: each tensor's gradient is the sum of
 * what its readers send back (a residual block's input is read by its first layer and by the sum
 * that closes the block).
 */
function backwardLayers(
  graph: GraphBuilder,
  inputs: ReadonlyMap<string, { name: string; side: number[] }>,
  sizes: BackwardSizes,
): void {
  const sent = new Map<string, string[]>();
  const send = (tensor: string, gradient: string) => sent.set(tensor, [...(sent.get(tensor) ?? []), gradient]);
  const total = (tensor: string) => {
    const parts = sent.get(tensor)!;
    return parts.length === 1 ? parts[0] : graph.node('Sum', parts, `${tensor}:g`);
  };
  // output = tanh(x)·150 + 127.5: ∂/∂x = 150·(1 − tanh²).
  const incoming = graph.node('Transpose', [OUTPUT_GRADIENT], 'output_grad:nchw', { perm: TO_NCHW });
  const slope = graph.node('Sub', [graph.scalar('one', 1), graph.node('Mul', [TANH, TANH], 'tanh2')], 'tanh_slope');
  const last = TRANSFORMER_LAYERS.at(-1)!;
  const scaled = graph.node('Mul', [incoming, graph.scalar('150', 150)], 'g:scaled');
  send(outputName(last), graph.node('Mul', [scaled, slope], 'g:tanh'));
  for (const [i, layer] of [...TRANSFORMER_LAYERS.entries()].reverse()) {
    const gradient = total(outputName(layer));
    const input = inputs.get(layer.name)!;
    // A block's closing sum sends its gradient to the block's input as it is.
    if (layer.residual === 'end') send(inputs.get(TRANSFORMER_LAYERS[i - 1].name)!.name, gradient);
    const dx = backwardLayer(graph, layer, input, gradient, i > 0, sizes);
    if (dx) send(input.name, dx);
  }
}

/**
 * One layer backward from ∂L/∂(its activation): ReLU passes it where the activation is positive; then
 * ∂shift = Σ dy and ∂scale = Σ dy·n̂ over the batch and positions; instance normalisation's gradient
 * dc = rstd·(dn − mean(dn) − n̂·mean(dn·n̂)) with dn = dy·scale, that is rstd·scale·(dy − mean(dy) −
 * n̂·mean(dy·n̂)) (Ulyanov et al. 2016, as batch
 * normalisation's, Ioffe & Szegedy 2015 §3, over one picture's positions); then the kernel's and,
 * unless it reads the photos, the input's gradient.
 */
function backwardLayer(
  graph: GraphBuilder,
  layer: TransformerLayer,
  input: { name: string; side: number[] },
  gradient: string,
  needsInput: boolean,
  { batch, patchFloats }: BackwardSizes,
): string | null {
  const n = layer.name;
  const normalised = savedName(layer, 'n');
  // ReLU passes the gradient where its output, which the next layer kept as its input, is positive.
  const dy = layer.relu ? reluGradient(graph, layer, gradient) : gradient;
  // scale is per channel, so mean(dn) = scale·mean(dy) and mean(dn·n̂) = scale·mean(dy·n̂): the sums the
  // shift and scale need are these means of one picture's positions, added over the batch.
  const meanDy = graph.node('ReduceMean', [dy], `${n}:dy_mean`, { axes: SPATIAL });
  const meanDyn = graph.node('ReduceMean', [graph.node('Mul', [dy, normalised], `${n}:dyn`)], `${n}:dyn_mean`, {
    axes: SPATIAL,
  });
  const [rows, columns] = layerSide(layer, input.side);
  const positions = graph.scalar(`positions:${rows * columns}`, rows * columns);
  const batchAndPositions = graph.int64('axes:nhw', [0, 2, 3]);
  for (const [role, mean] of [
    ['shift', meanDy],
    ['scale', meanDyn],
  ] as const) {
    const summed = graph.node('ReduceSum', [mean, batchAndPositions], `${n}:${role}_sum`, { keepdims: 0 });
    graph.node('Mul', [summed, positions], variableGradient(`${n}/${role}`));
  }
  const along = graph.node('Mul', [normalised, meanDyn], `${n}:n_dyn`);
  const centred = graph.node('Sub', [graph.node('Sub', [dy, meanDy], `${n}:dy_c`), along], `${n}:dy_cc`);
  const factor = graph.node('Mul', [savedName(layer, 'rstd'), channelVector(graph, n, 'scale')], `${n}:factor`);
  const dc = graph.node('Mul', [centred, factor], `${n}:dc`);
  const kernel = variableGradient(`${n}/kernel`);
  const weight = graph.node('Transpose', [variableInput(`${n}/kernel`)], `${n}:w`, { perm: KERNEL_TO_ONNX });
  if (layer.kind === 'transposed') {
    // The transpose is the adjoint of y → conv(y, kernel, 2, 'same') on the output side: that convolution's
    // kernel gradient with the roles of input and output gradient swapped (trainableConv2dTranspose).
    const outputSide = layerSide(layer, input.side);
    const shape = { batch, channels: layer.outChannels, outputSide: input.side, patchFloats };
    kernelGradientNodes(graph, kernel, dc, input.name, layer.kernelSize, 2, samePads(outputSide, layer), shape);
    if (!needsInput) return null;
    return convNodes(graph, `${n}:dx`, dc, weight, layer.kernelSize, 2, samePads(outputSide, layer));
  }
  const pads = samePads(input.side, layer);
  const shape = { batch, channels: layer.inChannels, outputSide: layerSide(layer, input.side), patchFloats };
  kernelGradientNodes(graph, kernel, input.name, dc, layer.kernelSize, layer.stride, pads, shape);
  if (!needsInput) return null;
  if (layer.stride === 1) {
    return convNodes(graph, `${n}:dx`, dc, flippedWeight(graph, n, weight), layer.kernelSize, 1, pads);
  }
  return graph.node('ConvTranspose', [dc, weight], `${n}:dx`, {
    kernel_shape: [layer.kernelSize, layer.kernelSize],
    strides: [layer.stride, layer.stride],
    pads: onnxPads(pads),
  });
}

/** dy where the layer's output ReLU(n̂·scale + shift), saved as the next layer's input, is positive. */
function reluGradient(graph: GraphBuilder, layer: TransformerLayer, gradient: string): string {
  const n = layer.name;
  const positive = graph.node('Greater', [outputName(layer), graph.scalar('zero', 0)], `${n}:positive`);
  return graph.node('Where', [positive, gradient, graph.scalar('zero', 0)], `${n}:dy`);
}

/** A stride-1 convolution's input-gradient weight: [out, in, k, k] flipped in space, in and out swapped. */
function flippedWeight(graph: GraphBuilder, layer: string, weight: string): string {
  const flipped = graph.node(
    'Slice',
    [
      weight,
      graph.int64('flip:starts', [-1, -1]),
      graph.int64('flip:ends', [-(2 ** 31), -(2 ** 31)]),
      graph.int64('axes:hw', SPATIAL),
      graph.int64('flip:steps', [-1, -1]),
    ],
    `${layer}:w_flipped`,
  );
  return graph.node('Transpose', [flipped], `${layer}:wT`, { perm: [1, 0, 2, 3] });
}

/** What a kernel gradient multiplies: the batch, the input's channels and the output's side. */
export interface KernelGradientShape {
  readonly batch: number;
  readonly channels: number;
  readonly outputSide: readonly number[];
  /** The most floats of patches gathered for the matrix product (PATCH_FLOATS unless given). */
  readonly patchFloats?: number;
}

/** The batch, and the largest patches the kernel gradients gather. */
interface BackwardSizes {
  readonly batch: number;
  readonly patchFloats: number;
}

/**
 * Patches at most this many floats (256 MB) are gathered for one matrix product; larger ones (a 9×9
 * kernel over many channels) take the convolution, which needs no patches.
 */
export const PATCH_FLOATS = 2 ** 26;

/**
 * ∂L/∂kernel [k, k, in, out] of c = conv(x, kernel, stride, 'same') given dc (trainableConv.ts's
 * filterGradient): Σ over n, p, q of x̃[n, c, p·s + i, q·s + j]·dc[n, d, p, q], x̃ the padded input.
 * As one matrix product of x̃'s k² shifted (strided) copies, [k²·C, N·P·Q], by dc as [N·P·Q, D]; the
 * convolution below leaves onnxruntime C products only k² columns wide. Measured at 256 px, batch 4
 * (onnxruntime's profiler, loaded 2-core machine): the ten residual layers' kernel gradients took 0.9 s
 * against 3.5 s, the whole backward pass about half the time (4.7 s of kernels against 9.4 s).
 */
export function kernelGradientNodes(
  graph: GraphBuilder,
  name: string,
  x: string,
  dc: string,
  k: number,
  stride: number,
  pads: Pads,
  shape: KernelGradientShape,
): string {
  const zeros = graph.int64(`${name}:pads`, [0, 0, ...pads.before, 0, 0, ...pads.after]);
  const padded = [...pads.before, ...pads.after].some((p) => p > 0)
    ? graph.node('Pad', [x, zeros], `${name}:x_padded`)
    : x;
  const swapped = graph.node('Transpose', [padded], `${name}:x_swapped`, { perm: [1, 0, 2, 3] });
  const [rows, columns] = shape.outputSide;
  const positions = shape.batch * rows * columns;
  const patchFloats = k * k * shape.channels * positions;
  if (patchFloats > (shape.patchFloats ?? PATCH_FLOATS)) return kernelGradientConv(graph, name, swapped, dc, k, stride);
  const flat = graph.int64(`${name}:flat`, [shape.channels, positions]);
  const steps = graph.int64(`stride:${stride}`, [stride, stride]);
  const patches = Array.from({ length: k * k }, (_, index) => {
    const [i, j] = [Math.floor(index / k), index % k];
    const shifted = graph.node(
      'Slice',
      [
        swapped,
        graph.int64(`shift:${i},${j}`, [i, j]),
        graph.int64(`${name}:end:${i},${j}`, [i + stride * (rows - 1) + 1, j + stride * (columns - 1) + 1]),
        graph.int64('axes:hw', SPATIAL),
        steps,
      ],
      `${name}:x_${i}_${j}`,
    );
    return graph.node('Reshape', [shifted, flat], `${name}:patch_${i}_${j}`);
  });
  const stacked = graph.node('Concat', patches, `${name}:patches`, { axis: 0 });
  const gradients = graph.node(
    'Reshape',
    [graph.node('Transpose', [dc], `${name}:dc_nhwc`, { perm: TO_NHWC }), graph.int64(`${name}:rows`, [positions, -1])],
    `${name}:dc_rows`,
  );
  const product = graph.node('MatMul', [stacked, gradients], `${name}:product`);
  return graph.node('Reshape', [product, graph.int64(`${name}:kernel_shape`, [k, k, shape.channels, -1])], name);
}

/**
 * The same sum as a valid convolution of x̃ with batch and channels swapped ([C, N, H, W]) by dc as a
 * weight ([D, N, P, Q]) dilated by the stride, giving [C, D, k, k]: no patches in memory.
 */
function kernelGradientConv(
  graph: GraphBuilder,
  name: string,
  swapped: string,
  dc: string,
  k: number,
  stride: number,
): string {
  const filter = graph.node('Transpose', [dc], `${name}:dc_swapped`, { perm: [1, 0, 2, 3] });
  const correlated = graph.node('Conv', [swapped, filter], `${name}:cdkk`, { dilations: [stride, stride] });
  const cropped = graph.node(
    'Slice',
    [
      correlated,
      graph.int64('kernel:starts', [0, 0]),
      graph.int64(`${name}:ends`, [k, k]),
      graph.int64('axes:hw', SPATIAL),
    ],
    `${name}:cropped`,
  );
  return graph.node('Transpose', [cropped], name, { perm: [2, 3, 0, 1] });
}
