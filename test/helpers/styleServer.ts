import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { StyleCatalogueEntry } from '../../engine/node/fast/styleCatalogue.js';

/**
 * A stand-in for the style catalogue's server on 127.0.0.1: serves `root/NAME/FILE` for each style
 * folder under `root`, honours Range requests, and on request stalls part-way through one file until
 * the test drops the connection (a flaky network), or changes a byte of one file (a corrupt mirror).
 */
export async function startStyleServer(root: string) {
  const requests: { path: string; range: string | undefined }[] = [];
  const stalled: ServerResponse[] = [];
  let stall: { file: string; after: number } | null = null;
  let corrupt: string | null = null;
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    requests.push({ path, range: request.headers.range });
    const [, style, file] = path.split('/');
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(root, style, file));
    } catch {
      return void response.writeHead(404).end();
    }
    if (file === corrupt) bytes = Buffer.concat([Buffer.from([bytes[0] ^ 0xff]), bytes.subarray(1)]);
    const from = Number(/^bytes=(\d+)-$/.exec(request.headers.range ?? '')?.[1] ?? 0);
    const body = bytes.subarray(from);
    const range = from > 0 ? { 'Content-Range': `bytes ${from}-${bytes.length - 1}/${bytes.length}` } : {};
    response.writeHead(from > 0 ? 206 : 200, { 'Content-Length': body.length, ...range });
    if (stall?.file !== file) return void response.end(body);
    response.write(body.subarray(0, stall.after));
    stalled.push(response);
    stall = null;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    requests,
    /** The next request for `file` sends `after` bytes and then nothing, until `drop`. */
    stallNext: (file: string, after: number) => void (stall = { file, after }),
    drop: () => stalled.splice(0).forEach((response) => response.socket?.destroy()),
    /** Serves `file` with its first byte flipped from now on (null: as it is). */
    corrupt: (file: string | null) => void (corrupt = file),
    close: () =>
      new Promise<void>((resolve) => {
        stalled.splice(0).forEach((response) => response.socket?.destroy());
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A catalogue entry for a checkpoint folder served at `baseUrl`, its sizes and digests taken from the files. */
export function catalogueEntryFor(name: string, folder: string, baseUrl: string): StyleCatalogueEntry {
  // manifest.json first, then the variables in order, as the product's catalogue lists them.
  const order = (file: string) => (file === 'manifest.json' ? -1 : Number(file.replace(/^Variable_?/, '') || 0));
  const files = readdirSync(folder)
    .sort((a, b) => order(a) - order(b))
    .map((file) => {
      const bytes = readFileSync(join(folder, file));
      return { name: file, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    });
  return { name, description: `${name}, for tests`, license: 'test weights', baseUrl, files };
}

/** Writes a catalogue file of these entries (what PASTICHE_STYLE_CATALOGUE points at); returns its path. */
export function writeStyleCatalogue(file: string, styles: readonly StyleCatalogueEntry[]): string {
  writeFileSync(file, JSON.stringify({ styles }, null, 2));
  return file;
}
