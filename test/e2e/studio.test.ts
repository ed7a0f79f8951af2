import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { importStyle } from '../../engine/node/fast/styleLibrary.js';
import { storePaths } from '../../engine/node/paths.js';
import { productRoot } from '../../engine/node/resources.js';
import { openStudioThread, type StudioConnection } from '../../engine/node/studio/studioThread.js';
import { startWebHost, type WebHost } from '../../engine/node/studio/webHost.js';
import { CHROMIUM, launchChromium, studioPage } from '../helpers/chromium.js';
import { serveKerasWeights } from '../helpers/kerasWeights.js';
import { randomCheckpoint, writeCheckpoint } from '../helpers/fastStyle.js';
import { writePhotoFolder } from '../helpers/trainingPhotos.js';
import { asStylization } from '../helpers/runs.js';
import { openAdvanced } from '../helpers/advancedSettings.js';
import { scheduleSteps, scheduleText, stageSize } from '../../engine/common/stylize/schedule.js';
import { TEST_RESULTS } from '../helpers/shared.js';
import { writeStudioPictures } from '../helpers/studioPictures.js';

const RENDERER = join(productRoot(), 'dist', 'renderer');
const skip = !existsSync(CHROMIUM)
  ? `end-to-end suite skipped: no browser at ${CHROMIUM} (apt-get install chromium)`
  : false;
if (skip) console.log(`# NOTICE ${skip}`);

/** What the live view showed at a change: its run's status, the stage it named, its picture's caption, src, width. */
type Seen = { status?: string; stage?: string; picture?: string; src?: string; width: number };

/**
 * Run in the page (whose types this suite does not compile against): records every change of the live
 * view in window.liveViewSeen.
 */
const WATCH_LIVE_VIEW = `{
  const seen = (window.liveViewSeen = []);
  new MutationObserver(() => {
    const live = [...document.querySelectorAll('[data-testid="live-run"]')].at(-1);
    if (!live) return;
    const img = live.querySelector('img');
    seen.push({
      status: live.dataset.status, stage: live.querySelector('[data-testid="stage"]')?.textContent?.trim(),
      picture: live.querySelector('[data-testid="preview-stage"]')?.textContent?.trim(),
      src: img?.getAttribute('src') ?? undefined, width: img?.getBoundingClientRect().width ?? 0,
    });
  }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
}`;

