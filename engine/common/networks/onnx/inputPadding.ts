import { paddedSide, type NetworkArchitecture } from '../architecture.js';
import type { GraphBuilder } from './graphBuilder.js';
import { INPUT_TENSOR } from './graphPlan.js';

// An architecture's reflected frame (inputPadding, TensorFlow's MirrorPad 'reflect') in the graphs:
// Pad mode 'reflect' forward and, backward, the gradient cropped to the image, as TensorFlow.js's
// MirrorPad gradient does (featureNetwork.ts). The exact adjoint would add each mirrored cell's
// gradient back onto the cell it copies, so the border would move twice as fast as the interior,
// which painted a visible frame.

/**
 * The image NCHW (`image`) → the layers' input, INPUT_TENSOR, with the frame mirrored around it;
 * returns the side the layers see.
 */
export function padInput(
  graph: GraphBuilder,
  architecture: NetworkArchitecture,
  image: string,
  height: number,
  width: number,
): [number, number] {
  const size = architecture.inputPadding?.size ?? 0;
  if (size === 0) graph.node('Identity', [image], INPUT_TENSOR);
  else
    graph.node(
      'Pad',
      [image, graph.int64('frame:pads', [0, 0, size, size, 0, 0, size, size])],
      INPUT_TENSOR,
      {},
      {},
      { mode: 'reflect' },
    );
  return [paddedSide(architecture, height), paddedSide(architecture, width)];
}

/** The gradient with respect to the image: the one with respect to the padded input, its frame cut off. */
export function cropToImage(
  graph: GraphBuilder,
  architecture: NetworkArchitecture,
  gradient: string,
  height: number,
  width: number,
): string {
  const size = architecture.inputPadding?.size ?? 0;
  if (size === 0) return gradient;
  const starts = graph.int64('frame:starts', [size, size]);
  const ends = graph.int64('frame:ends', [size + height, size + width]);
  const axes = graph.int64('frame:axes', [2, 3]);
  return graph.node('Slice', [gradient, starts, ends, axes], 'frame:g');
}
