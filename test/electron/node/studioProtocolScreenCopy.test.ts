import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { desktopStudioApi } from '../../../electron/common/desktopStudioApi.js';
import { STUDIO_ORIGIN } from '../../../electron/common/ipc.js';
import { answerStudioProtocol, type StudioProtocolOptions } from '../../../electron/node/studioProtocol.js';

describe('the pastiche:// protocol’s screen-resolution copies (/media/ID?maxSide=N)', () => {
  const image = join(mkdtempSync(join(tmpdir(), 'pastiche-media-')), 'print.png');
  const options: StudioProtocolOptions = { pagesDir: tmpdir(), imagePath: async () => image };
  const get = (path: string) => answerStudioProtocol(new Request(`${STUDIO_ORIGIN}${path}`), options);

  it('answers a copy of the asked size, as the web host does', async () => {
    await sharp({ create: { width: 1000, height: 400, channels: 3, background: '#3a7' } })
      .png()
      .toFile(image);
    const copy = await get('/media/7?maxSide=300');
    assert.equal(copy.status, 200);
    assert.equal(copy.headers.get('content-type'), 'image/jpeg');
    const metadata = await sharp(Buffer.from(await copy.arrayBuffer())).metadata();
    assert.deepEqual([metadata.width, metadata.height], [300, 120]);
  });

  it('answers the address the desktop page builds with imageUrl(imageId, maxSide)', async () => {
    const ipc = { invoke: async () => undefined, on: () => undefined, removeListener: () => undefined };
    const url = desktopStudioApi(ipc).imageUrl(7, 256);
    assert.equal(url, `${STUDIO_ORIGIN}/media/7?maxSide=256`);
    const copy = await answerStudioProtocol(new Request(url), options);
    const metadata = await sharp(Buffer.from(await copy.arrayBuffer())).metadata();
    assert.deepEqual([metadata.width, metadata.height], [256, 102]);
    assert.equal(desktopStudioApi(ipc).imageUrl(7), `${STUDIO_ORIGIN}/media/7`);
  });

  it('refuses a maxSide that is not a whole number of pixels within the limits', async () => {
    for (const given of ['0', '-1', '1e3', '5000', 'x']) {
      const answer = await get(`/media/7?maxSide=${given}`);
      assert.equal(answer.status, 400, given);
      assert.match(await answer.text(), /^maxSide must be /);
    }
  });
});
