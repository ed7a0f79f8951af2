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
