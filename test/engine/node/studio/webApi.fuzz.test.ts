import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import sharp from 'sharp';
import { CHANNELS, type ArgsOf, type Channel } from '../../../../engine/common/api/studioApi.js';
import { fromWire, toWire } from '../../../../engine/common/api/wire.js';
import { PasticheError } from '../../../../engine/common/errors.js';
import { selectBackend } from '../../../../engine/node/backend.js';
import { RunQueue } from '../../../../engine/node/queue/runQueue.js';
import { openRunStore, type RunStore } from '../../../../engine/node/store/runStore.js';
import { studioHandlers } from '../../../../engine/node/studio/studioHandlers.js';
import { startWebHost, type WebHost } from '../../../../engine/node/studio/webHost.js';
import { fuzzFormat, fuzzRuns, mutatedBytes, mutatedJson } from '../../../helpers/fuzz.js';
import { post } from './webClient.js';

/**
 * Every channel of the web API, with valid arguments mutated (fields deleted, hostile values, wrong
 * types) and their bodies' bytes damaged, POSTed to a real host with the real handlers on a store of
 * its own. Each answer must be 200 or a 4xx with a one-line { error }: never a 500, never a dropped
 * connection. The queue is never started, so what is queued is recorded and checked, not computed.
 */
describe('web API channels under fuzzing', () => {
  let home: string;
  let store: RunStore;
  let queue: RunQueue;
  let host: WebHost;
  let seeds: { [C in Channel]: ArgsOf<C> };
  let photoPng: Buffer;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'pastiche-fuzz-web-'));
    store = openRunStore(home);
    const backend = await selectBackend('wasm');
    queue = new RunQueue(store, backend);
    const handlers = studioHandlers({ store, queue, backend, version: 'fuzz', emit: () => undefined });
    host = await startWebHost({ handlers, subscribe: () => () => undefined });
    photoPng = await sharp({ create: { width: 24, height: 16, channels: 3, background: '#48c' } })
      .png()
      .toBuffer();
    const paintingPng = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#c84' } })
      .png()
      .toBuffer();
    const photo = await handlers['images.add']({ name: 'photo.png', bytes: photoPng });
    const painting = await handlers['images.add']({ name: 'painting.png', bytes: paintingPng });
    const photos = join(home, 'photos');
    mkdirSync(photos);
    writeFileSync(join(photos, 'a.png'), photoPng);
    writeFileSync(join(photos, 'b.png'), paintingPng);
    const stylize: ArgsOf<'runs.queue'> = {
      project: 'fuzz',
      contentImageId: photo.id,
      styleImageIds: [painting.id],
      settings: {
        size: 16,
        iterations: 2,
        previewEvery: 0,
        styleWeight: 100,
        contentLayers: ['conv1_1'],
        styleLayers: [{ layer: 'conv1_1', weight: 1 }],
      },
    };
    const { runId } = await handlers['runs.queue'](stylize);
    const styleWeights = { parameter: 'styleWeight', values: [1, 10] } as const;
    const grid = await handlers['grids.create']({ project: 'fuzz', base: stylize, axes: [styleWeights] });
    seeds = {
      'studio.info': undefined,
      'networks.list': undefined,
      'projects.list': undefined,
      'styles.list': undefined,
      'queue.get': undefined,
      // Not a catalogue name: an install would download from the Internet.
      'networks.install': { name: 'no-such-network' },
      'styles.catalogue': undefined,
      // Not a catalogue name either: nothing is downloaded.
      'styles.install': { name: 'no-such-style' },
      'projects.get': { name: 'fuzz' },
      'images.add': { name: 'photo.png', bytes: photoPng },
      'images.get': { imageId: photo.id },
      'images.export': {
        imageId: photo.id,
        print: { width: 2, unit: 'cm', dpi: 72 },
        format: 'jpeg',
        quality: 80,
        fileStem: 'fuzz',
      },
      'runs.list': { project: 'fuzz', status: 'queued', limit: 10 },
      'runs.get': { runId },
      'runs.queue': stylize,
      'runs.generate': {
        project: 'fuzz-texture',
        settings: {
          width: 16,
          height: 16,
          iterations: 2,
          previewEvery: 0,
          generator: { kind: 'sparse', sparsity: 0.5 },
        },
      },
      'runs.fast': { project: 'fuzz', contentImageId: photo.id, style: 'no-such-style', size: 16 },
      'runs.cancel': { runId },
      'styles.train': {
        styleName: 'fuzzed',
        paintingImageId: painting.id,
        photosFolder: photos,
        settings: { size: 16, epochs: 1, steps: 1, checkpointEvery: 1 },
      },
      'grids.create': {
        project: 'fuzz',
        base: stylize,
        axes: [
          { parameter: 'seed', values: [1, 2] },
          { parameter: 'pooling', values: ['avg'] },
        ],
      },
      'grids.list': { project: 'fuzz' },
      'grids.get': { gridId: grid.id },
      'grids.export': { gridId: grid.id, cellSize: 16, format: 'png' },
      'notices.dismiss': { notice: 'pretrained-network' },
    };
  });
  after(async () => {
    await host.close();
    await queue.close();
    store.close();
  });

  /** A seed as the page sends it, and as JSON the mutations can reach into ({"$bytes": base64} included). */
  const wireSeed = (channel: Channel) => JSON.parse(toWire(seeds[channel] ?? null)) as unknown;
  /** A deleted root is an empty body. */
  const wireText = (value: unknown) => JSON.stringify(value) ?? '';

  /** 200, or a 4xx whose body is { error } of one line, which counts as a refusal; anything else fails the case. */
  async function attempt({ channel, body }: { channel: string; body: string | Uint8Array }): Promise<void> {
    const reply = await post(host, channel, typeof body === 'string' ? body : Buffer.from(body));
    if (reply.status === 200) return;
    const answer = (() => {
      try {
        return JSON.parse(reply.body) as unknown;
      } catch {
        return null;
      }
    })();
    const onlyError = typeof answer === 'object' && answer !== null && Object.keys(answer).length === 1;
    const error = onlyError ? (answer as { error?: unknown }).error : undefined;
    if (reply.status >= 400 && reply.status < 500 && typeof error === 'string') throw new PasticheError(error);
    throw new Error(`${channel} answered ${reply.status}: ${reply.body.slice(0, 300)}`);
  }

  const bounds = { caseTimeoutMs: 20_000, maxRssGrowthBytes: 1024 ** 3 };

  it('answers mutated arguments of every channel with 200 or a one-line 4xx', async () => {
    const cases = fc.oneof(
      ...CHANNELS.map((channel) =>
        mutatedJson([wireSeed(channel)]).map((value) => ({ channel, body: wireText(value) })),
      ),
      mutatedBytes([photoPng]).map((bytes) => ({ channel: 'images.add', body: toWire({ name: 'photo.png', bytes }) })),
    );
    await fuzzFormat('web API JSON', cases, attempt, { runs: fuzzRuns(200), ...bounds });
  });

  it('answers damaged request bodies with 200 or a one-line 4xx', async () => {
    const damaged = (channel: Channel) => mutatedBytes([Buffer.from(toWire(seeds[channel] ?? null))]);
    const cases = fc.oneof(...CHANNELS.map((channel) => damaged(channel).map((bytes) => ({ channel, body: bytes }))));
    await fuzzFormat('web API bodies', cases, attempt, { runs: fuzzRuns(100), ...bounds });
  });

  it('is still up, its store whole: no corrupt page, no run half-written or running, all readable', async () => {
    const reply = await post(host, 'runs.list', toWire({}));
    assert.equal(reply.status, 200);
    const runs = fromWire<{ result: Array<{ id: number }> }>(reply.body).result;
    for (const { id } of runs) {
      assert.equal((await post(host, 'runs.get', toWire({ runId: id }))).status, 200, `run ${id}`);
    }
    const db = new Database(store.paths.database, { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      assert.deepEqual(db.prepare("SELECT count(*) AS n FROM runs WHERE status = 'running'").get(), { n: 0 });
      const images = db.prepare('SELECT id FROM images').all() as Array<{ id: number }>;
      for (const { id } of images) assert.ok(existsSync(store.image(id).path), `image ${id}'s file`);
    } finally {
      db.close();
    }
  });
});
