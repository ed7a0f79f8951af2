import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { StyleCatalogueEntry } from '../../engine/node/fast/styleCatalogue.js';
import { styleDownloadFolder } from '../../engine/node/fast/installStyle.js';
import { storePaths } from '../../engine/node/paths.js';
import { productRoot } from '../../engine/node/resources.js';
import { openStudioThread, type StudioConnection } from '../../engine/node/studio/studioThread.js';
import { startWebHost, type WebHost } from '../../engine/node/studio/webHost.js';
import { CHROMIUM, launchChromium, studioPage } from '../helpers/chromium.js';
import { SHARED, sharedSkipReason, TEST_RESULTS } from '../helpers/shared.js';
import { startStyleServer, writeStyleCatalogue } from '../helpers/styleServer.js';
import { writeStudioPictures } from '../helpers/studioPictures.js';

const RENDERER = join(productRoot(), 'dist', 'renderer');
const noBrowser = !existsSync(CHROMIUM)
  ? `end-to-end suite skipped: no browser at ${CHROMIUM} (apt-get install chromium)`
  : false;
if (noBrowser) console.log(`# NOTICE ${noBrowser}`);
// Real checkpoints: the product's digests are those of ml5's files, which ../shared holds.
const skip = noBrowser || sharedSkipReason('models/fast-style/udnie', 'models/fast-style/wave');

/** The same size text as the Fast tab's Install button. */
const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const downloadBytes = (entry: StyleCatalogueEntry) => entry.files.reduce((sum, file) => sum + file.bytes, 0);

