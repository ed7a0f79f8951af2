import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { NEURAL_STYLE_DEFAULTS } from '../../engine/common/stylize/settings.js';
import { pasticheSchedule } from '../../engine/common/stylize/pasticheDefaults.js';
import { quickPreviewSchedule } from '../../engine/common/stylize/quality.js';
import { scheduleIterations } from '../../engine/common/stylize/schedule.js';
import { strengthOf, weightsAtStrength } from '../../engine/common/stylize/styleStrength.js';
import { productRoot } from '../../engine/node/resources.js';
import { openStudioThread, type StudioConnection } from '../../engine/node/studio/studioThread.js';
import { startWebHost, type WebHost } from '../../engine/node/studio/webHost.js';
import { CHROMIUM, launchChromium, studioPage } from '../helpers/chromium.js';
import { asStylization } from '../helpers/runs.js';
import { TEST_RESULTS } from '../helpers/shared.js';
import { writeStudioPictures } from '../helpers/studioPictures.js';

const RENDERER = join(productRoot(), 'dist', 'renderer');
const skip = !existsSync(CHROMIUM)
  ? `end-to-end suite skipped: no browser at ${CHROMIUM} (apt-get install chromium)`
  : false;
if (skip) console.log(`# NOTICE ${skip}`);

/** The laptop screen the editor must fit without scrolling sideways. */
const SCREEN = { width: 1280, height: 800 };
const VGG = { contentWeight: NEURAL_STYLE_DEFAULTS.contentWeight, styleWeight: NEURAL_STYLE_DEFAULTS.styleWeight };

