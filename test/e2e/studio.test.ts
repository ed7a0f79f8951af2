import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { productRoot } from '../../engine/node/resources.js';
import { openStudioThread, type StudioConnection } from '../../engine/node/studio/studioThread.js';
import { startWebHost, type WebHost } from '../../engine/node/studio/webHost.js';
import { TEST_RESULTS } from '../helpers/shared.js';

/** Debian's Chromium (apt-get install chromium), which .ci/run installs; Playwright downloads nothing. */
const CHROMIUM = process.env.PASTICHE_CHROMIUM ?? '/usr/bin/chromium';
const RENDERER = join(productRoot(), 'dist', 'renderer');
const skip = !existsSync(CHROMIUM) ? `end-to-end suite skipped: no browser at ${CHROMIUM} (apt-get install chromium)` : false;
if (skip) console.log(`# NOTICE ${skip}`);

describe('the studio in a browser, against the web host', { skip }, () => {
  let studio: StudioConnection;
  let host: WebHost;
  let browser: Browser;
  let page: Page;
  const files = mkdtempSync(join(tmpdir(), 'pastiche-e2e-'));

  before(async () => {
    assert.ok(existsSync(join(RENDERER, 'index.html')), 'npm run build makes dist/renderer');
    // As `npm run studio:web` does: the engine computes in its own thread.
    studio = await openStudioThread({ home: mkdtempSync(join(tmpdir(), 'pastiche-e2e-home-')), backend: 'wasm', version: 'e2e' });
    host = await startWebHost({ handlers: studio.handlers, subscribe: studio.subscribe, staticDir: RENDERER });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    mkdirSync(TEST_RESULTS, { recursive: true });
    await sharp(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="96" height="64"><rect width="96" height="64" fill="#6a9fd8"/><path d="M0 50 L30 20 L60 45 L96 15 L96 64 L0 64 Z" fill="#3d6b4f"/></svg>')).png().toFile(join(files, 'harbour.png'));
    await sharp(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="#1b3b8a"/><path d="M0 32 Q16 0 32 32 T64 32" stroke="#f2c14e" stroke-width="8" fill="none"/></svg>')).png().toFile(join(files, 'swirls.png'));
    writeFileSync(join(files, 'broken.jpg'), 'not a picture at all');
  });

  after(async () => {
    await browser?.close();
    await host?.close();
    await studio?.close();
  });

  it('opens on an empty gallery that says what to do, and takes the token out of the address bar', async () => {
    await page.goto(host.url);
    await page.getByText('No paintings yet').waitFor();
    assert.equal(await page.locator('.badge').textContent(), 'wasm');
    assert.ok(!page.url().includes('token'), `the address bar still holds the token: ${page.url()}`);
    await page.screenshot({ path: join(TEST_RESULTS, 'e2e-empty-gallery.png') });
  });

  it('shows why a file that is not an image is refused, and stores nothing', async () => {
    await page.getByTestId('add-images').setInputFiles(join(files, 'broken.jpg'));
    await page.getByRole('alert').getByText('broken.jpg: not an image file (or corrupt)').waitFor();
    assert.deepEqual(await studio.handlers['projects.list'](undefined), []);
    assert.equal(await page.locator('figure').count(), 0);
    await page.getByRole('button', { name: 'Dismiss' }).click();
  });

  it('adds a photo and a painting, paints, shows previews arriving and the result in the gallery', async () => {
    await page.getByTestId('add-images').setInputFiles([join(files, 'harbour.png'), join(files, 'swirls.png')]);
    await page.locator('figure', { hasText: 'harbour.png' }).getByRole('button', { name: 'Photo' }).click();
    await page.locator('figure', { hasText: 'swirls.png' }).getByRole('button', { name: 'Style' }).click();
    await page.getByTestId('size').fill('64');
    await page.getByTestId('iterations').fill('6');
    await page.getByRole('button', { name: 'Paint', exact: true }).click();
    await page.getByAltText('latest preview').waitFor({ timeout: 120_000 });
    await page.locator('[data-testid="live-run"][data-status="done"]').waitFor({ timeout: 120_000 });
    const card = page.getByTestId('project-card').filter({ hasText: 'harbour' });
    await card.getByAltText('latest result of harbour').waitFor();
    await card.locator('[data-testid="run-row"][data-status="done"]').waitFor();
    await page.screenshot({ path: join(TEST_RESULTS, 'e2e-painted.png') });

    // What the page shows is what the store holds.
    const [run] = await studio.handlers['runs.list']({ project: 'harbour' });
    assert.deepEqual([run.status, run.settings.size, run.settings.iterations, run.iterationsDone], ['done', 64, 6, 6]);
    assert.equal(run.contentImage.originalName, 'harbour.png');
    assert.deepEqual(run.styles.map((style) => style.image.originalName), ['swirls.png']);
    const shown = await card.getByAltText('latest result of harbour').getAttribute('src');
    const { outputs } = await studio.handlers['runs.get']({ runId: run.id });
    assert.match(shown ?? '', new RegExp(`^/media/${outputs.find((output) => output.kind === 'result')!.image.id}\\?`));
    const natural = await card.getByAltText('latest result of harbour').evaluate((img) => {
      const loaded = img as unknown as { naturalWidth: number; naturalHeight: number };
      return [loaded.naturalWidth, loaded.naturalHeight];
    });
    assert.deepEqual(natural, [64, 43]);
  });
});
