import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium, driven through playwright-core, which downloads no browser; PASTICHE_CHROMIUM names another. */
export const CHROMIUM = process.env.PASTICHE_CHROMIUM ?? '/usr/bin/chromium';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

/** A desktop-sized page whose uncaught errors land in `errors`: a view that breaks quietly is still broken. */
export async function studioPage(browser: Browser, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on('pageerror', (error) => errors.push(error.message));
  return page;
}
