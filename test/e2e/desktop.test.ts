import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import sharp from 'sharp';
import { findElectron, sqliteBindingFor, type ElectronInstall } from '../../electron/node/electronInstall.js';
import { productRoot, productVersion } from '../../engine/node/resources.js';
import { TEST_RESULTS } from '../helpers/shared.js';

/**
 * The desktop studio itself, where Electron is installed (its binary downloads at `npm install`,
 * which needs internet). On machines without it this suite says so and is skipped; the parts of the
 * shell that need no Electron are tested in test/electron.
 */
const root = productRoot();
const mainScript = join(root, 'dist', 'electron', 'main', 'main.js');
const found = findElectron(root);
const skip =
  'missing' in found
    ? `desktop suite skipped: ${found.missing}`
    : !existsSync(mainScript)
      ? `desktop suite skipped: ${mainScript} was not built`
      : process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY
        ? 'desktop suite skipped: no display (run it under xvfb-run)'
        : false;
if (skip) console.log(`# NOTICE ${skip}`);

/** What the page's global object has, typed by hand: the tests compile without the DOM library. */
type PageGlobal = {
  pastiche: import('../../engine/common/api/studioApi.js').StudioApi;
  require?: unknown;
  process?: unknown;
};

describe('the desktop studio (Electron)', { skip }, () => {
  let app: ElectronApplication;
  let window: Page;

  before(async () => {
    const electron = found as ElectronInstall;
    const binding = await sqliteBindingFor(electron, root);
    app = await _electron.launch({
      executablePath: electron.path,
      args: [mainScript],
      env: {
        ...process.env,
        PASTICHE_HOME: mkdtempSync(join(tmpdir(), 'pastiche-desktop-')),
        PASTICHE_BACKEND: 'wasm',
        ...(binding ? { PASTICHE_SQLITE_BINDING: binding } : {}),
      } as Record<string, string>,
    });
    window = await app.firstWindow();
    await window.getByRole('heading', { name: 'Pastiche' }).waitFor();
  });
  after(async () => {
    await app?.close();
  });

  it("opens one window on the studio's own pages, whose page has no Node and only the typed API", async () => {
    const windows = await app.evaluate(({ BrowserWindow }) =>
      BrowserWindow.getAllWindows().map((each: { webContents: { getURL(): string } }) => each.webContents.getURL()),
    );
    assert.deepEqual(windows, ['pastiche://studio/index.html']);
    assert.deepEqual(
      await window.evaluate(() => {
        const page = globalThis as unknown as PageGlobal & Record<string, unknown>;
        return [
          typeof page.require,
          typeof page.process,
          'ipcRenderer' in page,
          typeof page.pastiche.invoke,
          typeof page.pastiche.desktop?.invoke,
        ];
      }),
      ['undefined', 'undefined', false, 'function', 'function'],
    );
  });

  it(
    'answers the contract through the preload, refuses ' + 'anything else, and shows stored images through pastiche://',
    async () => {
      const info = await window.evaluate(() =>
        (globalThis as unknown as PageGlobal).pastiche.invoke('studio.info', undefined),
      );
      assert.equal(info.version, productVersion());
      const refused = await window.evaluate(() =>
        (globalThis as unknown as PageGlobal).pastiche.invoke('shell.openPath' as never, undefined as never).then(
          () => 'answered',
          (error: Error) => error.message,
        ),
      );
      assert.equal(refused, 'unknown request: shell.openPath');
      const png = [
        ...(await sharp({ create: { width: 30, height: 20, channels: 3, background: '#c63' } })
          .png()
          .toBuffer()),
      ];
      const size = await window.evaluate(async (bytes) => {
        const page = globalThis as unknown as PageGlobal & {
          Image: new () => { src: string; decode(): Promise<void>; naturalWidth: number; naturalHeight: number };
        };
        const image = await page.pastiche.invoke('images.add', { name: 'tile.png', bytes: new Uint8Array(bytes) });
        const shown = new page.Image();
        shown.src = page.pastiche.imageUrl(image.id);
        await shown.decode();
        return [shown.naturalWidth, shown.naturalHeight];
      }, png);
      assert.deepEqual(size, [30, 20]);
      mkdirSync(TEST_RESULTS, { recursive: true });
      await window.screenshot({ path: join(TEST_RESULTS, 'e2e-desktop.png') });
    },
  );
});