describe('the studio in a browser, against the web host', { skip }, () => {
  let studio: StudioConnection;
  let host: WebHost;
  let browser: Browser;
  let page: Page;
  const files = mkdtempSync(join(tmpdir(), 'pastiche-e2e-'));
  const home = mkdtempSync(join(tmpdir(), 'pastiche-e2e-home-'));
  /** Errors the page threw: a view that breaks quietly is still broken. */
  const pageErrors: string[] = [];

  /**
   * A download server standing in for the catalogue's (the studio's catalogue is configuration: PASTICHE_CATALOGUE).
   */
  let weightsServer: Server;
  const networkEvents: string[] = [];

  before(async () => {
    assert.ok(existsSync(join(RENDERER, 'index.html')), 'npm run build makes dist/renderer');
    const served = await serveKerasWeights(files);
    weightsServer = served.server;
    const mirror = {
      name: 'vgg19-mirror',
      architecture: 'vgg19',
      description: 'VGG-19 blocks 1–2 from a local mirror',
      license: 'test weights',
      source: served.source,
    };
    const product = JSON.parse(readFileSync(join(productRoot(), 'resources', 'models', 'catalogue.json'), 'utf8')) as {
      networks: unknown[];
      preference: string[];
    };
    writeFileSync(
      join(files, 'catalogue.json'),
      JSON.stringify({ networks: [...product.networks, mirror], preference: product.preference }),
    );
    process.env.PASTICHE_CATALOGUE = join(files, 'catalogue.json');
    // As `npm run studio:web` does: the engine computes in its own thread.
    studio = await openStudioThread({ home, backend: 'wasm', version: 'e2e' });
    host = await startWebHost({ handlers: studio.handlers, subscribe: studio.subscribe, staticDir: RENDERER });
    studio.subscribe(
      (event) =>
        event.type === 'network.progress' &&
        networkEvents.push(`${event.name} ${event.receivedBytes}/${event.totalBytes}`),
    );
    browser = await launchChromium();
    page = await studioPage(browser, pageErrors);
    mkdirSync(TEST_RESULTS, { recursive: true });
    await writeStudioPictures(files);
    writeFileSync(join(files, 'broken.jpg'), 'not a picture at all');
  });

  after(async () => {
    assert.deepEqual(pageErrors, [], 'the page threw');
    await browser?.close();
    await host?.close();
    await studio?.close();
    weightsServer?.close();
    delete process.env.PASTICHE_CATALOGUE;
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
    await openAdvanced(page);
    await page.getByTestId('iterations').fill('6');
    // An impossible combination is explained before anything is queued.
    for (const layer of ['conv4_2']) await page.getByLabel(`${layer} as content`).uncheck();
    for (const layer of ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1'])
      await page.getByLabel(`${layer} as style`).uncheck();
    await page.getByTestId('settings-problem').getByText('no content layers and no style layers').waitFor();
    assert.ok(await page.getByRole('button', { name: 'Paint', exact: true }).isDisabled());
    await page.getByRole('button', { name: 'Partial style transfer' }).click();
    await page.getByTestId('style-weight').fill('1000');
    await page.getByRole('button', { name: 'Paint', exact: true }).click();
    await page.getByAltText('latest preview').waitFor({ timeout: 120_000 });
    await page.locator('[data-testid="live-run"][data-status="done"]').waitFor({ timeout: 120_000 });
    // Loss curves are drawn by the charting library, with the speed measured from the run's events.
    await page.getByTestId('loss-chart').locator('canvas').waitFor();
    assert.match((await page.getByTestId('speed').textContent()) ?? '', /^\d+\.\d\d iterations\/s/);
    const card = page.getByTestId('project-card').filter({ hasText: 'harbour' });
    await card.getByAltText('latest result of harbour').waitFor();
    await card.locator('[data-testid="recent-run"][data-status="done"]').waitFor();
    await page.screenshot({ path: join(TEST_RESULTS, 'e2e-painted.png'), fullPage: true });

    // What the page shows is what the store holds.
    const run = asStylization((await studio.handlers['runs.list']({ project: 'harbour' }))[0]);
    assert.deepEqual(
      [run.status, run.settings.size, run.settings.iterations, run.iterationsDone, run.settings.styleWeight],
      ['done', 64, 6, 6, 1000],
    );
    assert.deepEqual(run.settings.contentLayers, ['conv1_1', 'conv2_1', 'conv4_1', 'conv4_2']);
    assert.deepEqual(run.settings.styleLayers, [
      { layer: 'conv3_1', weight: 1 },
      { layer: 'conv5_1', weight: 1 },
    ]);
    assert.equal(run.contentImage.originalName, 'harbour.png');
    assert.deepEqual(
      run.styles.map((style) => style.image.originalName),
      ['swirls.png'],
    );
    const shown = await card.getByAltText('latest result of harbour').getAttribute('src');
    const { outputs } = await studio.handlers['runs.get']({ runId: run.id });
    assert.match(shown ?? '', new RegExp(`^/media/${outputs.find((output) => output.kind === 'result')!.image.id}\\?`));
    const natural = await card.getByAltText('latest result of harbour').evaluate((img) => {
      const loaded = img as unknown as { naturalWidth: number; naturalHeight: number };
      return [loaded.naturalWidth, loaded.naturalHeight];
    });
    assert.deepEqual(natural, [64, 43]);
  });

  it(
    'shows a run’s detail with exactly the parameters the ' + 'store holds, and exports a 10×10 cm print at 300 DPI',
    async () => {
      const run = asStylization((await studio.handlers['runs.list']({ project: 'harbour' }))[0]);
      await page.getByRole('link', { name: `#${run.id}` }).click();
      const table = page.getByTestId('parameters');
      await table.waitFor();
      const shown = async (name: string) => (await table.locator(`td[data-parameter="${name}"]`).textContent())?.trim();
      assert.equal(await shown('size'), `${run.settings.size} px`);
      assert.equal(await shown('iterations'), `6 of ${run.settings.iterations}`);
      assert.equal(
        await shown('style layers'),
        run.settings.styleLayers.map((l) => `${l.layer} × ${l.weight}`).join(', '),
      );
      assert.equal(await shown('content weight'), String(run.settings.contentWeight));
      assert.equal(await shown('seed'), String(run.settings.seed));
      assert.equal(await shown('backend'), 'wasm');

      await page.getByTestId('print-width').fill('10');
      await page.getByTestId('print-unit').selectOption('cm');
      await page.getByTestId('print-dpi').fill('300');
      await page.getByTestId('print-format').selectOption('tiff');
      await page.getByTestId('print-height').fill('10');
      // The 64×43 result fits a 10×10 cm box by its width: 10 cm at 300 DPI is 1181 px; 43/64 of it, 794.
      await page.getByTestId('print-pixels').getByText('1181 × 794 px').waitFor();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export' }).click(),
      ]);
      const saved = join(files, download.suggestedFilename());
      await download.saveAs(saved);
      const meta = await sharp(saved).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height, Math.round(meta.density ?? 0)], ['tiff', 1181, 794, 300]);
      assert.match(download.suggestedFilename(), /^harbour-run-\d+-10x10cm-300dpi\.tif$/);
      await page.screenshot({ path: join(TEST_RESULTS, 'e2e-run-detail.png'), fullPage: true });
    },
  );

  it(
    'builds a 2×2 grid (init × style weight) that fills ' + 'all four cells, labelled like the papers’ figures',
    async () => {
      await page.getByRole('link', { name: 'Grids' }).click();
      // The papers' comparisons fill the axes in one click.
      await page.getByRole('button', { name: 'Partial style transfer (fig. 4)' }).click();
      assert.equal(await page.getByTestId('axis-0-parameter').inputValue(), 'layers');
      assert.deepEqual(
        await page
          .locator('fieldset')
          .first()
          .locator('input[type="checkbox"]:checked')
          .evaluateAll((boxes) =>
            boxes.map((box) =>
              (box as unknown as { parentElement: { textContent: string } }).parentElement.textContent.trim(),
            ),
          ),
        ['Gatys et al. 2015', 'Partial style transfer'],
      );
      assert.deepEqual(
        [await page.getByTestId('axis-1-parameter').inputValue(), await page.getByTestId('axis-1-values').inputValue()],
        ['styleWeight', '1000, 10'],
      );
      await page.getByTestId('grid-content').selectOption({ label: 'harbour.png' });
      await page.getByTestId('grid-style').selectOption({ label: 'swirls.png' });
      await page.getByTestId('grid-size').fill('32');
      await page.getByTestId('grid-iterations').fill('3');
      await page.getByTestId('axis-0-parameter').selectOption('init');
      await page.getByTestId('axis-0-values').fill('content, noise');
      await page.getByTestId('axis-1-parameter').selectOption('styleWeight');
      await page.getByTestId('axis-1-values').fill('10, 1000');
      await page.getByRole('button', { name: 'Queue grid' }).click();
      const grid = page.getByTestId('grid');
      await grid.waitFor();
      // The header tells what the queue holds while the cells compute one at a time, and when it is done.
      await page
        .getByTestId('queue-status')
        .getByText(/^· [1-3] waiting$/)
        .waitFor();
      // The page's CSP forbids evaluating strings, so the cells are counted from here.
      for (let waited = 0; (await grid.locator('[data-testid="grid-cell"] img').count()) < 4; waited += 500) {
        assert.ok(waited < 180_000, 'the grid did not fill in 3 minutes');
        await page.waitForTimeout(500);
      }
      assert.deepEqual(await page.getByTestId('row-label').allTextContents(), ['init: content', 'init: noise']);
      assert.deepEqual(await page.getByTestId('column-label').allTextContents(), [
        'style weight: 10',
        'style weight: 1e3',
      ]);
      await page.locator('[data-testid="grid-cell"][data-status="done"]').nth(3).waitFor({ timeout: 180_000 });
      await page.getByTestId('queue-status').getByText('Queue idle').waitFor();
      const [stored] = await studio.handlers['grids.list']({});
      const detail = await studio.handlers['grids.get']({ gridId: stored.id });
      assert.deepEqual(
        detail.cells.map((c) => [
          asStylization(c.run).settings.init,
          asStylization(c.run).settings.styleWeight,
          c.run.status,
        ]),
        [
          ['content', 10, 'done'],
          ['content', 1000, 'done'],
          ['noise', 10, 'done'],
          ['noise', 1000, 'done'],
        ],
      );
      await page.screenshot({ path: join(TEST_RESULTS, 'e2e-grid.png') });
      const [sheet] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export contact sheet' }).click(),
      ]);
      const sheetFile = join(files, sheet.suggestedFilename());
      await sheet.saveAs(sheetFile);
      const sheetMeta = await sharp(sheetFile).metadata();
      assert.equal(sheetMeta.format, 'png');
      assert.ok(
        (sheetMeta.width ?? 0) > 2 * 256 && (sheetMeta.height ?? 0) > 2 * 256,
        `a sheet of two 256-px columns and rows: ${sheetMeta.width}×${sheetMeta.height}`,
      );
    },
  );

  it('compares two runs with their differing parameters highlighted, and forks one into the editor', async () => {
    const [stored] = await studio.handlers['grids.list']({});
    const { cells } = await studio.handlers['grids.get']({ gridId: stored.id });
    const first = asStylization(cells.find((c) => c.row === 0 && c.column === 0)!.run);
    const last = cells.find((c) => c.row === 1 && c.column === 1)!.run;
    await page.getByAltText('cell 0,0').click();
    await page.getByTestId('parameters').waitFor();
    await page.getByTestId('compare-with').selectOption({ label: `run ${last.id}` });
    await page.locator(`td[data-other-parameter="init"]`).getByText('noise').waitFor();
    const highlighted = await page.locator('tr[data-differs="true"] th').allTextContents();
    assert.deepEqual(highlighted, ['init', 'style weight']);
    await page.screenshot({ path: join(TEST_RESULTS, 'e2e-compare.png'), fullPage: true });

    await page.getByRole('button', { name: 'Fork into the editor' }).click();
    await page.getByTestId('forked-from').getByText(`run ${first.id}`).waitFor();
    assert.equal(await page.getByTestId('init').inputValue(), first.settings.init);
    assert.equal(Number(await page.getByTestId('style-weight').inputValue()), first.settings.styleWeight);
    assert.equal(Number(await page.getByTestId('size').inputValue()), first.settings.size);
    assert.equal(
      await page.getByRole('button', { name: 'Paint', exact: true }).isDisabled(),
      false,
      'photo and painting come with the fork',
    );

    // Continuing from a result: the same settings, starting from that run's picture.
    await page.goto(page.url().replace(/#.*$/, `#/runs/${first.id}`));
    await page.getByRole('button', { name: 'Paint on from this image' }).click();
    assert.equal(await page.getByTestId('init').inputValue(), 'image');
    const result = (await studio.handlers['runs.get']({ runId: first.id })).outputs.find(
      (output) => output.kind === 'result',
    )!;
    assert.equal(Number(await page.getByTestId('init-image').inputValue()), result.image.id);
  });

  it(
    'filters the gallery by status, network and style, ' + 'lists a project’s grids, and takes dropped images',
    async () => {
      await page.keyboard.press('Alt+1');
      const rows = page.getByTestId('recent-run');
      await rows.first().waitFor();
      const all = await rows.count();
      assert.equal(all, 5, 'the painted run and the four grid cells');
      await page.getByTestId('filter-status').selectOption('cancelled');
      await page.getByTestId('no-match').waitFor();
      assert.equal(await rows.count(), 0);
      await page.getByTestId('filter-status').selectOption('done');
      await page.getByTestId('filter-style').selectOption({ label: 'swirls.png' });
      assert.equal(await rows.count(), 5);
      await page.getByTestId('project-card').getByRole('link', { name: 'init × style weight' }).waitFor();

      // A file dropped anywhere on the window, as a desktop drag would deliver it.
      const bytes = [
        ...(await sharp({ create: { width: 12, height: 12, channels: 3, background: '#e4572e' } })
          .png()
          .toBuffer()),
      ];
      await page.evaluate((data) => {
        // The page's DOM, typed here by hand: the tests compile without the DOM library.
        const dom = globalThis as unknown as {
          DataTransfer: new () => { items: { add(file: unknown): void } };
          File: new (parts: unknown[], name: string, options: { type: string }) => unknown;
          DragEvent: new (
            type: string,
            init: { dataTransfer: unknown; bubbles: boolean; cancelable: boolean },
          ) => unknown;
          dispatchEvent(event: unknown): boolean;
        };
        const transfer = new dom.DataTransfer();
        transfer.items.add(new dom.File([new Uint8Array(data)], 'dropped.png', { type: 'image/png' }));
        dom.dispatchEvent(new dom.DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      }, bytes);
      await page.locator('figure', { hasText: 'dropped.png' }).waitFor();
      await page.screenshot({ path: join(TEST_RESULTS, 'e2e-gallery-filtered.png'), fullPage: true });
    },
  );

  it(
    'opens a project with every run as a thumbnail of the ' +
      'newest image it made, filterable, each leading to its detail',
    async () => {
      await page.keyboard.press('Alt+1');
      await page
        .getByTestId('project-card')
        .filter({ hasText: 'harbour' })
        .getByRole('link', { name: 'harbour', exact: true })
        .click();
      const thumbs = page.getByTestId('run-thumb');
      await thumbs.first().waitFor();
      const stored = await studio.handlers['projects.get']({ name: 'harbour' });
      assert.equal(stored.runs.length, 5);
      assert.equal(await thumbs.count(), stored.runs.length);
      for (const [i, { run, latestImageId }] of stored.runs.entries()) {
        const thumb = thumbs.nth(i);
        assert.notEqual(latestImageId, null);
        assert.deepEqual(
          [
            await thumb.getAttribute('href'),
            await thumb.getAttribute('data-status'),
            await thumb.locator('img').getAttribute('data-image-id'),
          ],
          [`#/runs/${run.id}`, run.status, String(latestImageId)],
        );
      }
      const loaded = await thumbs
        .first()
        .locator('img')
        .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth);
      assert.ok(loaded > 0, 'the thumbnail image loads');
      await page.getByTestId('filter-status').selectOption('failed');
      await page.getByTestId('no-match').getByText('No runs match these filters.').waitFor();
      await page.getByTestId('filter-status').selectOption('');
      await thumbs.nth(4).waitFor();
      await page.screenshot({ path: join(TEST_RESULTS, 'e2e-project.png'), fullPage: true });
      await thumbs.last().click();
      await page.getByRole('heading', { name: `Run ${stored.runs.at(-1)!.run.id}` }).waitFor();
    },
  );

  it(
    'paints from a chosen image with two paintings blended ' + '3:1 as local style, and the store records exactly that',
    async () => {
      await page.keyboard.press('Alt+1');
      const press = async (name: string, role: 'Photo' | 'Style') => {
        const button = page.locator('figure', { hasText: name }).getByRole('button', { name: role });
        if ((await button.getAttribute('aria-pressed')) !== 'true') await button.click();
      };
      await press('harbour.png', 'Photo');
      await press('swirls.png', 'Style');
      await press('dropped.png', 'Style');
      await page.getByTestId('init').selectOption('image');
      await page.getByTestId('init-image').selectOption({ label: '—' });
      await page.getByTestId('settings-problem').getByText('choose the image to start from').waitFor();
      await page.getByTestId('init-image').selectOption({ label: 'dropped.png' });
      const [swirls, dropped] = await Promise.all(
        ['swirls.png', 'dropped.png'].map(async (name) =>
          Number(await page.locator('figure', { hasText: name }).getAttribute('data-image-id')),
        ),
      );
      await page.getByTestId(`blend-${swirls}`).fill('3');
      await page.getByTestId(`blend-${dropped}`).fill('1');
      await page.getByTestId('size').fill('32');
      await page.getByTestId('iterations').fill('2');
      await page.getByTestId('preview-every').fill('1');
      await page.getByTestId('preserve-colors').selectOption('histogram');
      await page.getByTestId('style-repr').selectOption('local');
      await page.getByTestId('local-radius').fill('1');
      await page.getByTestId('gram-mix').fill('0.25');
      // The editor states what local style costs at this size, against what the engine's backend (wasm here) allows.
      await page
        .getByTestId('local-memory')
        .getByText(/ GB available\.$/)
        .waitFor();
      const memory = (await page.getByTestId('local-memory').textContent())!.replace(/\s+/g, ' ').trim();
      assert.match(
        memory,
        /^Local style needs \d+ MB at \d+×\d+ px \(conv1_1 \d+ MB, conv2_1 \d+ MB, .*\) of 2\.1 GB available\.$/,
      );
      await page.getByTestId('size').fill('600');
      await page
        .getByTestId('settings-problem')
        .getByText(
          /local style needs [\d.]+ GB at \d+×\d+ \(conv1_1 alone [\d.]+ GB\), more than the 2\.1 GB available/,
        )
        .waitFor();
      await page.getByTestId('size').fill('32');
      const before = new Set((await studio.handlers['runs.list']({})).map((run) => run.id));
      await page.getByRole('button', { name: 'Paint', exact: true }).click();
      await page.locator('[data-testid="live-run"][data-status="done"]').last().waitFor({ timeout: 120_000 });
      const [run] = (await studio.handlers['runs.list']({}))
        .filter((candidate) => !before.has(candidate.id))
        .map(asStylization);
      assert.ok(run, 'a new run was stored');
      assert.deepEqual(
        run.styles.map((style) => [style.image.id, style.blendWeight]),
        [
          [swirls, 0.75],
          [dropped, 0.25],
        ],
      );
      assert.equal(run.settings.init, 'image');
      assert.deepEqual(
        await sharp(run.initImage!.path)
          .metadata()
          .then(({ width, height }) => [width, height]),
        [12, 12],
      );
      assert.equal(run.settings.previewEvery, 1);
      assert.equal(run.settings.preserveColors, 'histogram');
      assert.deepEqual([run.settings.styleRepr, run.settings.localRadius, run.settings.gramMix], ['local', 1, 0.25]);
      // A preview after every iteration but the last, which stores the result.
      assert.deepEqual(
        (await studio.handlers['runs.get']({ runId: run.id })).outputs.map((output) => [output.kind, output.iteration]),
        [
          ['preview', 1],
          ['result', 2],
        ],
      );
    },
  );

  it(
    'fails a waiting run whose painting vanished from the ' + 'store with a message naming the file, and keeps working',
    async () => {
      await page.keyboard.press('Alt+1');
      await sharp({ create: { width: 16, height: 16, channels: 3, background: '#5b2a86' } })
        .png()
        .toFile(join(files, 'doomed.png'));
      await page.getByTestId('add-images').setInputFiles(join(files, 'doomed.png'));
      const choose = async (name: string, role: 'Photo' | 'Style', pressed: boolean) => {
        const button = page.locator('figure', { hasText: name }).getByRole('button', { name: role });
        if (((await button.getAttribute('aria-pressed')) === 'true') !== pressed) await button.click();
      };
      await page.getByTestId('init').selectOption('noise');
      await choose('harbour.png', 'Photo', true);
      for (const name of ['swirls.png', 'dropped.png']) await choose(name, 'Style', false);
      await choose('doomed.png', 'Style', true);
      const doomedId = Number(await page.locator('figure', { hasText: 'doomed.png' }).getAttribute('data-image-id'));
      await page.getByTestId('size').fill('32');
      await page.getByTestId('iterations').fill('2');
      // A long run holds the queue while the painting's stored copy is deleted behind the studio's back.
      const harbourId = Number(await page.locator('figure', { hasText: 'harbour.png' }).getAttribute('data-image-id'));
      const blocker = await studio.handlers['runs.queue']({
        project: 'harbour',
        contentImageId: harbourId,
        styleImageIds: [harbourId],
        settings: { size: 64, iterations: 500, previewEvery: 0 },
      });
      await page.getByRole('button', { name: 'Paint', exact: true }).click();
      await page.locator('[data-testid="live-run"][data-status="queued"]').waitFor();
      const stored = await studio.handlers['images.get']({ imageId: doomedId });
      rmSync(stored.path);
      await studio.handlers['runs.cancel']({ runId: blocker.runId });
      const live = page.locator('[data-testid="live-run"][data-status="failed"]');
      await live.waitFor({ timeout: 60_000 });
      assert.match(
        (await live.locator('.failure').textContent()) ?? '',
        new RegExp(`${stored.path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `),
      );
      const [failed] = await studio.handlers['runs.list']({ status: 'failed' });
      assert.equal(failed.styles[0].image.id, doomedId);
      assert.deepEqual(
        (await studio.handlers['runs.get']({ runId: failed.id })).outputs,
        [],
        'no half-made image is recorded',
      );
      // The rest of the studio keeps working: the gallery lists the failure, other images still show.
      await page.locator('[data-testid="recent-run"][data-status="failed"]').waitFor();
      assert.equal((await studio.handlers['runs.get']({ runId: blocker.runId })).run.status, 'cancelled');
      const shown = await page
        .locator('figure', { hasText: 'harbour.png' })
        .locator('img')
        .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth);
      assert.ok(shown > 0);
    },
  );

  it(
    'installs a catalogue network from the model manager, ' + 'with its progress, and offers it to the editor',
    async () => {
      await page.keyboard.press('Alt+3');
      const row = page.locator('tr[data-network="vgg19-mirror"]');
      await row.getByRole('button', { name: /^Install \(\d+\.\d MB\)$/ }).click();
      await page.locator('tr[data-network="vgg19-mirror"][data-status="installed"]').waitFor({ timeout: 60_000 });
      assert.ok(
        networkEvents.length > 0 && networkEvents.at(-1)!.startsWith('vgg19-mirror '),
        `progress events: ${networkEvents.join(', ')}`,
      );
      const [received, total] = networkEvents.at(-1)!.split(' ')[1].split('/').map(Number);
      assert.equal(received, total, 'the last progress event is the whole file');
      const installed = (await studio.handlers['networks.list'](undefined)).find(
        (network) => network.name === 'vgg19-mirror',
      )!;
      assert.equal(installed.status, 'installed');
      await page.screenshot({ path: join(TEST_RESULTS, 'e2e-networks.png'), fullPage: true });
      await page.keyboard.press('Alt+1');
      assert.equal(await page.getByTestId('network').locator('option[value="vgg19-mirror"]').isDisabled(), false);
    },
  );

  it(
    'generates a style with no photo (Nikulin & Novak ' + '§6) and shows the run with its generator’s parameters',
    async () => {
      await page.goto(host.url);
      await page.getByRole('tab', { name: 'Generate' }).click();
      await page.getByTestId('generator').selectOption('sparse');
      for (const layer of ['conv3_1', 'conv4_1', 'conv5_1']) await page.getByLabel(`match ${layer}`).uncheck();
      await page.getByLabel('random matrix on conv2_1').check();
      await page.getByTestId('sparsity').fill('0.5');
      await page.getByTestId('generate-width').fill('32');
      await page.getByTestId('generate-height').fill('24');
      await page.getByTestId('generate-iterations').fill('3');
      await page.getByTestId('generate-seed').fill('12');
      // An impossible combination is explained before anything is queued.
      await page.getByLabel('match conv2_1').uncheck();
      await page
        .getByTestId('generate-problem')
        .getByText("layers: 'conv2_1' is not one of the run's style layers")
        .waitFor();
      await page.getByLabel('match conv2_1').check();
      await page.getByRole('button', { name: 'Generate', exact: true }).click();
      await page.locator('[data-testid="live-run"][data-status="done"]').waitFor({ timeout: 120_000 });

      const [run] = await studio.handlers['runs.list']({ project: 'generated' });
      assert.equal(run.kind, 'generate');
      assert.deepEqual(run.kind === 'generate' && [run.settings.width, run.settings.height, run.settings.generator], [
        32,
        24,
        { kind: 'sparse', seed: 12, redraw: false, layers: ['conv1_1', 'conv2_1'], amplitude: 100, sparsity: 0.5 },
      ]);
      await page
        .getByTestId('project-card')
        .filter({ hasText: 'generated' })
        .getByRole('link', { name: `#${run.id}` })
        .click();
      const table = page.getByTestId('parameters');
      await table.waitFor();
      const shown = async (name: string) => (await table.locator(`td[data-parameter="${name}"]`).textContent())?.trim();
      assert.equal(await shown('kind'), 'generate');
      assert.equal(await shown('generator'), 'sparse random');
      assert.equal(await shown('layers'), 'conv1_1, conv2_1');
      assert.equal(await shown('sparsity'), '0.5');
      assert.equal(await shown('seed'), '12');
      assert.equal(await shown('size'), '32 × 24 px');
      assert.equal(await table.locator('td[data-parameter="content"]').count(), 0, 'no photo');
      assert.equal(
        await page.getByRole('button', { name: 'Fork into the editor' }).count(),
        0,
        'the editor makes stylizations only',
      );
      await page.getByAltText(`run ${run.id} result`).waitFor();
      await page.screenshot({ path: join(TEST_RESULTS, 'e2e-generated.png'), fullPage: true });
    },
  );

  it(
    'repaints the photo with two fast styles side by side, then ' +
      'one at print size in tiles, and the store records each run',
    async () => {
      await page.goto(host.url);
      await page.getByRole('tab', { name: 'Fast' }).click();
      await page.getByTestId('no-styles').waitFor();
      // Two style networks imported as an artist would (`pastiche styles import`), with random weights so they differ.
      for (const [seed, name] of [
        [1, 'speckle'],
        [2, 'smear'],
      ] as const) {
        await importStyle(writeCheckpoint(join(files, name), randomCheckpoint(seed)), name, storePaths(home).styles);
      }
      await page.getByRole('tab', { name: 'Paint', exact: true }).click();
      await page.getByRole('tab', { name: 'Fast' }).click();
      await page.locator('figure', { hasText: 'harbour.png' }).getByRole('button', { name: 'Photo' }).click();
      await page.getByLabel('speckle').check();
      await page.getByLabel('smear').check();
      await page.getByRole('button', { name: 'Compare 2 styles' }).click();
      const results = page.getByTestId('fast-result');
      await results.nth(1).waitFor();
      await page.getByAltText('speckle result').waitFor({ timeout: 60_000 });
      await page.getByAltText('smear result').waitFor({ timeout: 60_000 });
      const compared = (await studio.handlers['runs.list']({ project: 'harbour' })).filter(
        (run) => run.kind === 'feedforward',
      );
      // The engine's default size: the photo's own when under 512 px.
      assert.deepEqual(
        compared
          .map((run) => [run.status, run.kind === 'feedforward' && run.settings])
          .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
        ['smear', 'speckle'].map((style) => ['done', { style, size: 96, width: 96, height: 64, tile: 0, overlap: 0 }]),
      );
      const [firstResult, secondResult] = await Promise.all(
        compared.map(
          async (run) =>
            (await studio.handlers['runs.get']({ runId: run.id })).outputs.find((o) => o.kind === 'result')!.image,
        ),
      );
      assert.notEqual(firstResult.sha256, secondResult.sha256, 'two styles, two pictures');
      await page.screenshot({ path: join(TEST_RESULTS, 'e2e-fast-compare.png'), fullPage: true });

      // The chosen style again at print size: 320 px long, in 256 px tiles.
      await page.getByTestId('print-full').uncheck();
      await page.getByTestId('print-side').fill('320');
      await page.getByTestId('print-tile').fill('256');
      await results.filter({ hasText: 'smear' }).getByRole('button', { name: 'At print size' }).click();
      await page
        .getByTestId('print-run')
        .getByRole('link', { name: 'open it to export the print' })
        .waitFor({ timeout: 120_000 });
      const [print] = await studio.handlers['runs.list']({ project: 'harbour', limit: 1 });
      assert.deepEqual(
        [print.kind, print.status, print.kind === 'feedforward' && print.settings],
        ['feedforward', 'done', { style: 'smear', size: 320, width: 320, height: 213, tile: 256, overlap: 112 }],
      );
      const output = (await studio.handlers['runs.get']({ runId: print.id })).outputs.find((o) => o.kind === 'result')!;
      assert.deepEqual([output.image.width, output.image.height], [320, 213]);
      await page.getByTestId('print-run').getByRole('link', { name: 'open it to export the print' }).click();
      const table = page.getByTestId('parameters');
      await table.waitFor();
      assert.equal((await table.locator('td[data-parameter="tiles"]').textContent())?.trim(), '256 px, overlap 112 px');
      assert.equal((await table.locator('td[data-parameter="style network"]').textContent())?.trim(), 'smear');
    },
  );

  it('trains a style network from the Train dialog, with its progress, and lists the finished style', async () => {
    const photos = await writePhotoFolder(join(files, 'training-photos'), 3, 32);
    await page.goto(host.url);
    await page.getByRole('tab', { name: 'Fast' }).click();
    await page.getByTestId('open-training').click();
    const dialog = page.getByRole('dialog', { name: 'Train a style' });
    await dialog.waitFor();
    await page.getByTestId('train-name').fill('swirly');
    await page.getByTestId('train-painting').selectOption({ label: 'swirls.png' });
    await page.getByTestId('train-photos').fill(photos);
    await page.getByTestId('train-network').selectOption('vgg19-random');
    await page.getByTestId('train-size').fill('32');
    await page.getByTestId('train-steps').fill('3');
    await page.getByTestId('train-batch').fill('1');
    await dialog.getByRole('button', { name: 'Start training' }).click();
    await dialog.getByTestId('live-run').waitFor();
    await dialog.getByTestId('trained').waitFor({ timeout: 180_000 });
    await page.screenshot({ path: join(TEST_RESULTS, 'e2e-training.png'), fullPage: true });
    const [run] = await studio.handlers['runs.list']({ project: 'swirls', limit: 1 });
    assert.deepEqual([run.kind, run.status, run.iterationsDone], ['train-style', 'done', 3]);
    assert.deepEqual(
      run.kind === 'train-style' && [
        run.training.styleName,
        run.settings.network,
        run.settings.size,
        run.settings.steps,
        run.settings.batchSize,
      ],
      ['swirly', 'vgg19-random', 32, 3, 1],
    );
    assert.equal(
      (await studio.handlers['runs.get']({ runId: run.id })).metrics.length,
      3,
      'one loss per step, as the chart showed',
    );
    const [style] = (await studio.handlers['styles.list'](undefined)).filter((s) => s.name === 'swirly');
    assert.deepEqual([style.source, style.training?.runId, style.training?.steps], ['trained', run.id, 3]);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.getByLabel('swirly').waitFor();
  });

  it(
    'repaints a run at twice its size for a print, coarse to ' +
      'fine in tiles, exactly as the export dialog estimated it',
    async () => {
      const original = (await studio.handlers['runs.list']({ project: 'harbour', status: 'done' }))
        .filter((run) => run.kind === 'stylize' && run.settings.size === 64 && run.settings.iterations === 6)
        .map(asStylization)[0];
      await page.goto(host.url);
      await page.goto(`${page.url().split('#')[0]}#/runs/${original.id}`);
      await page.getByTestId('parameters').waitFor();
      assert.equal(
        (await page.locator('td[data-parameter="schedule"]').textContent())?.trim(),
        '—',
        'painted in one piece',
      );
      // One inch at 128 DPI: 128 × 86 px, twice the 64 × 43 result.
      await page.getByTestId('print-unit').selectOption('in');
      await page.getByTestId('print-height').fill('');
      await page.getByTestId('print-width').fill('1');
      await page.getByTestId('print-dpi').fill('128');
      await page.getByTestId('print-pixels').getByText('128 × 86 px').waitFor();
      const dialog = page.getByTestId('repaint');
      // By default: the run's iterations at the print's size, in one stage (halving 128 px would go below 256).
      await dialog.getByTestId('repaint-schedule').getByText('128:6', { exact: true }).waitFor();
      assert.equal(await dialog.getByTestId('repaint-iterations').inputValue(), '6');
      assert.match(
        // innerText: the text as shown, its source's line breaks collapsed.
        (await dialog.getByTestId('repaint-total').innerText()).trim(),
        /^In all (under a second|about \d+ s), at most [\d.]+ (GB|MB), estimated for wasm\.$/,
      );

      // Tiles too small for their overlaps are refused before anything is queued.
      await dialog.getByTestId('repaint-tile').fill('100');
      await dialog
        .getByTestId('repaint-problem')
        .getByText('schedule: stage 1: tiles of 100 px cannot hold two overlaps of 64 px')
        .waitFor();
      assert.ok(await dialog.getByRole('button', { name: 'Repaint at print size' }).isDisabled());
      await dialog.getByTestId('repaint-iterations').fill('3');
      await dialog.getByTestId('repaint-stages').fill('2');
      await dialog.getByTestId('repaint-tile').fill('96');
      await dialog.getByTestId('repaint-overlap').fill('16');
      await dialog.getByTestId('repaint-schedule').getByText('64:2,128:1@96/16', { exact: true }).waitFor();
      const rows = await dialog
        .getByTestId('repaint-stage')
        .evaluateAll((trs) =>
          trs.map((tr) =>
            Array.from((tr as unknown as { children: ArrayLike<{ textContent: string }> }).children, (td) =>
              td.textContent.trim(),
            ),
          ),
        );
      assert.deepEqual(
        rows.map((row) => row.slice(0, 4)),
        [
          ['1', '64 × 43 px', '2', 'one piece'],
          ['2', '128 × 85 px', '1', '2 of 96 px, overlap 16'],
        ],
      );
      assert.ok(
        rows.every((row) => /^\d+ MB|^[\d.]+ GB$/.test(row[4]) && /^(under a second|about \d+ s)$/.test(row[5])),
        JSON.stringify(rows),
      );
      assert.equal(await dialog.getByTestId('repaint-problem').count(), 0);
      await page.screenshot({ path: join(TEST_RESULTS, 'e2e-repaint-estimate.png'), fullPage: true });

      await dialog.getByRole('button', { name: 'Repaint at print size' }).click();
      await dialog
        .getByTestId('repaint-run')
        .getByText(/^Run \d+: done/)
        .waitFor({ timeout: 120_000 });
      const repaintId = Number(/^Run (\d+)/.exec((await dialog.getByTestId('repaint-run').textContent())!.trim())![1]);
      const repainted = await studio.handlers['runs.get']({ runId: repaintId });
      const run = asStylization(repainted.run);
      // The store holds exactly the schedule the dialog showed, and the run's every other setting.
      assert.deepEqual(run.settings.schedule, {
        stages: [
          { size: 64, iterations: 2, tile: null },
          { size: 128, iterations: 1, tile: { size: 96, overlap: 16 } },
        ],
        photoDetail: true,
      });
      assert.equal(scheduleText(run.settings.schedule!), '64:2,128:1@96/16');
      const { size, iterations, schedule, ...settings } = run.settings;
      const { size: _size, iterations: _iterations, schedule: _schedule, ...originalSettings } = original.settings;
      assert.deepEqual([size, iterations, settings], [128, 3, originalSettings]);
      assert.deepEqual(
        [run.contentImage.id, run.styles.map((style) => [style.image.id, style.blendWeight]), run.initImage],
        [
          original.contentImage.id,
          original.styles.map((style) => [style.image.id, style.blendWeight]),
          original.initImage,
        ],
      );
      // Every tile's iterations are counted; the result has the print's long side, at the photo's proportions.
      assert.deepEqual([run.status, run.iterationsDone], ['done', scheduleSteps(schedule!, run.contentImage)]);
      const result = repainted.outputs.find((output) => output.kind === 'result')!;
      assert.deepEqual([result.image.width, result.image.height], [128, 85]);
      assert.deepEqual(stageSize(schedule!.stages[1], run.contentImage), { width: 128, height: 85 });

      await dialog.getByTestId('repaint-run').getByRole('link', { name: 'open it' }).click();
      await page.getByRole('heading', { name: `Run ${repaintId}` }).waitFor();
      await page.locator('td[data-parameter="schedule"]').getByText('64:2,128:1@96/16').waitFor();
      assert.equal(
        await page.getByTestId('repaint').count(),
        0,
        'a new repaint dialog only for a print larger than this result',
      );
    },
  );

  it('states what coarse to fine costs in the editor, and records its schedule in the run', async () => {
    await page.goto(host.url);
    await page.getByTestId('size').fill('1024');
    await page.getByTestId('coarse-to-fine').check();
    const line = (await page.getByTestId('schedule-estimate').textContent())!.replace(/\s+/g, ' ').trim();
    assert.match(
      line,
      new RegExp(
        String.raw`^Coarse to fine: 3 stages \(256 → 512 → 1024 px\)(, stage \d in ` +
          String.raw`\d+ tiles)*: about (\d+ h )?\d+ min on wasm, at most [\d.]+ GB\.$`,
      ),
    );
    await page.getByTestId('coarse-to-fine').uncheck();
    assert.equal(await page.getByTestId('schedule-estimate').count(), 0);

    await page.locator('figure', { hasText: 'harbour.png' }).getByRole('button', { name: 'Photo' }).click();
    await page.locator('figure', { hasText: 'swirls.png' }).getByRole('button', { name: 'Style' }).click();
    await page.getByTestId('size').fill('64');
    await page.getByTestId('iterations').fill('2');
    await page.getByTestId('coarse-to-fine').check();
    await page
      .getByTestId('schedule-estimate')
      .getByText(/^Coarse to fine: one stage \(64 px\): /)
      .waitFor();
    const before = new Set((await studio.handlers['runs.list']({})).map((run) => run.id));
    await page.getByRole('button', { name: 'Paint', exact: true }).click();
    await page.locator('[data-testid="live-run"][data-status="done"]').waitFor({ timeout: 120_000 });
    const [run] = (await studio.handlers['runs.list']({}))
      .filter((candidate) => !before.has(candidate.id))
      .map(asStylization);
    assert.deepEqual(run.settings.schedule, { stages: [{ size: 64, iterations: 2, tile: null }], photoDetail: true });
  });

  it("shows each stage's picture as it ends and the stage it is on, before a coarse-to-fine run ends", async () => {
    // A run with three stages and previews off, forked into the editor: what a person paints is that schedule.
    const [photo, painting] = await Promise.all(
      ['harbour.png', 'swirls.png'].map((name) =>
        studio.handlers['images.add']({ name, bytes: new Uint8Array(readFileSync(join(files, name))) }),
      ),
    );
    const stages = [
      { size: 32, iterations: 3, tile: null },
      { size: 64, iterations: 3, tile: null },
      { size: 96, iterations: 30, tile: null },
    ];
    const settings = {
      size: 96,
      iterations: 36,
      schedule: { stages },
      previewEvery: 0,
      contentLayers: ['conv2_1'],
      styleLayers: [
        { layer: 'conv1_1', weight: 1 },
        { layer: 'conv2_1', weight: 1 },
      ],
    };
    const { runId: source } = await studio.handlers['runs.queue']({
      project: 'stages',
      contentImageId: photo.id,
      styleImageIds: [painting.id],
      settings,
    });
    await studio.handlers['runs.cancel']({ runId: source });
    await page.goto(host.url);
    await page.getByRole('button', { name: 'Paint', exact: true }).waitFor();
    await page.goto(`${page.url().split('#')[0]}#/runs/${source}`);
    await page.getByRole('button', { name: 'Fork into the editor' }).click();
    await page.getByTestId('forked-from').getByText(`run ${source}`).waitFor();

    // Every change of the live view, as it happens: which stage it names and which picture it shows.
    await page.evaluate(WATCH_LIVE_VIEW);
    const before = new Set((await studio.handlers['runs.list']({})).map((run) => run.id));
    await page.getByRole('button', { name: 'Paint', exact: true }).click();
    await page.getByTestId('preview-stage').getByText('Stage 2 of 3 · 64 px').waitFor({ timeout: 120_000 });
    await page.screenshot({ path: join(TEST_RESULTS, 'e2e-stages.png'), fullPage: true });
    await page.locator('[data-testid="live-run"][data-status="done"]').last().waitFor({ timeout: 120_000 });
    const [run] = (await studio.handlers['runs.list']({})).filter((c) => !before.has(c.id)).map(asStylization);
    assert.deepEqual(run.settings.schedule, { stages, photoDetail: true });
    // Previews off, and still each stage's result but the last (the run's) is kept, at its stage's size.
    const { outputs } = await studio.handlers['runs.get']({ runId: run.id });
    const kept = outputs.map((output) => [output.kind, output.iteration, output.image.width]);
    assert.deepEqual(kept, [
      ['preview', 3, 32],
      ['preview', 6, 64],
      ['result', 36, 96],
    ]);

    const seen = (await page.evaluate('window.liveViewSeen')) as Seen[];
    const running = seen.filter((entry) => entry.status === 'running');
    const showing = (output?: (typeof outputs)[number]) => (entry: Seen) =>
      output ? (entry.src?.startsWith(`/media/${output.image.id}?`) ?? false) : entry.src === undefined;
    const saw = (stage: string, picture?: string, output?: (typeof outputs)[number]) =>
      running.some((entry) => entry.stage === stage && entry.picture === picture && showing(output)(entry));
    // While it ran, the live view named the stage being computed, under the picture of the one before.
    const views = JSON.stringify(running.map(({ stage, picture }) => [stage, picture]));
    assert.ok(saw('Stage 1 of 3 · 32 px'), `stage 1 named before any picture: ${views}`);
    assert.ok(saw('Stage 2 of 3 · 64 px', 'Stage 1 of 3 · 32 px', outputs[0]), `stage 1's picture, stage 2: ${views}`);
    assert.ok(saw('Stage 3 of 3 · 96 px', 'Stage 2 of 3 · 64 px', outputs[1]), `stage 2's picture, stage 3: ${views}`);
    // The 32-px picture fills the frame rather than showing at 32 px.
    const width = running.find(showing(outputs[0]))!.width;
    assert.ok(width >= 200, `the first stage's picture is ${width} px wide on the page`);
  });
});
