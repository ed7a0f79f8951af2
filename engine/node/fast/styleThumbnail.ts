import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { PasticheError } from '../../common/errors.js';
import { transformerNetwork } from '../../common/fast/transformerNetwork.js';
import { imageToTensor, tensorToImage } from '../../common/imageTensor.js';
import { landscapeSvg } from '../image/demoPictures.js';
import { decodeImage, writeImage } from '../image/imageIO.js';
import { isLibraryName } from '../libraryNames.js';
import { loadSavedStyle, readSavedStyleInfo } from './savedStyle.js';

/** Kept in the style's own folder, so it goes when the style goes and a replaced style never shows an old one. */
export const THUMBNAIL_FILE = 'thumbnail.png';

/** Wide enough for a card in the Fast tab; at this size a pass takes a fraction of a second on wasm. */
const THUMBNAIL_LONG_SIDE = 240;

/**
 * The file of a library style's thumbnail — the same generated landscape (demoPictures.ts) through
 * every style network, so styles compare at a glance — made and cached next to the style when missing.
 */
export async function styleThumbnail(stylesDir: string, name: string): Promise<string> {
  const folder = join(stylesDir, name);
  if (!isLibraryName(name) || !readSavedStyleInfo(folder)) {
    throw new PasticheError('no such style in the library', name);
  }
  const file = join(folder, THUMBNAIL_FILE);
  if (existsSync(file)) return file;
  const photo = await thumbnailPhoto();
  const network = transformerNetwork((await loadSavedStyle(folder)).weights);
  try {
    const styled = tf.tidy(() => network.stylize(imageToTensor(photo)));
    const image = tensorToImage(styled);
    styled.dispose();
    await writeImage(image, file);
    return file;
  } finally {
    network.dispose();
  }
}

async function thumbnailPhoto() {
  const png = await sharp(Buffer.from(landscapeSvg())).png().toBuffer();
  return decodeImage(png, 'the thumbnail landscape', { longSide: THUMBNAIL_LONG_SIDE });
}
