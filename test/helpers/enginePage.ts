import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from './chromium.js';
import { COMPUTE_PORT_MESSAGE, type ComputePort } from '../../engine/common/api/computeProtocol.js';
import { productRoot } from '../../engine/node/resources.js';

/** Debian's Chromium, as the end-to-end suite drives it; Playwright downloads nothing. */
export const ENGINE_PAGE = join(productRoot(), 'dist', 'engine-page', 'enginePage.html');

/** Why the engine page's tests cannot run here, printed as a NOTICE; false when they can. */
export function enginePageSkipReason(): string | false {
  const reason = !existsSync(CHROMIUM)
    ? `engine window suite skipped: no browser at ${CHROMIUM} (apt-get install chromium)`
    : false;
  if (reason) console.log(`# NOTICE ${reason}`);
  return reason;
}

export interface EnginePage {
  readonly browser: Browser;
  readonly page: Page;
  /** The engine's end of the compute protocol, bridged through Playwright to a MessageChannel in the page. */
  readonly port: ComputePort;
  /** Errors the page threw. */
  readonly errors: string[];
}

/**
 * The built engine window's page (dist/engine-page) in headless Chromium, loaded from file:// as
 * Electron loads it, and handed a port exactly as its preload does. --disable-gpu leaves WebGL to
 * SwiftShader, Chromium's software Vulkan under ANGLE: WebGL 2 with 32-bit float textures.
 */
export async function openEnginePage(
  options: { readonly acceptSoftwareRendering?: boolean } = {},
): Promise<EnginePage> {
  if (!existsSync(ENGINE_PAGE)) throw new Error(`${ENGINE_PAGE} is missing: npm run build makes it`);
  const browser = await launchChromium();
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('crash', () => errors.push('the page crashed'));
  const listeners: Array<(data: unknown) => void> = [];
  await page.exposeBinding('pasticheToNode', (_source, data: unknown) =>
    listeners.forEach((listener) => listener(data)),
  );
  // Headless Chromium here renders in software (SwiftShader), which the studio's window refuses.
  await page.goto(
    `${pathToFileURL(ENGINE_PAGE).href}${options.acceptSoftwareRendering === false ? '' : '?software=accept'}`,
  );
  await page.evaluate(`(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => window.pasticheToNode(event.data);
    window.pasticheFromNode = (data) => channel.port1.postMessage(data);
    window.postMessage(${JSON.stringify(COMPUTE_PORT_MESSAGE)}, '*', [channel.port2]);
  })()`);
  // One message after another, in order, as a port delivers them.
  let sending: Promise<unknown> = Promise.resolve();
  const port: ComputePort = {
    postMessage(message) {
      sending = sending
        .then(() =>
          page.evaluate(
            (data) => (globalThis as unknown as { pasticheFromNode(data: unknown): void }).pasticheFromNode(data),
            message,
          ),
        )
        .catch((error: unknown) => void errors.push(`a message to the page was lost: ${String(error)}`));
    },
    onMessage: (listener) => void listeners.push(listener),
    close: () => void 0,
  };
  return { browser, page, port, errors };
}