// The Paint editor as an artist meets it: what they decide first, everything else one click away.
describe('the Paint editor: simple first, Advanced one click away', { skip }, () => {
  const files = mkdtempSync(join(tmpdir(), 'pastiche-simple-editor-'));
  const home = mkdtempSync(join(tmpdir(), 'pastiche-simple-editor-home-'));
  let studio: StudioConnection;
  let host: WebHost;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  const advanced = () => page.getByTestId('advanced');
  const strength = () => page.getByTestId('style-strength');
  const shownWeights = async () => {
    const text = (await page.getByTestId('strength-weights').textContent())!.replace(/\s+/g, ' ').trim();
    const [, content, style] = /^content (\S+) · style (\S+)$/.exec(text) ?? [];
    assert.ok(content && style, `the weights beside the control: ${text}`);
    return { contentWeight: Number(content), styleWeight: Number(style) };
  };
  const noSidewaysScroll = async (what: string) => {
    const widths = await page.evaluate(
      `[document.documentElement.scrollWidth, document.documentElement.clientWidth,
        document.querySelector('section[aria-label="Paint"]').scrollWidth,
        document.querySelector('section[aria-label="Paint"]').clientWidth]`,
    );
    const [pageWidth, viewport, panelWidth, panel] = widths as number[];
    assert.ok(pageWidth <= viewport, `${what}: the page scrolls sideways (${pageWidth} > ${viewport} px)`);
    assert.ok(panelWidth <= panel, `${what}: the paint panel overflows (${panelWidth} > ${panel} px)`);
  };
  /** Paint stays on the screen whatever lies below it. */
  const paintInReach = async (what: string) => {
    const box = await page.getByRole('button', { name: 'Paint', exact: true }).boundingBox();
    assert.ok(box && box.y >= 0 && box.y + box.height <= SCREEN.height, `${what}: Paint is off the screen (${box?.y})`);
  };
  /** The library holds what this page added or a run used: after a reload the pictures are added again. */
  async function choosePictures() {
    await page.getByTestId('add-images').setInputFiles([join(files, 'harbour.png'), join(files, 'swirls.png')]);
    await page.locator('figure', { hasText: 'harbour.png' }).getByRole('button', { name: 'Photo' }).click();
    await page.locator('figure', { hasText: 'swirls.png' }).getByRole('button', { name: 'Style' }).click();
  }

  before(async () => {
    assert.ok(existsSync(join(RENDERER, 'index.html')), 'npm run build makes dist/renderer');
    studio = await openStudioThread({ home, backend: 'wasm', version: 'e2e' });
    host = await startWebHost({ handlers: studio.handlers, subscribe: studio.subscribe, staticDir: RENDERER });
    // The first-start notice about pretrained networks is another test's subject (firstStart.test.ts).
    await studio.handlers['notices.dismiss']({ notice: 'pretrained-network' });
    browser = await launchChromium();
    page = await studioPage(browser, pageErrors);
    await page.setViewportSize(SCREEN);
    mkdirSync(TEST_RESULTS, { recursive: true });
    await writeStudioPictures(files);
  });

  after(async () => {
    assert.deepEqual(pageErrors, [], 'the page threw');
    await browser?.close();
    await host?.close();
    await studio?.close();
    rmSync(files, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  it('opens on what an artist decides, with Advanced closed, and fits 1280×800', async () => {
    await page.goto(host.url);
    await choosePictures();
    for (const control of ['network', 'size', 'style-strength', 'quality-quick', 'quality-finished']) {
      assert.ok(await page.getByTestId(control).isVisible(), `${control} is shown`);
    }
    assert.ok(await page.getByRole('button', { name: 'Paint', exact: true }).isEnabled());
    assert.equal(await page.getByTestId('network').inputValue(), 'vgg19-random');
    assert.ok(await page.getByTestId('quality-finished').isChecked(), "Finished, Pastiche's default, to start");
    assert.deepEqual(await shownWeights(), VGG, "the network's own weights beside the control");
    assert.equal(Number(await strength().inputValue()), 50, 'at the middle');
    assert.equal(await advanced().getAttribute('open'), null, 'Advanced starts closed');
    for (const hidden of ['iterations', 'seed', 'init', 'content-weight', 'style-weight', 'optimizer']) {
      assert.equal(await page.getByTestId(hidden).isVisible(), false, `${hidden} waits under Advanced`);
    }
    assert.equal(await page.getByLabel('conv1_1 as style').isVisible(), false, 'the layer table too');
    await noSidewaysScroll('simple editor');
    await paintInReach('simple editor');
    await page.screenshot({ path: join(TEST_RESULTS, 'e2e-simple-editor.png') });
  });

  it('moves the exact weights with the strength, and the strength with the exact weights', async () => {
    await strength().fill('75');
    assert.deepEqual(
      await shownWeights(),
      { contentWeight: 5, styleWeight: 1000 },
      'a quarter up: ten times the style',
    );
    await strength().fill('25');
    assert.deepEqual(await shownWeights(), { contentWeight: 5, styleWeight: 10 });

    await advanced().locator('summary').click();
    assert.equal(Number(await page.getByTestId('style-weight').inputValue()), 10, 'the exact weight is the one shown');
    await page.getByTestId('content-weight').fill('50');
    await page.getByTestId('style-weight').fill('10000');
    assert.deepEqual(await shownWeights(), { contentWeight: 50, styleWeight: 10000 });
    assert.equal(Number(await strength().inputValue()), 50 + 25 * Math.log10(10000 / 50 / 20), 'one decade up: 75');
    await page.getByTestId('style-weight').fill('1');
    assert.equal(Number(await strength().inputValue()), 0, 'clamped at its weakest end');
    await page.getByTestId('content-weight').fill('');
    const typing = (await page.getByTestId('strength-weights').textContent())!.replace(/\s+/g, ' ').trim();
    assert.equal(typing, 'content — · style 1', 'a weight being typed');
    await page.getByTestId('settings-problem').waitFor();
    await strength().fill('50');
    assert.deepEqual(await shownWeights(), VGG, "the control starts again from the network's own weights");
    await page.getByTestId('content-weight').fill(String(VGG.contentWeight));
    await page.getByTestId('style-weight').fill(String(VGG.styleWeight));
  });

  it('keeps Advanced open across a reload, and it fits 1280×800 open too', async () => {
    assert.notEqual(await advanced().getAttribute('open'), null);
    await page.goto(host.url); // a reload, as the other suites make it: the address holds the token again
    await advanced().waitFor();
    assert.notEqual(await advanced().getAttribute('open'), null, 'still open after a reload');
    assert.ok(await page.getByTestId('iterations').isVisible());
    await choosePictures();
    await noSidewaysScroll('Advanced open');
    await paintInReach('Advanced open');
    await page.screenshot({ path: join(TEST_RESULTS, 'e2e-advanced-editor.png') });
    await page.screenshot({ path: join(TEST_RESULTS, 'e2e-advanced-editor-full.png'), fullPage: true });
  });

  it('stores exactly the settings set in Advanced and by the strength', async () => {
    await page.getByTestId('size').fill('24');
    await strength().fill('60');
    const strengthWeights = weightsAtStrength(60, VGG, VGG);
    assert.deepEqual(await shownWeights(), strengthWeights);
    await page.getByTestId('init').selectOption('noise');
    await page.getByTestId('seed').fill('7');
    await page.getByTestId('tv-weight').fill('0.01');
    await page.getByTestId('optimizer').selectOption('adam');
    await page.getByLabel('learning rate').fill('2.5');
    await page.getByLabel('Pooling').selectOption('avg');
    await page.getByTestId('preserve-colors').selectOption('luminance');
    await page.getByLabel('conv4_2 as content').uncheck();
    await page.getByLabel('conv3_1 as content').check();
    await page.getByLabel('conv5_1 as style').uncheck();
    await page.getByLabel('conv2_1 style weight').fill('0.5');
    await page.getByTestId('iterations').fill('3');
    await page.getByTestId('preview-every').fill('1');
    assert.equal(await page.getByTestId('quality-own').isVisible(), true, 'typed iterations: a schedule of its own');
    await page.getByRole('button', { name: 'Paint', exact: true }).click();
    await page.locator('[data-testid="live-run"][data-status="done"]').waitFor({ timeout: 120_000 });

    const [stored] = (await studio.handlers['runs.list']({ project: 'harbour' })).map(asStylization);
    const { settings } = stored;
    const { contentWeight, styleWeight } = strengthWeights;
    assert.deepEqual(
      {
        network: settings.network,
        size: settings.size,
        init: settings.init,
        seed: settings.seed,
        contentWeight: settings.contentWeight,
        styleWeight: settings.styleWeight,
        tvWeight: settings.tvWeight,
        optimizer: settings.optimizer,
        pooling: settings.pooling,
        preserveColors: settings.preserveColors,
        contentLayers: settings.contentLayers,
        styleLayers: settings.styleLayers,
        iterations: settings.iterations,
        previewEvery: settings.previewEvery,
        schedule: settings.schedule,
      },
      {
        network: 'vgg19-random',
        size: 24,
        init: 'noise',
        seed: 7,
        contentWeight,
        styleWeight,
        tvWeight: 0.01,
        optimizer: { name: 'adam', learningRate: 2.5, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
        pooling: 'avg',
        preserveColors: 'luminance',
        contentLayers: ['conv3_1'],
        styleLayers: [
          { layer: 'conv1_1', weight: 1 },
          { layer: 'conv2_1', weight: 0.5 },
          { layer: 'conv3_1', weight: 1 },
          { layer: 'conv4_1', weight: 1 },
        ],
        iterations: 3,
        previewEvery: 1,
        schedule: null,
      },
    );
    assert.ok(Math.abs(strengthOf(settings, VGG) - 60) < 0.06, 'the stored weights read back as the strength set');
    await page.screenshot({ path: join(TEST_RESULTS, 'e2e-advanced-painted.png'), fullPage: true });
  });

  it('queues a quick preview as the finished schedule’s coarse stages, and Finished as the default', async () => {
    await page.getByTestId('size').fill('512');
    await page.getByTestId('quality-quick').check();
    assert.equal(Number(await page.getByTestId('iterations').inputValue()), 210, 'the coarse stages: 150 + 60');
    await page.getByRole('button', { name: 'Paint', exact: true }).click();
    const quick = await queuedAfter(1);
    assert.deepEqual(quick.settings.schedule, quickPreviewSchedule(512));
    assert.equal(quick.settings.size, 256, 'at half the size');
    assert.equal(quick.settings.iterations, scheduleIterations(quickPreviewSchedule(512)));
    await studio.handlers['runs.cancel']({ runId: quick.id });

    // Forked, the quick preview opens as one, of the finished picture at twice its size.
    await page.goto(`${page.url().split('#')[0]}#/runs/${quick.id}`);
    await page.getByRole('button', { name: 'Fork into the editor' }).click();
    await page.getByTestId('forked-from').getByText(`run ${quick.id}`).waitFor();
    assert.ok(await page.getByTestId('quality-quick').isChecked());
    assert.equal(Number(await page.getByTestId('size').inputValue()), 512);
    await page.screenshot({ path: join(TEST_RESULTS, 'e2e-quick-fork.png') });
    await page.getByTestId('quality-finished').check();
    await page.getByRole('button', { name: 'Paint', exact: true }).click();
    const finished = await queuedAfter(2);
    assert.deepEqual(finished.settings.schedule, pasticheSchedule(512));
    assert.equal(finished.settings.size, 512);
    await studio.handlers['runs.cancel']({ runId: finished.id });
  });

  /** The newest run once `count` runs came before it (queueing is answered before the list shows it). */
  async function queuedAfter(count: number) {
    for (let tries = 0; tries < 100; tries++) {
      const runs = (await studio.handlers['runs.list']({ project: 'harbour' })).map(asStylization);
      if (runs.length > count) return runs.sort((a, b) => b.id - a.id)[0];
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no run was queued after the first ${count}`);
  }
});
