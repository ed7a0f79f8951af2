import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { RECENT_RUNS, type StudioEvent } from '../../engine/common/api/studioApi.js';
import { runKeySettings } from '../../engine/common/runs/runKeySettings.js';
import { productRoot } from '../../engine/node/resources.js';
import { openStudioThread, type StudioConnection } from '../../engine/node/studio/studioThread.js';
import { startWebHost, type WebHost } from '../../engine/node/studio/webHost.js';
import { CHROMIUM, launchChromium, studioPage } from '../helpers/chromium.js';
import { asStylization } from '../helpers/runs.js';
import { TEST_RESULTS } from '../helpers/shared.js';

const RENDERER = join(productRoot(), 'dist', 'renderer');
const skip = !existsSync(CHROMIUM)
  ? `end-to-end suite skipped: no browser at ${CHROMIUM} (apt-get install chromium)`
  : false;
if (skip) console.log(`# NOTICE ${skip}`);

/** The window sizes the studio is laid out for (issue 16): a laptop's and a desktop monitor's. */
const WINDOWS = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
];

/** What the page measures of its own width: the tests compile without the DOM library, so typed here by hand. */
type Widths = { scrollWidth: number; clientWidth: number; overflowing: string[] };

/**
 * What sticks out of the window on the right: the page's scroll width against its client width, and
 * the first few visible elements whose box reaches past the right edge (cut off, or scrolling).
 */
