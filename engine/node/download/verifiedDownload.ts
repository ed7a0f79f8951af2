import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { open, rm, truncate } from 'node:fs/promises';
import { isPasticheError, PasticheError } from '../../common/errors.js';
import { writeProblem } from '../fileIO.js';

/**
 * A file a catalogue names, fetched into a partial file that survives interruptions (resumed with an
 * HTTP Range request) and checked against the size and digest its publisher states. What catalogue
 * networks (networks/installNetwork.ts) and catalogue styles (fast/installStyle.ts) share.
 */

export interface DownloadProgress {
  readonly receivedBytes: number;
  readonly totalBytes: number;
}

export interface DownloadOptions {
  onProgress?(progress: DownloadProgress): void;
  readonly signal?: AbortSignal;
  /** How long to wait for the server to answer before calling it unreachable. */
  readonly connectTimeoutMs?: number;
}

export interface RemoteFile {
  readonly url: string;
  /** Its name, as messages call it. */
  readonly file: string;
  readonly bytes: number;
  readonly digest: { readonly algorithm: 'md5' | 'sha256'; readonly hex: string };
}

/** What a download is part of: what it installs, and what its messages tell a person to do. */
export interface DownloadContext {
  /** What is being installed: every message starts with it. */
  readonly name: string;
  /** What to do without a connection, as a sentence: how to import the file(s) fetched elsewhere. */
  readonly offlineAdvice: string;
  /** The bytes of the whole install counted before this file, and their total (an install of many files). */
  readonly before?: number;
  readonly total?: number;
}

/**
 * Fetches what `partial` lacks of `remote`, then checks its size and digest. An interrupted download
 * keeps what arrived for the next attempt; a file that fails the check is deleted.
 */
export async function fetchVerified(
  remote: RemoteFile,
  partial: string,
  context: DownloadContext,
  options: DownloadOptions = {},
): Promise<void> {
  await download(remote, partial, context, options);
  await verify(remote, partial);
}

/** Fetches what `partial` lacks of the file, appending to it. */
async function download(
  remote: RemoteFile,
  partial: string,
  context: DownloadContext,
  options: DownloadOptions,
): Promise<void> {
  const have = existsSync(partial) ? statSync(partial).size : 0;
  if (have === remote.bytes) return;
  if (have > remote.bytes) await truncate(partial, 0);
  const from = have > remote.bytes ? 0 : have;
  const response = await connect(remote, from, context, options);
  // A server that ignores Range sends the whole file again (200): start over rather than append.
  const append = from > 0 && response.status === 206;
  const before = context.before ?? 0;
  const total = context.total ?? remote.bytes;
  let received = append ? from : 0;
  // Each chunk is written before the next is read, so an interruption keeps all that arrived.
  const file = await open(partial, append ? 'a' : 'w');
  try {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      // A server that sends more than the catalogue's size is not believed, nor allowed to fill the disk.
      if (received + chunk.length > remote.bytes) throw await oversize(remote, partial, context);
      // A full disk is not an interrupted download: trying again would fail the same way.
      await file.write(chunk).catch((error: unknown) => Promise.reject(writeProblem(error, partial)));
      received += chunk.length;
      options.onProgress?.({ receivedBytes: before + received, totalBytes: total });
    }
  } catch (error) {
    if (isPasticheError(error)) throw error;
    const why = (error as { cause?: { message?: string } }).cause?.message ?? messageOf(error);
    const done = `${megabytes(before + received)} of ${megabytes(total)}`;
    const message = `download interrupted after ${done} (${why}); install again to resume`;
    throw new PasticheError(message, context.name);
  } finally {
    await file.close();
  }
}

/** Deletes the download of a file that grew past its catalogue size, and says so. */
async function oversize(remote: RemoteFile, partial: string, context: DownloadContext): Promise<PasticheError> {
  await rm(partial, { force: true });
  const message =
    `the server sent more than the catalogue's ${remote.bytes} bytes of ${remote.file}; ` + 'the download was deleted';
  return new PasticheError(message, context.name);
}

/** The response's headers, or a one-line reason; the time limit covers only the wait for them, not the download. */
async function connect(
  remote: RemoteFile,
  from: number,
  context: DownloadContext,
  options: DownloadOptions,
): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('no answer')), options.connectTimeoutMs ?? 20_000);
  const cancel = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', cancel, { once: true });
  let response: Response;
  try {
    const headers: Record<string, string> = from > 0 ? { Range: `bytes=${from}-` } : {};
    response = await fetch(remote.url, { headers, signal: controller.signal });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? messageOf(error);
    const host = new URL(remote.url).host;
    throw new PasticheError(`cannot reach ${host} (${why}). Offline? ${context.offlineAdvice}`, context.name);
  } finally {
    clearTimeout(timer);
  }
  if (response.status !== 200 && response.status !== 206) {
    const answer = `${response.status} ${response.statusText}`;
    throw new PasticheError(`the server answered ${answer} for ${remote.url}`, context.name);
  }
  return response;
}

/** Size and digest as the catalogue records them; a file that fails is deleted, so the next attempt starts clean. */
async function verify(remote: RemoteFile, partial: string): Promise<void> {
  const { algorithm, hex: expected } = remote.digest;
  const size = statSync(partial).size;
  const digest = size === remote.bytes ? await digestOf(algorithm, partial) : null;
  if (digest === expected) return;
  await rm(partial, { force: true });
  const label = algorithm === 'sha256' ? 'SHA-256' : 'MD5';
  const found =
    digest === null ? `${size} bytes instead of ${remote.bytes}` : `${label} ${digest} instead of ${expected}`;
  const message = `the download is corrupt (${found}) and was deleted; install again`;
  throw new PasticheError(message, remote.file);
}

async function digestOf(algorithm: 'md5' | 'sha256', file: string): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
