import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PasticheError } from '../../common/errors.js';
import type { StyleInfo } from '../../common/fast/styleInfo.js';
import { fetchVerified, type DownloadOptions } from '../download/verifiedDownload.js';
import type { StyleCatalogueEntry } from './styleCatalogue.js';
import { importStyle } from './styleLibrary.js';

/** Where an install's files wait until every one is verified: hidden from the library (not a style name). */
export function styleDownloadFolder(stylesDir: string, name: string): string {
  return join(stylesDir, '.downloads', name);
}

/**
 * Installs a catalogue style: downloads each file of its checkpoint into styles/.downloads/NAME
 * (resuming a partial one with an HTTP Range request, keeping the files already verified), checks
 * every file's size and SHA-256 against the catalogue, then imports the checkpoint as `styles import`
 * does, which writes styles/NAME in one atomic rename. The style appears only once every file is
 * verified and converted: an interrupted or corrupt download leaves no style in the library.
 */
export async function installStyle(
  entry: StyleCatalogueEntry,
  stylesDir: string,
  options: DownloadOptions = {},
): Promise<StyleInfo> {
  const folder = join(stylesDir, entry.name);
  if (existsSync(folder)) throw new PasticheError(`already installed in ${folder}`, entry.name);
  const downloads = styleDownloadFolder(stylesDir, entry.name);
  await mkdir(downloads, { recursive: true });
  const offlineAdvice =
    `Download the files of ${entry.baseUrl} elsewhere into a folder and run ` +
    `'pastiche styles import FOLDER --name ${entry.name}'`;
  const total = entry.files.reduce((sum, file) => sum + file.bytes, 0);
  let before = 0;
  try {
    for (const file of entry.files) {
      const remote = {
        url: new URL(file.name, entry.baseUrl).href,
        file: file.name,
        bytes: file.bytes,
        digest: { algorithm: 'sha256' as const, hex: file.sha256 },
      };
      const context = { name: entry.name, offlineAdvice, before, total };
      await fetchVerified(remote, join(downloads, file.name), context, options);
      before += file.bytes;
      // A file kept from an earlier attempt downloads nothing: progress still moves past it.
      options.onProgress?.({ receivedBytes: before, totalBytes: total });
    }
  } catch (error) {
    // What arrived is kept for the next attempt; an attempt that got nothing (offline) leaves nothing behind.
    await removeEmptyFolders(downloads, dirname(downloads));
    throw error;
  }
  const info = await importStyle(downloads, entry.name, stylesDir, entry.baseUrl);
  await rm(downloads, { recursive: true, force: true });
  await removeEmptyFolders(dirname(downloads));
  return info;
}

/** Removes each folder, innermost first, while it is empty. */
async function removeEmptyFolders(...folders: string[]): Promise<void> {
  for (const folder of folders) {
    if ((await readdir(folder).catch(() => null))?.length !== 0) return;
    await rmdir(folder).catch(() => undefined);
  }
}
