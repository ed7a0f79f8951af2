import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { PasticheError, isPasticheError } from '../../common/errors.js';
import type { TrainingPhotos } from '../../common/fast/trainingSettings.js';
import { READABLE_IMAGE_TYPES, type RgbImage } from '../../common/image.js';
import { imageToTensor } from '../../common/imageTensor.js';
import { readImage } from '../image/imageIO.js';

/**
 * The photos a style network trains on: the image files directly in one folder (not its
 * subfolders), by extension, in code-point order of their names — an order every system gives
 * alike, so that a training's seeded batches name the same photos wherever it is resumed.
 */
export interface PhotoFolder extends TrainingPhotos {
  readonly names: readonly string[];
}

export function listPhotos(folder: string): PhotoFolder {
  const absolute = resolve(folder);
  let entries: string[];
  try {
    if (!statSync(absolute).isDirectory()) throw new PasticheError('is a file, not a folder of photos', folder);
    entries = readdirSync(absolute);
  } catch (error) {
    if (isPasticheError(error)) throw error;
    throw new PasticheError('no such folder', folder);
  }
  const names = entries
    .filter(
      (name) =>
        Object.hasOwn(READABLE_IMAGE_TYPES, extname(name).slice(1).toLowerCase()) && isFile(join(absolute, name)),
    )
    .sort();
  if (names.length === 0)
    throw new PasticheError(
      `holds no photos (${Object.keys(READABLE_IMAGE_TYPES)
        .map((e) => `.${e}`)
        .join(' ')})`,
      folder,
    );
  return {
    folder: absolute,
    names,
    count: names.length,
    namesSha256: createHash('sha256')
      .update(names.map((name) => `${name}\n`).join(''))
      .digest('hex'),
  };
}

/** A photo resized and centre-cropped to size × size, as every training picture is. */
export function readTrainingPhoto(file: string, size: number): Promise<RgbImage> {
  return readImage(file, { cover: { width: size, height: size } });
}

/** A batch read from disk: its pictures, and the photos left out because they could not be read. */
export interface LoadedBatch {
  readonly images: readonly RgbImage[];
  /** One line each, naming the file and the problem. */
  readonly skipped: readonly string[];
}

/**
 * The photos of one step. A photo that cannot be read is left out of its batch (and named), so that
 * one bad file among thousands does not stop a training of days; a batch of none is an error.
 */
export async function loadBatch(photos: PhotoFolder, indices: readonly number[], size: number): Promise<LoadedBatch> {
  const results = await Promise.allSettled(
    indices.map((i) => readTrainingPhoto(join(photos.folder, photos.names[i]), size)),
  );
  const images = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const skipped = results.flatMap((r) => (r.status === 'rejected' ? [problemOf(r.reason)] : []));
  if (images.length === 0)
    throw new PasticheError(`no photo of the batch could be read (${skipped.join('; ')})`, photos.folder);
  return { images, skipped };
}

/** The batch as one tensor [N, S, S, 3] in 0..255. */
export function batchTensor(images: readonly RgbImage[]): tf.Tensor4D {
  return tf.tidy(() => tf.stack(images.map(imageToTensor)) as tf.Tensor4D);
}

function problemOf(reason: unknown): string {
  if (isPasticheError(reason)) return reason.message;
  throw reason;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
