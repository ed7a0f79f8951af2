import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { WebSocket } from 'ws';
import type { ArgsOf, Channel, ResultOf, StudioEvent } from '../../../../engine/common/api/studioApi.js';
import { fromWire, toWire } from '../../../../engine/common/api/wire.js';
import { openStudio, type Studio } from '../../../../engine/node/studio/studio.js';
import { startWebHost, type WebHost } from '../../../../engine/node/studio/webHost.js';
import { randomCheckpoint, writeCheckpoint } from '../../../helpers/fastStyle.js';
import { catalogueEntryFor, startStyleServer, writeStyleCatalogue } from '../../../helpers/styleServer.js';
import { send } from './webClient.js';

describe('the style catalogue through the web host: styles.catalogue, styles.install, styles.list', () => {
  const files = mkdtempSync(join(tmpdir(), 'pastiche-web-styles-'));
  let server: Awaited<ReturnType<typeof startStyleServer>>;
  let studio: Studio;
  let host: WebHost;
  let downloadBytes = 0;

  before(async () => {
    writeCheckpoint(join(files, 'served', 'speckle'), randomCheckpoint(51));
    server = await startStyleServer(join(files, 'served'));
    const entry = catalogueEntryFor('speckle', join(files, 'served', 'speckle'), `${server.url}speckle/`);
    downloadBytes = entry.files.reduce((sum, file) => sum + file.bytes, 0);
    process.env.PASTICHE_STYLE_CATALOGUE = writeStyleCatalogue(join(files, 'catalogue.json'), [
      { ...entry, painting: 'Speckles', artist: 'a seed' },
    ]);
    studio = await openStudio({ home: mkdtempSync(join(tmpdir(), 'pastiche-web-')), backend: 'wasm', version: 'test' });
    host = await startWebHost({ handlers: studio.handlers, subscribe: studio.subscribe });
  });
  after(async () => {
    await host.close();
    await studio.close();
    await server.close();
    delete process.env.PASTICHE_STYLE_CATALOGUE;
  });

  const own = () => ({
    host: `127.0.0.1:${host.port}`,
    origin: `http://127.0.0.1:${host.port}`,
    'x-pastiche-token': host.token,
  });
  async function post(channel: Channel, body: string) {
    const reply = await send(host, `/api/${channel}`, {
      method: 'POST',
      headers: { ...own(), 'content-type': 'application/json' },
      body,
    });
    return { status: reply.status, answer: fromWire<{ result?: unknown; error?: string }>(reply.body) };
  }
  async function invoke<C extends Channel>(channel: C, args: ArgsOf<C>): Promise<ResultOf<C>> {
    const { status, answer } = await post(channel, toWire(args));
    if (status !== 200) throw new Error(`${status} ${answer.error}`);
    return answer.result as ResultOf<C>;
  }

  it(
    'installs a catalogue style with its progress ' + 'streamed, then lists it with a thumbnail served as media',
    async () => {
      assert.deepEqual(await invoke('styles.catalogue', undefined), [
        {
          name: 'speckle',
          painting: 'Speckles',
          artist: 'a seed',
          description: 'speckle, for tests',
          license: 'test weights',
          downloadBytes,
          status: 'not-installed',
        },
      ]);
      const events: StudioEvent[] = [];
      const socket = new WebSocket(`ws://127.0.0.1:${host.port}/events?token=${host.token}`, { origin: own().origin });
      await new Promise((resolve) => socket.on('open', resolve));
      socket.on('message', (data: Buffer) => events.push(fromWire<StudioEvent>(data.toString('utf8'))));

      const installed = await invoke('styles.install', { name: 'speckle' });
      assert.deepEqual(
        [installed.name, installed.source, installed.origin],
        ['speckle', 'deeplearn', `${server.url}speckle/`],
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.close();
      const progress = events.flatMap((e) => (e.type === 'style.progress' && e.name === 'speckle' ? [e] : []));
      assert.ok(
        progress.length > 1 && progress.every((e) => e.totalBytes === downloadBytes),
        'progress events over the whole style',
      );
      assert.equal(progress.at(-1)!.receivedBytes, downloadBytes, 'the last one is the whole style');
      assert.equal((await invoke('styles.catalogue', undefined))[0].status, 'installed');

      const [listed] = await invoke('styles.list', undefined);
      assert.equal(listed.thumbnailImageId, installed.thumbnailImageId);
      assert.ok(listed.thumbnailImageId !== null, 'a thumbnail');
      const media = await send(host, `/media/${listed.thumbnailImageId}?token=${host.token}`, { headers: own() });
      assert.equal(media.status, 200);
      const meta = await sharp(Buffer.from(media.body, 'latin1')).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['png', 240, 180]);
      assert.equal(
        (await invoke('styles.list', undefined))[0].thumbnailImageId,
        listed.thumbnailImageId,
        'listed again, the same stored image',
      );
    },
  );

  it('refuses an unknown style or arguments of the wrong shape in one line, downloading nothing', async () => {
    const before = server.requests.length;
    assert.deepEqual(await post('styles.install', toWire({ name: 'starry' })), {
      status: 400,
      answer: { error: 'starry: not in the style catalogue (its styles: speckle)' },
    });
    const wrong = await post('styles.install', toWire({ name: 5 }));
    assert.equal(wrong.status, 400);
    assert.match(wrong.answer.error ?? '', /^styles\.install: name: [^\n]+$/);
    assert.equal((await post('styles.install', toWire({ name: 'speckle', url: 'http://evil/' }))).status, 400);
    assert.equal(server.requests.length, before);
  });
});
