import { paddedSide, type NetworkArchitecture } from '../architecture.js';
import type { GraphBuilder } from './graphBuilder.js';
import { INPUT_TENSOR } from './graphPlan.js';

// An architecture's reflected frame (inputPadding, TensorFlow's MirrorPad 'reflect') in the graphs:
// Pad mode 'reflect' forward, and its exact adjoint backward, as reflectPadding.ts computes it —
// each mirrored cell's gradient added back onto the cell it copies.

/** The image NCHW (`image`) → the layers' input, INPUT_TENSOR, with the frame mirrored around it; the side the layers see. */
export function padInput(graph: GraphBuilder, architecture: NetworkArchitecture, image: string, height: number, width: number): [number, number] {
  const size = architecture.inputPadding?.size ?? 0;
  if (size === 0) graph.node('Identity', [image], INPUT_TENSOR);
  else graph.node('Pad', [image, graph.int64('frame:pads', [0, 0, size, size, 0, 0, size, size])], INPUT_TENSOR, {}, {}, { mode: 'reflect' });
  return [paddedSide(architecture, height), paddedSide(architecture, width)];
}

/**
 * The gradient with respect to the image from the one with respect to the padded input
 * [1, C, H + 2p, W + 2p]: Rᵀ·dy·R′ with R [H + 2p, H] and R′ [W + 2p, W] the 0/1 matrices that
 * copy each image row (column) to where the reflection puts it, two small matrix products.
 */
export function foldInput(graph: GraphBuilder, architecture: NetworkArchitecture, gradient: string, height: number, width: number): string {
  const size = architecture.inputPadding?.size ?? 0;
  if (size === 0) return gradient;
  const columns = graph.constant('frame:columns', [width + 2 * size, width], reflection(width, size, false));
  const rowsT = graph.constant('frame:rowsT', [height, height + 2 * size], reflection(height, size, true));
  const foldedColumns = graph.node('MatMul', [gradient, columns], 'frame:g_columns');
  return graph.node('MatMul', [rowsT, foldedColumns], 'frame:g');
}

/** [n + 2p, n] (or its transpose): 1 where padded cell j copies image cell i, reflected about the edge cells (not repeating them). */
function reflection(n: number, size: number, transpose: boolean): Float32Array {
  const matrix = new Float32Array((n + 2 * size) * n);
  for (let j = 0; j < n + 2 * size; j++) {
    const shifted = j - size;
    const i = shifted < 0 ? -shifted : shifted >= n ? 2 * (n - 1) - shifted : shifted;
    matrix[transpose ? i * (n + 2 * size) + j : j * n + i] = 1;
  }
  return matrix;
}
