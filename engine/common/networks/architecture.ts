/**
 * Networks are declared as data — an ordered list of named layers — so the same losses, layer
 * pickers and run records work on any network. Activations named `convX_Y` are taken after their
 * ReLU, as in the papers (Gatys et al. 2015; Simonyan & Zisserman 2014).
 */
export type LayerSpec = ConvLayerSpec | PoolLayerSpec | LrnLayerSpec | ConcatLayerSpec;

export interface ConvLayerSpec {
  readonly kind: 'conv';
  readonly name: string;
  readonly filters: number;
  /**
   * Square side, or [height, width] for a factorised kernel (Inception-v3's 1×7 and 7×1, Szegedy et al.
   * 2016 §3.2), which only stride-1 'same' convolutions have here, so that a layer's output side does
   * not depend on the axis.
   */
  readonly kernelSize: number | readonly [number, number];
  /** Rectified in place: the activation named after this layer is max(0, conv(x) + b). */
  readonly relu: true;
  /**
   * A leaky ReLU's slope below zero (Maas et al. 2013): max(0, z) + leak·min(0, z). Darknet's
   * networks use 0.1; plain ReLU (0) unless given.
   */
  readonly leak?: number;
  /** 1 unless given (AlexNet's first layer strides by 4). */
  readonly stride?: number;
  /**
   * 'same' unless given. A number is Caffe's `pad`, zeros on every side: GoogLeNet's 7×7 stride-2
   * conv1 pads 3 on each side, where TensorFlow's 'same' would pad 2 before and 3 after.
   */
  readonly padding?: 'same' | 'valid' | number;
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
  /** Caffe's `pad` on every side, 0 unless given (GoogLeNet's inception pools: 3×3, stride 1, pad 1). */
  readonly pad?: number;
  /**
   * Always averages, whatever the run's pooling (Inception-v3's branch pools, Szegedy et al. 2016
   * fig. 5): the run's `pooling` (neural-style's -pooling) replaces max pools only.
   */
  readonly average?: true;
  /**
   * Rounds the output size up, as every Caffe pooling layer does (pooling_layer.cpp): the last window
   * may hang over the bottom and right edges and pools only the cells inside. Down (TF's) unless given.
   */
  readonly ceil?: true;
}

/**
 * Parallel branches that all read the same input, their outputs concatenated along channels in
 * order — GoogLeNet's inception module (Szegedy et al. 2015, fig. 2b). Each branch is an ordered
 * list of layers whose names are layers of the network too; the composite's own name is the
 * concatenation (`inception_3a/output`).
 */
export interface ConcatLayerSpec {
  readonly kind: 'concat';
  readonly name: string;
  readonly branches: readonly (readonly LayerSpec[])[];
}

/**
 * How an sRGB image in 0..255 becomes the network's input: Caffe's BGR minus the ImageNet mean
 * pixel, or RGB as it is (a network trained on 0..1 inputs takes the 1/255 into its first kernel, so
 * that every network is optimised in the same pixel units and learning rates carry over).
 */
export type Preprocessing = 'caffe-bgr' | 'rgb';

export interface NetworkArchitecture {
  /** Architecture family, e.g. `vgg19`. */
  readonly family: string;
  readonly inputChannels: 3;
  readonly layers: readonly LayerSpec[];
  readonly preprocessing: Preprocessing;
  /**
   * The content and style layers a run starts from on this network (Gatys et al.'s choice on VGG), and
   * each style layer's weight where its Gram losses differ from the others' by orders of magnitude
   * (1 each when absent, as neural-style's).
   */
  readonly defaultLayers: {
    readonly content: readonly string[];
    readonly style: readonly string[];
    readonly styleWeights?: readonly number[];
  };
  /**
   * α and β a run starts from on this network when its features' scale is far from VGG's, for which
   * neural-style's 5 and 100 were tuned; those apply when absent.
   */
  readonly defaultWeights?: { readonly content: number; readonly style: number };
  /**
   * Rows and columns mirrored around the image before the first layer (TensorFlow's MirrorPad,
   * 'reflect'), for a network whose unpadded layers would otherwise leave a frame that no window is
   * centred on, so that the loss barely sees it (see croppedFrame). The layers see the padded image.
   */
  readonly inputPadding?: { readonly size: number; readonly mode: 'reflect' };
}