async function measureWidth(page: Page): Promise<Widths> {
  const measured = await page.evaluate(() => {
    // The page's DOM, typed here by hand: the tests compile without the DOM library.
    type Element = {
      tagName: string;
      className: unknown;
      getBoundingClientRect(): { right: number };
      checkVisibility(): boolean;
    };
    const dom = globalThis as unknown as {
      document: {
        scrollingElement: { scrollWidth: number; clientWidth: number };
        querySelectorAll(selector: string): Element[];
      };
    };
    const { scrollWidth, clientWidth } = dom.document.scrollingElement;
    const overflowing = [...dom.document.querySelectorAll('body *')]
      .filter((el) => el.checkVisibility() && el.getBoundingClientRect().right > clientWidth + 0.5)
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${String(el.className)} → ${el.getBoundingClientRect().right}`);
    return { scrollWidth, clientWidth, overflowing };
  });
  return measured as Widths;
}

// Issue 16: a gallery of pictures (the latest result, a strip of recent runs with their settings on
// hover or focus, a live preview), and every main view laid out without horizontal scrolling.
describe('the gallery of pictures and the layout at 1280×800 and 1920×1080', { skip }, () => {
  let studio: StudioConnection;
  let host: WebHost;
  let browser: Browser;
  let page: Page;
  // A data folder, photo and painting named as people name them: long names must wrap, not widen the page.
  const home = mkdtempSync(
    join(tmpdir(), 'pastiche-gallery-home-in-a-folder-with-a-rather-long-name-as-the-desktop-gives-it-'),
  );
  const PHOTO = 'IMG_20240512_063015_HDR_harbour_at_dawn_from_the_north_pier_full_resolution.png';
  const PAINTING = 'swirls_after_a_study_for_the_starry_night_scanned_from_the_museum_catalogue.png';
  const pageErrors: string[] = [];
  const finished = new Set<number>();
  let photoId = 0;
  let paintingId = 0;

  /** Resolves once every run in `ids` has ended, as the engine's events say. */
  const ended = (ids: number[]) =>
    new Promise<void>((resolve) => {
      const check = () => ids.every((id) => finished.has(id)) && resolve();
      studio.subscribe(check);
      check();
    });

  const queue = async (project: string, settings: object) =>
    (
      await studio.handlers['runs.queue']({
        project,
        contentImageId: photoId,
        styleImageIds: [paintingId],
        settings: { size: 32, iterations: 2, previewEvery: 0, ...settings },
      })
    ).runId;

  before(async () => {
    assert.ok(existsSync(join(RENDERER, 'index.html')), 'npm run build makes dist/renderer');
    studio = await openStudioThread({ home, backend: 'wasm', version: 'e2e' });
    studio.subscribe((event: StudioEvent) => {
      if (event.type === 'run.status' && ['done', 'failed', 'cancelled'].includes(event.status))
        finished.add(event.runId);
    });
    host = await startWebHost({ handlers: studio.handlers, subscribe: studio.subscribe, staticDir: RENDERER });
    browser = await launchChromium();
    page = await studioPage(browser, pageErrors);
    mkdirSync(TEST_RESULTS, { recursive: true });
    const harbour =
      '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="64"><rect width="96" height="64" fill="#6a9fd8"/>' +
      '<path d="M0 50 L30 20 L60 45 L96 15 L96 64 L0 64 Z" fill="#3d6b4f"/></svg>';
    const swirls =
      '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="#1b3b8a"/>' +
      '<path d="M0 32 Q16 0 32 32 T64 32" stroke="#f2c14e" stroke-width="8" fill="none"/></svg>';
    const add = async (name: string, svg: string) =>
      (await studio.handlers['images.add']({ name, bytes: await sharp(Buffer.from(svg)).png().toBuffer() })).id;
    photoId = await add(PHOTO, harbour);
    paintingId = await add(PAINTING, swirls);
    // One more run than a card's strip holds, each with its own style weight, so each tooltip differs.
    const runs = [];
    for (let i = 0; i <= RECENT_RUNS; i++) runs.push(await queue('harbour', { styleWeight: 10 ** (i % 4), seed: i }));
    const grid = await studio.handlers['grids.create']({
      project: 'harbour',
      base: {
        project: 'harbour',
        contentImageId: photoId,
        styleImageIds: [paintingId],
        settings: { size: 32, iterations: 2, previewEvery: 0 },
      },
      axes: [{ parameter: 'init', values: ['content', 'noise'] }],
    });
    await ended([...runs, ...grid.cells.map((cell) => cell.runId)]);
  });

  after(async () => {
    assert.deepEqual(pageErrors, [], 'the page threw');
    await browser?.close();
    await host?.close();
    await studio?.close();
  });

  it('shows a project’s latest result large and its newest runs as a strip of their stored images', async () => {
    await page.goto(host.url);
    const [project] = (await studio.handlers['projects.list'](undefined)).filter((p) => p.name === 'harbour');
    assert.equal(project.runCount, RECENT_RUNS + 3, 'the runs and the grid’s two cells');
    assert.equal(project.recent.length, RECENT_RUNS);
    const card = page.getByTestId('project-card').filter({ hasText: 'harbour' });
    const cover = card.getByAltText('latest result of harbour');
    await cover.waitFor();
    assert.match((await cover.getAttribute('src')) ?? '', new RegExp(`^/media/${project.latestImageId}\\?`));
    const strip = card.getByTestId('recent-run');
    assert.equal(await strip.count(), project.recent.length);
    for (const [i, { run, latestImageId }] of project.recent.entries()) {
      const thumb = strip.nth(i);
      assert.notEqual(latestImageId, null, `run ${run.id} made a picture`);
      assert.deepEqual(
        [await thumb.getAttribute('href'), await thumb.getAttribute('data-status')],
        [`#/runs/${run.id}`, 'done'],
      );
      assert.match((await thumb.locator('img').getAttribute('src')) ?? '', new RegExp(`^/media/${latestImageId}\\?`));
    }
    // The pictures really load: a broken image would still have a src.
    const widths = await strip
      .locator('img')
      .evaluateAll((images) => images.map((img) => (img as unknown as { naturalWidth: number }).naturalWidth));
    assert.ok(
      widths.every((width) => width === 32),
      `the 32-px results: ${widths}`,
    );
    await card.getByRole('link', { name: `all ${project.runCount} runs` }).waitFor();
    await page.screenshot({ path: join(TEST_RESULTS, 'e2e-gallery-cards.png') });
  });

  it('shows a thumbnail’s stored settings on hover and on keyboard focus; Escape hides them', async () => {
    const [project] = (await studio.handlers['projects.list'](undefined)).filter((p) => p.name === 'harbour');
    const card = page.getByTestId('project-card').filter({ hasText: 'harbour' });
    const thumb = (i: number) => card.getByTestId('recent-run').nth(i);
    const tipOf = async (i: number) => page.locator(`#${await thumb(i).getAttribute('aria-describedby')}`);
    const shownSettings = async (i: number) => {
      const tip = await tipOf(i);
      await tip.waitFor({ state: 'visible' });
      const names = await tip.locator('dt').allTextContents();
      const values = await tip.locator('dd').allTextContents();
      return Object.fromEntries(names.map((name, k) => [name, values[k]]));
    };

    await thumb(1).hover();
    const second = asStylization(project.recent[1].run);
    const hovered = await shownSettings(1);
    assert.deepEqual(hovered, Object.fromEntries(runKeySettings(second).map((s) => [s.name, s.value])));
    // The values themselves, not only the same function's output: what the store recorded for that run.
    assert.deepEqual(
      [hovered.network, hovered.size, hovered.start, hovered['style / content'], hovered.paintings, hovered.status],
      [
        second.settings.network,
        `${second.settings.size}px`,
        second.settings.init,
        `${second.settings.styleWeight} / ${second.settings.contentWeight}`,
        PAINTING,
        'done',
      ],
    );
    await page.screenshot({ path: join(TEST_RESULTS, 'e2e-gallery-hover.png') });
    await page.mouse.move(0, 0);
    await (await tipOf(1)).waitFor({ state: 'hidden' });

    await thumb(3).focus();
    const third = asStylization(project.recent[3].run);
    assert.equal((await shownSettings(3))['style / content'], `${third.settings.styleWeight} / 5`);
    assert.equal(await (await tipOf(3)).getAttribute('role'), 'tooltip');
    await page.screenshot({ path: join(TEST_RESULTS, 'e2e-gallery-focus.png') });
    await page.keyboard.press('Escape');
    await (await tipOf(3)).waitFor({ state: 'hidden' });

    // The project's page: every run's thumbnail tells the same on hover.
    await card.getByRole('link', { name: 'harbour', exact: true }).click();
    const last = page.getByTestId('run-thumb').last();
    await last.hover();
    const oldest = (await studio.handlers['projects.get']({ name: 'harbour' })).runs.at(-1)!.run;
    const tip = page.locator(`#${await last.getAttribute('aria-describedby')}`);
    await tip.waitFor({ state: 'visible' });
    assert.deepEqual(
      await tip.locator('dd').allTextContents(),
      runKeySettings(oldest).map((setting) => setting.value),
    );
    assert.equal(await tip.locator('dd[data-setting="style / content"]').textContent(), '1 / 5', 'the first run’s');
    await page.screenshot({ path: join(TEST_RESULTS, 'e2e-project-hover.png') });
    await page.goto(page.url().replace(/#.*$/, '#/'));
  });

  it('shows a running run’s live preview and progress on its card', async () => {
    const runId = await queue('lighthouse', { size: 48, iterations: 400, previewEvery: 2 });
    const card = page.getByTestId('project-card').filter({ hasText: 'lighthouse' });
    const preview = card.getByTestId('card-preview');
    await preview.waitFor({ timeout: 120_000 });
    await card
      .getByTestId('card-live')
      .getByText(new RegExp(`^Painting #${runId} · \\d+/400`))
      .waitFor();
    const shownId = Number(await preview.getAttribute('data-image-id'));
    const { outputs, run } = await studio.handlers['runs.get']({ runId });
    assert.equal(run.status, 'running');
    assert.ok(
      outputs.some((output) => output.kind === 'preview' && output.image.id === shownId),
      `image ${shownId} is one of the run's stored previews`,
    );
    assert.equal(await card.locator(`[data-testid="recent-run"][data-status="running"]`).count(), 1);
    // The preview moves on as the run paints.
    await card.locator(`[data-testid="card-preview"]:not([data-image-id="${shownId}"])`).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(TEST_RESULTS, 'e2e-gallery-live.png') });
    // The header names the run and its progress beside the long data folder, and still fits the window.
    await page.getByTestId('queue-status').getByText(`Painting #${runId}`).waitFor();
    const { scrollWidth, clientWidth, overflowing } = await measureWidth(page);
    assert.ok(
      scrollWidth <= clientWidth && overflowing.length === 0,
      `${scrollWidth} > ${clientWidth}: ${overflowing}`,
    );
    await studio.handlers['runs.cancel']({ runId });
    await ended([runId]);
    await card.locator('[data-testid="recent-run"][data-status="cancelled"]').waitFor();
    assert.equal(await card.getByTestId('card-live').count(), 0);
  });

  for (const size of WINDOWS) {
    it(`lays every main view out at ${size.width}×${size.height} with no horizontal scrolling`, async () => {
      await page.setViewportSize(size);
      const [run] = await studio.handlers['runs.list']({ project: 'harbour', limit: 1 });
      const [grid] = await studio.handlers['grids.list']({});
      const views: Array<[string, string, () => Promise<unknown>]> = [
        ['gallery', '#/', () => page.getByTestId('project-card').first().waitFor()],
        ['generate', '#/', () => page.getByRole('tab', { name: 'Generate' }).click()],
        ['fast', '#/', () => page.getByRole('tab', { name: 'Fast' }).click()],
        ['project', '#/projects/harbour', () => page.getByTestId('run-thumb').first().waitFor()],
        ['run', `#/runs/${run.id}`, () => page.getByTestId('parameters').waitFor()],
        ['grids', '#/grids', () => page.getByRole('button', { name: 'Queue grid' }).waitFor()],
        ['grid', `#/grids/${grid.id}`, () => page.getByTestId('grid').waitFor()],
        ['networks', '#/networks', () => page.locator('tr[data-network]').first().waitFor()],
      ];
      const problems: string[] = [];
      for (const [name, hash, ready] of views) {
        // The address without its hash keeps the session the first visit opened.
        await page.goto(page.url().replace(/#.*$/, '') + hash);
        await ready();
        await page.waitForTimeout(300);
        const file = `e2e-layout-${name}-${size.width}x${size.height}.png`;
        await page.screenshot({ path: join(TEST_RESULTS, file), fullPage: true });
        const { scrollWidth, clientWidth, overflowing } = await measureWidth(page);
        if (scrollWidth > clientWidth) problems.push(`${name} scrolls sideways: ${scrollWidth} > ${clientWidth}`);
        if (overflowing.length > 0) problems.push(`${name} is cut off at the right: ${overflowing.join(', ')}`);
      }
      assert.deepEqual(problems, [], `at ${size.width}×${size.height}`);
    });
  }
});
