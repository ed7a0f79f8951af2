import * as tf from '@tensorflow/tfjs';
import { PasticheError } from '../errors.js';
import { paddedSide, pathTo, sequenceOutputSize, type NetworkArchitecture } from '../networks/architecture.js';
import { receptiveField, type LayerReceptiveField } from '../networks/receptiveField.js';

/**
 * How a guidance mask drawn on the image is brought to a layer's feature map (Gatys et al. 2017, "Controlling
 * Perceptual Factors in Neural Style Transfer", §4 (spatial control); the authors' `get_fm_guides`):
 * - `simple`: the mask resampled to the map's size;
 * - `all`: every neuron whose receptive field touches the region (the mask dilated by the field);
 * - `inside`: only neurons that see nothing outside the region (eroded by the field): the paper's examples use it,
 *   since a neuron straddling a boundary would otherwise carry the other region's texture into this one's statistics.
 */
export type GuideMode = 'simple' | 'all' | 'inside';

export const GUIDE_MODES: readonly GuideMode[] = ['simple', 'all', 'inside'];

/**
 * A region's guidance mask at one layer ([h, w], the feature map's size, values 0..1; see layerGuide) with its
 * mass Σ m², measured once: the guides are fixed for a run, so the loss needs no read-back per step.
 */
export interface LayerGuide {
  readonly mask: tf.Tensor2D;
  readonly mass: number;
}

export function layerGuideOf(mask: tf.Tensor2D): LayerGuide {
  return { mask, mass: tf.tidy(() => tf.sum(tf.square(mask)).dataSync()[0]) };
}

/**
 * A mask drawn on the picture ([H, W], the size of the image the network sees) brought to each of `layers`: their
 * feature maps' sizes by the network's own output-size formulas, their fields by receptiveField. What a run needs per
 * region and per style layer; the caller disposes the masks (disposeLayerGuides).
 */
export function layerGuides(
  mask: tf.Tensor2D,
  architecture: NetworkArchitecture,
  layers: readonly string[],
  mode: GuideMode,
): Map<string, LayerGuide> {
  const guides = new Map<string, LayerGuide>();
  for (const layer of layers) {
    const path = pathTo(architecture.layers, layer);
    if (!path) throw new PasticheError(`${architecture.family} has no layer named ${layer}`);
    const size = mask.shape.map((side) => sequenceOutputSize(path, paddedSide(architecture, side))) as [number, number];
    guides.set(layer, layerGuideOf(layerGuide(mask, receptiveField(architecture, layer), size, mode)));
  }
  return guides;
}

export function disposeLayerGuides(guides: ReadonlyMap<string, LayerGuide>): void {
  for (const guide of guides.values()) guide.mask.dispose();
}

/**
 * A soft mask (values in 0..1, [H, W] the image's size) at a layer whose feature map is mapSize = [h, w]. The
 * authors find `all` and `inside` by probing the network with noise inside or outside a thresholded mask; for a
 * soft mask the same sets are the maximum (`all`) and the minimum (`inside`) of the mask over each neuron's
 * receptive field, which for a 0/1 mask is exactly dilation and erosion. Pixels beyond the image are zero padding
 * the network adds, which belong to no region: they neither make a neuron touch a region nor keep it from being
 * inside one.
 */
export function layerGuide(
  mask: tf.Tensor2D,
  field: LayerReceptiveField,
  mapSize: readonly [number, number],
  mode: GuideMode,
): tf.Tensor2D {
  checkMask(mask);
  const [rows, cols] = mapSize;
  if (!(Number.isInteger(rows) && Number.isInteger(cols) && rows > 0 && cols > 0))
    throw new PasticheError(`a guidance mask cannot be brought to a ${rows}×${cols} feature map`);
  return tf.tidy(() => {
    const image = tf.reshape(mask, [1, ...mask.shape, 1]) as tf.Tensor4D;
    switch (mode) {
      case 'simple':
        // Bilinear with pixel centres aligned, as the authors' scipy.ndimage.zoom interpolates.
        return squeezed(tf.clipByValue(tf.image.resizeBilinear(image, [rows, cols], false, true), 0, 1));
      case 'all':
        return squeezed(fieldMaximum(image, field, mapSize));
      case 'inside':
        return squeezed(tf.sub(1, fieldMaximum(tf.sub(1, image), field, mapSize)));
    }
  });
}

/**
 * The maximum of a non-negative image [1, H, W, 1] over each neuron's receptive field, zero padding outside
 * the image: a max pool with the field as its window and the cumulative stride as its stride, done as a pool over
 * rows then one over columns (the same maximum, k + k comparisons per neuron instead of k²).
 */
function fieldMaximum(
  image: tf.Tensor4D,
  { size, stride, start }: LayerReceptiveField,
  [rows, cols]: readonly [number, number],
): tf.Tensor4D {
  const [, height, width] = image.shape;
  const axis = (a: 0 | 1, side: number, count: number) => {
    const before = Math.max(0, -start[a]);
    const extent = (count - 1) * stride + size[a];
    const after = Math.max(0, start[a] + before + extent - (side + before));
    return { before, after, begin: start[a] + before, extent };
  };
  const [r, c] = [axis(0, height, rows), axis(1, width, cols)];
  const padded = tf.pad(image, [
    [0, 0],
    [r.before, r.after],
    [c.before, c.after],
    [0, 0],
  ]);
  const window = tf.slice(padded, [0, r.begin, c.begin, 0], [1, r.extent, c.extent, 1]);
  const byRows = tf.maxPool(window, [size[0], 1], [stride, 1], 'valid');
  return tf.maxPool(byRows, [1, size[1]], [1, stride], 'valid');
}

function squeezed(map: tf.Tensor4D): tf.Tensor2D {
  return tf.squeeze(map, [0, 3]) as tf.Tensor2D;
}

/** A mask is one channel of values in 0..1; anything else would weight features by nonsense. */
function checkMask(mask: tf.Tensor): void {
  if (mask.rank !== 2 || mask.size === 0)
    throw new PasticheError(`a guidance mask must be one non-empty channel [H, W], not [${mask.shape.join(', ')}]`);
  const [low, high] = tf.tidy(() => [tf.min(mask).dataSync()[0], tf.max(mask).dataSync()[0]]);
  if (!(low >= 0 && high <= 1))
    throw new PasticheError(`a guidance mask's values must lie in 0..1, not ${low}..${high}`);
}
