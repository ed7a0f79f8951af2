import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { WebSocket } from 'ws';
import type { StudioEvent } from '../../../../engine/common/api/studioApi.js';
import { fromWire, toWire } from '../../../../engine/common/api/wire.js';
import { openStudio, type Studio } from '../../../../engine/node/studio/studio.js';
import { startWebHost, type WebHost } from '../../../../engine/node/studio/webHost.js';
import { post, rawExchange, statusOf } from './webClient.js';

/**
 * What any web page the person visits (an <img>, a fetch, a WebSocket to 127.0.0.1) or any local
 * program can send the web host: each must be answered with a 4xx, the host must stay up, and a run
 * in progress must not notice.
 */
describe('web host against hostile requests', () => {
  let studio: Studio;
  let host: WebHost;
  let photoId: number;

  before(async () => {
    studio = await openStudio({
      home: mkdtempSync(join(tmpdir(), 'pastiche-hostile-')),
      backend: 'wasm',
      version: 'test',
    });
    host = await startWebHost({ handlers: studio.handlers, subscribe: studio.subscribe });
    const bytes = await sharp({ create: { width: 24, height: 16, channels: 3, background: '#48c' } })
      .png()
      .toBuffer();
    photoId = (await studio.handlers['images.add']({ name: 'photo.png', bytes })).id;
  });
  after(async () => {
    await host.close();
    await studio.close();
  });

  const hostLine = () => `Host: 127.0.0.1:${host.port}`;
  /** A request's head: its line and header lines, then the blank line. */
  const head = (...lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;
  /** A request that asks to be answered and closed, with this host's Host. */
  const closing = (line: string, ...headers: string[]) => head(line, hostLine(), 'Connection: close', ...headers);
  /** A token of the right length in characters whose UTF-8 is longer: the check once threw on it. */
  const wideToken = () => `%C3%A9${'a'.repeat(47)}`;
  const upgrade = (target: string) =>
    head(
      `GET ${target} HTTP/1.1`,
      hostLine(),
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    );
  const latin1Token = () =>
    Buffer.concat([
      Buffer.from(
        `POST /api/queue.get HTTP/1.1\r\n${hostLine()}\r\nConnection: close\r\nContent-Length: 0\r\nx-pastiche-token: `,
      ),
      Buffer.from([0xe9]),
      Buffer.from(`${'a'.repeat(47)}\r\n\r\n`),
    ]);
  const hostileRequests = (): Array<{ what: string; text: string | Buffer; status: number }> => [
    {
      what: 'a non-ASCII token in the query',
      text: closing(`GET /media/1?token=${wideToken()} HTTP/1.1`),
      status: 401,
    },
    { what: 'a non-ASCII token in the header', text: latin1Token(), status: 401 },
    { what: 'a non-ASCII token on the event stream', text: upgrade(`/events?token=${wideToken()}`), status: 401 },
    { what: 'a request line URL cannot parse', text: closing('GET //[x/ HTTP/1.1'), status: 400 },
    { what: 'the same on the event stream', text: upgrade('//[x/'), status: 400 },
    {
      what: 'no Host',
      text: head('POST /api/queue.get HTTP/1.1', 'Connection: close', 'Content-Length: 0'),
      status: 400,
    },
    {
      what: 'a Host that is no host',
      text: head('GET /media/1?token=x HTTP/1.1', 'Host: [::', 'Connection: close'),
      status: 403,
    },
    { what: 'HEAD on the API', text: closing('HEAD /api/queue.get HTTP/1.1'), status: 401 },
    { what: 'an absolute-form target', text: closing('GET http://evil.example/api/queue.get HTTP/1.1'), status: 400 },
    {
      what: 'broken chunked encoding',
      text:
        head(
          'POST /api/queue.get HTTP/1.1',
          hostLine(),
          `x-pastiche-token: ${host.token}`,
          'Transfer-Encoding: chunked',
        ) + 'zz\r\n',
      status: 400,
    },
    { what: 'a header line without a colon', text: head('GET / HTTP/1.1', hostLine(), 'nonsense'), status: 400 },
    { what: 'an upgrade to another path', text: upgrade('/elsewhere'), status: 404 },
    {
      what: 'an upgrade without a key',
      text: head('GET /events?token=x HTTP/1.1', hostLine(), 'Connection: Upgrade', 'Upgrade: websocket'),
      status: 401,
    },
  ];

  async function stillAnswers(): Promise<void> {
    const reply = await post(host, 'images.get', toWire({ imageId: photoId }));
    assert.equal(reply.status, 200, reply.body);
    assert.equal(fromWire<{ result: { id: number } }>(reply.body).result.id, photoId);
  }

  it('answers each with a 4xx and stays up', async () => {
    for (const { what, text, status } of hostileRequests()) {
      const answer = await rawExchange(host.port, text);
      assert.equal(statusOf(answer), status, `${what}: ${JSON.stringify(answer.slice(0, 200))}`);
      await stillAnswers();
    }
  });

  it('closes an event stream that sends the host a frame over its size or a broken one, and stays up', async () => {
    for (const frame of [Buffer.alloc(4096, 'x'), Buffer.from([0x8f, 0x80, 0, 0, 0, 0])]) {
      const socket = new WebSocket(`ws://127.0.0.1:${host.port}/events?token=${host.token}`, {
        origin: `http://127.0.0.1:${host.port}`,
      });
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.on('open', resolve));
      const closed = new Promise((resolve) => socket.on('close', resolve));
      if (frame.length > 1000) socket.send(frame);
      else (socket as unknown as { _socket: { write(bytes: Buffer): void } })._socket.write(frame);
      await closed;
      await stillAnswers();
    }
  });

  it('lets a run in progress finish while they arrive', async () => {
    const statuses: string[] = [];
    const ended = new Promise<void>((resolve) => {
      studio.subscribe((event: StudioEvent) => {
        if (event.type !== 'run.status') return;
        statuses.push(event.status);
        if (!['queued', 'running'].includes(event.status)) resolve();
      });
    });
    const running = new Promise<void>((resolve) =>
      studio.subscribe((event) => event.type === 'run.status' && event.status === 'running' && resolve()),
    );
    const settings = {
      size: 16,
      iterations: 20,
      previewEvery: 0,
      contentLayers: ['conv1_1'],
      styleLayers: [{ layer: 'conv1_1', weight: 1 }],
    };
    const queued = await post(
      host,
      'runs.queue',
      toWire({ project: 'hostile', contentImageId: photoId, styleImageIds: [photoId], settings }),
    );
    assert.equal(queued.status, 200, queued.body);
    await running;
    for (const { text } of hostileRequests()) await rawExchange(host.port, text);
    await ended;
    assert.deepEqual(statuses, ['queued', 'running', 'done']);
  });
});
