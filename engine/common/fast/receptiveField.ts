import { TRANSFORMER_LAYERS, type TransformerLayer } from './transformerLayers.js';

/**
 * How far an output pixel of the style network reaches into its input, computed from the layers
 * (not guessed): the pixels [x − before, x + after] (along either axis) are all that output pixel x
 * depends on once instance normalisation's statistics are fixed. With per-picture statistics every
 * pixel depends on the whole picture; fixed ones (see TiledStylize) leave only the convolutions.
 */
export interface ReceptiveField {
  readonly before: number;
  readonly after: number;
}

/**
 * Tiles must start at multiples of this many pixels: the product of the strides on the way down
 * (4: two stride-2 convolutions). Elsewhere the stride-2 layers would sample a shifted grid and
 * compute a different picture.
 */
export function strideAlignment(layers: readonly TransformerLayer[] = TRANSFORMER_LAYERS): number {
  return layers.filter((layer) => layer.kind === 'conv').reduce((product, layer) => product * layer.stride, 1);
}

/**
 * The exact reach, the largest over the output pixels' phases (the down- and up-sampling make it
 * depend on x modulo strideAlignment), for inputs whose sides are multiples of strideAlignment
 * (TensorFlow's 'same' padding is then the same everywhere: floor((k − s)/2) before, the rest after).
 */
export function receptiveField(layers: readonly TransformerLayer[] = TRANSFORMER_LAYERS): ReceptiveField {
  const period = strideAlignment(layers);
  let before = 0;
  let after = 0;
  for (let x = period; x < 2 * period; x++) {
    const [lo, hi] = inputInterval(layers, x);
    before = Math.max(before, x - lo);
    after = Math.max(after, hi - x);
  }
  return { before, after };
}

/** The input pixels output pixel x depends on, from the last layer back to the first. */
function inputInterval(layers: readonly TransformerLayer[], x: number): [number, number] {
  let interval: [number, number] = [x, x];
  // A residual block's output also depends on its input directly, through the added skip connection.
  let blockOutput: [number, number] = interval;
  for (const layer of [...layers].reverse()) {
    if (layer.residual === 'end') blockOutput = interval;
    interval = layerInputInterval(layer, interval);
    if (layer.residual === 'begin')
      interval = [Math.min(interval[0], blockOutput[0]), Math.max(interval[1], blockOutput[1])];
  }
  return interval;
}

/**
 * A layer's output pixels [lo, hi] → the input pixels they read. A convolution's output o reads
 * s·o − p … s·o − p + k − 1; a transposed one's output o receives input m wherever o = s·m + t − p
 * for a kernel tap t (it is the convolution's gradient), p being 'same' padding's share before.
 */
function layerInputInterval(layer: TransformerLayer, [lo, hi]: [number, number]): [number, number] {
  const { kernelSize: k, stride: s } = layer;
  const p = Math.floor(Math.max(k - s, 0) / 2);
  if (layer.kind === 'conv') return [s * lo - p, s * hi - p + k - 1];
  return [Math.ceil((lo + p - k + 1) / s), Math.floor((hi + p) / s)];
}
