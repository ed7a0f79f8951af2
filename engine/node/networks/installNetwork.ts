import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PasticheError } from '../../common/errors.js';
import {
  fetchVerified,
  type DownloadOptions,
  type DownloadProgress,
  type RemoteFile,
} from '../download/verifiedDownload.js';
import { ARCHITECTURES } from '../../common/networks/architectures.js';
import { disposeWeights } from '../../common/networks/weights.js';
import type { CatalogueEntry, DownloadSource, NpmPackageSource } from './catalogue.js';
import { readNetworkFile } from './networkFile.js';
import { packageOrigin, readPackageFiles } from './npmPackage.js';
import { readBundledKerasNetwork } from './nsfwjsInception.js';
import { saveNetwork, type SavedNetworkInfo } from './savedNetwork.js';

export type InstallProgress = DownloadProgress;
export type InstallOptions = DownloadOptions;

/**
 * Installs a catalogue network: downloads its file into models/.downloads (resuming a partial one
 * with an HTTP Range request), checks its size and digest against the catalogue, and converts it into
 * models/NAME in the engine's format. The network appears only once complete and verified; an
 * interrupted download is kept for the next attempt, a corrupt one deleted.
 */
export async function installNetwork(
  entry: CatalogueEntry,
  modelsDir: string,
  options: InstallOptions = {},
): Promise<SavedNetworkInfo> {
  const source = entry.source;
  if (source.kind === 'random') throw new PasticheError('is generated, not downloaded: nothing to install', entry.name);
  const folder = join(modelsDir, entry.name);
  if (existsSync(folder)) throw new PasticheError(`already installed in ${folder}`, entry.name);
  if (source.kind === 'npm-package') return installFromPackage(entry, source, folder, options);
  const partial = join(modelsDir, '.downloads', `${source.file}.part`);
  await mkdir(join(modelsDir, '.downloads'), { recursive: true });
  const offlineAdvice =
    `Download ${source.url} elsewhere and run 'pastiche models import ${source.file} --name ` + `${entry.name}'`;
  await fetchVerified(remoteFileOf(source), partial, { name: entry.name, offlineAdvice }, options);
  // The catalogue says which architecture the file holds; the reader then checks every kernel's shape.
  const network = await readNetworkFile(partial, { format: source.format, architecture: entry.architecture });
  try {
    const { architecture, weights } = network;
    const info = await saveNetwork(
      folder,
      { name: entry.name, architecture: architecture.family, layers: [...weights.keys()], origin: source.url },
      weights,
    );
    await rm(partial, { force: true });
    return info;
  } finally {
    // The studio's engine lives on: a VGG's 80 MB of weights are not kept once saved.
    network.release();
  }
}

/** The catalogue's file, with the digest its publisher states. */
function remoteFileOf(source: DownloadSource): RemoteFile {
  const digest =
    'sha256' in source
      ? { algorithm: 'sha256' as const, hex: source.sha256 }
      : { algorithm: 'md5' as const, hex: source.md5 };
  return { url: source.url, file: source.file, bytes: source.bytes, digest };
}

/**
 * Converts weights an npm dependency ships: its files checked against the catalogue's sizes and
 * digests, read as data (never run), saved in the engine's format with the digests as their origin.
 */
async function installFromPackage(
  entry: CatalogueEntry,
  source: NpmPackageSource,
  folder: string,
  options: InstallOptions,
): Promise<SavedNetworkInfo> {
  const totalBytes = source.files.reduce((sum, file) => sum + file.bytes, 0);
  const files = await readPackageFiles(source, entry.name, (receivedBytes) =>
    options.onProgress?.({ receivedBytes, totalBytes }),
  );
  const architecture = ARCHITECTURES[entry.architecture];
  if (!architecture) throw new PasticheError(`unknown architecture '${entry.architecture}'`, entry.name);
  const weights = readBundledKerasNetwork((name) => {
    const file = files.get(name);
    if (!file)
      throw new PasticheError(`${name} is needed but not among the catalogue's files of ${source.package}`, entry.name);
    return file;
  }, architecture);
  try {
    return await saveNetwork(
      folder,
      {
        name: entry.name,
        architecture: architecture.family,
        layers: [...weights.keys()],
        origin: packageOrigin(source),
      },
      weights,
    );
  } finally {
    disposeWeights(weights);
  }
}
