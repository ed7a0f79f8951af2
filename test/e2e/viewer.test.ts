import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { importStyle } from '../../engine/node/fast/styleLibrary.js';
import { storePaths } from '../../engine/node/paths.js';
import { productRoot } from '../../engine/node/resources.js';
import { openStudioThread, type StudioConnection } from '../../engine/node/studio/studioThread.js';
import { startWebHost, type WebHost } from '../../engine/node/studio/webHost.js';
import { CHROMIUM, launchChromium, studioPage } from '../helpers/chromium.js';
import { randomCheckpoint, writeCheckpoint } from '../helpers/fastStyle.js';
import { TEST_RESULTS } from '../helpers/shared.js';

const RENDERER = join(productRoot(), 'dist', 'renderer');
const skip = !existsSync(CHROMIUM)
  ? `end-to-end suite skipped: no browser at ${CHROMIUM} (apt-get install chromium)`
  : false;
if (skip) console.log(`# NOTICE ${skip}`);

/** 8-bit RGB pixels, row by row. */
interface Pixels {
  readonly width: number;
  readonly height: number;
  readonly data: Buffer;
}

const PHOTO = { width: 640, height: 400 };

/** A photo whose every pixel differs from its neighbours, so a shifted or resampled crop cannot pass for it. */
async function patternedPhoto(file: string): Promise<void> {
  const { width, height } = PHOTO;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      data[at] = (x * 7 + y * 3) % 256;
      data[at + 1] = (y * 5 + ((x * x) % 97)) % 256;
      data[at + 2] = (x * 11 + y * 13) % 256;
    }
  }
  await sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(file);
}

async function pixelsOf(bytes: Buffer | string): Promise<Pixels> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

function pixel(image: Pixels, x: number, y: number): number[] {
  const at = (y * image.width + x) * 3;
  return [image.data[at], image.data[at + 1], image.data[at + 2]];
}

/**
 * The share of a screen region's pixels equal (within 2 levels a channel: the browser's colour
 * management) to the image's pixels at the same place, the region's (0, 0) being the image's (ox, oy).
 */
function agreement(screen: Pixels, image: Pixels, ox: number, oy: number, region: { x0: number; x1: number }): number {
  let same = 0;
  let total = 0;
  // Only where the image is drawn: at 100 % it may be smaller than the canvas along an axis.
  const [y0, y1] = [Math.max(0, -oy), Math.min(screen.height, image.height - oy)];
  const [x0, x1] = [Math.max(region.x0, -ox), Math.min(region.x1, image.width - ox)];
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const [a, b] = [pixel(screen, x, y), pixel(image, ox + x, oy + y)];
      total++;
      if (a.every((value, c) => Math.abs(value - b[c]) <= 2)) same++;
    }
  }
  assert.ok(total > 10_000, `${total} pixels compared`);
  return same / total;
}

/** Run in the page (whose types this suite does not compile against): the viewer's image has loaded. */
const loaded = (testId: string) =>
  `(() => { const img = document.querySelector('[data-testid="${testId}"]');` +
  ' return !!img && img.complete && img.naturalWidth > 0; })()';

