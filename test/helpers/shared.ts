import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `../shared` next to the project: real pretrained weights and classic images for tests. It is
 * optional; a suite that needs it is skipped with this reason, printed so nobody mistakes a skip
 * for a pass.
 */
const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SHARED = join(projectRoot, '..', 'shared');

export function sharedSkipReason(...paths: string[]): string | false {
  const missing = paths.map((p) => join(SHARED, p)).filter((p) => !existsSync(p));
  if (missing.length === 0) return false;
  const reason = `real-data suite skipped: ${missing[0]} is absent (../shared provides real weights and images)`;
  console.log(`# NOTICE ${reason}`);
  return reason;
}

export const TEST_RESULTS = join(projectRoot, 'test-results');
