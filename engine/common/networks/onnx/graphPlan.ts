import type { Pooling } from '../../stylize/settings.js';
import {
  holdsWanted,
  kernelShape,
  outputSize,
  type ConvLayerSpec,
  type LayerSpec,
  type NetworkArchitecture,
  type PoolLayerSpec,
} from '../architecture.js';

// Which layers a forward graph runs for some requested layers, in order, with the tensors each
// reads and writes and their sizes: what both the forward and the backward graphs are built from.

/** The network's input, NCHW, in every graph. */
export const INPUT_TENSOR = 'x';

/** A tensor's side (height, width) and channels. */
export interface TensorSize {
  readonly side: readonly [number, number];
  readonly channels: number;
}

/**
 * One layer run on the way to the requested ones: it reads `inputs` (several for a concatenation's
 * branches) and writes the tensor named after it.
 */
export interface Step {
  readonly layer: LayerSpec;
  readonly inputs: readonly string[];
  readonly inputSizes: readonly TensorSize[];
  readonly output: TensorSize;
}

/**
 * The layers that compute the requested ones, as featureNetwork.activations runs them: up to the last
 * one that is or holds a requested layer, a composite whose output is not needed running only the
 * branches, and the layers in them, that lead to one.
 */
export function planSteps(
  architecture: NetworkArchitecture,
  requested: readonly string[],
  height: number,
  width: number,
): Step[] {
  const wanted = new Set(requested);
  const steps: Step[] = [];
  run(
    architecture.layers,
    { name: INPUT_TENSOR, size: { side: [height, width], channels: architecture.inputChannels } },
    false,
  );
  return steps;

  function run(layers: readonly LayerSpec[], x: Produced, whole: boolean): Produced {
    const last = whole
      ? layers.length - 1
      : layers.reduce((found, layer, i) => (holdsWanted(layer, wanted) ? i : found), -1);
    layers.slice(0, last + 1).forEach((layer, i) => (x = apply(layer, x, i < last || whole || wanted.has(layer.name))));
    return x;
  }

  function apply(layer: LayerSpec, x: Produced, outputNeeded: boolean): Produced {
    if (layer.kind === 'concat') {
      const outputs = layer.branches.map((branch) => run(branch, x, outputNeeded));
      if (!outputNeeded) return x;
      const channels = outputs.reduce((sum, output) => sum + output.size.channels, 0);
      return record(layer, outputs, { side: outputs[0].size.side, channels });
    }
    const [h, w] = x.size.side;
    const channels = layer.kind === 'conv' ? layer.filters : x.size.channels;
    return record(layer, [x], { side: [outputSize(layer, h), outputSize(layer, w)], channels });
  }

  function record(layer: LayerSpec, inputs: readonly Produced[], output: TensorSize): Produced {
    steps.push({
      layer,
      inputs: inputs.map((input) => input.name),
      inputSizes: inputs.map((input) => input.size),
      output,
    });
    return { name: layer.name, size: output };
  }
}

interface Produced {
  readonly name: string;
  readonly size: TensorSize;
}

/** Zeros before and after each axis, as ONNX's pads lists them. */
export interface Pads {
  readonly before: readonly [number, number];
  readonly after: readonly [number, number];
}

export const onnxPads = ({ before, after }: Pads): number[] => [...before, ...after];

/**
 * A convolution's zeros on an input of this side, as TensorFlow.js pads: 'same' pads (out − 1)·s + k − n
 * in all, the smaller half before (tf's computeConv2DInfo); Caffe's number pads that on both sides.
 */
export function convPads(layer: ConvLayerSpec, side: readonly [number, number]): Pads {
  const padding = layer.padding ?? 'same';
  const stride = layer.stride ?? 1;
  const axis = (n: number, k: number): [number, number] => {
    if (padding === 'valid') return [0, 0];
    if (padding !== 'same') return [padding, padding];
    const total = Math.max(0, (Math.ceil(n / stride) - 1) * stride + k - n);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  };
  const [kH, kW] = kernelShape(layer);
  const [rows, columns] = [axis(side[0], kH), axis(side[1], kW)];
  return { before: [rows[0], columns[0]], after: [rows[1], columns[1]] };
}

/**
 * A pool's windows on an input of this side, as layerOps.pool computes them: Caffe's `pad` before,
 * after it as many as the last window reaches past the edge (a ceil-rounded window hanging over it),
 * and the windows an unrounded ONNX pool over that padding makes — one more than the layer's where
 * Caffe drops a last window that starts in the padding, which is then cut off.
 */
export function poolWindows(
  layer: PoolLayerSpec,
  side: readonly [number, number],
): { pads: Pads; output: [number, number]; computed: [number, number] } {
  const pad = layer.pad ?? 0;
  const output = side.map((n) => outputSize(layer, n)) as [number, number];
  const after = side.map((n, i) => Math.max(0, (output[i] - 1) * layer.stride + layer.size - n - pad)) as [
    number,
    number,
  ];
  const computed = side.map((n, i) => Math.floor((n + pad + after[i] - layer.size) / layer.stride) + 1) as [
    number,
    number,
  ];
  return { pads: { before: [pad, pad], after }, output, computed };
}

/** Whether the run averages in this pool: a pool marked `average` always does, the others as the run's pooling says. */
export function averages(layer: PoolLayerSpec, pooling: Pooling): boolean {
  return layer.average === true || pooling === 'avg';
}

/**
 * How many image cells each window of a pool covers, [outH · outW] row by row: the divisor of an
 * average that counts only cells inside the image (ONNX's count_include_pad = 0, layerOps.pool).
 */
export function windowCells(layer: PoolLayerSpec, side: readonly [number, number]): Float32Array {
  const { pads, output } = poolWindows(layer, side);
  const cells = (n: number, before: number, o: number) => {
    const start = o * layer.stride - before;
    return Math.min(start + layer.size, n) - Math.max(start, 0);
  };
  const counts = new Float32Array(output[0] * output[1]);
  for (let r = 0; r < output[0]; r++)
    for (let c = 0; c < output[1]; c++) {
      counts[r * output[1] + c] = cells(side[0], pads.before[0], r) * cells(side[1], pads.before[1], c);
    }
  return counts;
}
