import type { GivenGenerator } from '../generate/gramGenerator.js';
import type { NetworkSummary } from '../networks/networkSummary.js';
import { VGG19 } from '../networks/vgg.js';
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
  {
    label: 'Networks (Nikulin & Novak fig. 2)',
    axes: [{ parameter: 'network', values: ['vgg19-random', 'vgg16-random', 'alexnet-random', 'googlenet-random'] }],
  },
  // Nikulin & Novak, "Exploring the Neural Algorithm of Artistic Style", §4 and figure 3.
  {
    label: 'Initialisation (Nikulin & Novak fig. 3)',
    axes: [{ parameter: 'init', values: ['style', 'content', 'noise'] }],
  },
  // Their §5 and figure 4: the partial split next to full transfer, each at a high and a low style weight.
  {
    label: 'Partial style transfer (fig. 4)',
    axes: [
      { parameter: 'layers', values: [layerSplit('Partial style transfer'), layerSplit('Gatys et al. 2015')] },
      { parameter: 'styleWeight', values: [1000, 10] },
    ],
  },
  // Their §7 and §9: Gram matrices, autocorrelations (spatial) and local correlations as the style.
  { label: 'Style representations (§7, §9)', axes: [{ parameter: 'styleRepr', values: ['gram', 'spatial', 'local'] }] },
  // Gatys, Ecker, Bethge, Hertzmann & Shechtman 2017, §5: whose colours the result keeps.
  {
    label: 'Colour preservation (Gatys et al. 2017)',
    axes: [{ parameter: 'preserveColors', values: ['none', 'luminance', 'histogram'] }],
  },
];

/**
 * The preset with each generated network replaced by a pretrained one of the same architecture when
 * one is installed (the papers' figures used ImageNet weights, which paint far better), and a
 * network axis extended with one installed network of each architecture it lacks (an imported
 * Darknet Tiny, which has no generated twin).
 */
export function withBestNetworks(figure: FigurePreset, networks: readonly NetworkSummary[]): FigurePreset {
  const best = (name: string) => {
    const family = networks.find((n) => n.name === name)?.architecture;
    return networks.find((n) => n.architecture === family && n.status === 'installed')?.name ?? name;
  };
  return {
    ...figure,
    axes: figure.axes.map((axis) => {
      if (axis.parameter !== 'network') return axis;
      const covered = new Set(axis.values.map((name) => networks.find((n) => n.name === name)?.architecture));
      const others = networks.filter((n) => n.status === 'installed' && n.architecture && !covered.has(n.architecture));
      const extra = others
        .filter((n, i) => others.findIndex((o) => o.architecture === n.architecture) === i)
        .map((n) => n.name);
      return { ...axis, values: [...axis.values.map(best), ...extra] };
    }),
  };
}

/**
 * One picture of a generation figure: its label, the generator (seed included) that invents it, and the style layers
 * matched.
 */
export interface GenerationCell {
  readonly label: string;
  readonly generator: GivenGenerator;
  /** The layers whose Gram matrices are driven; only the generator's own, so that no other layer is pulled to zero. */
  readonly styleLayers: readonly string[];
}

/**
 * Far above a random VGG-19's Gram entries (conv2_1's reach ~2600 at 64 px): the entry is maximised,
 * as §6's first experiment does, rather than matched.
 */
const MAXIMISING_AMPLITUDE = 1e5;

/**
 * Nikulin & Novak's §6 figures (5–8), styles generated with no photo: each cell one `generate` run.
 * They are not grids — a generator is not one parameter swept over a base — so they are laid out
 * cell by cell; conv1_1 … conv5_1 are their layers 1 … 5.
 */
export const GENERATION_FIGURES: readonly { readonly label: string; readonly cells: readonly GenerationCell[] }[] = [
  {
    label: 'One Gram entry (Nikulin & Novak fig. 5)',
    cells: ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1'].map((layer) => ({
      label: `one entry of ${layer}`,
      generator: { kind: 'single', layer, amplitude: MAXIMISING_AMPLITUDE, seed: 1 },
      styleLayers: [layer],
    })),
  },
  {
    label: 'Sparse random Gram matrix (fig. 6)',
    cells: [0.5, 0.9, 0.99].map((sparsity) => ({
      label: `conv3_1, sparsity ${sparsity}`,
      generator: { kind: 'sparse', layers: ['conv3_1'], sparsity, seed: 1 },
      styleLayers: ['conv3_1'],
    })),
  },
  {
    label: 'Random matrices on several layers (fig. 7)',
    cells: [
      [1, 2, 4],
      [1, 2, 3],
      [1, 4],
      [1, 2, 5],
    ].map((set) => {
      const layers = set.map((block) => `conv${block}_1`);
      return {
        label: `layers {${set.join(',')}}`,
        generator: { kind: 'sparse', layers, seed: 1 },
        styleLayers: layers,
      };
    }),
  },
  {
    label: "A painting's Gram statistics mimicked (fig. 8)",
    cells: [
      { label: 'targets drawn once', generator: { kind: 'mimic', seed: 1 }, styleLayers: VGG19.defaultLayers.style },
      {
        label: 'targets redrawn each iteration',
        generator: { kind: 'mimic', seed: 1, redraw: true },
        styleLayers: VGG19.defaultLayers.style,
      },
    ],
  },
];
