import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { WebSocket } from 'ws';
import type { ArgsOf, Channel, ResultOf, StudioEvent } from '../../../../engine/common/api/studioApi.js';
import { fromWire, toWire } from '../../../../engine/common/api/wire.js';
import { openStudio, type Studio } from '../../../../engine/node/studio/studio.js';
import { startWebHost, type WebHost } from '../../../../engine/node/studio/webHost.js';
import { asStylization } from '../../../helpers/runs.js';
import { stageSize } from '../../../../engine/common/stylize/schedule.js';

interface Reply {
  readonly status: number;
  readonly body: string;
}

/** A raw HTTP request, so that Host and Origin can be anything a hostile page or DNS could make them. */
function send(
  host: WebHost,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port: host.port, path, method: options.method ?? 'GET', headers: options.headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('latin1') }),
        );
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

describe('web host', () => {
  let studio: Studio;
  let host: WebHost;
  let photoBytes: Uint8Array;
  const calls: string[] = [];

  before(async () => {
    studio = await openStudio({ home: mkdtempSync(join(tmpdir(), 'pastiche-web-')), backend: 'wasm', version: 'test' });
    const counted = Object.fromEntries(
      Object.entries(studio.handlers).map(([channel, handler]) => [
        channel,
        (args: unknown) => {
          calls.push(channel);
          return (handler as (args: unknown) => unknown)(args);
        },
      ]),
    ) as unknown as Studio['handlers'];
    host = await startWebHost({ handlers: counted, subscribe: studio.subscribe });
    photoBytes = await sharp({ create: { width: 20, height: 12, channels: 3, background: '#c84' } })
      .png()
      .toBuffer();
  });
  after(async () => {
    await host.close();
    await studio.close();
  });

  const own = () => ({ host: `127.0.0.1:${host.port}`, origin: `http://127.0.0.1:${host.port}` });
  async function invoke<C extends Channel>(channel: C, args: ArgsOf<C>): Promise<ResultOf<C>> {
    const reply = await send(host, `/api/${channel}`, {
      method: 'POST',
      headers: { ...own(), 'x-pastiche-token': host.token, 'content-type': 'application/json' },
      body: toWire(args),
    });
    const answer = fromWire<{ result?: ResultOf<C>; error?: string }>(reply.body);
    if (reply.status !== 200) throw new Error(`${reply.status} ${answer.error}`);
    return answer.result as ResultOf<C>;
  }

  it('listens on 127.0.0.1 only and gives a URL that carries the token', () => {
    assert.match(host.url, new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/\\?token=${host.token}$`));
    assert.match(host.token, /^[0-9a-f]{48}$/);
  });

  it(
    'refuses a request without the token, with a wrong one, from ' +
      'a foreign Origin or for another Host, before any handler runs',
    async () => {
      const before = calls.length;
      const post = (headers: Record<string, string>) =>
        send(host, '/api/runs.list', { method: 'POST', headers, body: '{}' });
      assert.equal((await post({ host: own().host })).status, 401);
      assert.equal((await post({ host: own().host, 'x-pastiche-token': 'f'.repeat(48) })).status, 401);
      assert.equal(
        (await post({ ...own(), origin: 'http://evil.example', 'x-pastiche-token': host.token })).status,
        403,
      );
      // DNS rebinding: a page of evil.example whose name now points at 127.0.0.1.
      assert.equal((await post({ host: `evil.example:${host.port}`, 'x-pastiche-token': host.token })).status, 403);
      assert.equal((await send(host, `/media/1?token=${'0'.repeat(48)}`, { headers: own() })).status, 401);
      assert.equal(calls.length, before, 'no handler ran');
    },
  );

  it('refuses an event stream without the token or from a foreign Origin', async () => {
    const attempt = (query: string, origin: string) =>
      new Promise<string>((resolve) => {
        const socket = new WebSocket(`ws://127.0.0.1:${host.port}/events${query}`, { origin });
        socket.on('open', () => {
          socket.close();
          resolve('open');
        });
        socket.on('error', () => resolve('refused'));
        socket.on('unexpected-response', () => resolve('refused'));
      });
    assert.equal(await attempt('', own().origin), 'refused');
    assert.equal(await attempt(`?token=${host.token}`, 'http://evil.example'), 'refused');
    assert.equal(await attempt(`?token=${host.token}`, own().origin), 'open');
  });

  it('answers an unknown channel with 404 and bad input with one line, storing nothing', async () => {
    const unknown = await send(host, '/api/runs.delete', {
      method: 'POST',
      headers: { ...own(), 'x-pastiche-token': host.token },
      body: '{}',
    });
    assert.equal(unknown.status, 404);
    await assert.rejects(
      invoke('images.add', { name: 'notes.jpg', bytes: new TextEncoder().encode('not a picture') }),
      /^Error: 400 notes\.jpg: not an image file \(or corrupt\)$/,
    );
    assert.deepEqual(await invoke('projects.list', undefined), []);
  });

  it(
    'refuses arguments of the wrong shape with 400 in one line, ' +
      'before any handler runs: a string is never read as a path',
    async () => {
      const localFile = join(mkdtempSync(join(tmpdir(), 'pastiche-local-')), 'private.png');
      writeFileSync(localFile, photoBytes);
      const before = calls.length;
      const post = (channel: string, body: string) =>
        send(host, `/api/${channel}`, { method: 'POST', headers: { ...own(), 'x-pastiche-token': host.token }, body });
      const refused = [
        [
          await post('images.add', JSON.stringify({ name: 'private.png', bytes: localFile })),
          'images.add: bytes: expected bytes (on the web, {"$bytes": base64})',
        ],
        [await post('images.get', 'null'), 'images.get: expected an object'],
        [await post('runs.get', ''), 'runs.get: expected an object'],
        [
          await post(
            'runs.queue',
            JSON.stringify({ project: 'p', contentImageId: 1, styleImageIds: [1], settings: { styleWeight: 'lots' } }),
          ),
          'runs.queue: settings.styleWeight: expected a number',
        ],
      ] as const;
      for (const [reply, message] of refused)
        assert.deepEqual([reply.status, JSON.parse(reply.body)], [400, { error: message }]);
      assert.equal(calls.length, before, 'no handler ran');
    },
  );

  it(
    'serves the built pages without a token, never a file ' + 'outside their folder, and says when they are not built',
    async () => {
      const pages = mkdtempSync(join(tmpdir(), 'pastiche-pages-'));
      writeFileSync(join(pages, 'index.html'), '<!doctype html><title>studio</title>');
      writeFileSync(join(pages, 'app.js'), 'console.log(1)');
      const served = await startWebHost({ handlers: studio.handlers, subscribe: studio.subscribe, staticDir: pages });
      try {
        const get = (path: string) => send(served, path, { headers: { host: `127.0.0.1:${served.port}` } });
        assert.match((await get('/')).body, /<title>studio<\/title>/);
        assert.equal((await get('/app.js')).body, 'console.log(1)');
        assert.match((await get('/grids/3')).body, /<title>studio<\/title>/, 'the single-page app owns its routes');
        for (const escape of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd']) {
          const reply = await get(escape);
          assert.doesNotMatch(reply.body, /root:/, escape);
        }
      } finally {
        await served.close();
      }
      assert.equal(
        (await send(host, '/', { headers: own() })).status,
        503,
        'a host without built pages says how to build them',
      );
    },
  );

  /** The host's events as they come, until a run ends (done, failed or cancelled). */
  async function eventsUntilRunEnds() {
    const events: StudioEvent[] = [];
    const socket = new WebSocket(`ws://127.0.0.1:${host.port}/events?token=${host.token}`, { origin: own().origin });
    await new Promise((resolve) => socket.on('open', resolve));
    const finished = new Promise<void>((resolve) =>
      socket.on('message', (data: Buffer) => {
        const event = fromWire<StudioEvent>(data.toString('utf8'));
        events.push(event);
        if (event.type === 'run.status' && ['done', 'failed', 'cancelled'].includes(event.status)) resolve();
      }),
    );
    return { events, socket, finished };
  }

  it('adds images, queues a run, streams its progress and status, and serves its result', async () => {
    const { events, socket, finished } = await eventsUntilRunEnds();
    const photo = await invoke('images.add', { name: 'photo.png', bytes: photoBytes });
    assert.deepEqual([photo.width, photo.height, photo.originalName], [20, 12, 'photo.png']);
    const settings = {
      size: 16,
      iterations: 3,
      previewEvery: 2,
      contentLayers: ['conv1_1'],
      styleLayers: [{ layer: 'conv1_1', weight: 2 }],
      seed: 5,
    };
    const { runId } = await invoke('runs.queue', {
      project: 'web',
      contentImageId: photo.id,
      styleImageIds: [photo.id],
      settings,
    });
    await finished;
    socket.close();
    assert.deepEqual(
      events.filter((e) => e.type === 'run.status').map((e) => e.type === 'run.status' && e.status),
      ['queued', 'running', 'done'],
    );
    assert.deepEqual(
      events.filter((e) => e.type === 'run.progress').map((e) => e.type === 'run.progress' && e.progress.iteration),
      [0, 1, 2, 3],
    );
    assert.ok(events.some((e) => e.type === 'run.preview' && e.iteration === 2));

    const detail = await invoke('runs.get', { runId });
    assert.equal(detail.run.status, 'done');
    assert.deepEqual(
      detail.run.styles.map((style) => style.image.id),
      [photo.id],
    );
    for (const [key, value] of Object.entries(settings))
      assert.deepEqual(asStylization(detail.run).settings[key as keyof typeof settings], value, key);
    const result = detail.outputs.find((output) => output.kind === 'result')!;
    const media = await send(host, `/media/${result.image.id}?token=${host.token}`, { headers: own() });
    assert.equal(media.status, 200);
    assert.deepEqual((await sharp(Buffer.from(media.body, 'latin1')).metadata()).width, 16);
    // A pipe or a device in place of a stored copy is refused at once, never read until memory runs out.
    const storedPhoto = (await invoke('images.get', { imageId: photo.id })).path;
    rmSync(storedPhoto);
    symlinkSync('/dev/zero', storedPhoto);
    const zero = await send(host, `/media/${photo.id}?token=${host.token}`, { headers: own() });
    assert.deepEqual(
      [zero.status, zero.body],
      [404, JSON.stringify({ error: 'the stored copy of this image is missing or not a file' })],
    );
    rmSync(storedPhoto);
    execFileSync('mkfifo', [storedPhoto]);
    assert.equal((await send(host, `/media/${photo.id}?token=${host.token}`, { headers: own() })).status, 404);
    const print = await invoke('images.export', {
      imageId: result.image.id,
      print: { width: 10, unit: 'cm', dpi: 300 },
      format: 'tiff',
    });
    assert.deepEqual(
      [print.width, print.height, print.fileName],
      [1181, 738, `image-${result.image.id}-10cm-300dpi.tif`],
    );
    assert.equal(Math.round((await sharp(print.bytes).metadata()).density ?? 0), 300);
    const [project] = await invoke('projects.list', undefined);
    assert.deepEqual([project.name, project.runCount, project.latestImageId], ['web', 1, result.image.id]);
  });

  it("streams a coarse-to-fine run's stages: each as it starts, its losses, and its picture as it ends", async () => {
    const { events, socket, finished } = await eventsUntilRunEnds();
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="16">' +
      '<rect width="24" height="16" fill="#3a7d44"/><circle cx="8" cy="8" r="5" fill="#e8c547"/></svg>';
    const bytes = await sharp(Buffer.from(svg)).png().toBuffer();
    const photo = await invoke('images.add', { name: 'meadow.png', bytes: new Uint8Array(bytes) });
    const stages = [
      { size: 8, iterations: 2, tile: null },
      { size: 16, iterations: 2, tile: null },
    ];
    const settings = {
      size: 16,
      iterations: 4,
      previewEvery: 0,
      schedule: { stages },
      contentLayers: ['conv1_1'],
      styleLayers: [{ layer: 'conv1_1', weight: 2 }],
    };
    const queued = { project: 'stages', contentImageId: photo.id, styleImageIds: [photo.id], settings };
    const { runId } = await invoke('runs.queue', queued);
    await finished;
    socket.close();
    const heard = events
      .filter((e) => 'runId' in e && e.runId === runId)
      .flatMap((e) => {
        if (e.type === 'run.stage') return [`stage ${e.stage.index} of ${e.stage.count} at ${e.stage.size}`];
        if (e.type === 'run.progress') return [`iteration ${e.progress.iteration} in stage ${e.progress.stage?.index}`];
        const done = e.type === 'run.preview' && e.stageDone ? ' done' : '';
        if (e.type === 'run.preview') return [`picture ${e.iteration} of stage ${e.stage?.index}${done}`];
        return e.type === 'run.status' ? [e.status] : [];
      });
    assert.deepEqual(
      heard,
      [
        'queued',
        'running',
        'stage 0 of 2 at 8',
        'iteration 0 in stage 0',
        'iteration 1 in stage 0',
        'iteration 2 in stage 0',
        'picture 2 of stage 0 done',
        'stage 1 of 2 at 16',
        'iteration 3 in stage 1',
        'iteration 4 in stage 1',
        'done',
      ],
      "previews are off, and still the first stage's result is shown as it ends",
    );
    const preview = events.find((e) => e.type === 'run.preview' && e.runId === runId);
    const { outputs } = await invoke('runs.get', { runId });
    const stored = outputs.find((output) => output.kind === 'preview')!;
    const sent = preview?.type === 'run.preview' && preview.imageId;
    // The first stage's picture: the photo at the run's size, then at the stage's (as the engine sizes it).
    const { width, height } = stageSize(stages[0], stageSize(stages[1], photo));
    assert.deepEqual([stored.image.id, stored.image.width, stored.image.height], [sent, width, height]);
  });
});
