import { join } from 'node:path';
import sharp from 'sharp';

/** A small landscape photo for the studio's browser tests: sky over green hills. */
const HARBOUR =
  '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="64"><rect width="96" height="64" ' +
  'fill="#6a9fd8"/><path d="M0 50 L30 20 L60 45 L96 15 L96 64 L0 64 Z" fill="#3d6b4f"/></svg>';
/** A small "painting": a yellow wave on deep blue. */
const SWIRLS =
  '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" ' +
  'fill="#1b3b8a"/><path d="M0 32 Q16 0 32 32 T64 32" stroke="#f2c14e" stroke-width="8" fill="none"/></svg>';

/** Writes the browser tests' photo (harbour.png) and painting (swirls.png) into `folder`. */
export async function writeStudioPictures(folder: string): Promise<void> {
  await sharp(Buffer.from(HARBOUR)).png().toFile(join(folder, 'harbour.png'));
  await sharp(Buffer.from(SWIRLS)).png().toFile(join(folder, 'swirls.png'));
}
