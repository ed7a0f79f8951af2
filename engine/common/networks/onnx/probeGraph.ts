import type { ModelProto } from 'onnx-buf';
import { GraphBuilder } from './graphBuilder.js';
import { floatValueInfo } from './onnxProto.js';

export const PROBE_INPUT = 'x';
export const PROBE_OUTPUT = 'y';
/** The probe's input: two channels of 4×4 ones. */
export const PROBE_SHAPE = [1, 2, 4, 4] as const;

/**
 * The smallest graph that shows a provider computes what the engine's graphs need: a padded 3×3
 * convolution of ones over two channels of ones, then ReLU. Its output is known without computing:
 * each cell counts the input cells its window covers, 2 channels × (9 inside, 6 on an edge, 4 in a
 * corner), so a provider that runs but computes wrongly is caught too.
 */
export function probeGraph(): ModelProto {
  const graph = new GraphBuilder();
  const kernel = graph.constant('w', [2, 2, 3, 3], new Float32Array(2 * 2 * 9).fill(1));
  const z = graph.node('Conv', [PROBE_INPUT, kernel], 'z', { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  graph.node('Relu', [z], PROBE_OUTPUT);
  return graph.model([floatValueInfo(PROBE_INPUT, [...PROBE_SHAPE])], [PROBE_OUTPUT]);
}

/** What the probe graph must output at row y, column x of either channel. */
export function probeExpected(y: number, x: number): number {
  const span = (i: number) => (i === 0 || i === PROBE_SHAPE[3] - 1 ? 2 : 3);
  return PROBE_SHAPE[1] * span(y) * span(x);
}
