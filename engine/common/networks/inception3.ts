import {
  croppedFrame,
  type ConcatLayerSpec,
  type ConvLayerSpec,
  type LayerSpec,
  type NetworkArchitecture,
  type PoolLayerSpec,
} from './architecture.js';

/**
 * Inception-v3 (Szegedy et al. 2016, "Rethinking the Inception Architecture", fig. 5–7 and table 1)
 * from its stem to `mixed5`, as Keras Applications builds it (keras/applications/inception_v3.py).
 * Layers carry the names Keras gives them in creation order: every convolution is `conv2d_N` →
 * `batch_normalization_N` → `activation_N`, and the activation names the layer here (batch
 * normalisation is folded into the kernel and bias at import); pools are `max_pooling2d_N` and
 * `average_pooling2d_N`; modules are `mixed0` … `mixed5`. The layers after `mixed5` are left out: in
 * the one pretrained copy that installs from npm (nsfwjs's), only these are ImageNet's frozen weights.
 */
function inceptionV3Layers(): LayerSpec[] {
  let convs = 0;
  let maxPools = 0;
  let averagePools = 0;
  /** Keras's conv2d_bn(x, filters, rows, columns, padding, strides): a convolution, its batch norm and a ReLU. */
  const conv = (filters: number, rows: number, columns: number, valid = false, stride = 1): ConvLayerSpec => ({
    kind: 'conv',
    name: `activation_${++convs}`,
    filters,
    relu: true,
    kernelSize: rows === columns ? rows : [rows, columns],
    ...(valid ? { padding: 'valid' as const } : {}),
    ...(stride > 1 ? { stride } : {}),
  });
  const maxPool = (): PoolLayerSpec => ({ kind: 'pool', name: `max_pooling2d_${++maxPools}`, size: 3, stride: 2 });
  // Keras's AveragePooling2D((3, 3), strides=(1, 1), padding='same') averages only the cells inside the image.
  const averagePool = (): PoolLayerSpec => ({
    kind: 'pool',
    name: `average_pooling2d_${++averagePools}`,
    size: 3,
    stride: 1,
    pad: 1,
    average: true,
  });
  const mixed = (index: number, branches: LayerSpec[][]): ConcatLayerSpec => ({
    kind: 'concat',
    name: `mixed${index}`,
    branches,
  });

  /** 35×35 modules (fig. 5): 1×1; 1×1 → 5×5; 1×1 → 3×3 → 3×3; average pool → 1×1. */
  const module35 = (index: number, poolFilters: number) =>
    mixed(index, [
      [conv(64, 1, 1)],
      [conv(48, 1, 1), conv(64, 5, 5)],
      [conv(64, 1, 1), conv(96, 3, 3), conv(96, 3, 3)],
      [averagePool(), conv(poolFilters, 1, 1)],
    ]);
  /** The grid reduction to 17×17 (fig. 10): stride-2 3×3; 1×1 → 3×3 → stride-2 3×3; max pool. */
  const reduction17 = () =>
    mixed(3, [[conv(384, 3, 3, true, 2)], [conv(64, 1, 1), conv(96, 3, 3), conv(96, 3, 3, true, 2)], [maxPool()]]);
  /** 17×17 modules (fig. 6) with n×n factorised into 1×7 and 7×1. */
  const module17 = (index: number, inner: number) =>
    mixed(index, [
      [conv(192, 1, 1)],
      [conv(inner, 1, 1), conv(inner, 1, 7), conv(192, 7, 1)],
      [conv(inner, 1, 1), conv(inner, 7, 1), conv(inner, 1, 7), conv(inner, 7, 1), conv(192, 1, 7)],
      [averagePool(), conv(192, 1, 1)],
    ]);

  // Built in Keras's creation order, so the counters give Keras's names.
  const stem = [
    conv(32, 3, 3, true, 2),
    conv(32, 3, 3, true),
    conv(64, 3, 3),
    maxPool(),
    conv(80, 1, 1, true),
    conv(192, 3, 3, true),
    maxPool(),
  ];
  const modules35 = [module35(0, 32), module35(1, 64), module35(2, 64)];
  const reduction = reduction17();
  const modules17 = [module17(4, 128), module17(5, 160)];
  return [...stem, ...modules35, reduction, ...modules17];
}

