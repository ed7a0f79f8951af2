import type { NetworkSummary } from '../networks/networkSummary.js';
import { LAYER_PRESETS } from '../stylize/presets.js';
import type { GridAxis } from './grid.js';

/** A comparison grid laid out like one of the papers' figures. */
export interface FigurePreset {
  readonly label: string;
  readonly axes: readonly GridAxis[];
}

const layerSplit = (label: string) => LAYER_PRESETS.find((split) => split.label === label)!;

/** The papers' comparisons, as the grid builder offers them (and as `npm run figures` will lay them out). */
export const FIGURE_PRESETS: readonly FigurePreset[] = [
  // Nikulin & Novak §3 and figure 2: one transfer through each network, each read at its own default layers.
  { label: 'Networks (Nikulin & Novak fig. 2)', axes: [{ parameter: 'network', values: ['vgg19-random', 'vgg16-random', 'alexnet-random', 'googlenet-random'] }] },
  // Nikulin & Novak, "Exploring the Neural Algorithm of Artistic Style", §4 and figure 3.
  { label: 'Initialisation (Nikulin & Novak fig. 3)', axes: [{ parameter: 'init', values: ['style', 'content', 'noise'] }] },
  // Their §5 and figure 4: the partial split next to full transfer, each at a high and a low style weight.
  {
    label: 'Partial style transfer (fig. 4)',
    axes: [{ parameter: 'layers', values: [layerSplit('Partial style transfer'), layerSplit('Gatys et al. 2015')] }, { parameter: 'styleWeight', values: [1000, 10] }],
  },
  // Gatys, Ecker, Bethge, Hertzmann & Shechtman 2017, §5: whose colours the result keeps.
  { label: 'Colour preservation (Gatys et al. 2017)', axes: [{ parameter: 'preserveColors', values: ['none', 'luminance', 'histogram'] }] },
];

/**
 * The preset with each generated network replaced by a pretrained one of the same architecture when
 * one is installed: the papers' figures used ImageNet weights, which paint far better.
 */
export function withBestNetworks(figure: FigurePreset, networks: readonly NetworkSummary[]): FigurePreset {
  const best = (name: string) => {
    const family = networks.find((n) => n.name === name)?.architecture;
    return networks.find((n) => n.architecture === family && n.status === 'installed')?.name ?? name;
  };
  return { ...figure, axes: figure.axes.map((axis) => (axis.parameter === 'network' ? { ...axis, values: axis.values.map(best) } : axis)) };
}
