import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tensorToImage } from '../../engine/common/imageTensor.js';
import { writeImage } from '../../engine/node/image/imageIO.js';
import { syntheticImage } from './tf.js';

/**
 * Writes `count` generated photos (photo-0.png …, of several proportions) into `folder`, for a style network to train
 * on.
 */
export async function writePhotoFolder(folder: string, count: number, size = 64): Promise<string> {
  mkdirSync(folder, { recursive: true });
  for (let i = 0; i < count; i++)
    await writePicture(join(folder, `photo-${i}.png`), size + 8 * (i % 3), size, 10 + 7 * i);
  return folder;
}

/** A generated picture of width × height, from a seed, as a PNG file. */
export async function writePicture(file: string, width: number, height: number, seed: number): Promise<string> {
  const tensor = syntheticImage(height, width, seed);
  const image = tensorToImage(tensor);
  tensor.dispose();
  await writeImage(image, file);
  return file;
}
