import type { Page } from 'playwright-core';

/**
 * Opens the Paint editor's Advanced disclosure where it is closed (it opens closed in a new browser,
 * then as it was left): the suites that set layers, exact weights or the schedule call this first.
 */
export async function openAdvanced(page: Page): Promise<void> {
  const advanced = page.getByTestId('advanced');
  await advanced.waitFor();
  if ((await advanced.getAttribute('open')) === null) await advanced.locator('summary').click();
  await page.getByTestId('iterations').waitFor({ state: 'visible' });
}
