/**
 * Networks are declared as data — an ordered list of named layers — so the same losses, layer
 * pickers and run records work on any network. Activations named `convX_Y` are taken after their
 * ReLU, as in the papers (Gatys et al. 2015; Simonyan & Zisserman 2014).
 */
export type LayerSpec = ConvLayerSpec | PoolLayerSpec | LrnLayerSpec;

export interface ConvLayerSpec {
  readonly kind: 'conv';
  readonly name: string;
  readonly filters: number;
  readonly kernelSize: number;
  /** Rectified in place: the activation named after this layer is max(0, conv(x) + b). */
  readonly relu: true;
  /** 1 unless given (AlexNet's first layer strides by 4). */
  readonly stride?: number;
  /** 'same' unless given. */
  readonly padding?: 'same' | 'valid';
  /**
   * Channel groups (AlexNet's two-GPU split, Krizhevsky et al. 2012 fig. 2): each group of filters
   * sees only its share of the input channels, so the kernel is [k, k, in / groups, filters]. 1 unless given.
   */
  readonly groups?: number;
}

/**
 * Local response normalisation across channels (Krizhevsky et al. 2012 §3.3), as Caffe computes it:
 * x / (k + α/n · Σ x²)^β over the n neighbouring channels.
 */
export interface LrnLayerSpec {
  readonly kind: 'lrn';
  readonly name: string;
  readonly size: number;
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;
}

export interface PoolLayerSpec {
  readonly kind: 'pool';
  readonly name: string;
  readonly size: number;
  readonly stride: number;
}

/** How an sRGB image in 0..255 becomes the network's input. */
export type Preprocessing = 'caffe-bgr';

export interface NetworkArchitecture {
  /** Architecture family, e.g. `vgg19`. */
  readonly family: string;
  readonly inputChannels: 3;
  readonly layers: readonly LayerSpec[];
  readonly preprocessing: Preprocessing;
  /** The content and style layers a run starts from on this network (Gatys et al.'s choice on VGG). */
  readonly defaultLayers: { readonly content: readonly string[]; readonly style: readonly string[] };
}

export function convLayers(architecture: NetworkArchitecture): ConvLayerSpec[] {
  return architecture.layers.filter((l): l is ConvLayerSpec => l.kind === 'conv');
}

export function layerNames(architecture: NetworkArchitecture): string[] {
  return architecture.layers.map((l) => l.name);
}

/**
 * The smallest image side from which every layer up to `lastLayer` (all by default) still has at
 * least one position: unpadded convolutions and pools shrink their input, AlexNet's by a lot.
 */
export function minimumInputSize(architecture: NetworkArchitecture, lastLayer?: string): number {
  const end = lastLayer === undefined ? architecture.layers.length : architecture.layers.findIndex((l) => l.name === lastLayer) + 1;
  let size = 1;
  for (const layer of architecture.layers.slice(0, end).reverse()) {
    if (layer.kind === 'pool') size = (size - 1) * layer.stride + layer.size;
    else if (layer.kind === 'conv') size = (size - 1) * (layer.stride ?? 1) + ((layer.padding ?? 'same') === 'valid' ? layer.kernelSize : 1);
  }
  return size;
}

/** How many feature maps `layer` has — the side of its Gram matrix: the filters of the last convolution up to it. */
export function layerChannels(architecture: NetworkArchitecture, layer: string): number {
  const end = architecture.layers.findIndex((l) => l.name === layer);
  if (end < 0) throw new Error(`${architecture.family} has no layer '${layer}'`);
  const lastConv = architecture.layers.slice(0, end + 1).reverse().find((l): l is ConvLayerSpec => l.kind === 'conv');
  return lastConv?.filters ?? architecture.inputChannels;
}
