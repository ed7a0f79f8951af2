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
export function transformerKernelToOnnx(
  layer: TransformerLayer,
  kernel: Float32Array,
): {
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
export function transformerConvNode(
  graph: GraphBuilder,
  layer: TransformerLayer,
  request: TransformerConvRequest,
): string {
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

/**
 * Whether the layer's convolution is computed per output phase (phaseConvNode), as onnxruntime's CPU
 * computes it several times faster (measured, 512 px): a transposed one (its ConvTranspose ran at a
 * fifth of a convolution's speed, the upsampling layers taking a fifth of a pass), and a stride-1 one
 * with fewer output channels than the blocked convolution packs (the last layer's 3 of 16 lanes on
 * AVX-512, the rest computed and thrown away: another fifth) on an input of even sides (the layer
 * after the upsampling always has them).
 */
export function runsOnPhases(layer: TransformerLayer, [height, width]: Side): boolean {
  if (layer.kind === 'transposed') return layer.stride === 2 && layer.kernelSize === 3;
  return layer.stride === 1 && layer.outChannels < 8 && height % 2 === 0 && width % 2 === 0;
}

/**
 * Output phases per output channel: channel (c, p, q) = c·4 + p·2 + q is output c at rows 2u + p and
 * columns 2v + q (DepthToSpace's CRD order).
 */
export const PHASES = 4;

/** The kernel phaseConvNode convolves with, in ONNX's layout: see subPixelKernel and spaceToDepthKernel. */
export function phaseKernelToOnnx(
  layer: TransformerLayer,
  kernel: Float32Array,
): {
  readonly dims: readonly number[];
  readonly values: Float32Array;
} {
  return layer.kind === 'transposed' ? subPixelKernel(layer, kernel) : spaceToDepthKernel(layer, kernel);
}

/**
 * The transposed convolution (3×3, stride 2, 'same', pads nothing before) as one 2×2 convolution to
 * 4·out phase channels (Shi et al. 2016): output row 2m + p = 2i + kh sums input rows i = m − 1 + r,
 * r ∈ {0, 1}, with kernel row kh = p + 2 − 2r where it is within the kernel (even rows take rows 2
 * and 0, odd ones row 1 alone). [4·out, in, 2, 2] from the checkpoint's [3, 3, out, in]; the zero
 * taps cost 16/9 of the multiplications, still far less time than ConvTranspose.
 */
function subPixelKernel(layer: TransformerLayer, kernel: Float32Array): { dims: number[]; values: Float32Array } {
  const { kernelSize: k, inChannels: inC, outChannels: outC } = layer;
  const values = new Float32Array(PHASES * outC * inC * 4);
  for (let c = 0; c < outC; c++)
    for (let p = 0; p < 2; p++)
      for (let q = 0; q < 2; q++) {
        for (let i = 0; i < inC; i++)
          for (let r = 0; r < 2; r++)
            for (let t = 0; t < 2; t++) {
              const [kh, kw] = [p + 2 - 2 * r, q + 2 - 2 * t];
              if (kh >= k || kw >= k) continue;
              values[((((c * 2 + p) * 2 + q) * inC + i) * 2 + r) * 2 + t] =
                kernel[((kh * k + kw) * outC + c) * inC + i];
            }
      }
  return { dims: [PHASES * outC, inC, 2, 2], values };
}

/**
 * A stride-1 'same' convolution on its input's 2×2 space-to-depth, [4·out, 4·in, r, r] with
 * r = 2⌊(h + 1)/2⌋ + 1 for a k = 2h + 1 kernel: input channel (a, b, i) is input i at rows 2u' + a,
 * columns 2v' + b (SpaceToDepth's order); output row 2u + p reads input row 2u + p + d for d in −h…h,
 * which is row 2(u + m) + a with d = 2m + a − p.
 */
function spaceToDepthKernel(layer: TransformerLayer, kernel: Float32Array): { dims: number[]; values: Float32Array } {
  const { kernelSize: k, inChannels: inC, outChannels: outC } = layer;
  const h = (k - 1) / 2;
  const reach = Math.floor((h + 1) / 2);
  const r = 2 * reach + 1;
  const values = new Float32Array(PHASES * outC * 4 * inC * r * r);
  for (let c = 0; c < outC; c++)
    for (let p = 0; p < 2; p++)
      for (let q = 0; q < 2; q++) {
        for (let a = 0; a < 2; a++)
          for (let b = 0; b < 2; b++)
            for (let i = 0; i < inC; i++) {
              for (let mu = 0; mu < r; mu++)
                for (let mv = 0; mv < r; mv++) {
                  const [dy, dx] = [2 * (mu - reach) + a - p, 2 * (mv - reach) + b - q];
                  if (Math.abs(dy) > h || Math.abs(dx) > h) continue;
                  const to = ((((c * 2 + p) * 2 + q) * 4 * inC + (a * 2 + b) * inC + i) * r + mu) * r + mv;
                  values[to] = kernel[(((dy + h) * k + dx + h) * inC + i) * outC + c];
                }
            }
      }
  return { dims: [PHASES * outC, 4 * inC, r, r], values };
}

/**
 * The layer's convolution per output phase: a convolution with phaseKernelToOnnx's kernel (and a bias
 * per phase channel, if any) to 4·out channels, then DepthToSpace (CRD) to out channels at twice the
 * side. A transposed layer's input is convolved as it is, padded one row and column before (its
 * m − 1); a stride-1 one's first goes through SpaceToDepth (2×2), padded by `reach`, which is the
 * original padding of 2·reach ≥ h pixels as the sides are even.
 */
export function phaseConvNode(graph: GraphBuilder, layer: TransformerLayer, request: TransformerConvRequest): string {
  const { input, weight, bias, output } = request;
  const weights = bias ? [weight, bias] : [weight];
  const phases =
    layer.kind === 'transposed'
      ? graph.node('Conv', [input, ...weights], `${output}:phases`, { kernel_shape: [2, 2], pads: [1, 1, 0, 0] })
      : spaceToDepthConv(graph, layer, input, weights, output);
  return graph.node('DepthToSpace', [phases], output, { blocksize: 2 }, {}, { mode: 'CRD' });
}

function spaceToDepthConv(
  graph: GraphBuilder,
  layer: TransformerLayer,
  input: string,
  weights: readonly string[],
  output: string,
): string {
  const reach = Math.floor((layer.kernelSize + 1) / 4);
  const r = 2 * reach + 1;
  const packed = graph.node('SpaceToDepth', [input], `${output}:s2d`, { blocksize: 2 });
  return graph.node('Conv', [packed, ...weights], `${output}:phases`, {
    kernel_shape: [r, r],
    pads: [reach, reach, reach, reach],
  });
}
