/**
 * Johnson et al.'s (2016) feed-forward style network as trained by the TensorFlow
 * "fast-style-transfer" recipe (lengstrom/fast-style-transfer, src/transform.py) and shipped by
 * ml5 / deeplearn.js: every convolution, the last included, is followed by instance normalisation
 * (Ulyanov et al. 2016) with a learned shift and scale, then a ReLU except where a residual block
 * adds its input and at the end, whose output is tanh(x)·150 + 255/2.
 */
export interface TransformerLayer {
  readonly name: string;
  /**
   * A 'same'-padded convolution, or a transposed one doubling height and width (tf.nn.conv2d_transpose with output [2H,
   * 2W], 'SAME').
   */
  readonly kind: 'conv' | 'transposed';
  readonly kernelSize: number;
  readonly stride: 1 | 2;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly relu: boolean;
  /**
   * 'begin': this convolution opens a residual block (its input is kept); 'end': the kept input is added to this one's
   * normalised output.
   */
  readonly residual?: 'begin' | 'end';
}

/** Instance normalisation's ε in the recipe (`_instance_norm`) and in ml5's port. */
export const INSTANCE_NORM_EPSILON = 1e-3;
export const RESIDUAL_BLOCKS = 5;

const conv = (
  name: string,
  kernelSize: number,
  stride: 1 | 2,
  inChannels: number,
  outChannels: number,
  relu = true,
): TransformerLayer => ({ name, kind: 'conv', kernelSize, stride, inChannels, outChannels, relu });

/** The network in order: 16 convolutions, each owning three variables of the checkpoint. */
export const TRANSFORMER_LAYERS: readonly TransformerLayer[] = [
  conv('conv1', 9, 1, 3, 32),
  conv('conv2', 3, 2, 32, 64),
  conv('conv3', 3, 2, 64, 128),
  ...Array.from({ length: RESIDUAL_BLOCKS }, (_, i): TransformerLayer[] => [
    { ...conv(`res${i + 1}a`, 3, 1, 128, 128), residual: 'begin' },
    { ...conv(`res${i + 1}b`, 3, 1, 128, 128, false), residual: 'end' },
  ]).flat(),
  { ...conv('deconv1', 3, 2, 128, 64), kind: 'transposed' },
  { ...conv('deconv2', 3, 2, 64, 32), kind: 'transposed' },
  conv('conv4', 9, 1, 32, 3, false),
];

export type TransformerVariableRole = 'kernel' | 'shift' | 'scale';

export interface TransformerVariable {
  readonly layer: string;
  readonly role: TransformerVariableRole;
  readonly shape: readonly number[];
}

/**
 * The variables in the checkpoint's order (`Variable`, `Variable_1`, …): per layer its kernel —
 * [k, k, in, out], or [k, k, out, in] for a transposed convolution, as tf.nn.conv2d_transpose takes
 * it — then the norm's shift, then its scale.
 */
export function transformerVariables(layers: readonly TransformerLayer[] = TRANSFORMER_LAYERS): TransformerVariable[] {
  return layers.flatMap((layer) => {
    const { kernelSize: k, inChannels, outChannels } = layer;
    const kernel = layer.kind === 'transposed' ? [k, k, outChannels, inChannels] : [k, k, inChannels, outChannels];
    return [
      { layer: layer.name, role: 'kernel' as const, shape: kernel },
      { layer: layer.name, role: 'shift' as const, shape: [outChannels] },
      { layer: layer.name, role: 'scale' as const, shape: [outChannels] },
    ];
  });
}