/** The side the layers see for an image side n: the image with its reflected frame. */
export function paddedSide(architecture: NetworkArchitecture, n: number): number {
  return n > 0 ? n + 2 * (architecture.inputPadding?.size ?? 0) : 0;
}

/**
 * How far in from the image's edge, in input pixels, the first output position of `layers` is
 * centred: each unpadded k-wide window moves it (k − 1)/2 cells in at its layer's scale (the
 * product of the strides before it); 'same' layers do not move it. For an inception module, its
 * branches' largest. The pixels of this frame reach the last layer through fewer windows than the
 * interior's, and the outermost through a single corner tap.
 */
export function croppedFrame(layers: readonly LayerSpec[]): number {
  return frameAndStride(layers, { frame: 0, stride: 1 }).frame;
}

function frameAndStride(
  layers: readonly LayerSpec[],
  start: { frame: number; stride: number },
): { frame: number; stride: number } {
  return layers.reduce(({ frame, stride }, layer) => {
    switch (layer.kind) {
      case 'lrn':
        return { frame, stride };
      case 'conv':
        return {
          frame: frame + ((kernelShape(layer)[0] - 1) / 2 - convPadding(layer)[0]) * stride,
          stride: stride * (layer.stride ?? 1),
        };
      case 'pool':
        return { frame: frame + ((layer.size - 1) / 2 - (layer.pad ?? 0)) * stride, stride: stride * layer.stride };
      case 'concat': {
        const ends = layer.branches.map((branch) => frameAndStride(branch, { frame, stride }));
        return { frame: Math.max(...ends.map((end) => end.frame)), stride: Math.max(...ends.map((end) => end.stride)) };
      }
    }
  }, start);
}

/**
 * Every layer in order, a composite's branch layers (branch by branch) before its concatenation, as Caffe's prototxt
 * lists them.
 */
export function flatLayers(layers: readonly LayerSpec[]): LayerSpec[] {
  return layers.flatMap((layer) =>
    layer.kind === 'concat' ? [...layer.branches.flatMap(flatLayers), layer] : [layer],
  );
}

/** Every convolution with weights, branch convolutions included, in order. */
export function convLayers(architecture: NetworkArchitecture): ConvLayerSpec[] {
  return flatLayers(architecture.layers).filter((l): l is ConvLayerSpec => l.kind === 'conv');
}

export function layerNames(architecture: NetworkArchitecture): string[] {
  return flatLayers(architecture.layers).map((l) => l.name);
}

/**
 * The layers an image passes through on its way to the layer `name`, that layer included: the
 * composites before it whole, the one holding it only along its branch. Null for an unknown name.
 */
export function pathTo(layers: readonly LayerSpec[], name: string): LayerSpec[] | null {
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    if (layer.name === name) return layers.slice(0, i + 1);
    if (layer.kind !== 'concat') continue;
    for (const branch of layer.branches) {
      const inside = pathTo(branch, name);
      if (inside) return [...layers.slice(0, i), ...inside];
    }
  }
  return null;
}

/** Whether `layer` is wanted or, being a composite, holds a wanted layer in one of its branches. */
export function holdsWanted(layer: LayerSpec, wanted: ReadonlySet<string>): boolean {
  return (
    wanted.has(layer.name) ||
    (layer.kind === 'concat' && layer.branches.some((branch) => branch.some((inner) => holdsWanted(inner, wanted))))
  );
}

/** A convolution's kernel as [height, width]. */
export function kernelShape(spec: ConvLayerSpec): readonly [number, number] {
  return typeof spec.kernelSize === 'number' ? [spec.kernelSize, spec.kernelSize] : spec.kernelSize;
}

/**
 * The zeros a convolution adds before (and, but for 'same' at a stride, after) each side, as
 * [rows, columns].
 */
export function convPadding(spec: ConvLayerSpec): readonly [number, number] {
  const padding = spec.padding ?? 'same';
  const [height, width] = kernelShape(spec);
  if (padding === 'valid') return [0, 0];
  return padding === 'same' ? [(height - 1) / 2, (width - 1) / 2] : [padding, padding];
}