const LAYERS = inceptionV3Layers();

export const INCEPTION_V3: NetworkArchitecture = {
  family: 'inception3',
  inputChannels: 3,
  layers: LAYERS,
  // The unpadded stem and mixed3's stride-2 reduction centre mixed5's first position 21 px in from
  // the edge (1 + 2 + 2 + 4 + 4 + 8: conv2d_1, conv2d_2, the first pool, conv2d_5, the second pool,
  // mixed3), so the outer pixels would reach the loss through few windows and keep the noise they
  // start from; mirroring that frame around the image gives them the windows the interior has.
  inputPadding: { size: croppedFrame(LAYERS), mode: 'reflect' },
  // Keras's 'tf' preprocessing is x / 127.5 − 1; the importer moves that affine map into the first
  // convolution (exact, as it is unpadded), so the network reads RGB in 0..255 as the others do.
  preprocessing: 'rgb',
  // Chosen by `npm run quality` (onnxruntime, from the photo, 128:60,256:40; Tübingen × The Starry Night
  // and Golden Gate × The Scream; 14 candidates). With equal weights the style term is activation_1's
  // alone: at 256 px a photo's Gram loss against a painting falls ~10× per step from activation_1 to
  // activation_3 to activation_5 and ~10⁵× by mixed3 (Tübingen × Starry Night 2.6·10⁻³, 3.0·10⁻⁴,
  // 4.2·10⁻⁵, mixed0 2.1·10⁻⁵, mixed3 7.4·10⁻⁸), so adding or dropping deeper layers changed nothing
  // (VGG style 7.2–7.3·10³ alike) and the result was a fine speckle, TV 44 % of the final loss. These
  // weights bring each layer's starting loss within 3× of the others: the deeper layers then paint
  // brush strokes (Starry Night's swirls in the sky, The Scream's banded pink sky) instead of speckle,
  // TV falls to 19 % and 10 %. Content on activation_5 (stride 4) rather than mixed2 (stride 8) keeps
  // the bridge's cables and the windows; its VGG content is the best of the weighted sets (7.7·10⁴
  // against 8.4–9.0·10⁴; the unweighted set's 8.1·10⁴ came with the speckle), VGG style 8.9·10³.
  // On all eight pairs (128:40,256:20) that set painted magenta and green skies for The Scream and
  // Udnie (VGG style 1.49·10⁴, content 7.1·10⁴): activation_1 carries the palette. Raising its weight
  // 10×, 30×, 100× gave style 1.07·10⁴, 9.2·10³, 8.9·10³ and content 8.1·10⁴, 8.1·10⁴, 7.9·10⁴, the
  // painting's colours back and the strokes kept; 100× is kept (it starts ~50× the deeper layers).
  defaultLayers: {
    content: ['activation_5'],
    style: ['activation_1', 'activation_3', 'activation_5', 'mixed0', 'mixed3'],
    styleWeights: [100, 10, 100, 300, 6e4],
  },
  // Its batch-normalised features are ~1–2 RMS where VGG's are hundreds. β = 2·10⁸ starts the weighted
  // style term where 10⁹ started the unweighted one (which neural-style's 100 starts VGG-19's at); α
  // = 2.7·10⁵ is 10⁶ on mixed2 scaled by the two layers' content losses (a painting against a photo:
  // 1.4 and 0.37). A run ends content:style:TV about 66:15:19 (Tübingen × Starry Night) and 58:33:10
  // (Golden Gate × Scream), near pretrained VGG-19's 65–71 : 13–22 : 11–19.
  defaultWeights: { content: 2.7e5, style: 2e8 },
};
