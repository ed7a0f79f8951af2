import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { MAX_SCREEN_SIDE, MIN_SCREEN_SIDE } from '../../../../engine/common/view/screenImage.js';
import { openStudio, type Studio } from '../../../../engine/node/studio/studio.js';
import { startWebHost, type WebHost } from '../../../../engine/node/studio/webHost.js';

interface Reply {
  readonly status: number;
  readonly type: string;
  readonly cache: string;
  readonly body: Buffer;
}

function get(host: WebHost, path: string, token = host.token): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = { host: `127.0.0.1:${host.port}`, 'x-pastiche-token': token };
    const request = httpRequest({ host: '127.0.0.1', port: host.port, path, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          type: response.headers['content-type'] ?? '',
          cache: response.headers['cache-control'] ?? '',
          body: Buffer.concat(chunks),
        }),
      );
    });
    request.on('error', reject);
    request.end();
  });
}

/** A picture whose left half is red and right half blue, so a copy that kept the picture keeps both. */
async function halves(width: number, height: number, format: 'png' | 'jpeg'): Promise<Buffer> {
  const half = Math.floor(width / 2);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<rect width="${half}" height="${height}" fill="#d02020"/>` +
    `<rect x="${half}" width="${width - half}" height="${height}" fill="#2030d0"/></svg>`;
  const picture = sharp(Buffer.from(svg));
  return format === 'png' ? picture.png().toBuffer() : picture.jpeg({ quality: 95 }).toBuffer();
}

describe('the web host’s screen-resolution copies (/media/ID?maxSide=N)', () => {
  let studio: Studio;
  let host: WebHost;
  let large: { id: number; bytes: Buffer };
  let photo: { id: number; bytes: Buffer };

  before(async () => {
    studio = await openStudio({
      home: mkdtempSync(join(tmpdir(), 'pastiche-screen-')),
      backend: 'wasm',
      version: 'test',
    });
    host = await startWebHost({ handlers: studio.handlers, subscribe: studio.subscribe });
    const add = async (name: string, bytes: Buffer) => ({
      id: (await studio.handlers['images.add']({ name, bytes: new Uint8Array(bytes) })).id,
      bytes,
    });
    large = await add('print.png', await halves(1800, 1200, 'png'));
    photo = await add('photo.jpg', await halves(900, 600, 'jpeg'));
  });
  after(async () => {
    await host.close();
    await studio.close();
  });

  it('answers an image of the asked size along its longest side, its proportions and colours kept', async () => {
    const reply = await get(host, `/media/${large.id}?maxSide=512`);
    assert.equal(reply.status, 200);
    assert.equal(reply.type, 'image/jpeg', 'a screen copy is a JPEG, whatever the file');
    assert.match(reply.cache, /immutable/, 'the copy of an image that never changes may be kept for good');
    const { data, info } = await sharp(reply.body).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [512, 341]);
    const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
    const near = (seen: number[], expected: number[]) => seen.every((value, c) => Math.abs(value - expected[c]) <= 3);
    assert.ok(near(at(100, 170), [0xd0, 0x20, 0x20]), `left half red: ${at(100, 170)}`);
    assert.ok(near(at(400, 170), [0x20, 0x30, 0xd0]), `right half blue: ${at(400, 170)}`);
  });

  it('makes a JPEG’s copy a JPEG too, and serves an image no larger than maxSide as its own file', async () => {
    const jpeg = await get(host, `/media/${photo.id}?maxSide=256`);
    assert.equal(jpeg.type, 'image/jpeg');
    const metadata = await sharp(jpeg.body).metadata();
    assert.deepEqual([metadata.width, metadata.height], [256, 171]);
    const whole = await get(host, `/media/${photo.id}?maxSide=${MAX_SCREEN_SIDE}`);
    assert.equal(whole.status, 200);
    assert.ok(whole.body.equals(photo.bytes), 'the stored file itself');
  });

  it('refuses a hostile maxSide with 400 and a one-line reason, before looking for the image', async () => {
    const hostile = [
      '0',
      '-512',
      '1e3',
      '0x200',
      '0512',
      '512.0',
      '%20512',
      'abc',
      '',
      String(MIN_SCREEN_SIDE - 1),
      String(MAX_SCREEN_SIDE + 1),
      '99999999999999999999',
      'Infinity',
    ];
    for (const given of hostile) {
      for (const id of [large.id, 999_999]) {
        const reply = await get(host, `/media/${id}?maxSide=${given}`);
        assert.equal(reply.status, 400, `maxSide=${given}`);
        const { error } = JSON.parse(reply.body.toString()) as { error: string };
        assert.match(
          error,
          /^maxSide must be (a whole number of pixels, not '.*'|between 256 and 4096 pixels, not \d+)$/,
        );
      }
    }
  });

  it('still needs the token, and says 404 for an image it does not hold', async () => {
    assert.equal((await get(host, `/media/${large.id}?maxSide=512`, 'wrong')).status, 401);
    assert.equal((await get(host, '/media/999999?maxSide=512')).status, 404);
  });

  it('answers 422 with the problem when the stored file is no longer an image', async () => {
    const { path } = await studio.handlers['images.get']({ imageId: large.id });
    writeFileSync(path, 'not a picture any more');
    const reply = await get(host, `/media/${large.id}?maxSide=300`);
    assert.equal(reply.status, 422);
    assert.match(JSON.parse(reply.body.toString()).error, /not an image file/);
  });
});