// The Fast tab's ready styles (issue 14): listed, installed with progress, a corrupt download refused on its card.
describe("the Fast tab's ready styles, installed from a catalogue served on 127.0.0.1", { skip }, () => {
  const files = mkdtempSync(join(tmpdir(), 'pastiche-fast-styles-'));
  const home = mkdtempSync(join(tmpdir(), 'pastiche-fast-styles-home-'));
  const stylesDir = storePaths(home).styles;
  let server: Awaited<ReturnType<typeof startStyleServer>>;
  let studio: StudioConnection;
  let host: WebHost;
  let browser: Browser;
  let page: Page;
  let catalogue: StyleCatalogueEntry[];
  const pageErrors: string[] = [];
  const card = (name: string) => page.locator(`[data-testid="style-catalogue"] [data-style="${name}"]`);

  before(async () => {
    assert.ok(existsSync(join(RENDERER, 'index.html')), 'npm run build makes dist/renderer');
    server = await startStyleServer(join(SHARED, 'models', 'fast-style'));
    const product = JSON.parse(readFileSync(join(productRoot(), 'resources', 'styles', 'catalogue.json'), 'utf8')) as {
      styles: StyleCatalogueEntry[];
    };
    const mirrored = (name: string) => ({
      ...product.styles.find((style) => style.name === name)!,
      baseUrl: `${server.url}${name}/`,
    });
    const wrong = (hex: string) => (hex.startsWith('0') ? '1' : '0') + hex.slice(1);
    // The wave's files under another name, its catalogue wrong about one file's digest (a tampered mirror).
    const wave = mirrored('wave');
    const damaged = {
      ...wave,
      name: 'wave-damaged',
      files: wave.files.map((f) => (f.name !== 'Variable_3' ? f : { ...f, sha256: wrong(f.sha256) })),
    };
    catalogue = [mirrored('udnie'), wave, damaged];
    process.env.PASTICHE_STYLE_CATALOGUE = writeStyleCatalogue(join(files, 'styles.json'), catalogue);
    // As `npm run studio:web` does: the engine in its own thread (which reads the environment set above).
    studio = await openStudioThread({ home, backend: 'wasm', version: 'e2e' });
    host = await startWebHost({ handlers: studio.handlers, subscribe: studio.subscribe, staticDir: RENDERER });
    browser = await launchChromium();
    page = await studioPage(browser, pageErrors);
    mkdirSync(TEST_RESULTS, { recursive: true });
    await writeStudioPictures(files);
  });

  after(async () => {
    assert.deepEqual(pageErrors, [], 'the page threw');
    await browser?.close();
    await host?.close();
    await studio?.close();
    await server?.close();
    delete process.env.PASTICHE_STYLE_CATALOGUE;
  });

  it("lists the catalogue's styles, none installed, each with painting, size, Install button", async () => {
    await page.goto(host.url);
    await page.getByRole('tab', { name: 'Fast' }).click();
    await page.getByTestId('no-styles').waitFor();
    await page.getByTestId('style-catalogue').waitFor();
    assert.deepEqual(
      await page
        .locator('[data-testid="style-catalogue"] [data-style]')
        .evaluateAll((cards) => cards.map((c) => c.getAttribute('data-style'))),
      ['udnie', 'wave', 'wave-damaged'],
    );
    for (const entry of catalogue) {
      const text = (await card(entry.name).textContent()) ?? '';
      assert.ok(
        text.includes(`${entry.painting}, ${entry.artist}`),
        `${entry.name}'s card names the painting: ${text}`,
      );
      const install = card(entry.name).getByRole('button', { name: `Install (${megabytes(downloadBytes(entry))})` });
      assert.ok(await install.isEnabled(), `${entry.name}: an Install button with the download's size`);
    }
    assert.equal(megabytes(downloadBytes(catalogue[0])), '6.7 MB', 'udnie: the real checkpoint');
  });

  it('shows progress, an interruption on the card, then resumes and lists the style with its thumbnail', async () => {
    const udnie = catalogue[0];
    // The connection stalls 100 kB into a residual block's kernel: the progress bar holds still long enough to read.
    server.stallNext('Variable_12', 100_000);
    await card('udnie')
      .getByRole('button', { name: /^Install/ })
      .click();
    const shown = card('udnie').getByTestId('style-install-progress');
    await shown.getByText(/^[1-6]\.\d MB of 6\.7 MB$/).waitFor({ timeout: 30_000 });
    const bar = await card('udnie')
      .locator('progress')
      .evaluate((p) => [(p as unknown as { value: number }).value, (p as unknown as { max: number }).max]);
    const stalledAt = udnie.files.findIndex((f) => f.name === 'Variable_12');
    const kept = udnie.files.slice(0, stalledAt).reduce((sum, f) => sum + f.bytes, 0) + 100_000;
    assert.deepEqual(bar, [kept, downloadBytes(udnie)], 'the bar shows the bytes received of the whole style');
    assert.equal(
      await card('udnie')
        .getByRole('button', { name: /^Install/ })
        .count(),
      0,
      'no second install',
    );

    server.drop();
    const interrupted = card('udnie').getByRole('alert');
    await interrupted.getByText(/^udnie: download interrupted after \d\.\d MB of 6\.7 MB \(.+\); .*resume$/).waitFor();
    assert.deepEqual(readdirSync(stylesDir), ['.downloads'], 'an interrupted install adds nothing to the library');

    const requestsBefore = server.requests.length;
    await card('udnie').getByRole('button', { name: 'Install (6.7 MB)' }).click();
    await card('udnie').waitFor({ state: 'detached', timeout: 60_000 });
    assert.deepEqual(server.requests[requestsBefore], { path: '/udnie/Variable_12', range: 'bytes=100000-' });
    const thumbnail = page
      .getByTestId('library-styles')
      .locator('label', { hasText: 'udnie' })
      .getByTestId('style-thumbnail');
    await thumbnail.waitFor();
    // Loaded, not merely present: a broken image has no natural size.
    const complete = () => thumbnail.evaluate((img) => (img as unknown as { complete: boolean }).complete);
    for (let waited = 0; !(await complete()); waited += 100) {
      assert.ok(waited < 10_000, 'the thumbnail did not load in 10 s');
      await page.waitForTimeout(100);
    }
    const natural = await thumbnail.evaluate((img) => {
      const loaded = img as unknown as { naturalWidth: number; naturalHeight: number };
      return [loaded.naturalWidth, loaded.naturalHeight];
    });
    assert.deepEqual(natural, [240, 180], 'the thumbnail, loaded');
    const [listed] = await studio.handlers['styles.list'](undefined);
    assert.deepEqual([listed.name, listed.source, listed.origin], ['udnie', 'deeplearn', udnie.baseUrl]);
    assert.match((await thumbnail.getAttribute('src')) ?? '', new RegExp(`^/media/${listed.thumbnailImageId}(\\?|$)`));
    assert.deepEqual(readdirSync(stylesDir), ['udnie'], 'the partial download is gone');
    assert.equal(await page.getByTestId('no-styles').count(), 0);
    assert.deepEqual(
      await page
        .locator('[data-testid="style-catalogue"] [data-style]')
        .evaluateAll((cards) => cards.map((c) => c.getAttribute('data-style'))),
      ['wave', 'wave-damaged'],
      'the installed style is no longer offered',
    );
  });

  it('refuses a download whose digest is wrong with one line on its card, adding nothing to the library', async () => {
    await card('wave-damaged')
      .getByRole('button', { name: /^Install/ })
      .click();
    const alert = card('wave-damaged').getByRole('alert');
    await alert.waitFor({ timeout: 30_000 });
    const message = (await alert.textContent()) ?? '';
    assert.match(
      message,
      /^Variable_3: the download is corrupt \(SHA-256 [0-9a-f]{64} instead of [0-9a-f]{64}\) and was deleted; .+$/,
    );
    assert.ok(!message.includes('\n'), 'one line');
    assert.ok(await alert.isVisible());
    // A digest is one long word: the card wraps it inside the panel, as wide as the panel's Train button.
    const panel = (await page.getByTestId('open-training').boundingBox())!;
    const shown = (await page.getByTestId('style-catalogue').boundingBox())!;
    assert.ok(
      shown.x + shown.width <= panel.x + panel.width + 1,
      `the catalogue stays inside the panel: its right edge at ` +
        `${shown.x + shown.width} px, the panel's at ${panel.x + panel.width} px`,
    );
    // The button is back for another attempt, and the store holds nothing of it.
    await card('wave-damaged')
      .getByRole('button', { name: /^Install/ })
      .waitFor();
    assert.deepEqual(
      (await studio.handlers['styles.list'](undefined)).map((s) => s.name),
      ['udnie'],
    );
    assert.deepEqual(
      readdirSync(stylesDir).filter((entry) => !entry.startsWith('.')),
      ['udnie'],
    );
    const partial = styleDownloadFolder(stylesDir, 'wave-damaged');
    assert.ok(!existsSync(join(partial, 'Variable_3')), 'the corrupt file is deleted');
    const damaged = (await studio.handlers['styles.catalogue'](undefined)).find((s) => s.name === 'wave-damaged');
    assert.equal(damaged?.status, 'not-installed');
    await page.screenshot({ path: join(TEST_RESULTS, 'e2e-fast-styles.png'), fullPage: true });
  });

  it('paints the photo with the installed style from the tab', async () => {
    await page.getByTestId('add-images').setInputFiles(join(files, 'harbour.png'));
    await page.locator('figure', { hasText: 'harbour.png' }).getByRole('button', { name: 'Photo' }).click();
    await page.getByTestId('library-styles').getByLabel('udnie').check();
    await page.getByRole('button', { name: 'Paint fast' }).click();
    const result = page.getByAltText('udnie result');
    await result.waitFor({ timeout: 60_000 });
    const [run] = await studio.handlers['runs.list']({ project: 'harbour' });
    assert.deepEqual(
      [run.kind, run.status, run.kind === 'feedforward' && run.settings.style],
      ['feedforward', 'done', 'udnie'],
    );
    const output = (await studio.handlers['runs.get']({ runId: run.id })).outputs.find((o) => o.kind === 'result')!;
    assert.deepEqual([output.image.width, output.image.height], [96, 64]);
    assert.match((await result.getAttribute('src')) ?? '', new RegExp(`^/media/${output.image.id}(\\?|$)`));
  });
});
