import type { LayerSplit } from '../grids/grid.js';
import { NEURAL_STYLE_DEFAULTS } from './settings.js';

/** The layer splits artists start from, named after the papers and figures they come from. */
export const LAYER_PRESETS: readonly LayerSplit[] = [
  { label: 'Gatys et al. 2015', contentLayers: [...NEURAL_STYLE_DEFAULTS.contentLayers], styleLayers: [...NEURAL_STYLE_DEFAULTS.styleLayers] },
  {
    label: 'Partial style transfer',
    contentLayers: ['conv1_1', 'conv2_1', 'conv4_1', 'conv4_2'],
    styleLayers: ['conv3_1', 'conv5_1'].map((layer) => ({ layer, weight: 1 })),
  },
  { label: 'Style only', contentLayers: [], styleLayers: [...NEURAL_STYLE_DEFAULTS.styleLayers] },
];
