import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { toWire } from '../../../../engine/common/api/wire.js';
import { bodyLimit, DEFAULT_BODY_LIMIT, MAX_CONCURRENT_UPLOADS } from '../../../../engine/node/studio/bodyLimits.js';
import { openStudio, type Studio } from '../../../../engine/node/studio/studio.js';
import { startWebHost, type WebHost } from '../../../../engine/node/studio/webHost.js';
import { post, rawExchange, statusOf, type Reply } from './webClient.js';

/** A request whose headers are sent and whose body is still coming: an upload in progress. */
function openUpload(host: WebHost, length: number): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect(host.port, '127.0.0.1', () => {
      socket.write(
        `POST /api/images.add HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nx-pastiche-token: ` +
          `${host.token}\r\nContent-Length: ${length}\r\n\r\n{"name":`,
      );
      resolve(socket);
    });
    socket.on('error', () => undefined);
  });
}

/** The first answer that `done` accepts, asking again every 50 ms for at most 10 s. */
async function until(ask: () => Promise<Reply>, done: (reply: Reply) => boolean): Promise<Reply> {
  for (let tries = 0; ; tries++) {
    const reply = await ask();
    if (done(reply) || tries === 200) return reply;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('web host body limits', () => {
  let studio: Studio;
  let host: WebHost;
  const pixels = process.env.PASTICHE_MAX_PIXELS;

  before(async () => {
    process.env.PASTICHE_MAX_PIXELS = '10000';
    studio = await openStudio({
      home: mkdtempSync(join(tmpdir(), 'pastiche-limits-')),
      backend: 'wasm',
      version: 'test',
    });
    host = await startWebHost({ handlers: studio.handlers, subscribe: studio.subscribe });
  });
  after(async () => {
    if (pixels === undefined) delete process.env.PASTICHE_MAX_PIXELS;
    else process.env.PASTICHE_MAX_PIXELS = pixels;
    await host.close();
    await studio.close();
  });

  const headers = (channel: string, extra: string) =>
    `POST /api/${channel} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nx-pastiche-token: ` +
    `${host.token}\r\nConnection: close\r\n${extra}\r\n`;

  it('sizes an upload by the pixel limit, anything else at 1 MiB', () => {
    assert.equal(bodyLimit('runs.queue'), DEFAULT_BODY_LIMIT);
    // 10 000 px of RGB and 1 MiB of metadata, as base64, and 1 MiB of JSON.
    assert.equal(bodyLimit('images.add'), Math.ceil((30_000 + 2 ** 20) / 3) * 4 + 2 ** 20);
  });

  it("refuses a declared length over the channel's limit with 413 before reading the body", async () => {
    const answer = await rawExchange(
      host.port,
      headers('images.add', `Content-Length: ${bodyLimit('images.add') + 1}\r\n`),
    );
    assert.equal(statusOf(answer), 413, answer);
    assert.match(answer, /\{"error":"images\.add: the request is over its limit of \d+ bytes"\}/);
    assert.equal(
      statusOf(await rawExchange(host.port, headers('runs.list', `Content-Length: ${DEFAULT_BODY_LIMIT + 1}\r\n`))),
      413,
    );
  });

  it('refuses a chunked body with 413 once it passes the limit, and stays up', async () => {
    const chunk = 'x'.repeat(64 * 1024);
    const chunks = Array.from({ length: 20 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('');
    const answer = await rawExchange(
      host.port,
      `${headers('runs.list', 'Transfer-Encoding: chunked\r\n')}${chunks}0\r\n\r\n`,
    );
    assert.equal(statusOf(answer), 413, answer.slice(0, 200));
    assert.equal((await post(host, 'queue.get', 'null')).status, 200);
  });

  it(`reads at most ${MAX_CONCURRENT_UPLOADS} uploads at once; another is told to retry`, async () => {
    const uploads = await Promise.all(Array.from({ length: MAX_CONCURRENT_UPLOADS }, () => openUpload(host, 1000)));
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123' } })
      .png()
      .toBuffer();
    const add = (name: string) => post(host, 'images.add', toWire({ name, bytes: png }));
    // Both are under way once the host has read their headers, which takes it a moment.
    const third = await until(
      () => add('third.png'),
      (reply) => reply.status === 503,
    );
    assert.equal(third.headers['retry-after'], '1');
    assert.match(JSON.parse(third.body).error, /^images\.add: 2 uploads are under way; try again shortly$/);
    assert.equal((await post(host, 'queue.get', 'null')).status, 200, 'other requests are served meanwhile');
    uploads.forEach((socket) => socket.destroy());
    const fourth = await until(
      () => add('fourth.png'),
      (reply) => reply.status !== 503,
    );
    assert.equal(fourth.status, 200, 'an aborted upload frees its place');
  });
});
