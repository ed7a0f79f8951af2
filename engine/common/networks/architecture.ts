/**
 * Networks are declared as data — an ordered list of named layers — so the same losses, layer
 * pickers and run records work on any network. Activations named `convX_Y` are taken after their
 * ReLU, as in the papers (Gatys et al. 2015; Simonyan & Zisserman 2014).
 */
export type LayerSpec = ConvLayerSpec | PoolLayerSpec;

export interface ConvLayerSpec {
  readonly kind: 'conv';
  readonly name: string;
  readonly filters: number;
  readonly kernelSize: number;
  /** Rectified in place: the activation named after this layer is max(0, conv(x) + b). */
  readonly relu: true;
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
}

export function convLayers(architecture: NetworkArchitecture): ConvLayerSpec[] {
  return architecture.layers.filter((l): l is ConvLayerSpec => l.kind === 'conv');
}

export function layerNames(architecture: NetworkArchitecture): string[] {
  return architecture.layers.map((l) => l.name);
}
