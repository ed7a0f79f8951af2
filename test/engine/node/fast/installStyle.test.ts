import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { installStyle, styleDownloadFolder } from '../../../../engine/node/fast/installStyle.js';
import { requireStyleCatalogueEntry, type StyleCatalogueEntry } from '../../../../engine/node/fast/styleCatalogue.js';
import { importStyle, listStyles } from '../../../../engine/node/fast/styleLibrary.js';
import { styleThumbnail, THUMBNAIL_FILE } from '../../../../engine/node/fast/styleThumbnail.js';
import { randomCheckpoint, writeCheckpoint } from '../../../helpers/fastStyle.js';
import { SHARED, sharedSkipReason, TEST_RESULTS } from '../../../helpers/shared.js';
import { catalogueEntryFor, startStyleServer } from '../../../helpers/styleServer.js';
import { useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

const stylesFolder = () => join(mkdtempSync(join(tmpdir(), 'pastiche-home-')), 'styles');

describe('installing a catalogue style', () => {
  const root = mkdtempSync(join(tmpdir(), 'pastiche-style-server-'));
  const checkpoint = writeCheckpoint(join(root, 'speckle'), randomCheckpoint(31));
  let server: Awaited<ReturnType<typeof startStyleServer>>;
  let entry: StyleCatalogueEntry;

  before(async () => {
    server = await startStyleServer(root);
    entry = catalogueEntryFor('speckle', checkpoint, `${server.url}speckle/`);
  });
  after(() => server.close());

  it(
    'resumes an interrupted download where it stopped, verifies every file and installs the style the checkpoint ' +
      'holds',
    async () => {
      const styles = stylesFolder();
      const downloads = styleDownloadFolder(styles, 'speckle');
      // The connection drops in the middle of a residual block's kernel (589 824 bytes), after 100 kB of it.
      server.stallNext('Variable_12', 100_000);
      const dropOnceArrived = ({ receivedBytes }: { receivedBytes: number }) =>
        statSync(join(downloads, 'Variable_12'), { throwIfNoEntry: false })?.size === 100_000 &&
        receivedBytes > 0 &&
        server.drop();
      await assert.rejects(
        installStyle(entry, styles, { onProgress: dropOnceArrived }),
        /^PasticheError: speckle: download interrupted after \d\.\d MB of 6\.7 MB \(.+\); install again to resume$/,
      );
      assert.deepEqual(listStyles(styles), [], 'no style in the library');
      assert.deepEqual(readdirSync(styles), ['.downloads'], 'nothing in styles/ but the hidden partial download');
      assert.equal(statSync(join(downloads, 'Variable_12')).size, 100_000, 'what arrived is kept');

      const progress: number[] = [];
      const requestsBefore = server.requests.length;
      const info = await installStyle(entry, styles, {
        onProgress: ({ receivedBytes, totalBytes }) => progress.push(receivedBytes / totalBytes),
      });
      const resumed = server.requests.slice(requestsBefore);
      assert.deepEqual(
        resumed[0],
        { path: '/speckle/Variable_12', range: 'bytes=100000-' },
        'the second attempt asks only for the rest, and not again for the files it has',
      );
      const stalledAt = entry.files.findIndex((f) => f.name === 'Variable_12');
      const total = entry.files.reduce((sum, f) => sum + f.bytes, 0);
      const kept = (entry.files.slice(0, stalledAt).reduce((sum, f) => sum + f.bytes, 0) + 100_000) / total;
      assert.equal(
        progress.filter((p) => p < kept).length,
        stalledAt,
        'the files kept move progress once each; the resumed file starts past its kept bytes',
      );
      assert.equal(resumed.length, entry.files.length - stalledAt);
      assert.ok(
        progress.every((p, i) => i === 0 || p >= progress[i - 1]) && progress.at(-1) === 1,
        'progress only grows, up to the whole style',
      );
      const direct = await importStyle(checkpoint, 'reference', stylesFolder());
      assert.deepEqual(
        [info.name, info.source, info.origin, info.weightsSha256],
        ['speckle', 'deeplearn', entry.baseUrl, direct.weightsSha256],
      );
      assert.deepEqual(readdirSync(styles), ['speckle'], 'the partial download is gone');
      assert.deepEqual(
        listStyles(styles).map((s) => s.name),
        ['speckle'],
      );
      await assert.rejects(installStyle(entry, styles), /^PasticheError: speckle: already installed in /);
    },
  );

  it("refuses a file whose SHA-256 differs from the catalogue's, deletes it and installs nothing", async () => {
    const styles = stylesFolder();
    server.corrupt('Variable_3');
    try {
      await assert.rejects(
        installStyle(entry, styles),
        new RegExp(
          String.raw`^PasticheError: Variable_3: the download is corrupt \(SHA-256 ` +
            String.raw`[0-9a-f]{64} instead of [0-9a-f]{64}\) and was deleted; install again$`,
        ),
      );
    } finally {
      server.corrupt(null);
    }
    assert.deepEqual(listStyles(styles), []);
    assert.ok(!existsSync(join(styles, 'speckle')));
    assert.ok(!existsSync(join(styleDownloadFolder(styles, 'speckle'), 'Variable_3')), 'the corrupt file is deleted');
    // The mirror fixed, the next attempt downloads only what it lacks.
    const requestsBefore = server.requests.length;
    await installStyle(entry, styles);
    assert.deepEqual(server.requests.slice(requestsBefore).map((r) => r.path)[0], '/speckle/Variable_3');
  });

  it(
    'fails fast offline with one line saying how to ' + 'import the style instead, leaving nothing in styles/',
    async () => {
      const styles = stylesFolder();
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as AddressInfo;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const offline = { ...entry, baseUrl: `http://127.0.0.1:${port}/speckle/` };
      await assert.rejects(installStyle(offline, styles), (error: Error) => {
        assert.equal(
          error.message,
          `speckle: cannot reach 127.0.0.1:${port} (ECONNREFUSED). Offline? Download the files of ` +
            `http://127.0.0.1:${port}/speckle/ elsewhere into a folder and run 'pastiche styles import FOLDER --name ` +
            `speckle'`,
        );
        return true;
      });
      assert.deepEqual(readdirSync(styles), []);
    },
  );

  it('makes a thumbnail — the landscape through the style — once, next to the style', async () => {
    const styles = stylesFolder();
    await installStyle(entry, styles);
    const file = await styleThumbnail(styles, 'speckle');
    assert.equal(file, join(styles, 'speckle', THUMBNAIL_FILE));
    const meta = await sharp(file).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 240, 180]);
    const made = statSync(file).mtimeMs;
    assert.equal(await styleThumbnail(styles, 'speckle'), file);
    assert.equal(statSync(file).mtimeMs, made, 'a second call reads the cached file');
    assert.deepEqual(
      listStyles(styles).map((s) => s.name),
      ['speckle'],
      'the thumbnail does not disturb the library',
    );
    await assert.rejects(
      styleThumbnail(styles, '../speckle'),
      /^PasticheError: \.\.\/speckle: no such style in the library$/,
    );
  });
});

describe(
  "installing a style of the product's catalogue from a mirror of ../shared",
  { skip: sharedSkipReason('models/fast-style/udnie', 'models/fast-style/wave') },
  () => {
    it("verifies the real files against the catalogue's digests and paints each style's thumbnail", async () => {
      const server = await startStyleServer(join(SHARED, 'models', 'fast-style'));
      try {
        const styles = stylesFolder();
        const thumbnails: Buffer[] = [];
        mkdirSync(TEST_RESULTS, { recursive: true });
        for (const name of ['udnie', 'wave']) {
          const product = requireStyleCatalogueEntry(name);
          const info = await installStyle({ ...product, baseUrl: `${server.url}${name}/` }, styles);
          const direct = await importStyle(join(SHARED, 'models', 'fast-style', name), name, stylesFolder());
          assert.equal(info.weightsSha256, direct.weightsSha256, name);
          const file = await styleThumbnail(styles, name);
          thumbnails.push(readFileSync(file));
          await sharp(file).toFile(join(TEST_RESULTS, `style-thumbnail-${name}.png`));
        }
        assert.notDeepEqual(thumbnails[0], thumbnails[1], 'two styles, two thumbnails');
      } finally {
        await server.close();
      }
    });
  },
);