describe('the image viewer, in a browser against the web host', { skip }, () => {
  let studio: StudioConnection;
  let host: WebHost;
  let browser: Browser;
  let page: Page;
  const files = mkdtempSync(join(tmpdir(), 'pastiche-viewer-'));
  const home = mkdtempSync(join(tmpdir(), 'pastiche-viewer-home-'));
  const pageErrors: string[] = [];
  /** The two fast runs' ids and their results' ids, oldest first. */
  const runs: { runId: number; resultId: number }[] = [];
  let photo: Pixels;
  let results: Pixels[];

  before(async () => {
    assert.ok(existsSync(join(RENDERER, 'index.html')), 'npm run build makes dist/renderer');
    studio = await openStudioThread({ home, backend: 'wasm', version: 'e2e' });
    host = await startWebHost({ handlers: studio.handlers, subscribe: studio.subscribe, staticDir: RENDERER });
    mkdirSync(TEST_RESULTS, { recursive: true });
    await patternedPhoto(join(files, 'pattern.png'));
    const added = await studio.handlers['images.add']({
      name: 'pattern.png',
      bytes: new Uint8Array(await sharp(join(files, 'pattern.png')).toBuffer()),
    });
    // Two style networks with random weights (as the studio suite's Fast test), each painting the photo at its size.
    for (const [seed, style] of [
      [3, 'grain'],
      [4, 'glaze'],
    ] as const) {
      await importStyle(writeCheckpoint(join(files, style), randomCheckpoint(seed)), style, storePaths(home).styles);
      const { runId } = await studio.handlers['runs.fast']({
        project: 'pattern',
        contentImageId: added.id,
        style,
        size: null,
      });
      runs.push({ runId, resultId: 0 });
    }
    for (const entry of runs) entry.resultId = await resultOf(entry.runId);
    photo = await pixelsOf(join(files, 'pattern.png'));
    results = await Promise.all(
      runs.map(async ({ resultId }) => pixelsOf((await studio.handlers['images.get']({ imageId: resultId })).path)),
    );
    assert.deepEqual([results[1].width, results[1].height], [PHOTO.width, PHOTO.height]);
    browser = await launchChromium();
    page = await studioPage(browser, pageErrors);
    // A canvas about 400 × 490 px: the 640-px result is larger than its 512-px screen copy.
    await page.setViewportSize({ width: 900, height: 700 });
    await page.goto(`${host.url}#/runs/${runs[1].runId}`);
  });

  after(async () => {
    assert.deepEqual(pageErrors, [], 'the page threw');
    await browser?.close();
    await host?.close();
    await studio?.close();
  });

  async function resultOf(runId: number): Promise<number> {
    for (let waited = 0; waited < 240; waited++) {
      const { run, outputs } = await studio.handlers['runs.get']({ runId });
      if (run.status === 'failed') throw new Error(`run ${runId} failed: ${run.error}`);
      const result = outputs.find((output) => output.kind === 'result');
      if (run.status === 'done' && result) return result.image.id;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`run ${runId} did not finish in two minutes`);
  }

  /**
   * Waits until `expression`, run in the page, is true. Polled from here: the page's CSP (no eval) refuses
   * waitForFunction's string predicates, while page.evaluate runs through the debugging protocol.
   */
  async function until(expression: string, timeoutMs = 10_000): Promise<void> {
    for (const started = Date.now(); Date.now() - started < timeoutMs;) {
      if (await page.evaluate(expression)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`waited ${timeoutMs} ms for ${expression}`);
  }

  const canvas = () => page.getByTestId('viewer-canvas');
  const shown = () => page.getByTestId('viewer-result');
  const zoomLevel = async () => (await page.getByTestId('zoom-level').textContent())?.trim();

  /** The canvas as the screen shows it, and where on the page it is. */
  async function screenOf(area: Locator): Promise<{ pixels: Pixels; left: number; top: number }> {
    const box = (await area.boundingBox())!;
    const pixels = await pixelsOf(await area.screenshot());
    return { pixels, left: box.x, top: box.y };
  }

  /** Where the result's image is drawn, in page pixels, and how large. */
  const drawn = async () => (await shown().boundingBox())!;

  async function waitForFullFile(resultId: number) {
    const result = page.locator(`[data-testid="viewer-result"][data-image-id="${resultId}"]:not([src*="maxSide"])`);
    await result.waitFor({ timeout: 10_000 });
    await until(loaded('viewer-result'));
  }

  it('fits a print-size result from its screen copy, and at 100 % shows the result’s own pixels', async () => {
    await shown().waitFor();
    await until(loaded('viewer-result'));
    const fitted = await shown().getAttribute('src');
    assert.match(fitted ?? '', new RegExp(`^/media/${runs[1].resultId}\\?.*maxSide=512$`), 'fitted: the 512-px copy');
    assert.equal(await page.evaluate(`document.querySelector('[data-testid="viewer-result"]').naturalWidth`), 512);
    const fitPercent = Number((await zoomLevel())?.replace(' %', ''));
    assert.ok(fitPercent > 30 && fitPercent < 100, `fitted at ${fitPercent} %`);
    await page.screenshot({ path: join(TEST_RESULTS, 'e2e-viewer-fit.png') });

    await page.getByTestId('viewer-actual').click();
    assert.equal(await zoomLevel(), '100 %');
    await waitForFullFile(runs[1].resultId);
    const image = await drawn();
    assert.deepEqual([image.width, image.height], [PHOTO.width, PHOTO.height], 'one image pixel per screen pixel');
    const screen = await screenOf(canvas());
    const [ox, oy] = [Math.round(screen.left - image.x), Math.round(screen.top - image.y)];
    const share = agreement(screen.pixels, results[1], ox, oy, { x0: 0, x1: screen.pixels.width });
    assert.ok(share > 0.99, `${(share * 100).toFixed(2)} % of the canvas's pixels are the result's own`);
    // Not the photo: the same crop compared with the photo does not match.
    assert.ok(agreement(screen.pixels, photo, ox, oy, { x0: 0, x1: screen.pixels.width }) < 0.1);
    await page.screenshot({ path: join(TEST_RESULTS, 'e2e-viewer-100.png') });
  });

  it('at 100 % on a HiDPI screen (devicePixelRatio 2) puts one image pixel on one device pixel', async () => {
    const context = await browser.newContext({ viewport: { width: 900, height: 700 }, deviceScaleFactor: 2 });
    try {
      const hidpi = await context.newPage();
      hidpi.on('pageerror', (error) => pageErrors.push(error.message));
      await hidpi.goto(`${host.url}#/runs/${runs[1].runId}`);
      await hidpi.getByTestId('viewer-actual').click();
      assert.equal((await hidpi.getByTestId('zoom-level').textContent())?.trim(), '100 %');
      const result = hidpi.locator(`[data-testid="viewer-result"][data-image-id="${runs[1].resultId}"]`);
      await result.waitFor();
      const image = (await result.boundingBox())!;
      assert.deepEqual([image.width, image.height], [PHOTO.width / 2, PHOTO.height / 2], 'half a CSS pixel each');
      await hidpi.waitForTimeout(300);
      const area = hidpi.getByTestId('viewer-canvas');
      const box = (await area.boundingBox())!;
      // The screenshot is in device pixels: twice the CSS size.
      const screen = await pixelsOf(await area.screenshot());
      assert.equal(screen.width, Math.round(box.width * 2));
      const [ox, oy] = [Math.round((box.x - image.x) * 2), Math.round((box.y - image.y) * 2)];
      const share = agreement(screen, results[1], ox, oy, { x0: 0, x1: screen.width });
      assert.ok(share > 0.99, `${(share * 100).toFixed(2)} % of the device pixels are the result's own`);
    } finally {
      await context.close();
    }
  });

  it('zooms around the pointer with the wheel and pans by dragging', async () => {
    const box = (await canvas().boundingBox())!;
    const pointer = { x: box.x + box.width * 0.3, y: box.y + box.height * 0.4 };
    const before = await drawn();
    const under = { x: (pointer.x - before.x) / before.width, y: (pointer.y - before.y) / before.height };
    await page.mouse.move(pointer.x, pointer.y);
    await page.mouse.wheel(0, -300);
    await until(`document.querySelector('[data-testid="zoom-level"]').textContent.trim() !== '100 %'`);
    const zoomed = await drawn();
    assert.ok(zoomed.width > before.width * 1.5, `zoomed in: ${zoomed.width} px wide`);
    const stays = { x: (pointer.x - zoomed.x) / zoomed.width, y: (pointer.y - zoomed.y) / zoomed.height };
    assert.ok(Math.abs(stays.x - under.x) * zoomed.width < 1.5, 'the point under the pointer stays there (x)');
    const moved = `${JSON.stringify({ before, zoomed, pointer })}`;
    assert.ok(
      Math.abs(stays.y - under.y) * zoomed.height < 1.5,
      `the point under the pointer stays there (y): ${moved}`,
    );
    await page.mouse.down();
    // Towards the image's far corner, which is well outside the canvas: the drag is not stopped at an edge.
    await page.mouse.move(pointer.x - 30, pointer.y - 20, { steps: 4 });
    await page.mouse.up();
    const panned = await drawn();
    assert.deepEqual([Math.round(panned.x - zoomed.x), Math.round(panned.y - zoomed.y)], [-30, -20]);
  });

  it('F fits the whole result again', async () => {
    await page.keyboard.press('f');
    const box = (await canvas().boundingBox())!;
    const image = await drawn();
    assert.ok(image.x >= box.x - 0.5 && image.x + image.width <= box.x + box.width + 0.5, 'inside the canvas across');
    assert.ok(image.y >= box.y - 0.5 && image.y + image.height <= box.y + box.height + 0.5, 'inside the canvas down');
    assert.ok(
      Math.abs(image.width - box.width) < 1 || Math.abs(image.height - box.height) < 1,
      'as large as it fits: touching two edges',
    );
    assert.match((await zoomLevel()) ?? '', /^\d+ %$/);
    assert.notEqual(await zoomLevel(), '100 %');
  });

  it('shows the photo left of the divider and the result right of it, where the artist drags it', async () => {
    await page.getByTestId('viewer-actual').click();
    await page.getByTestId('viewer-compare').check();
    await page.getByTestId('viewer-photo').waitFor();
    await until(loaded('viewer-photo'));
    const box = (await canvas().boundingBox())!;
    const divider = page.getByTestId('viewer-divider');
    const handle = (await divider.boundingBox())!;
    await page.mouse.move(handle.x + handle.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.35, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    assert.equal(await divider.getAttribute('aria-valuenow'), '35');
    const line = Math.round(box.width * 0.35);
    await page.screenshot({ path: join(TEST_RESULTS, 'e2e-viewer-before-after.png') });
    const image = await drawn();
    const screen = await screenOf(canvas());
    const [ox, oy] = [Math.round(screen.left - image.x), Math.round(screen.top - image.y)];
    const left = { x0: 0, x1: line - 12 };
    const right = { x0: line + 12, x1: screen.pixels.width };
    const photoLeft = agreement(screen.pixels, photo, ox, oy, left);
    const resultRight = agreement(screen.pixels, results[1], ox, oy, right);
    assert.ok(photoLeft > 0.99, `left of the divider ${(photoLeft * 100).toFixed(2)} % photo`);
    assert.ok(resultRight > 0.99, `right of the divider ${(resultRight * 100).toFixed(2)} % result`);
    assert.ok(agreement(screen.pixels, results[1], ox, oy, left) < 0.1, 'no result left of the divider');
    await page.getByTestId('viewer-compare').uncheck();
  });

  it('shows the photo while Space is held, and the result again when it is let go', async () => {
    const whole = async () => {
      const image = await drawn();
      const screen = await screenOf(canvas());
      const [ox, oy] = [Math.round(screen.left - image.x), Math.round(screen.top - image.y)];
      const all = { x0: 0, x1: screen.pixels.width };
      return {
        photo: agreement(screen.pixels, photo, ox, oy, all),
        result: agreement(screen.pixels, results[1], ox, oy, all),
      };
    };
    await page.keyboard.down(' ');
    await page.getByTestId('viewer-photo').waitFor();
    const held = await whole();
    await page.screenshot({ path: join(TEST_RESULTS, 'e2e-viewer-space.png') });
    await page.keyboard.up(' ');
    await page.getByTestId('viewer-photo').waitFor({ state: 'detached' });
    const released = await whole();
    assert.ok(held.photo > 0.99, `Space held: ${(held.photo * 100).toFixed(2)} % photo`);
    assert.ok(released.result > 0.99, `let go: ${(released.result * 100).toFixed(2)} % result`);
  });

  it('follows a running run’s previews on its page, then shows its result', async () => {
    const photoId = (await studio.handlers['runs.get']({ runId: runs[0].runId })).run.contentImage!.id;
    const { runId } = await studio.handlers['runs.queue']({
      project: 'pattern',
      contentImageId: photoId,
      styleImageIds: [runs[0].resultId],
      settings: { size: 64, iterations: 100, previewEvery: 4 },
    });
    await page.goto(`${host.url.split('#')[0]}#/runs/${runId}`);
    const preview = page.locator(`[data-testid="viewer-result"][alt="run ${runId} latest preview"]`);
    await preview.waitFor({ timeout: 60_000 });
    const seen = new Set([await preview.getAttribute('data-image-id')]);
    await page.locator(`[data-testid="viewer-result"][alt="run ${runId} result"]`).waitFor({ timeout: 120_000 });
    const { outputs } = await studio.handlers['runs.get']({ runId });
    const previews = outputs.filter((output) => output.kind === 'preview').map((output) => String(output.image.id));
    assert.ok(
      [...seen].every((id) => previews.includes(id!)),
      `showed previews ${[...seen]} of ${previews}`,
    );
    assert.equal(
      await shown().getAttribute('data-image-id'),
      String(outputs.find((output) => output.kind === 'result')!.image.id),
    );
    await page.goto(`${host.url.split('#')[0]}#/runs/${runs[1].runId}`);
    await shown().waitFor();
  });

  it('steps through the project’s results with ←/→', async () => {
    await page.keyboard.press('ArrowLeft');
    await until(`window.location.hash === '#/runs/${runs[0].runId}'`);
    await page.locator(`[data-testid="viewer-result"][data-image-id="${runs[0].resultId}"]`).waitFor();
    assert.equal(await page.getByRole('heading', { name: `Run ${runs[0].runId}` }).count(), 1);
    // The oldest: ← goes no further.
    await page.keyboard.press('ArrowLeft');
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate('window.location.hash'), `#/runs/${runs[0].runId}`);
    await page.keyboard.press('ArrowRight');
    await page.locator(`[data-testid="viewer-result"][data-image-id="${runs[1].resultId}"]`).waitFor();
    await page.screenshot({ path: join(TEST_RESULTS, 'e2e-viewer-step.png') });
    // The studio's own shortcuts still work beside the viewer's.
    await page.keyboard.press('Alt+2');
    await until(`window.location.hash === '#/grids'`);
  });
});