/** A layer's output side for an input side of n, by Caffe's formulas (0 when nothing is left). */
export function outputSize(layer: LayerSpec, n: number): number {
  if (n <= 0) return 0;
  switch (layer.kind) {
    case 'lrn':
      return n;
    case 'conv': {
      const stride = layer.stride ?? 1;
      if ((layer.padding ?? 'same') === 'same') return Math.ceil(n / stride);
      const [kernel, width] = kernelShape(layer);
      if (kernel !== width)
        throw new Error(`${layer.name}: a ${kernel}×${width} kernel must be a stride-1 'same' convolution`);
      return Math.max(0, Math.floor((n + 2 * convPadding(layer)[0] - kernel) / stride) + 1);
    }
    case 'pool': {
      const pad = layer.pad ?? 0;
      const span = (n + 2 * pad - layer.size) / layer.stride;
      const size = (layer.ceil ? Math.ceil(span) : Math.floor(span)) + 1;
      // Caffe drops a last window that would start inside the bottom padding (pooling_layer.cpp).
      const startsInPadding = layer.ceil && pad > 0 && (size - 1) * layer.stride >= n + pad;
      return Math.max(0, startsInPadding ? size - 1 : size);
    }
    case 'concat':
      return Math.min(...layer.branches.map((branch) => sequenceOutputSize(branch, n)));
  }
}

export function sequenceOutputSize(layers: readonly LayerSpec[], n: number): number {
  return layers.reduce((size, layer) => outputSize(layer, size), n);
}

/**
 * The smallest image side from which every layer up to `lastLayer` (all by default) still has at
 * least one position, its reflected frame added: unpadded convolutions and pools shrink their input, AlexNet's by a
 * lot. Output sizes grow with the input, so the first side that leaves one position is the answer.
 */
export function minimumInputSize(architecture: NetworkArchitecture, lastLayer?: string): number {
  const path = lastLayer === undefined ? architecture.layers : (pathTo(architecture.layers, lastLayer) ?? []);
  // A reflected frame needs an image wider than it (MirrorPad's 'reflect' repeats no edge pixel).
  let side = (architecture.inputPadding?.size ?? 0) + 1;
  while (sequenceOutputSize(path, paddedSide(architecture, side)) < 1) side++;
  return side;
}

/**
 * The layers a person picks for content and style: each top-level convolution and each inception module's output;
 * branch internals, pools and normalisations stay out of the way.
 */
export function pickableLayers(architecture: NetworkArchitecture): string[] {
  return architecture.layers.filter((l) => l.kind === 'conv' || l.kind === 'concat').map((l) => l.name);
}

export interface ActivationShape {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/**
 * The shape of a layer's activations for an input image of this size (its reflected frame added),
 * by the same formulas the network runs (null for an unknown layer).
 */
export function activationShape(
  architecture: NetworkArchitecture,
  layer: string,
  input: { height: number; width: number },
): ActivationShape | null {
  const path = pathTo(architecture.layers, layer);
  if (!path) return null;
  const [height, width] = [input.height, input.width].map((side) =>
    sequenceOutputSize(path, paddedSide(architecture, side)),
  );
  return { height, width, channels: layerChannels(architecture, layer) };
}

function sequenceChannels(layers: readonly LayerSpec[], channels: number): number {
  return layers.reduce(
    (c, layer) =>
      layer.kind === 'conv'
        ? layer.filters
        : layer.kind === 'concat'
          ? layer.branches.reduce((sum, branch) => sum + sequenceChannels(branch, c), 0)
          : c,
    channels,
  );
}

/**
 * How many feature maps `layer` has — the side of its Gram matrix: the last convolution's filters, or an inception
 * module's branches' together.
 */
export function layerChannels(architecture: NetworkArchitecture, layer: string): number {
  const path = pathTo(architecture.layers, layer);
  if (!path) throw new Error(`${architecture.family} has no layer '${layer}'`);
  return sequenceChannels(path, architecture.inputChannels);
}
