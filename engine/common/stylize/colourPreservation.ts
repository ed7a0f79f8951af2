import { luminanceImage, matchedColourHistogram, matchedLuminance, withColoursOf } from '../colour/colourControl.js';
import type { RgbImage } from '../image.js';
import type { ColourPreservation, InitMethod } from './settings.js';

export interface TransferImages {
  readonly content: RgbImage;
  readonly styles: readonly RgbImage[];
  readonly initImage?: RgbImage;
}

/**
 * What the optimisation sees under a colour-preservation mode (Gatys et al. 2017 §5.1), and how each
 * image it produces gets the photo's colours back: luminance-only transfer works on grey images with
 * the paintings' luminance matched to the photo's, then puts the photo's I and Q back on the result;
 * histogram matching recolours the paintings (and a painting used as the start) to the photo's colours.
 */
export function preserveColours(
  mode: ColourPreservation,
  init: InitMethod,
  images: TransferImages,
): TransferImages & { finish(image: RgbImage): RgbImage } {
  const { content, styles, initImage } = images;
  if (mode === 'histogram') {
    const recoloured = (image: RgbImage) => matchedColourHistogram(image, content);
    return {
      content,
      styles: styles.map(recoloured),
      initImage: initImage && (init === 'style' ? recoloured(initImage) : initImage),
      finish: (image) => image,
    };
  }
  if (mode === 'luminance') {
    const grey = (image: RgbImage) => matchedLuminance(image, content);
    return {
      content: luminanceImage(content),
      styles: styles.map(grey),
      initImage: initImage && (init === 'style' ? grey(initImage) : luminanceImage(initImage)),
      finish: (image) => withColoursOf(image, content),
    };
  }
  return { ...images, finish: (image) => image };
}
