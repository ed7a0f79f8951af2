import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { STUDIO_ORIGIN } from '../../../electron/common/ipc.js';
import { answerStudioProtocol, type StudioProtocolOptions } from '../../../electron/node/studioProtocol.js';

function builtPages(): string {
  const pages = mkdtempSync(join(tmpdir(), 'pastiche-pages-'));
  mkdirSync(join(pages, 'assets'));
  writeFileSync(join(pages, 'index.html'), '<!doctype html><title>studio</title>');
  writeFileSync(join(pages, 'assets', 'app.js'), 'console.log(1)');
  return pages;
}

describe("the pastiche:// protocol (the desktop studio's pages and stored images)", () => {
  const pages = builtPages();
  const secret = join(pages, '..', `secret-${process.pid}.txt`);
  writeFileSync(secret, 'private');
  const image = join(mkdtempSync(join(tmpdir(), 'pastiche-media-')), 'photo.png');
  writeFileSync(image, Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  const options: StudioProtocolOptions = {
    pagesDir: pages,
    imagePath: async (imageId) => {
      if (imageId !== 7) throw new Error('image 7 only');
      return image;
    },
  };
  const get = (path: string, init?: RequestInit) =>
    answerStudioProtocol(new Request(`${STUDIO_ORIGIN}${path}`, init), options);

  it('serves the pages with their type and a strict Content-Security-Policy', async () => {
    const index = await get('/');
    assert.equal(index.status, 200);
    assert.equal(await index.text(), '<!doctype html><title>studio</title>');
    assert.match(
      index.headers.get('content-security-policy') ?? '',
      /default-src 'self'.*connect-src 'self';.*object-src 'none'/,
    );
    const script = await get('/assets/app.js');
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(await script.text(), 'console.log(1)');
  });

  it('never serves a file outside the pages, however the path is written', async () => {
    for (const path of [
      `/../secret-${process.pid}.txt`,
      `/%2e%2e/secret-${process.pid}.txt`,
      `/assets/..%2F..%2Fsecret-${process.pid}.txt`,
      '/%E0%A4%A',
    ]) {
      const answer = await get(path);
      assert.doesNotMatch(await answer.text(), /private/, path);
    }
  });

  it('serves a stored image by id, immutable, and 404 for anything else under /media', async () => {
    const photo = await get('/media/7');
    assert.equal(photo.status, 200);
    assert.equal(photo.headers.get('content-type'), 'image/png');
    assert.match(photo.headers.get('cache-control') ?? '', /immutable/);
    assert.deepEqual(new Uint8Array(await photo.arrayBuffer()), new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
    for (const path of ['/media/8', '/media/0', '/media/7a', '/media/../index.html'])
      assert.equal((await get(path)).status, path === '/media/../index.html' ? 200 : 404, path);
  });

  const noFifo = process.platform === 'win32' && 'no mkfifo';
  it(
    'answers at once for a stored image that is not a regular file (a pipe would be read forever)',
    { skip: noFifo, timeout: 10_000 },
    async () => {
      const pipe = join(mkdtempSync(join(tmpdir(), 'pastiche-media-')), 'pipe.png');
      execFileSync('mkfifo', [pipe]);
      const media = await answerStudioProtocol(new Request(`${STUDIO_ORIGIN}/media/7`), {
        ...options,
        imagePath: async () => pipe,
      });
      assert.equal(media.status, 404);
    },
  );

  it('refuses other hosts and methods, and says when the pages are not built', async () => {
    assert.equal((await answerStudioProtocol(new Request('pastiche://elsewhere/index.html'), options)).status, 404);
    assert.equal((await get('/', { method: 'POST', body: 'x' })).status, 405);
    const unbuilt = await answerStudioProtocol(new Request(`${STUDIO_ORIGIN}/`), {
      ...options,
      pagesDir: mkdtempSync(join(tmpdir(), 'pastiche-nopages-')),
    });
    assert.equal(unbuilt.status, 503);
    assert.match(await unbuilt.text(), /npm run build/);
  });
});
