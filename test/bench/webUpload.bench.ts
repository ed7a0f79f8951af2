import { fork } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { openStudioThread } from '../../engine/node/studio/studioThread.js';
import { startWebHost } from '../../engine/node/studio/webHost.js';

/**
 * `node dist/test/bench/webUpload.bench.js [MB]`: the web host's resident memory around one
 * images.add of an MB-megabyte picture (100 by default), the host in a process of its own as
 * `npm run studio:web` runs it (the engine in its thread): once for bytes that are no image (the cost
 * of the request alone) and once for an uncompressed TIFF (the request and its decoding).
 */
interface HostReady {
  readonly port: number;
  readonly token: string;
}
interface HostMemory {
  readonly baseline: number;
  readonly peak: number;
  readonly after: number;
}

async function host(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'pastiche-upload-bench-'));
  const studio = await openStudioThread({ home, backend: 'wasm', version: 'bench' });
  const web = await startWebHost({ handlers: studio.handlers, subscribe: studio.subscribe });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2).unref();
  process.send!({ port: web.port, token: web.token } satisfies HostReady);
  process.once('message', async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.send!({ baseline, peak, after: process.memoryUsage().rss } satisfies HostMemory);
    await web.close();
    await studio.close();
    process.exit(0);
  });
}

async function measure(what: string, bytes: Buffer): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['--host']);
  const next = <T>() => new Promise<T>((resolve) => child.once('message', (message) => resolve(message as T)));
  const { port, token } = await next<HostReady>();
  const body = Buffer.from(`{"name":"big.tif","bytes":{"$bytes":"${bytes.toString('base64')}"}}`);
  const status = await new Promise<number>((resolve, reject) => {
    const headers = { host: `127.0.0.1:${port}`, 'x-pastiche-token': token, 'content-length': body.length };
    const sent = request({ host: '127.0.0.1', port, path: '/api/images.add', method: 'POST', headers }, (response) => {
      response.resume().on('end', () => resolve(response.statusCode ?? 0));
    });
    sent.on('error', reject);
    sent.end(body);
  });
  child.send('report');
  const { baseline, peak, after } = await next<HostMemory>();
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  const figures = `host RSS ${mib(baseline)} → peak +${mib(peak - baseline)}, after +${mib(after - baseline)}`;
  console.log(`${what}, ${mib(bytes.length)} (body ${mib(body.length)}): ${status}; ${figures}`);
}

if (process.argv.includes('--host')) await host();
else {
  const megabytes = Number(process.argv[2] ?? 100);
  await measure('no image', Buffer.alloc(megabytes * 1e6, 7));
  const side = Math.round(Math.sqrt((megabytes * 1e6) / 3));
  const picture = sharp({ create: { width: side, height: side, channels: 3, background: '#468' } });
  const tiff = await picture.tiff({ compression: 'none' }).toBuffer();
  await measure(`uncompressed TIFF ${side}×${side}`, tiff);
}
