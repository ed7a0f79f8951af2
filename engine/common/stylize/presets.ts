import type { LayerSplit } from '../grids/grid.js';
import type { NetworkArchitecture } from '../networks/architecture.js';
import { NEURAL_STYLE_DEFAULTS, type StylizeSettings } from './settings.js';

/** The layer splits artists start from, named after the papers and figures they come from. */
export const LAYER_PRESETS: readonly LayerSplit[] = [
  {
    label: 'Gatys et al. 2015',
    contentLayers: [...NEURAL_STYLE_DEFAULTS.contentLayers],
    styleLayers: [...NEURAL_STYLE_DEFAULTS.styleLayers],
  },
  {
    label: 'Partial style transfer',
    contentLayers: ['conv1_1', 'conv2_1', 'conv4_1', 'conv4_2'],
    styleLayers: ['conv3_1', 'conv5_1'].map((layer) => ({ layer, weight: 1 })),
  },
  { label: 'Style only', contentLayers: [], styleLayers: [...NEURAL_STYLE_DEFAULTS.styleLayers] },
];

type Split = Pick<StylizeSettings, 'contentLayers' | 'styleLayers'>;

/**
 * α and β a run on this network starts from: its own where its features' scale needs them, neural-style's otherwise.
 */
export function weightsForNetwork(
  architecture: NetworkArchitecture,
): Pick<StylizeSettings, 'contentWeight' | 'styleWeight'> {
  return {
    contentWeight: architecture.defaultWeights?.content ?? NEURAL_STYLE_DEFAULTS.contentWeight,
    styleWeight: architecture.defaultWeights?.style ?? NEURAL_STYLE_DEFAULTS.styleWeight,
  };
}

/**
 * The split a run on this network can use: the given one where the network has all its layers, else
 * the network's own default split — AlexNet and GoogLeNet name their layers otherwise than VGG, so
 * comparing networks (Nikulin & Novak fig. 2) reads each at its own layers.
 */
export function layersForNetwork(architecture: NetworkArchitecture, available: readonly string[], split: Split): Split {
  if ([...split.contentLayers, ...split.styleLayers.map((l) => l.layer)].every((layer) => available.includes(layer)))
    return split;
  return defaultSplit(architecture);
}

/** The network's own layers, as its architecture declares them. */
export function defaultSplit(architecture: NetworkArchitecture): Split {
  return { contentLayers: [...architecture.defaultLayers.content], styleLayers: defaultStyleLayers(architecture) };
}

/** The network's own style layers with their weights (1 each where the architecture gives none). */
export function defaultStyleLayers(architecture: NetworkArchitecture): Split['styleLayers'] {
  const { style, styleWeights } = architecture.defaultLayers;
  return style.map((layer, i) => ({ layer, weight: styleWeights?.[i] ?? 1 }));
}

/**
 * Where a run on this network starts: its own layers and weights (what the CLI and the editor fill in when none are
 * given).
 */
export function networkDefaults(
  architecture: NetworkArchitecture,
): Split & Pick<StylizeSettings, 'contentWeight' | 'styleWeight'> {
  return { ...defaultSplit(architecture), ...weightsForNetwork(architecture) };
}
