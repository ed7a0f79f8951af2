import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { randomCheckpoint, writeCheckpoint } from '../../../helpers/fastStyle.js';
import { cliPath } from '../../../helpers/cli.js';
import { catalogueEntryFor, startStyleServer, writeStyleCatalogue } from '../../../helpers/styleServer.js';
import { useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

/**
 * `pastiche styles` as a person runs it, in its own process: asynchronously, since the download server
 * runs in this one.
 */
function pastiche(
  home: string,
  catalogue: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, PASTICHE_HOME: home, PASTICHE_BACKEND: 'wasm', PASTICHE_STYLE_CATALOGUE: catalogue };
  return new Promise((resolve) =>
    execFile(process.execPath, [cliPath, ...args], { env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    }),
  );
}

describe('pastiche styles install and the catalogue listing', () => {
  const files = mkdtempSync(join(tmpdir(), 'pastiche-cli-files-'));
  const home = mkdtempSync(join(tmpdir(), 'pastiche-cli-'));
  let server: Awaited<ReturnType<typeof startStyleServer>>;
  let catalogue: string;

  before(async () => {
    for (const [seed, name] of [
      [41, 'speckle'],
      [42, 'smear'],
    ] as const)
      writeCheckpoint(join(files, 'served', name), randomCheckpoint(seed));
    server = await startStyleServer(join(files, 'served'));
    const entries = ['speckle', 'smear'].map((name) =>
      catalogueEntryFor(name, join(files, 'served', name), `${server.url}${name}/`),
    );
    catalogue = writeStyleCatalogue(join(files, 'catalogue.json'), entries);
  });
  after(() => server.close());

  it(
    "lists the catalogue's styles as not installed, installs " +
      'one (exit 0), then lists it as installed with its origin',
    async () => {
      const listed = await pastiche(home, catalogue, 'styles');
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, /^speckle\s+not installed\s+catalogue, 6\.7 MB/m);
      assert.match(listed.stdout, /^smear\s+not installed\s+catalogue, 6\.7 MB/m);

      const installed = await pastiche(home, catalogue, 'styles', 'install', 'speckle');
      assert.equal(installed.code, 0, installed.stderr);
      assert.match(installed.stdout, /^Installed speckle: deeplearn, weights sha256 [0-9a-f]{12}…\n$/);

      const json = await pastiche(home, catalogue, 'styles', '--json');
      assert.equal(json.code, 0, json.stderr);
      const rows = JSON.parse(json.stdout) as {
        name: string;
        status: string;
        origin?: string;
        downloadBytes?: number;
      }[];
      assert.deepEqual(
        rows.map((r) => [r.name, r.status]),
        [
          ['speckle', 'installed'],
          ['smear', 'not-installed'],
        ],
      );
      assert.equal(rows[0].origin, `${server.url}speckle/`);
      const served = catalogueEntryFor('smear', join(files, 'served', 'smear'), server.url).files;
      assert.equal(
        rows[1].downloadBytes,
        served.reduce((sum, file) => sum + file.bytes, 0),
      );
      assert.deepEqual(readdirSync(join(home, 'styles')), ['speckle']);

      const again = await pastiche(home, catalogue, 'styles', 'install', 'speckle');
      assert.equal(again.code, 1);
      assert.match(again.stderr, /^pastiche: speckle: already installed in [^\n]+\n$/);
    },
  );

  it('exits 1 with one line for a name not in the catalogue, and offline says how to import instead', async () => {
    const unknown = await pastiche(home, catalogue, 'styles', 'install', 'starry');
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'pastiche: starry: not in the style catalogue (its styles: speckle, smear)\n');

    // A port nothing listens on any more: the connection is refused, as on a machine without a network.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const offlineEntry = catalogueEntryFor('smear', join(files, 'served', 'smear'), `http://127.0.0.1:${port}/smear/`);
    const offlineCatalogue = writeStyleCatalogue(join(files, 'offline.json'), [offlineEntry]);
    const offlineHome = mkdtempSync(join(tmpdir(), 'pastiche-cli-'));
    const offline = await pastiche(offlineHome, offlineCatalogue, 'styles', 'install', 'smear');
    assert.equal(offline.code, 1);
    assert.equal(
      offline.stderr,
      `pastiche: smear: cannot reach 127.0.0.1:${port} (ECONNREFUSED). Offline? Download the files of ` +
        `http://127.0.0.1:${port}/smear/ elsewhere into a folder ` +
        `and run 'pastiche styles import FOLDER --name smear'\n`,
    );
    assert.deepEqual(readdirSync(join(offlineHome, 'styles')), [], 'nothing is left in styles/');
  });
});
